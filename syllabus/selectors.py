"""Syllabus selectors: reads of the module tree, content and question bank.

Contract: plain keyword-only functions that never write. Tree reads are one flat query whose rows
come in depth-first (pre-)order, siblings by ``sequence_index``, so a caller builds the nested tree in
one pass (``assemble_tree``). Tenant scoping is the caller's job until the access selectors of the
authoring issue exist: every function here takes a course id that the caller already may see.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import QuerySet

from syllabus.models import ContentItem, Module, Question

_TREE_SQL = """
    WITH RECURSIVE tree AS (
        SELECT m.id, ARRAY[m.sequence_index] AS sort_path
        FROM modules m WHERE m.course_id = %(course)s AND m.parent_module_id IS NULL
      UNION ALL
        SELECT c.id, t.sort_path || c.sequence_index
        FROM modules c JOIN tree t ON c.parent_module_id = t.id
    )
    SELECT m.* FROM modules m JOIN tree t ON m.id = t.id ORDER BY t.sort_path
"""


def get_course_tree(*, course_id: int) -> list[Module]:
    """Every module of the course in depth-first order (root first), in one query."""
    return list(Module.objects.raw(_TREE_SQL, {"course": course_id}))


@dataclass
class TreeNode:
    module: Module
    children: list[TreeNode] = field(default_factory=list)


def assemble_tree(modules: list[Module]) -> TreeNode | None:
    """Nest the flat list of :func:`get_course_tree` (no queries); answer the root node."""
    nodes: dict[int, TreeNode] = {}
    root = None
    for module in modules:
        node = nodes[module.pk] = TreeNode(module)
        if module.parent_module_id is None:
            root = node
        else:
            nodes[module.parent_module_id].children.append(node)
    return root


_CHAIN_PUBLISHED_SQL = """
    WITH RECURSIVE chain(id, parent_id, is_published) AS (
        SELECT id, parent_module_id, is_published FROM modules WHERE id = %(module)s
      UNION ALL
        SELECT m.id, m.parent_module_id, m.is_published FROM modules m JOIN chain c ON m.id = c.parent_id
    )
    SELECT COALESCE(bool_and(is_published), false) FROM chain
"""


def is_published_with_ancestors(*, module_id: int) -> bool:
    """Whether the module and every module above it are published (what learners need), in one query."""
    with connection.cursor() as cursor:
        cursor.execute(_CHAIN_PUBLISHED_SQL, {"module": module_id})
        return bool(cursor.fetchone()[0])


def get_course_root(*, course_id: int) -> Module:
    return Module.objects.get(course_id=course_id, parent_module__isnull=True)


def get_module_children(*, module_id: int) -> QuerySet[Module]:
    return Module.objects.filter(parent_module_id=module_id).order_by("sequence_index")


def get_module_content_items(*, module_id: int) -> QuerySet[ContentItem]:
    return ContentItem.objects.filter(module_id=module_id).select_related("content_type").order_by("sequence_index")


def get_pool_questions(*, pool_id: int) -> QuerySet[Question]:
    return Question.objects.filter(pool_id=pool_id).order_by("sequence_index")
