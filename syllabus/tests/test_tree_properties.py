"""Property test: any sequence of insert / move / reorder / delete through the syllabus services leaves
a proper tree (one root, depth = parent depth + 1, siblings numbered 1..n, no cycles) after every step.

Operations pick their modules and positions by index into the current tree, so hypothesis can shrink a
failing sequence; an operation the service refuses (a cycle, the root) must leave the tree unchanged.
"""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.tests.factories import CourseFactory
from syllabus import services
from syllabus.models import Module, ModuleType
from syllabus.tests.test_services import tree_problems

pytestmark = pytest.mark.django_db

operation = st.one_of(
    st.tuples(st.just("insert"), st.integers(0, 10_000), st.integers(1, 10_000)),
    st.tuples(st.just("move"), st.integers(0, 10_000), st.integers(0, 10_000), st.integers(1, 10_000)),
    st.tuples(st.just("reorder"), st.integers(0, 10_000), st.integers(1, 10_000)),
    st.tuples(st.just("delete"), st.integers(0, 10_000)),
)


def snapshot(course_id: int) -> set[tuple]:
    return set(
        Module.objects.filter(course_id=course_id).values_list("id", "parent_module_id", "depth", "sequence_index")
    )


def pick(modules: list[Module], index: int) -> Module:
    return modules[index % len(modules)]


def position_for(count: int, index: int) -> int:
    return 1 + (index - 1) % count


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, min_size=1, max_size=15))
def test_random_edits_keep_the_module_tree_a_tree(operations):
    course = CourseFactory()
    for number, op in enumerate(operations):
        modules = list(Module.objects.filter(course=course).order_by("pk"))
        before = snapshot(course.pk)
        refused = False
        kind = op[0]
        try:
            if kind == "insert":
                parent = pick(modules, op[1])
                count = Module.objects.filter(parent_module=parent).count() + 1
                services.create_module(
                    parent=parent,
                    module_type=ModuleType.LESSON,
                    title=f"m{number}",
                    position=position_for(count, op[2]),
                )
            elif kind == "move":
                module, new_parent = pick(modules, op[1]), pick(modules, op[2])
                staying = Module.objects.filter(parent_module=new_parent).exclude(pk=module.pk).count() + 1
                services.move_module(module=module, new_parent=new_parent, position=position_for(staying, op[3]))
            elif kind == "reorder":
                module = pick(modules, op[1])
                count = max(Module.objects.filter(parent_module_id=module.parent_module_id).count(), 1)
                services.reorder_module(module=module, position=position_for(count, op[2]))
            else:
                services.delete_module(module=pick(modules, op[1]))
        except ValidationError:
            refused = True
        assert tree_problems(course.pk) == [], (number, op)
        if refused:
            assert snapshot(course.pk) == before, (number, op)
    course.delete()
