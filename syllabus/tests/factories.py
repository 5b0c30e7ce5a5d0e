"""Factories for syllabus, tenant-consistent: a module's course is its parent's, a content item's
course is its module's and its university the course's, a pool's university is its course's.

``ModuleFactory(course=c)`` hangs the module under c's root (created on demand);
``ModuleFactory(parent_module=m)`` under m. Sibling order is dense (next free index).
"""

import factory
from django.db.models import Max
from factory.django import DjangoModelFactory

from catalog.tests.factories import CourseFactory, UniversityFactory
from syllabus.content_schemas import BUILTIN_CONTENT_LABELS, BUILTIN_CONTENT_SCHEMAS
from syllabus.models import (
    Asset,
    AssetType,
    ContentItem,
    ContentType,
    Module,
    ModuleTemplate,
    ModuleType,
    Question,
    QuestionPool,
    QuestionType,
)


def builtin_content_type(name: str) -> ContentType:
    """The built-in type ``name`` (installed by migration; recreated if a flushing test removed it)."""
    content_type, _ = ContentType.objects.get_or_create(
        name=name,
        defaults={
            "label": BUILTIN_CONTENT_LABELS[name],
            "json_schema": BUILTIN_CONTENT_SCHEMAS[name],
            "is_builtin": True,
        },
    )
    return content_type


def root_module_for(course) -> Module:
    root, _ = Module.objects.get_or_create(
        course=course,
        module_type=ModuleType.COURSE_ROOT,
        defaults={"title": course.title, "parent_module": None, "depth": 0, "sequence_index": 1},
    )
    return root


def _next_index(queryset) -> int:
    return (queryset.aggregate(top=Max("sequence_index"))["top"] or 0) + 1


class CourseWithRootFactory(CourseFactory):
    """A course with its ``course_root`` module, as the catalog service creates them."""

    class Meta:
        skip_postgeneration_save = True

    root = factory.RelatedFactory("syllabus.tests.factories.CourseRootModuleFactory", factory_related_name="course")


class CourseRootModuleFactory(DjangoModelFactory):
    class Meta:
        model = Module
        django_get_or_create = ("course", "module_type")

    course = factory.SubFactory(CourseFactory)
    module_type = ModuleType.COURSE_ROOT
    parent_module = None
    title = factory.SelfAttribute("course.title")
    depth = 0
    sequence_index = 1


class ModuleTemplateFactory(DjangoModelFactory):
    class Meta:
        model = ModuleTemplate

    template_type = ModuleType.LESSON
    university = None
    title = factory.Sequence(lambda n: f"Template {n}")
    default_data = factory.LazyFunction(lambda: {"layout": "lesson_v1"})


class ModuleFactory(DjangoModelFactory):
    """A lesson under ``parent_module``, or under the root of ``course``, or under the root of a new course."""

    class Meta:
        model = Module

    course = None
    parent_module = None
    module_type = ModuleType.LESSON
    title = factory.Sequence(lambda n: f"Module {n}")
    is_published = True

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        parent = kwargs.get("parent_module")
        if parent is None:
            parent = root_module_for(kwargs.get("course") or CourseFactory())
        kwargs["parent_module"] = parent
        kwargs["course"] = parent.course
        kwargs.setdefault("depth", parent.depth + 1)
        if kwargs.get("sequence_index") is None:
            kwargs["sequence_index"] = _next_index(Module.objects.filter(parent_module=parent))
        return kwargs


class ContentTypeFactory(DjangoModelFactory):
    """A custom (admin-defined) type; use :func:`builtin_content_type` for the six built-ins."""

    class Meta:
        model = ContentType

    name = factory.Sequence(lambda n: f"custom_{n}")
    label = factory.Sequence(lambda n: f"Custom type {n}")
    json_schema = factory.LazyFunction(
        lambda: {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "required": ["body"],
            "properties": {"body": {"type": "string"}},
        }
    )


class ContentItemFactory(DjangoModelFactory):
    """A text item with a valid payload. Pass ``module=``; course and university follow it."""

    class Meta:
        model = ContentItem

    module = factory.SubFactory(ModuleFactory)
    course = factory.SelfAttribute("module.course")
    university = factory.SelfAttribute("course.university")
    content_type = factory.LazyFunction(lambda: builtin_content_type("text"))
    title = factory.Sequence(lambda n: f"Content item {n}")
    sequence_index = factory.LazyAttribute(lambda o: _next_index(ContentItem.objects.filter(module=o.module)))
    estimated_duration_seconds = 600
    data_json = factory.LazyFunction(
        lambda: {
            "layout": "rich_text_v1",
            "title": "What are linear equations?",
            "blocks": [
                {"type": "paragraph", "text": "A linear equation has degree one."},
                {"type": "math", "latex": "2x + 1 = 5"},
            ],
        }
    )
    learning_objectives = factory.LazyFunction(lambda: ["Solve a linear equation"])


class QuestionPoolFactory(DjangoModelFactory):
    class Meta:
        model = QuestionPool

    course = factory.SubFactory(CourseFactory)
    university = factory.SelfAttribute("course.university")
    title = factory.Sequence(lambda n: f"Question pool {n}")


class QuestionFactory(DjangoModelFactory):
    """A multiple-choice question (2 + 2 = ?)."""

    class Meta:
        model = Question

    pool = factory.SubFactory(QuestionPoolFactory)
    question_type = QuestionType.MULTIPLE_CHOICE
    prompt = "What is 2 + 2?"
    choices = factory.LazyFunction(lambda: [{"key": "a", "text": "3"}, {"key": "b", "text": "4"}, {"key": "c", "text": "5"}])
    correct_answer = "b"
    points = 1
    explanation = "Two and two make four."
    sequence_index = factory.LazyAttribute(lambda o: _next_index(Question.objects.filter(pool=o.pool)))


class QuizContentItemFactory(ContentItemFactory):
    """A quiz item whose pool belongs to the item's course."""

    content_type = factory.LazyFunction(lambda: builtin_content_type("quiz"))
    data_json = factory.LazyAttribute(
        lambda o: {
            "question_pool_id": QuestionPoolFactory(course=o.course).pk,
            "quiz_mode": "practice",
            "num_questions_per_attempt": 5,
            "randomize_order": True,
            "time_limit_seconds": None,
            "mastery": {"points": 50, "threshold_correct_in_row": 3, "max_attempts": 5},
        }
    )


class LabContentItemFactory(ContentItemFactory):
    content_type = factory.LazyFunction(lambda: builtin_content_type("engineering_lab"))
    data_json = factory.LazyFunction(
        lambda: {
            "lab_type": "code",
            "runtime": "python-datascience",
            "container_image": "registry.example.edu/labs/python:2026.1",
            "timeout_seconds": 3600,
            "grading": {"type": "unit_tests", "max_points": 100},
        }
    )


class AssetFactory(DjangoModelFactory):
    class Meta:
        model = Asset

    university = factory.SubFactory(UniversityFactory)
    url = factory.Sequence(lambda n: f"https://cdn.example.edu/assets/{n}.png")
    asset_type = AssetType.IMAGE
    meta_json = factory.LazyFunction(lambda: {"width": 800, "height": 600, "alt_text": "A diagram"})
