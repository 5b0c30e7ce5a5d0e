"""Module templates and syllabus copies: the library services of the authoring issue.

Contract:
- ``save_subtree_as_template(actor=, module=, title=, description=)``: a ``module_templates`` row in the
  course's university library whose ``default_data`` holds the subtree (types, titles, descriptions,
  every content item with its ``data_json``) and the question pools its quizzes draw from.
  ``platform_wide=True`` (platform admins only) puts it in the platform library instead.
- ``instantiate_template(actor=, template=, parent=, position=)``: copies the subtree under ``parent``;
  every copied module has ``module_template_id`` set; quiz pools are copied into the course and the
  copies point at them. Copies start unpublished.
- ``copy_course_syllabus(actor=, source=, target=)``: appends the whole tree of ``source`` (below its
  root), its content, and its question pools to ``target`` (same university) in one transaction.
- ``copy_syllabus_to_new_course(actor=, source=, code=, title=)``: a new edition: creates an unpublished
  course in the source's university and department (through ``catalog.services.create_course``, copying
  its descriptors) and copies the syllabus into it, all in one transaction: if any part fails, no course
  is left behind. Allowed to whoever may edit the source (``permissions.can_create_edition``).
- All three run in one transaction, re-check the policy with ``actor`` (None = system job), keep depth
  and dense sibling order (the top node goes through ``services.create_module``, which locks the
  target tree; the new descendants are bulk-inserted level by level, one INSERT per level), and bump
  the target course's ``structure_version``.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q

from catalog import services as catalog_services
from catalog.models import Course
from catalog.services import bump_structure_version
from syllabus import selectors, services
from syllabus.content_schemas import validate_data_json
from syllabus.models import ContentItem, ContentType, Module, ModuleTemplate, ModuleType, Question, QuestionPool
from syllabus.permissions import (
    NOT_ALLOWED,
    can_create_edition,
    can_view_authoring,
    is_platform_admin,
    require_edit,
)

TEMPLATE_FORMAT = "sigma.module_template.v1"
TEMPLATE_ROOT_NOT_ALLOWED = "The course root cannot be saved as a template; copy the course's syllabus instead."
TEMPLATE_EMPTY = "This template has no modules to copy."
TEMPLATE_OTHER_UNIVERSITY = "This template belongs to another university's library."
TEMPLATE_PLATFORM_ONLY_ADMINS = "Only platform admins may add to the platform-wide library."
COPY_OTHER_UNIVERSITY = "A syllabus can only be copied into a course of the same university."
COPY_SAME_COURSE = "Choose another course to copy into."
COPY_CONTENT_TYPE_MISSING = "The content type “{name}” no longer exists."
COPY_CODE_TAKEN = "{university} already has a course with the code “{code}”."
COPY_CODE_REQUIRED = "Give the new course a code."
COPY_TITLE_REQUIRED = "Give the new course a title."
# Descriptors a new edition takes over from its source (its university and department too).
_EDITION_FIELDS = ("description", "level", "difficulty", "language_code", "credit_hours")

_ITEM_FIELDS = (
    "title",
    "description",
    "estimated_duration_seconds",
    "data_json",
    "learning_objectives",
    "prompt_name",
    "prompt_label",
    "is_active",
)
_QUESTION_FIELDS = (
    "question_type",
    "prompt",
    "choices",
    "correct_answer",
    "points",
    "explanation",
    "partial_credit",
    "tolerance_mode",
    "exact_match",
)


# --- snapshots ------------------------------------------------------------------------------------------


def _snapshot(*, course_id: int, top_ids: list[int]) -> tuple[list[dict], list[dict]]:
    """The subtrees under ``top_ids`` as nested dicts, and the pools their quizzes use (three queries)."""
    modules = selectors.get_course_tree(course_id=course_id)
    children: dict[int, list[Module]] = defaultdict(list)
    for module in modules:
        if module.parent_module_id is not None:
            children[module.parent_module_id].append(module)
    items: dict[int, list[ContentItem]] = defaultdict(list)
    for item in (
        ContentItem.objects.filter(course_id=course_id)
        .select_related("content_type")
        .order_by("module_id", "sequence_index")
    ):
        items[item.module_id].append(item)
    by_id = {module.pk: module for module in modules}
    pool_ids: set[int] = set()

    def node(module: Module) -> dict:
        entries = []
        for item in items.get(module.pk, []):
            entry = {name: getattr(item, name) for name in _ITEM_FIELDS}
            entry["content_type"] = item.content_type.name
            pool_id = (item.data_json or {}).get("question_pool_id") if isinstance(item.data_json, dict) else None
            if isinstance(pool_id, int):
                pool_ids.add(pool_id)
            entries.append(entry)
        return {
            "module_type": module.module_type,
            "title": module.title,
            "description": module.description,
            "module_template_id": module.module_template_id,
            "content_items": entries,
            "children": [node(child) for child in children.get(module.pk, [])],
        }

    nodes = [node(by_id[pk]) for pk in top_ids if pk in by_id]
    pools = []
    for pool in QuestionPool.objects.filter(pk__in=pool_ids, course_id=course_id).prefetch_related("questions"):
        pools.append(
            {
                "id": pool.pk,
                "title": pool.title,
                "description": pool.description,
                "questions": [
                    {
                        **{name: getattr(question, name) for name in _QUESTION_FIELDS},
                        "points": str(question.points),
                        "numeric_tolerance": (
                            None if question.numeric_tolerance is None else str(question.numeric_tolerance)
                        ),
                    }
                    for question in pool.questions.order_by("sequence_index")
                ],
            }
        )
    return nodes, pools


def _count(nodes: list[dict]) -> tuple[int, int]:
    modules = items = 0
    stack = list(nodes)
    while stack:
        current = stack.pop()
        modules += 1
        items += len(current["content_items"])
        stack.extend(current["children"])
    return modules, items


# --- materialising ----------------------------------------------------------------------------------------


def _copy_pools(*, pools: list[dict], course: Course) -> dict[int, int]:
    """Create the pools (and their questions, one INSERT) in ``course``; answer old id → new id."""
    mapping: dict[int, int] = {}
    questions: list[Question] = []
    for pool_data in pools:
        pool = services.create_question_pool(
            course=course, title=pool_data["title"], description=pool_data["description"]
        )
        mapping[int(pool_data["id"])] = pool.pk
        for index, data in enumerate(pool_data["questions"], start=1):
            tolerance = data.get("numeric_tolerance")
            questions.append(
                Question(
                    pool=pool,
                    sequence_index=index,
                    **{
                        **data,
                        "points": Decimal(str(data.get("points", 1))),
                        "numeric_tolerance": None if tolerance is None else Decimal(str(tolerance)),
                    },
                )
            )
    Question.objects.bulk_create(questions)
    return mapping


def _materialize(
    *,
    nodes: list[dict],
    parent: Module,
    position: int | None,
    template_id: int | None,
    pool_map: dict[int, int],
    keep_template_ids: bool,
) -> list[Module]:
    """Insert ``nodes`` (with subtrees and items) under ``parent``; the first top node at ``position``."""
    course = parent.course
    type_names = set()
    stack = list(nodes)
    while stack:
        current = stack.pop()
        type_names.update(item["content_type"] for item in current["content_items"])
        stack.extend(current["children"])
    content_types = {ct.name: ct for ct in ContentType.objects.filter(name__in=type_names)}
    missing = sorted(type_names - set(content_types))
    if missing:
        raise ValidationError(COPY_CONTENT_TYPE_MISSING.format(name=missing[0]), code="content_type")

    def template_of(node: dict) -> int | None:
        return node.get("module_template_id") if keep_template_ids else template_id

    tops: list[Module] = []
    level: list[tuple[Module, dict]] = []
    for offset, top in enumerate(nodes):
        module = services.create_module(
            course=course,
            parent=parent,
            module_type=top["module_type"],
            title=top["title"],
            description=top["description"],
            position=None if position is None else position + offset,
        )
        if template_of(top) is not None:
            Module.objects.filter(pk=module.pk).update(module_template_id=template_of(top))
            module.module_template_id = template_of(top)
        tops.append(module)
        level.append((module, top))
    pending_items: list[ContentItem] = []
    while level:
        next_level: list[tuple[Module, dict]] = []
        new_rows: list[Module] = []
        new_nodes: list[dict] = []
        for module, data in level:
            for index, item in enumerate(data["content_items"], start=1):
                payload = item["data_json"]
                if isinstance(payload, dict) and isinstance(payload.get("question_pool_id"), int):
                    payload = {
                        **payload,
                        "question_pool_id": pool_map.get(payload["question_pool_id"], payload["question_pool_id"]),
                    }
                content_type = content_types[item["content_type"]]
                errors = validate_data_json(content_type.json_schema or {}, payload)
                if errors:
                    raise ValidationError({path: [message] for path, message in errors}, code="data_json")
                pending_items.append(
                    ContentItem(
                        module=module,
                        course_id=course.pk,
                        university_id=course.university_id,
                        content_type=content_type,
                        sequence_index=index,
                        **{**{name: item.get(name) for name in _ITEM_FIELDS}, "data_json": payload},
                    )
                )
            for index, child in enumerate(data["children"], start=1):
                new_rows.append(
                    Module(
                        course_id=course.pk,
                        parent_module=module,
                        module_type=child["module_type"],
                        module_template_id=template_of(child),
                        title=child["title"],
                        description=child["description"],
                        sequence_index=index,
                        depth=module.depth + 1,
                        is_published=False,
                    )
                )
                new_nodes.append(child)
        created = Module.objects.bulk_create(new_rows)
        next_level = list(zip(created, new_nodes, strict=True))
        level = next_level
    for item in pending_items:
        if item.prompt_label is None:
            item.prompt_label = "production"
        if item.learning_objectives is None:
            item.learning_objectives = []
        if item.is_active is None:
            item.is_active = True
    ContentItem.objects.bulk_create(pending_items)
    return tops


# --- services -----------------------------------------------------------------------------------------------


def save_subtree_as_template(
    *,
    actor=None,
    module: Module,
    title: str | None = None,
    description: str | None = None,
    platform_wide: bool = False,
) -> ModuleTemplate:
    course = module.course
    require_edit(actor, course)
    if module.parent_module_id is None:
        raise ValidationError(TEMPLATE_ROOT_NOT_ALLOWED, code="root")
    if platform_wide and actor is not None and not is_platform_admin(actor):
        raise PermissionDenied(TEMPLATE_PLATFORM_ONLY_ADMINS)
    nodes, pools = _snapshot(course_id=course.pk, top_ids=[module.pk])
    modules, items = _count(nodes)
    return ModuleTemplate.objects.create(
        template_type=module.module_type,
        university_id=None if platform_wide else course.university_id,
        title=title or module.title,
        description=description if description is not None else module.description,
        default_data={
            "format": TEMPLATE_FORMAT,
            "source_course_id": course.pk,
            "module_count": modules,
            "content_item_count": items,
            "modules": nodes,
            "question_pools": pools,
        },
    )


def templates_available_for(*, course: Course):
    """The course's university library and the platform-wide one."""
    return ModuleTemplate.objects.filter(Q(university_id=course.university_id) | Q(university__isnull=True)).order_by(
        "title"
    )


def instantiate_template(
    *, actor=None, template: ModuleTemplate, parent: Module, position: int | None = None
) -> list[Module]:
    """Copy the template's subtree under ``parent``; answer the new top module(s)."""
    course = parent.course
    require_edit(actor, course)
    if template.university_id not in (None, course.university_id):
        raise ValidationError(TEMPLATE_OTHER_UNIVERSITY, code="tenant_mismatch")
    data = template.default_data or {}
    nodes: list[dict[str, Any]] = data.get("modules") or []
    if not nodes:
        # A template made elsewhere (admin, seed) without a subtree: one empty module of its type.
        if template.template_type == ModuleType.COURSE_ROOT:
            raise ValidationError(TEMPLATE_EMPTY, code="empty")
        nodes = [
            {
                "module_type": template.template_type,
                "title": template.title,
                "description": template.description,
                "content_items": [],
                "children": [],
            }
        ]
    with transaction.atomic():
        pool_map = _copy_pools(pools=data.get("question_pools") or [], course=course)
        tops = _materialize(
            nodes=nodes,
            parent=parent,
            position=position,
            template_id=template.pk,
            pool_map=pool_map,
            keep_template_ids=False,
        )
        bump_structure_version(course_id=course.pk)
    return tops


def copy_course_syllabus(*, actor=None, source: Course, target: Course) -> dict[str, int]:
    """Append ``source``'s syllabus (below its root) to ``target``'s root; answer counts."""
    require_edit(actor, target)
    if actor is not None and not can_view_authoring(actor, source):
        raise PermissionDenied(NOT_ALLOWED)
    if source.pk == target.pk:
        raise ValidationError(COPY_SAME_COURSE, code="same_course")
    if source.university_id != target.university_id:
        raise ValidationError(COPY_OTHER_UNIVERSITY, code="tenant_mismatch")
    source_root = selectors.get_course_root(course_id=source.pk)
    top_ids = list(selectors.get_module_children(module_id=source_root.pk).values_list("pk", flat=True))
    with transaction.atomic():
        nodes, pools = _snapshot(course_id=source.pk, top_ids=top_ids)
        target_root = selectors.get_course_root(course_id=target.pk)
        target_root.course = target
        pool_ids_in_use = {pool["id"] for pool in pools}
        # Every pool of the source comes along, used by a quiz or not (a new edition keeps its bank).
        for pool in (
            QuestionPool.objects.filter(course=source).exclude(pk__in=pool_ids_in_use).prefetch_related("questions")
        ):
            pools.append(
                {
                    "id": pool.pk,
                    "title": pool.title,
                    "description": pool.description,
                    "questions": [
                        {
                            **{name: getattr(question, name) for name in _QUESTION_FIELDS},
                            "points": str(question.points),
                            "numeric_tolerance": None
                            if question.numeric_tolerance is None
                            else str(question.numeric_tolerance),
                        }
                        for question in pool.questions.order_by("sequence_index")
                    ],
                }
            )
        pool_map = _copy_pools(pools=pools, course=target)
        if nodes:
            _materialize(
                nodes=nodes,
                parent=target_root,
                position=None,
                template_id=None,
                pool_map=pool_map,
                keep_template_ids=True,
            )
        bump_structure_version(course_id=target.pk)
    modules, items = _count(nodes)
    return {"modules": modules, "content_items": items, "question_pools": len(pools)}


def copy_syllabus_to_new_course(*, actor=None, source: Course, code: str, title: str) -> tuple[Course, dict[str, int]]:
    """Create the next edition of ``source`` (unpublished, same university and department) with a copy of
    its syllabus; answer the new course and the copy's counts. All or nothing."""
    if actor is not None and not can_create_edition(actor, source):
        raise PermissionDenied(NOT_ALLOWED)
    code, title = (code or "").strip(), (title or "").strip()
    errors: dict[str, list[str]] = {}
    if not code:
        errors["code"] = [COPY_CODE_REQUIRED]
    elif Course.objects.filter(university_id=source.university_id, code=code).exists():
        errors["code"] = [COPY_CODE_TAKEN.format(university=source.university.name, code=code)]
    if not title:
        errors["title"] = [COPY_TITLE_REQUIRED]
    if errors:
        raise ValidationError(errors, code="invalid")
    with transaction.atomic():
        target = catalog_services.create_course(
            actor=actor,
            university=source.university,
            code=code,
            title=title,
            department=source.department,
            primary_subject=source.primary_subject,
            **{name: getattr(source, name) for name in _EDITION_FIELDS},
        )
        # The actor was checked against the source above; they may not be staff of the new course yet.
        counts = copy_course_syllabus(actor=None, source=source, target=target)
    return target, counts
