"""Catalog services: every write to courses, offerings, subjects and their links.

Contract:
- Keyword-only, typed functions; ``actor`` is the acting user where one acts (``None`` for a trusted
  system job: management commands, seeding). Given an actor, a service re-checks the catalog policy
  (:mod:`catalog.permissions`) and raises ``PermissionDenied`` when the actor may not do it, so admin
  actions and views are as safe as each other: editing or publishing a course, its offerings,
  prerequisites and subject links needs ``can_edit_course``; deleting an offering needs
  ``can_administer_course`` and deleting a department ``can_administer_university``; the subject tree
  is platform data (``can_manage_subjects``). ``create_course`` is the exception: there is no course
  to ask about yet, so its callers decide (the admin's tenant-scoped form, syllabus's
  ``can_create_edition``).
- A broken rule raises ``django.core.exceptions.ValidationError`` carrying one of the module-level
  message constants below (tests import them), keyed by the offending field where there is one.
- Multi-row writes run in ``transaction.atomic()``.
- The denormalised summaries owned by the catalog (``course_offerings.enrolled_count`` /
  ``waitlist_count``, ``courses.rating_avg`` / ``rating_count``, ``courses.structure_version``) are written
  only through ``set_offering_counts``, ``set_course_rating`` and ``bump_structure_version``, which higher
  apps call from inside their own transactions (learning's enrollment service the counts, syllabus's
  services the structure version, community's review services the rating).
- Every write that changes what a catalog page shows bumps the catalog version
  (:func:`catalog.pagecache.bump_catalog_version`): model saves and deletes through the receivers
  :mod:`catalog.pagecache` connects, ``QuerySet.update()`` writes here explicitly.
- ``courses.primary_subject_id`` and the ``course_subjects`` row with ``is_primary`` are kept in step.
- Subjects form a tree per domain: a parent is in the child's domain, never a descendant, and
  ``depth`` = parent depth + 1 for the whole subtree after every move or delete (one recursive UPDATE;
  a root has depth 0, ``ck_subjects_depth_matches_parent``).
- Deletes that would cascade into other apps' rows or break their invariants are refused with a
  message naming what still points at the row (an offering with enrollments, a department with roles
  or courses) rather than failing in the database.
- Prerequisites stay within one university; strict and co-requisite links form no cycle.
- The catalog never imports syllabus: a course's ``course_root`` module is inserted by a database
  trigger (syllabus migration ``0004_course_root_trigger``) whenever a course row is inserted.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction

from accounts.models import UserUniversityRole
from catalog.models import (
    Course,
    CourseOffering,
    CoursePrerequisite,
    CourseSubject,
    Department,
    Domain,
    PrerequisiteType,
    Subject,
    University,
)
from catalog.pagecache import bump_catalog_version
from catalog.permissions import (
    can_administer_course,
    can_administer_university,
    can_edit_course,
    can_manage_subjects,
)
from catalog.signals import structure_changed
from lms.db import violated_constraint

NOT_ALLOWED_COURSE = "You may not change this course."
NOT_ALLOWED_OFFERING = "You may not delete offerings of this course."
NOT_ALLOWED_DEPARTMENT = "You may not delete departments of this university."
NOT_ALLOWED_SUBJECTS = "Only platform admins may change the subject tree."
DEPARTMENT_IN_USE = (
    "The department “{department}” cannot be deleted: {roles} role(s) and {courses} course(s) still point at "
    "it. Move the courses to another department and revoke or reassign the roles first."
)
OFFERING_HAS_ENROLLMENTS = (
    "The offering “{offering}” cannot be deleted: it has {count} enrollment(s). Drop or move the students "
    "first, or keep the offering and close its enrollment window."
)
SUBJECT_FIELD_NOT_EDITABLE = "This field of a subject cannot be changed here: {fields}."
DEPARTMENT_OTHER_UNIVERSITY = "The department belongs to another university."
COURSE_FIELD_NOT_EDITABLE = "This field of a course cannot be changed here: {fields}."
PREREQUISITE_SELF = "A course cannot be its own prerequisite."
PREREQUISITE_OTHER_UNIVERSITY = "A prerequisite must be a course of the same university."
PREREQUISITE_DUPLICATE = "This course is already a prerequisite of that course."
PREREQUISITE_CYCLE = (
    "This prerequisite would create a cycle: the prerequisite course already requires this course "
    "(directly or through other strict or co-requisite links)."
)
OFFERING_FIELD_NOT_EDITABLE = "This field of an offering cannot be set here: {fields}."
OFFERING_ENDS_BEFORE_START = "The offering must end after it starts."
OFFERING_ENROLLMENT_WINDOW = "Enrollment must close after it opens."
OFFERING_ENROLLMENT_AFTER_END = "Enrollment cannot open after the offering has ended."
OFFERING_CAPACITY_NEGATIVE = "Capacity cannot be negative."
SUBJECT_PARENT_OTHER_DOMAIN = "A subject's parent must be in the same domain."
SUBJECT_CYCLE = "A subject cannot be moved under itself or one of its descendants."

# Fields a caller may set through create_course / update_course (in form order: the admin's forms use
# the same tuples). University, the summaries and the primary subject have their own services.
COURSE_EDITABLE_FIELDS = (
    "department",
    "title",
    "code",
    "description",
    "level",
    "difficulty",
    "language_code",
    "credit_hours",
    "is_published",
    "is_coming_soon",
)
OFFERING_EDITABLE_FIELDS = (
    "term_name",
    "starts_at",
    "ends_at",
    "enrollment_start",
    "enrollment_end",
    "visibility",
    "capacity",
    "requires_approval",
)
_COURSE_EDITABLE = frozenset(COURSE_EDITABLE_FIELDS)
_OFFERING_EDITABLE = frozenset(OFFERING_EDITABLE_FIELDS)
# Only these link types take part in cycle detection: a recommendation never blocks anything.
_BINDING_PREREQUISITES = (PrerequisiteType.STRICT, PrerequisiteType.CO_REQUISITE)


# --- denormalised summaries (called by higher apps) -------------------------------------------


def set_offering_counts(*, offering_id: int, enrolled_count: int, waitlist_count: int) -> None:
    """Write the offering's summary counts (one UPDATE; the caller holds the offering row lock)."""
    CourseOffering.objects.filter(pk=offering_id).update(enrolled_count=enrolled_count, waitlist_count=waitlist_count)
    # No catalog version bump: no shared catalog fragment shows the counts (the course page's seats are
    # in the per-request enroll panel), and every enrollment would otherwise empty the catalog cache.


def set_course_rating(*, course_id: int, rating_avg: Decimal | None, rating_count: int) -> None:
    """Write the course's review summary (learning's review services call it whenever a review is written,
    changed, hidden or shown again). The cards show the rating and the catalog sorts by it: the catalog
    version is bumped."""
    Course.objects.filter(pk=course_id).update(rating_avg=rating_avg, rating_count=rating_count)
    bump_catalog_version()


def bump_structure_version(*, course_id: int) -> int:
    """Increment ``courses.structure_version`` atomically (one UPDATE … RETURNING) and return the new value."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE courses SET structure_version = structure_version + 1 WHERE id = %s RETURNING structure_version",
            [course_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise Course.DoesNotExist(f"Course {course_id} does not exist.")
    structure_changed.send(sender=Course, course_id=course_id, structure_version=row[0])
    return row[0]


# --- courses ----------------------------------------------------------------------------------


def _reject_unknown(fields: dict[str, Any], allowed: set[str], message: str) -> None:
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise ValidationError(message.format(fields=", ".join(unknown)), code="not_editable")


def _check_department(department: Department | None, university_id: int) -> None:
    if department is not None and department.university_id != university_id:
        raise ValidationError({"department": [DEPARTMENT_OTHER_UNIVERSITY]}, code="tenant_mismatch")


COURSE_CODE_TAKEN = "This university already has a course with this code."


def create_course(
    *,
    actor=None,
    university: University,
    code: str,
    title: str,
    primary_subject: Subject | None = None,
    **fields: Any,
) -> Course:
    """Create a course (its ``course_root`` module comes from the database trigger)."""
    _reject_unknown(fields, _COURSE_EDITABLE - {"code", "title"}, COURSE_FIELD_NOT_EDITABLE)
    _check_department(fields.get("department"), university.pk)
    with transaction.atomic():
        course = Course(university=university, code=code, title=title, **fields)
        course.full_clean()
        try:
            with transaction.atomic():
                course.save()
        except IntegrityError as error:
            # Another request took the code between full_clean and the insert.
            if violated_constraint(error) != "ux_courses_university_code":
                raise
            raise ValidationError({"code": COURSE_CODE_TAKEN}, code="duplicate_code") from error
        if primary_subject is not None:
            set_primary_subject(course=course, subject=primary_subject)
    return course


def _require_course_edit(actor, course: Course) -> None:
    """``actor=None`` is the trusted system path; anyone else needs the course edit policy."""
    if actor is not None and not can_edit_course(actor, course):
        raise PermissionDenied(NOT_ALLOWED_COURSE)


def update_course(*, actor=None, course: Course, **fields: Any) -> Course:
    """Change editable fields of a course (not its university, summaries or primary subject)."""
    _require_course_edit(actor, course)
    _reject_unknown(fields, _COURSE_EDITABLE, COURSE_FIELD_NOT_EDITABLE)
    _check_department(fields.get("department", course.department), course.university_id)
    for name, value in fields.items():
        setattr(course, name, value)
    course.full_clean()
    course.save(update_fields=[*fields] or None)
    return course


def set_course_published(*, actor=None, course: Course, is_published: bool) -> Course:
    """Publish or unpublish the course (the syllabus editor and the admin's actions call this). A change of
    state bumps ``structure_version`` in the same transaction, as every publish does, so an outline cached
    under the old version is never served for the new state."""
    _require_course_edit(actor, course)
    with transaction.atomic():
        changed = Course.objects.filter(pk=course.pk).exclude(is_published=is_published).update(is_published=is_published)
        if changed:
            course.structure_version = bump_structure_version(course_id=course.pk)
            bump_catalog_version()
    course.is_published = is_published
    return course


# --- course subjects --------------------------------------------------------------------------


def set_primary_subject(*, actor=None, course: Course, subject: Subject | None) -> None:
    """Make ``subject`` the course's primary subject (adding the link if needed), or clear it with None.

    ``courses.primary_subject_id`` and the single ``course_subjects.is_primary`` row change together.
    """
    _require_course_edit(actor, course)
    with transaction.atomic():
        # Clear first: the partial unique index allows one primary row per course at any moment.
        CourseSubject.objects.filter(course=course, is_primary=True).exclude(subject=subject).update(is_primary=False)
        if subject is not None:
            CourseSubject.objects.update_or_create(course=course, subject=subject, defaults={"is_primary": True})
        Course.objects.filter(pk=course.pk).update(primary_subject=subject)
        bump_catalog_version()
    course.primary_subject = subject


def add_course_subject(*, actor=None, course: Course, subject: Subject, is_primary: bool = False) -> CourseSubject:
    """Link a subject to the course (idempotent); ``is_primary=True`` also makes it the primary subject."""
    _require_course_edit(actor, course)
    if is_primary:
        set_primary_subject(course=course, subject=subject)
        return CourseSubject.objects.get(course=course, subject=subject)
    link, _ = CourseSubject.objects.get_or_create(course=course, subject=subject)
    return link


def set_course_subject(*, actor=None, course: Course, subject: Subject, is_primary: bool) -> CourseSubject:
    """Link ``subject`` to the course as primary or not (idempotent). Un-marking the primary link clears
    ``courses.primary_subject_id`` too, so the column and the row never disagree."""
    _require_course_edit(actor, course)
    with transaction.atomic():
        link = add_course_subject(course=course, subject=subject, is_primary=is_primary)
        if link.is_primary and not is_primary:
            set_primary_subject(course=course, subject=None)
            link.is_primary = False
    return link


def remove_course_subject(*, actor=None, course: Course, subject: Subject) -> None:
    """Unlink a subject; removing the primary one clears ``courses.primary_subject_id`` too."""
    _require_course_edit(actor, course)
    with transaction.atomic():
        CourseSubject.objects.filter(course=course, subject=subject).delete()
        bump_catalog_version()
        if Course.objects.filter(pk=course.pk, primary_subject=subject).update(primary_subject=None):
            course.primary_subject = None


# --- prerequisites ----------------------------------------------------------------------------


def _requires(*, course_id: int, target_id: int) -> bool:
    """Whether ``course_id`` already requires ``target_id`` through strict / co-requisite links."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH RECURSIVE required(id) AS (
                SELECT prerequisite_course_id FROM course_prerequisites
                WHERE course_id = %(start)s AND prerequisite_type = ANY(%(types)s)
              UNION
                SELECT p.prerequisite_course_id FROM course_prerequisites p
                JOIN required r ON p.course_id = r.id
                WHERE p.prerequisite_type = ANY(%(types)s)
            )
            SELECT EXISTS (SELECT 1 FROM required WHERE id = %(target)s)
            """,
            {"start": course_id, "target": target_id, "types": [str(t) for t in _BINDING_PREREQUISITES]},
        )
        return cursor.fetchone()[0]


def add_prerequisite(
    *,
    actor=None,
    course: Course,
    prerequisite_course: Course,
    prerequisite_type: str = PrerequisiteType.STRICT,
) -> CoursePrerequisite:
    """``course`` requires ``prerequisite_course``. Same university only; no self link; no cycle among
    strict and co-requisite links (recommendations never block)."""
    _require_course_edit(actor, course)
    if course.pk == prerequisite_course.pk:
        raise ValidationError({"prerequisite_course": [PREREQUISITE_SELF]}, code="self")
    if course.university_id != prerequisite_course.university_id:
        raise ValidationError({"prerequisite_course": [PREREQUISITE_OTHER_UNIVERSITY]}, code="tenant_mismatch")
    if prerequisite_type not in PrerequisiteType.values:
        raise ValidationError({"prerequisite_type": [f"Unknown prerequisite type {prerequisite_type!r}."]})
    with transaction.atomic():
        # Serialise prerequisite edits per university so two concurrent links cannot close a cycle.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('course_prerequisites'), %s)", [course.university_id])
        if CoursePrerequisite.objects.filter(course=course, prerequisite_course=prerequisite_course).exists():
            raise ValidationError({"prerequisite_course": [PREREQUISITE_DUPLICATE]}, code="duplicate")
        if prerequisite_type in _BINDING_PREREQUISITES and _requires(
            course_id=prerequisite_course.pk, target_id=course.pk
        ):
            raise ValidationError({"prerequisite_course": [PREREQUISITE_CYCLE]}, code="cycle")
        return CoursePrerequisite.objects.create(
            course=course, prerequisite_course=prerequisite_course, prerequisite_type=prerequisite_type
        )


def remove_prerequisite(*, actor=None, course: Course, prerequisite_course: Course) -> bool:
    _require_course_edit(actor, course)
    deleted, _ = CoursePrerequisite.objects.filter(course=course, prerequisite_course=prerequisite_course).delete()
    return bool(deleted)


# --- offerings --------------------------------------------------------------------------------


def _check_offering_dates(offering: CourseOffering) -> None:
    errors: dict[str, list[str]] = {}
    if offering.starts_at and offering.ends_at and offering.starts_at >= offering.ends_at:
        errors.setdefault("ends_at", []).append(OFFERING_ENDS_BEFORE_START)
    if offering.enrollment_start and offering.enrollment_end and offering.enrollment_start >= offering.enrollment_end:
        errors.setdefault("enrollment_end", []).append(OFFERING_ENROLLMENT_WINDOW)
    if offering.enrollment_start and offering.ends_at and offering.enrollment_start >= offering.ends_at:
        errors.setdefault("enrollment_start", []).append(OFFERING_ENROLLMENT_AFTER_END)
    if offering.capacity is not None and offering.capacity < 0:
        errors.setdefault("capacity", []).append(OFFERING_CAPACITY_NEGATIVE)
    if errors:
        raise ValidationError(errors)


def create_offering(*, actor=None, course: Course, **fields: Any) -> CourseOffering:
    """Create an offering of ``course``; its university is the course's, its counts start at zero."""
    _require_course_edit(actor, course)
    _reject_unknown(fields, _OFFERING_EDITABLE, OFFERING_FIELD_NOT_EDITABLE)
    offering = CourseOffering(course=course, university_id=course.university_id, **fields)
    _check_offering_dates(offering)
    offering.full_clean()
    offering.save()
    return offering


def update_offering(*, actor=None, offering: CourseOffering, **fields: Any) -> CourseOffering:
    _require_course_edit(actor, offering.course)
    _reject_unknown(fields, _OFFERING_EDITABLE, OFFERING_FIELD_NOT_EDITABLE)
    for name, value in fields.items():
        setattr(offering, name, value)
    _check_offering_dates(offering)
    offering.full_clean()
    offering.save(update_fields=[*fields] or None)
    return offering


def delete_offering(*, actor=None, offering: CourseOffering) -> None:
    """Delete an offering that nobody is enrolled in (its staff rows and invitations go with it).

    An offering with enrollments (any status: a dropped row still carries progress, grades and the
    student's history) is refused with :data:`OFFERING_HAS_ENROLLMENTS`; the offering row is locked so
    an enrollment cannot slip in between the count and the delete.
    """
    if actor is not None and not can_administer_course(actor, offering.course):
        raise PermissionDenied(NOT_ALLOWED_OFFERING)
    with transaction.atomic():
        locked = CourseOffering.objects.select_for_update().filter(pk=offering.pk).first()
        if locked is None:
            return
        # ``enrollments`` is learning's reverse relation (string FK); the catalog never imports learning.
        count = locked.enrollments.count()
        if count:
            raise ValidationError(OFFERING_HAS_ENROLLMENTS.format(offering=offering, count=count), code="in_use")
        locked.delete()


# --- departments ------------------------------------------------------------------------------


def delete_department(*, actor=None, department: Department) -> None:
    """Delete a department nothing points at any more.

    Roles (a department admin's row must name a department, ``ck_user_university_roles_department_admin_
    has_department``) and courses would otherwise be rewritten or fail in the database; the department
    is refused with :data:`DEPARTMENT_IN_USE`, naming both counts, until they are moved.
    """
    if actor is not None and not can_administer_university(actor, department.university_id):
        raise PermissionDenied(NOT_ALLOWED_DEPARTMENT)
    with transaction.atomic():
        locked = Department.objects.select_for_update().filter(pk=department.pk).first()
        if locked is None:
            return
        roles = UserUniversityRole.objects.filter(department_id=locked.pk).count()
        courses = Course.objects.filter(department_id=locked.pk).count()
        if roles or courses:
            raise ValidationError(
                DEPARTMENT_IN_USE.format(department=locked, roles=roles, courses=courses), code="in_use"
            )
        locked.delete()


# --- subjects ---------------------------------------------------------------------------------


def _require_subjects(actor) -> None:
    if actor is not None and not can_manage_subjects(actor):
        raise PermissionDenied(NOT_ALLOWED_SUBJECTS)


def create_subject(
    *,
    actor=None,
    parent: Subject | None,
    domain: Domain | None,
    name: str,
    code: str,
    description: str | None = None,
) -> Subject:
    """A subject under ``parent`` (in the parent's domain, at its depth + 1) or a root of ``domain``."""
    _require_subjects(actor)
    if parent is not None:
        if domain is None:
            domain = parent.domain
        elif parent.domain_id != domain.pk:
            raise ValidationError({"parent_subject": [SUBJECT_PARENT_OTHER_DOMAIN]}, code="other_domain")
    subject = Subject(
        parent_subject=parent,
        domain=domain,
        name=name,
        code=code,
        description=description,
        depth=parent.depth + 1 if parent is not None else 0,
    )
    subject.full_clean()
    subject.save()
    return subject


def move_subject(*, actor=None, subject: Subject, new_parent: Subject | None) -> Subject:
    """Hang ``subject`` (and its subtree) under ``new_parent`` (None: make it a root of its domain).

    Refuses a parent in another domain and a parent inside the subtree; the depth of every node of
    the subtree is rewritten by one recursive UPDATE.
    """
    _require_subjects(actor)
    with transaction.atomic():
        # The taxonomy is small and rarely edited: one lock for the whole tree rules out two
        # concurrent moves that would together close a cycle.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('subjects_tree'))")
        subject = Subject.objects.get(pk=subject.pk)
        if new_parent is not None:
            new_parent = Subject.objects.get(pk=new_parent.pk)
            if new_parent.domain_id != subject.domain_id:
                raise ValidationError({"parent_subject": [SUBJECT_PARENT_OTHER_DOMAIN]}, code="other_domain")
            with connection.cursor() as cursor:
                cursor.execute(
                    """
                    WITH RECURSIVE ancestors(id, parent_id) AS (
                        SELECT id, parent_subject_id FROM subjects WHERE id = %(parent)s
                      UNION
                        SELECT s.id, s.parent_subject_id FROM subjects s JOIN ancestors a ON s.id = a.parent_id
                    )
                    SELECT EXISTS (SELECT 1 FROM ancestors WHERE id = %(subject)s)
                    """,
                    {"parent": new_parent.pk, "subject": subject.pk},
                )
                if cursor.fetchone()[0]:
                    raise ValidationError({"parent_subject": [SUBJECT_CYCLE]}, code="cycle")
        new_depth = new_parent.depth + 1 if new_parent is not None else 0
        with connection.cursor() as cursor:
            cursor.execute(
                """
                WITH RECURSIVE subtree(id, depth) AS (
                    SELECT id, %(depth)s::integer FROM subjects WHERE id = %(subject)s
                  UNION ALL
                    SELECT s.id, t.depth + 1 FROM subjects s JOIN subtree t ON s.parent_subject_id = t.id
                    WHERE s.id <> %(subject)s
                )
                UPDATE subjects AS target
                SET depth = subtree.depth,
                    parent_subject_id = CASE WHEN target.id = %(subject)s THEN %(parent)s
                                             ELSE target.parent_subject_id END
                FROM subtree WHERE target.id = subtree.id
                """,
                {"depth": new_depth, "subject": subject.pk, "parent": new_parent.pk if new_parent else None},
            )
        subject.refresh_from_db()
    return subject


_SUBJECT_EDITABLE = frozenset({"name", "code", "description"})


def update_subject(*, actor=None, subject: Subject, **fields: Any) -> Subject:
    """Rename or redescribe a subject. Its place in the tree changes only through :func:`move_subject`
    and its domain with its tree (not here)."""
    _require_subjects(actor)
    _reject_unknown(fields, _SUBJECT_EDITABLE, SUBJECT_FIELD_NOT_EDITABLE)
    for name, value in fields.items():
        setattr(subject, name, value)
    subject.full_clean()
    subject.save(update_fields=[*fields] or None)
    return subject


def delete_subject(*, actor=None, subject: Subject) -> int:
    """Delete a subject; its direct children become roots of its domain (depth 0) and every deeper
    descendant moves up by the same amount (depth = new parent depth + 1), in one transaction.

    Queries: the tree lock, one recursive UPDATE that re-roots the children and rewrites the depth of
    the whole subtree below them, and the delete (course links to the subject go with it; courses whose
    primary subject it was keep no primary subject, the ``course_subjects`` row being deleted too).
    Returns the number of subjects whose depth or parent changed.
    """
    _require_subjects(actor)
    with transaction.atomic():
        with connection.cursor() as cursor:
            # The same tree lock as move_subject: a concurrent move cannot hang a node under this one.
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('subjects_tree'))")
            cursor.execute(
                """
                WITH RECURSIVE subtree(id, depth) AS (
                    SELECT id, 0 FROM subjects WHERE parent_subject_id = %(subject)s
                  UNION ALL
                    SELECT s.id, t.depth + 1 FROM subjects s JOIN subtree t ON s.parent_subject_id = t.id
                )
                UPDATE subjects AS target
                SET depth = subtree.depth,
                    parent_subject_id = CASE WHEN target.parent_subject_id = %(subject)s THEN NULL
                                             ELSE target.parent_subject_id END
                FROM subtree WHERE target.id = subtree.id
                """,
                {"subject": subject.pk},
            )
            changed = cursor.rowcount
        Subject.objects.filter(pk=subject.pk).delete()
    return changed
