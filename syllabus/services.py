"""Syllabus services: every write to the module tree, content items and the question bank.

Contract:
- Keyword-only, typed functions; ``actor`` is the acting user (``None`` for system jobs and for callers
  that have already checked, e.g. a bulk import or a copy). The authoring views reach every object through
  ``syllabus.permissions.get_course_for_author(..., edit=True)``, and every write service re-checks with
  ``require_edit(actor, course)`` (``PermissionDenied``) before it writes, so the admin and management
  commands are as safe as the views.
- A broken rule raises ``django.core.exceptions.ValidationError`` carrying one of the module-level
  message constants below (tests import them). ``data_json`` errors come as a message dict mapping
  each JSON path (``$.blocks[2].latex``) to its messages, ready for ``form.add_error(None, …)``.
- Trees stay trees: a parent is in the same course and never the module itself or a descendant; the
  ``course_root`` (made by the database trigger with the course) is never created, moved or deleted
  here; ``depth`` = parent depth + 1 for every node, rewritten for a whole moved subtree by one
  recursive UPDATE; siblings are numbered 1..n without gaps, and so are the items of a module.
- Structural writes of a course are serialised by locking its root module row (and the parents
  involved) with ``SELECT … FOR UPDATE``, so concurrent inserts and moves neither collide on the
  sibling index nor close a cycle. The unique sibling indexes cannot be deferred, so renumbering
  takes two statements: first every affected row is lifted above ``_TEMP_OFFSET``, then written to its
  final place.
- ``content_items.course_id`` / ``university_id`` and ``question_pools.university_id`` are copied from
  the parent rows; a caller that passes different ones gets a ValidationError.
- Every structural edit or publish calls ``catalog.services.bump_structure_version`` in the same
  transaction.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q

from catalog import services as catalog_services
from catalog.models import Course, University
from catalog.services import bump_structure_version
from syllabus.content_schemas import validate_data_json
from syllabus.models import (
    Asset,
    ContentItem,
    ContentType,
    Module,
    ModuleTemplate,
    ModuleType,
    Question,
    QuestionPool,
    QuestionType,
)
from syllabus.permissions import require_edit

MODULE_ROOT_NOT_CREATABLE = "A course has exactly one root module, created with the course."
MODULE_ROOT_IMMUTABLE = "The course root module cannot be moved, reordered or deleted."
MODULE_PARENT_OTHER_COURSE = "The parent module belongs to another course."
MODULE_PARENT_REQUIRED = "Give the course or the parent module."
MODULE_CYCLE = "A module cannot be moved into itself or one of its descendants."
MODULE_TYPE_UNKNOWN = "Unknown module type."
MODULE_TEMPLATE_OTHER_UNIVERSITY = "The module template belongs to another university's library."
POSITION_OUT_OF_RANGE = "Position must be between 1 and {last}."
CONTENT_TYPE_INACTIVE = "This content type is inactive and cannot be chosen for new content."
CONTENT_TENANT_MISMATCH = "A content item's course and university must be those of its module."
CONTENT_FIELD_NOT_EDITABLE = "This field of a content item cannot be changed here: {fields}."
QUIZ_POOL_MISSING = "The question pool does not exist."
QUIZ_POOL_ID_INVALID = "The question pool must be given by its id (a whole number)."
QUIZ_POOL_OTHER_COURSE = "The question pool belongs to another course."
ASSET_MISSING = "Asset {asset_id} does not exist."
ASSET_OTHER_UNIVERSITY = "Asset {asset_id} belongs to another university."
POOL_TENANT_MISMATCH = "A question pool's university must be its course's."
QUESTION_TYPE_UNKNOWN = "Unknown question type."
QUESTION_FIELD_NOT_EDITABLE = "This field of a question cannot be changed here: {fields}."
CHOICES_INVALID = 'Choices must be a list of at least two {"key": …, "text": …} objects with distinct, non-empty keys.'
CHOICES_NOT_ALLOWED = "Only multiple choice and multiple select questions have choices."
MULTIPLE_CHOICE_ONE_CORRECT = (
    "A multiple choice question has exactly one correct choice: the key of one of its choices."
)
MULTIPLE_SELECT_AT_LEAST_ONE = "A multiple select question needs a list of at least one distinct key of its choices."
TRUE_FALSE_BOOLEAN = "The answer of a true/false question is true or false."
NUMERIC_NUMBER = "The answer of a numeric question is a number."
NUMERIC_TOLERANCE = "The tolerance is a number of at least 0."
TOLERANCE_ONLY_NUMERIC = "Only numeric questions have a tolerance."
SHORT_TEXT_ANSWERS = "A short text question needs a non-empty list of non-empty accepted answers."
POINTS_NEGATIVE = "Points cannot be negative."
POOL_IN_USE = "This pool is used by {items}; point those quizzes at another pool or delete them first."

# Renumbering lifts rows above this offset first; sequence indexes never come near it.
_TEMP_OFFSET = 1_000_000
_CONTENT_EDITABLE = {
    "title",
    "description",
    "content_type",
    "data_json",
    "estimated_duration_seconds",
    "learning_objectives",
    "prompt_name",
    "prompt_label",
    "is_active",
}
_QUESTION_EDITABLE = {
    "question_type",
    "prompt",
    "choices",
    "correct_answer",
    "numeric_tolerance",
    "points",
    "explanation",
    "partial_credit",
    "tolerance_mode",
    "exact_match",
}


# --- helpers ----------------------------------------------------------------------------------


def _require_edit(actor, owner: Course | Module | ContentItem | QuestionPool | Question) -> None:
    """The policy check of every write; ``actor=None`` (a system job) costs no query, so the owner's course
    is only loaded when there is someone to check."""
    if actor is None:
        return
    if isinstance(owner, Question):
        owner = owner.pool
    require_edit(actor, owner if isinstance(owner, Course) else owner.course)


def _fetch(sql: str, params: Any) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _execute(sql: str, params: Any) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _lock_tree(course_id: int, module_ids: Iterable[int]) -> dict[int, Module]:
    """Lock the course's root and the given modules (one query, id order) and answer them fresh by id.

    Holding the root lock serialises every structural write of the course: rows read after it
    (parents, siblings, ancestors) cannot change under the service until it commits.
    """
    rows = (
        Module.objects.select_for_update()
        .filter(course_id=course_id)
        .filter(Q(parent_module__isnull=True) | Q(pk__in=sorted(set(module_ids))))
        .order_by("pk")
    )
    return {module.pk: module for module in rows}


def _child_ids(parent_id: int) -> list[int]:
    return list(
        Module.objects.filter(parent_module_id=parent_id).order_by("sequence_index").values_list("pk", flat=True)
    )


def _check_position(position: int | None, last: int) -> int:
    """``None`` → last; else 1..last."""
    if position is None:
        return last
    if not isinstance(position, int) or isinstance(position, bool) or not 1 <= position <= last:
        raise ValidationError({"position": [POSITION_OUT_OF_RANGE.format(last=last)]}, code="position")
    return position


def _write_module_order(orders: dict[int, list[int]]) -> None:
    """Give each parent exactly the listed children, numbered 1..n, in two statements."""
    _execute(
        "UPDATE modules SET sequence_index = sequence_index + %s WHERE parent_module_id = ANY(%s)",
        [_TEMP_OFFSET, list(orders)],
    )
    ids, parents, indexes = [], [], []
    for parent_id, children in orders.items():
        for index, child_id in enumerate(children, start=1):
            ids.append(child_id)
            parents.append(parent_id)
            indexes.append(index)
    if ids:
        _execute(
            """
            UPDATE modules AS m SET parent_module_id = v.parent_id, sequence_index = v.seq
            FROM unnest(%s::bigint[], %s::bigint[], %s::integer[]) AS v(id, parent_id, seq)
            WHERE m.id = v.id AND (m.parent_module_id IS DISTINCT FROM v.parent_id OR m.sequence_index <> v.seq)
            """,
            [ids, parents, indexes],
        )


def _write_item_order(module_id: int, item_ids: list[int]) -> None:
    _execute(
        "UPDATE content_items SET sequence_index = sequence_index + %s WHERE module_id = %s",
        [_TEMP_OFFSET, module_id],
    )
    if item_ids:
        _execute(
            """
            UPDATE content_items AS c SET sequence_index = v.seq
            FROM unnest(%s::bigint[], %s::integer[]) AS v(id, seq) WHERE c.id = v.id
            """,
            [item_ids, list(range(1, len(item_ids) + 1))],
        )


# The subtree of ``%(module)s``, its top given depth ``%(depth)s`` and each child its parent's + 1.
_SUBTREE_IDS_SQL = """
    WITH RECURSIVE subtree(id, depth) AS (
        SELECT id, %(depth)s::integer FROM modules WHERE id = %(module)s
      UNION ALL
        SELECT m.id, s.depth + 1 FROM modules m JOIN subtree s ON m.parent_module_id = s.id
    )
    SELECT id FROM subtree
"""
_SUBTREE_DEPTH_SQL = """
    WITH RECURSIVE subtree(id, depth) AS (
        SELECT id, %(depth)s::integer FROM modules WHERE id = %(module)s
      UNION ALL
        SELECT m.id, s.depth + 1 FROM modules m JOIN subtree s ON m.parent_module_id = s.id
    )
    UPDATE modules AS t SET depth = s.depth FROM subtree s WHERE t.id = s.id AND t.depth <> s.depth
"""
_SUBTREE_PUBLISH_SQL = """
    WITH RECURSIVE subtree(id, depth) AS (
        SELECT id, %(depth)s::integer FROM modules WHERE id = %(module)s
      UNION ALL
        SELECT m.id, s.depth + 1 FROM modules m JOIN subtree s ON m.parent_module_id = s.id
    )
    UPDATE modules AS t SET is_published = %(published)s FROM subtree s
    WHERE t.id = s.id AND t.is_published <> %(published)s
"""


def _is_in_subtree(*, module_id: int, candidate_id: int) -> bool:
    """Whether ``candidate_id`` is ``module_id`` or one of its descendants (walks up from the candidate)."""
    rows = _fetch(
        """
        WITH RECURSIVE ancestors(id, parent_id) AS (
            SELECT id, parent_module_id FROM modules WHERE id = %(candidate)s
          UNION
            SELECT m.id, m.parent_module_id FROM modules m JOIN ancestors a ON m.id = a.parent_id
        )
        SELECT EXISTS (SELECT 1 FROM ancestors WHERE id = %(module)s)
        """,
        {"candidate": candidate_id, "module": module_id},
    )
    return rows[0][0]


# --- modules ----------------------------------------------------------------------------------


def create_module(
    *,
    actor=None,
    course: Course | None = None,
    parent: Module | None = None,
    module_type: str,
    title: str,
    position: int | None = None,
    description: str | None = None,
    module_template: ModuleTemplate | None = None,
    is_published: bool = False,
) -> Module:
    """Insert a module as a child of ``parent`` (default: the course root) at ``position`` (default: last)."""
    if module_type == ModuleType.COURSE_ROOT:
        raise ValidationError({"module_type": [MODULE_ROOT_NOT_CREATABLE]}, code="root")
    if module_type not in ModuleType.values:
        raise ValidationError({"module_type": [MODULE_TYPE_UNKNOWN]}, code="invalid")
    if parent is None and course is None:
        raise ValidationError(MODULE_PARENT_REQUIRED, code="required")
    _require_edit(actor, course if course is not None else parent)
    course_id = course.pk if course is not None else parent.course_id
    if parent is not None and parent.course_id != course_id:
        raise ValidationError({"parent_module": [MODULE_PARENT_OTHER_COURSE]}, code="other_course")
    if module_template is not None and module_template.university_id is not None:
        university_id = course.university_id if course is not None else parent.course.university_id
        if module_template.university_id != university_id:
            raise ValidationError({"module_template": [MODULE_TEMPLATE_OTHER_UNIVERSITY]}, code="tenant_mismatch")
    with transaction.atomic():
        locked = _lock_tree(course_id, [parent.pk] if parent is not None else [])
        parent = next(m for m in locked.values() if m.parent_module_id is None) if parent is None else locked[parent.pk]
        siblings = _child_ids(parent.pk)
        position = _check_position(position, len(siblings) + 1)
        if position <= len(siblings):
            # Make room: lift the siblings from ``position`` on, then drop them one place lower.
            _execute(
                "UPDATE modules SET sequence_index = sequence_index + %s WHERE parent_module_id = %s AND sequence_index >= %s",
                [_TEMP_OFFSET, parent.pk, position],
            )
            _execute(
                "UPDATE modules SET sequence_index = sequence_index - %s + 1 WHERE parent_module_id = %s AND sequence_index > %s",
                [_TEMP_OFFSET, parent.pk, _TEMP_OFFSET],
            )
        module = Module(
            course_id=course_id,
            parent_module=parent,
            module_type=module_type,
            module_template=module_template,
            title=title,
            description=description,
            sequence_index=position,
            depth=parent.depth + 1,
            is_published=is_published,
        )
        module.full_clean(
            exclude=["course", "parent_module", "module_template"], validate_unique=False, validate_constraints=False
        )
        module.save(force_insert=True)
        bump_structure_version(course_id=course_id)
    return module


def update_module(
    *, actor=None, module: Module, title: str, description: str | None = None, module_type: str | None = None
) -> Module:
    """Title, description and (not for the root) type of a module; bumps the structure version, since
    titles and types are part of the cached outline."""
    _require_edit(actor, module)
    if module_type is not None and module_type not in ModuleType.values:
        raise ValidationError({"module_type": [MODULE_TYPE_UNKNOWN]}, code="invalid")
    fields = ["title", "description"]
    module.title = title
    module.description = description or None
    if module_type is not None and module.parent_module_id is not None and module_type != module.module_type:
        if module_type == ModuleType.COURSE_ROOT:
            raise ValidationError({"module_type": [MODULE_ROOT_NOT_CREATABLE]}, code="root")
        module.module_type = module_type
        fields.append("module_type")
    module.full_clean(
        exclude=["course", "parent_module", "module_template"], validate_unique=False, validate_constraints=False
    )
    with transaction.atomic():
        module.save(update_fields=fields)
        bump_structure_version(course_id=module.course_id)
    return module


def move_module(*, actor=None, module: Module, new_parent: Module, position: int | None = None) -> Module:
    """Move ``module`` with its subtree under ``new_parent`` at ``position`` (default: last).

    Both sibling sets stay numbered 1..n; the depth of the whole subtree is rewritten in one statement.
    """
    _require_edit(actor, module)
    if module.parent_module_id is None:
        raise ValidationError(MODULE_ROOT_IMMUTABLE, code="root")
    if new_parent.course_id != module.course_id:
        raise ValidationError({"parent_module": [MODULE_PARENT_OTHER_COURSE]}, code="other_course")
    with transaction.atomic():
        # Fresh rows: the module may have moved since the caller read it.
        locked = _lock_tree(module.course_id, [module.pk, new_parent.pk])
        module, new_parent = locked[module.pk], locked[new_parent.pk]
        old_parent_id = module.parent_module_id
        if new_parent.pk == module.pk or _is_in_subtree(module_id=module.pk, candidate_id=new_parent.pk):
            raise ValidationError({"parent_module": [MODULE_CYCLE]}, code="cycle")
        old_siblings = [pk for pk in _child_ids(old_parent_id) if pk != module.pk]
        new_siblings = old_siblings if new_parent.pk == old_parent_id else _child_ids(new_parent.pk)
        position = _check_position(position, len(new_siblings) + 1)
        new_siblings = [*new_siblings[: position - 1], module.pk, *new_siblings[position - 1 :]]
        orders = {old_parent_id: old_siblings, new_parent.pk: new_siblings}
        _write_module_order(orders)
        new_depth = new_parent.depth + 1
        if new_depth != module.depth:
            _execute(
                _SUBTREE_DEPTH_SQL,
                {"depth": new_depth, "module": module.pk},
            )
        bump_structure_version(course_id=module.course_id)
        module.refresh_from_db()
    return module


def reorder_module(*, actor=None, module: Module, position: int) -> Module:
    """Put ``module`` at ``position`` among its siblings (1..n stays dense)."""
    _require_edit(actor, module)
    if module.parent_module_id is None:
        raise ValidationError(MODULE_ROOT_IMMUTABLE, code="root")
    with transaction.atomic():
        module = _lock_tree(module.course_id, [module.pk])[module.pk]
        siblings = [pk for pk in _child_ids(module.parent_module_id) if pk != module.pk]
        position = _check_position(position, len(siblings) + 1)
        siblings.insert(position - 1, module.pk)
        _write_module_order({module.parent_module_id: siblings})
        bump_structure_version(course_id=module.course_id)
        module.refresh_from_db()
    return module


def delete_module(*, actor=None, module: Module) -> dict[str, int]:
    """Delete ``module`` with its subtree and their content; answer ``{"modules": n, "content_items": m}``."""
    _require_edit(actor, module)
    if module.parent_module_id is None:
        raise ValidationError(MODULE_ROOT_IMMUTABLE, code="root")
    with transaction.atomic():
        module = _lock_tree(module.course_id, [module.pk])[module.pk]
        parent_id = module.parent_module_id
        subtree = [row[0] for row in _fetch(_SUBTREE_IDS_SQL, {"depth": 0, "module": module.pk})]
        # Django's collector deletes in bulk per table, cascading into learning's progress rows too.
        _, per_model = Module.objects.filter(pk__in=subtree).delete()
        remaining = _child_ids(parent_id)
        _write_module_order({parent_id: remaining})
        bump_structure_version(course_id=module.course_id)
    return {
        "modules": per_model.get(Module._meta.label, 0),
        "content_items": per_model.get(ContentItem._meta.label, 0),
    }


def _set_published(*, module: Module, is_published: bool, include_subtree: bool) -> int:
    with transaction.atomic():
        if include_subtree:
            changed = _execute(
                _SUBTREE_PUBLISH_SQL,
                {"depth": 0, "module": module.pk, "published": is_published},
            )
        else:
            changed = (
                Module.objects.filter(pk=module.pk).exclude(is_published=is_published).update(is_published=is_published)
            )
        bump_structure_version(course_id=module.course_id)
    module.is_published = is_published
    return changed


def publish_module(*, actor=None, module: Module, include_subtree: bool) -> int:
    """Publish ``module`` (and with ``include_subtree`` every descendant, in one statement); answer the
    number of rows changed. Learners see a module only when its whole ancestor chain is published."""
    _require_edit(actor, module)
    return _set_published(module=module, is_published=True, include_subtree=include_subtree)


def unpublish_module(*, actor=None, module: Module, include_subtree: bool = False) -> int:
    """Unpublish ``module`` (hiding its subtree from learners); ``include_subtree`` clears the flag below too."""
    _require_edit(actor, module)
    return _set_published(module=module, is_published=False, include_subtree=include_subtree)


def publish_course(*, actor=None, course: Course, is_published: bool) -> Course:
    """Publish or unpublish the course. Catalog owns the flag, re-checks its own policy with the same actor
    and bumps the structure version in the same transaction when the state changes."""
    _require_edit(actor, course)
    return catalog_services.set_course_published(actor=actor, course=course, is_published=is_published)


# --- content items ----------------------------------------------------------------------------


def _collect_asset_ids(data: Any, found: set[int]) -> set[int]:
    """Every integer under a key ``asset_id`` (or in a list under ``asset_ids``) anywhere in the payload."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "asset_id" and isinstance(value, int) and not isinstance(value, bool):
                found.add(value)
            elif key == "asset_ids" and isinstance(value, list):
                found.update(v for v in value if isinstance(v, int) and not isinstance(v, bool))
            else:
                _collect_asset_ids(value, found)
    elif isinstance(data, list):
        for value in data:
            _collect_asset_ids(value, found)
    return found


def _validate_payload(*, content_type: ContentType, data_json: Any, course_id: int, university_id: int) -> None:
    """Schema first (every error with its JSON path); then the references a schema cannot check."""
    errors: dict[str, list[str]] = {}
    for path, message in validate_data_json(content_type.json_schema or {}, data_json):
        errors.setdefault(path, []).append(message)
    if errors:
        raise ValidationError(errors, code="data_json")
    if isinstance(data_json, dict) and "question_pool_id" in data_json:
        pool_id = data_json["question_pool_id"]
        valid_id = isinstance(pool_id, int) and not isinstance(pool_id, bool) and 0 < pool_id < 2**63
        pool = QuestionPool.objects.filter(pk=pool_id).values("course_id").first() if valid_id else None
        if not valid_id:
            errors["$.question_pool_id"] = [QUIZ_POOL_ID_INVALID]
        elif pool is None:
            errors["$.question_pool_id"] = [QUIZ_POOL_MISSING]
        elif pool["course_id"] != course_id:
            errors["$.question_pool_id"] = [QUIZ_POOL_OTHER_COURSE]
    asset_ids = _collect_asset_ids(data_json, set())
    if asset_ids:
        owners = dict(Asset.objects.filter(pk__in=asset_ids).values_list("pk", "university_id"))
        for asset_id in sorted(asset_ids):
            if asset_id not in owners:
                errors.setdefault("$", []).append(ASSET_MISSING.format(asset_id=asset_id))
            elif owners[asset_id] not in (None, university_id):
                errors.setdefault("$", []).append(ASSET_OTHER_UNIVERSITY.format(asset_id=asset_id))
    if errors:
        raise ValidationError(errors, code="data_json")


def create_content_item(
    *,
    actor=None,
    module: Module,
    content_type: ContentType,
    title: str,
    data_json: Any,
    position: int | None = None,
    course: Course | None = None,
    university: University | None = None,
    **fields: Any,
) -> ContentItem:
    """Add an item to ``module`` at ``position`` (default: last). ``course``/``university`` are copied from
    the module; passing others is an error. ``fields``: description, estimated_duration_seconds,
    learning_objectives, prompt_name, prompt_label, is_active."""
    _require_edit(actor, module)
    unknown = sorted(set(fields) - (_CONTENT_EDITABLE - {"title", "content_type", "data_json"}))
    if unknown:
        raise ValidationError(CONTENT_FIELD_NOT_EDITABLE.format(fields=", ".join(unknown)), code="not_editable")
    if not content_type.is_active:
        raise ValidationError({"content_type": [CONTENT_TYPE_INACTIVE]}, code="inactive")
    with transaction.atomic():
        module = Module.objects.select_for_update(of=("self",)).select_related("course").get(pk=module.pk)
        course_id, university_id = module.course_id, module.course.university_id
        if (course is not None and course.pk != course_id) or (
            university is not None and university.pk != university_id
        ):
            raise ValidationError(CONTENT_TENANT_MISMATCH, code="tenant_mismatch")
        _validate_payload(
            content_type=content_type, data_json=data_json, course_id=course_id, university_id=university_id
        )
        item_ids = list(module.content_items.order_by("sequence_index").values_list("pk", flat=True))
        position = _check_position(position, len(item_ids) + 1)
        item = ContentItem(
            module=module,
            course_id=course_id,
            university_id=university_id,
            content_type=content_type,
            title=title,
            data_json=data_json,
            sequence_index=_TEMP_OFFSET * 2,
            **fields,
        )
        item.full_clean(
            exclude=["module", "course", "university", "content_type"],
            validate_unique=False,
            validate_constraints=False,
        )
        if position <= len(item_ids):
            _execute(
                "UPDATE content_items SET sequence_index = sequence_index + %s WHERE module_id = %s AND sequence_index >= %s",
                [_TEMP_OFFSET, module.pk, position],
            )
            _execute(
                "UPDATE content_items SET sequence_index = sequence_index - %s + 1 WHERE module_id = %s AND sequence_index > %s",
                [_TEMP_OFFSET, module.pk, _TEMP_OFFSET],
            )
        item.sequence_index = position
        item.save(force_insert=True)
        bump_structure_version(course_id=course_id)
    return item


def update_content_item(*, actor=None, item: ContentItem, **fields: Any) -> ContentItem:
    """Change editable fields. The payload is re-validated against the (new or kept) type's schema; an
    item may keep an inactive type but not switch to one."""
    _require_edit(actor, item)
    unknown = sorted(set(fields) - _CONTENT_EDITABLE)
    if unknown:
        raise ValidationError(CONTENT_FIELD_NOT_EDITABLE.format(fields=", ".join(unknown)), code="not_editable")
    new_type = fields.get("content_type")
    if new_type is not None and new_type.pk != item.content_type_id and not new_type.is_active:
        raise ValidationError({"content_type": [CONTENT_TYPE_INACTIVE]}, code="inactive")
    with transaction.atomic():
        for name, value in fields.items():
            setattr(item, name, value)
        if "data_json" in fields or "content_type" in fields:
            _validate_payload(
                content_type=item.content_type,
                data_json=item.data_json,
                course_id=item.course_id,
                university_id=item.university_id,
            )
        item.full_clean(
            exclude=["module", "course", "university", "content_type"],
            validate_unique=False,
            validate_constraints=False,
        )
        item.save(update_fields=[*fields] or None)
        bump_structure_version(course_id=item.course_id)
    return item


def reorder_content_item(*, actor=None, item: ContentItem, position: int) -> ContentItem:
    _require_edit(actor, item)
    with transaction.atomic():
        Module.objects.select_for_update().filter(pk=item.module_id).values_list("pk", flat=True).get()
        item_ids = [
            pk
            for pk in ContentItem.objects.filter(module_id=item.module_id)
            .order_by("sequence_index")
            .values_list("pk", flat=True)
            if pk != item.pk
        ]
        position = _check_position(position, len(item_ids) + 1)
        item_ids.insert(position - 1, item.pk)
        _write_item_order(item.module_id, item_ids)
        bump_structure_version(course_id=item.course_id)
        item.refresh_from_db()
    return item


def delete_content_item(*, actor=None, item: ContentItem) -> None:
    _require_edit(actor, item)
    with transaction.atomic():
        Module.objects.select_for_update().filter(pk=item.module_id).values_list("pk", flat=True).get()
        module_id, course_id = item.module_id, item.course_id
        item.delete()
        remaining = list(
            ContentItem.objects.filter(module_id=module_id).order_by("sequence_index").values_list("pk", flat=True)
        )
        _write_item_order(module_id, remaining)
        bump_structure_version(course_id=course_id)


# --- question bank ----------------------------------------------------------------------------


def create_question_pool(
    *,
    actor=None,
    course: Course,
    title: str,
    description: str | None = None,
    university: University | None = None,
) -> QuestionPool:
    _require_edit(actor, course)
    if university is not None and university.pk != course.university_id:
        raise ValidationError(POOL_TENANT_MISMATCH, code="tenant_mismatch")
    pool = QuestionPool(course=course, university_id=course.university_id, title=title, description=description)
    pool.full_clean(exclude=["course", "university"])
    pool.save()
    return pool


def update_question_pool(*, actor=None, pool: QuestionPool, title: str, description: str | None = None) -> QuestionPool:
    _require_edit(actor, pool)
    pool.title = title
    pool.description = description or None
    pool.full_clean(exclude=["course", "university"])
    pool.save(update_fields=["title", "description"])
    return pool


def quiz_items_using_pool(pool: QuestionPool) -> list[ContentItem]:
    """Content items (active or not) whose ``data_json.question_pool_id`` is this pool."""
    return list(
        ContentItem.objects.filter(course_id=pool.course_id, data_json__question_pool_id=pool.pk).order_by("pk")
    )


def delete_question_pool(*, actor=None, pool: QuestionPool) -> None:
    """Delete a pool with its questions; refused while a quiz or lab of the course points at it."""
    _require_edit(actor, pool)
    with transaction.atomic():
        QuestionPool.objects.select_for_update().filter(pk=pool.pk).values_list("pk", flat=True).get()
        users = quiz_items_using_pool(pool)
        if users:
            names = ", ".join(f"“{item.title}”" for item in users[:5]) + (" …" if len(users) > 5 else "")
            raise ValidationError(POOL_IN_USE.format(items=names), code="in_use")
        pool.delete()


def delete_question(*, actor=None, question: Question) -> None:
    """Delete a question and renumber the rest of its pool 1..n."""
    _require_edit(actor, question)
    with transaction.atomic():
        pool_id = question.pool_id
        QuestionPool.objects.select_for_update().filter(pk=pool_id).values_list("pk", flat=True).get()
        position = Question.objects.filter(pk=question.pk).values_list("sequence_index", flat=True).get()
        question.delete()
        # Close the gap: lift the rows above it, then place them (the unique (pool, sequence_index)
        # index is not deferrable, so one shifting UPDATE could collide with itself).
        _execute(
            "UPDATE questions SET sequence_index = sequence_index + %s WHERE pool_id = %s AND sequence_index > %s",
            [_TEMP_OFFSET, pool_id, position],
        )
        _execute(
            "UPDATE questions SET sequence_index = sequence_index - %s - 1 WHERE pool_id = %s AND sequence_index > %s",
            [_TEMP_OFFSET, pool_id, _TEMP_OFFSET],
        )


def _is_number(value: Any) -> bool:
    """A JSON number that fits a double (booleans are ints in Python, not numbers here; NaN, infinities and
    integers beyond a double's range, such as ``1e400`` written as an integer, are refused)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def _as_decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _choice_keys(choices: Any) -> list[str] | None:
    """The keys of a well-formed choice list, or None."""
    if not isinstance(choices, list) or len(choices) < 2:
        return None
    keys = []
    for choice in choices:
        if not isinstance(choice, dict) or set(choice) - {"key", "text"}:
            return None
        key, text = choice.get("key"), choice.get("text")
        if not isinstance(key, str) or not key or not isinstance(text, str) or not text.strip():
            return None
        keys.append(key)
    return keys if len(set(keys)) == len(keys) else None


def validate_question(
    *, question_type: str, choices: Any, correct_answer: Any, numeric_tolerance: Any, points: Any
) -> None:
    """Raise a field-keyed ValidationError when the question is not well formed for its type."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if question_type not in QuestionType.values:
        raise ValidationError({"question_type": [QUESTION_TYPE_UNKNOWN]}, code="invalid")
    with_choices = question_type in (QuestionType.MULTIPLE_CHOICE, QuestionType.MULTIPLE_SELECT)
    keys = _choice_keys(choices) if with_choices else None
    if with_choices and keys is None:
        add("choices", CHOICES_INVALID)
    if not with_choices and choices:
        add("choices", CHOICES_NOT_ALLOWED)
    if question_type == QuestionType.MULTIPLE_CHOICE:
        if not isinstance(correct_answer, str) or (keys is not None and correct_answer not in keys):
            add("correct_answer", MULTIPLE_CHOICE_ONE_CORRECT)
    elif question_type == QuestionType.MULTIPLE_SELECT:
        if (
            not isinstance(correct_answer, list)
            or not correct_answer
            or not all(isinstance(key, str) for key in correct_answer)
            or len(set(correct_answer)) != len(correct_answer)
            or (keys is not None and not set(correct_answer) <= set(keys))
        ):
            add("correct_answer", MULTIPLE_SELECT_AT_LEAST_ONE)
    elif question_type == QuestionType.TRUE_FALSE:
        if not isinstance(correct_answer, bool):
            add("correct_answer", TRUE_FALSE_BOOLEAN)
    elif question_type == QuestionType.NUMERIC:
        if not _is_number(correct_answer):
            add("correct_answer", NUMERIC_NUMBER)
    elif question_type == QuestionType.SHORT_TEXT and (
        not isinstance(correct_answer, list)
        or not correct_answer
        or not all(isinstance(answer, str) and answer.strip() for answer in correct_answer)
    ):
        add("correct_answer", SHORT_TEXT_ANSWERS)
    if question_type == QuestionType.NUMERIC:
        try:
            tolerance_ok = (
                numeric_tolerance is not None
                and not isinstance(numeric_tolerance, bool)
                and (Decimal(str(numeric_tolerance)) >= 0)
            )
        except InvalidOperation:
            tolerance_ok = False
        if not tolerance_ok:
            add("numeric_tolerance", NUMERIC_TOLERANCE)
    elif numeric_tolerance is not None:
        add("numeric_tolerance", TOLERANCE_ONLY_NUMERIC)
    try:
        if points is None or Decimal(str(points)) < 0:
            add("points", POINTS_NEGATIVE)
    except InvalidOperation:
        add("points", POINTS_NEGATIVE)
    if errors:
        raise ValidationError(errors, code="question")


def create_question(
    *,
    actor=None,
    pool: QuestionPool,
    question_type: str,
    prompt: str,
    correct_answer: Any,
    choices: list | None = None,
    numeric_tolerance: Decimal | float | int | None = None,
    points: Decimal | int = 1,
    explanation: str | None = None,
    partial_credit: bool = False,
    tolerance_mode: str = "absolute",
    exact_match: bool = False,
) -> Question:
    """Append a question to ``pool`` after validating it for its type (numeric: tolerance defaults to 0)."""
    _require_edit(actor, pool)
    if question_type == QuestionType.NUMERIC and numeric_tolerance is None:
        numeric_tolerance = 0
    choices = choices or []
    validate_question(
        question_type=question_type,
        choices=choices,
        correct_answer=correct_answer,
        numeric_tolerance=numeric_tolerance,
        points=points,
    )
    # A float such as 0.01 becomes the decimal the author typed, not its binary expansion.
    numeric_tolerance = _as_decimal(numeric_tolerance)
    with transaction.atomic():
        QuestionPool.objects.select_for_update().filter(pk=pool.pk).values_list("pk", flat=True).get()
        last = pool.questions.order_by("-sequence_index").values_list("sequence_index", flat=True).first() or 0
        question = Question(
            pool=pool,
            question_type=question_type,
            prompt=prompt,
            choices=choices,
            correct_answer=correct_answer,
            numeric_tolerance=numeric_tolerance,
            points=points,
            explanation=explanation,
            sequence_index=last + 1,
            partial_credit=partial_credit,
            tolerance_mode=tolerance_mode,
            exact_match=exact_match,
        )
        question.full_clean(exclude=["pool"], validate_unique=False, validate_constraints=False)
        question.save(force_insert=True)
    return question


def update_question(*, actor=None, question: Question, **fields: Any) -> Question:
    _require_edit(actor, question)
    unknown = sorted(set(fields) - _QUESTION_EDITABLE)
    if unknown:
        raise ValidationError(QUESTION_FIELD_NOT_EDITABLE.format(fields=", ".join(unknown)), code="not_editable")
    for name, value in fields.items():
        setattr(question, name, value)
    if question.question_type != QuestionType.NUMERIC and "numeric_tolerance" not in fields:
        question.numeric_tolerance = None
        fields["numeric_tolerance"] = None
    validate_question(
        question_type=question.question_type,
        choices=question.choices,
        correct_answer=question.correct_answer,
        numeric_tolerance=question.numeric_tolerance,
        points=question.points,
    )
    question.numeric_tolerance = _as_decimal(question.numeric_tolerance)
    question.full_clean(exclude=["pool"], validate_unique=False, validate_constraints=False)
    question.save(update_fields=[*fields] or None)
    return question
