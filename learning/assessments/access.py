"""Access to labs and assignments (reads only; the policy of ``learning/assessments``).

Contract:
- ``get_student_item(user=, offering_id=, item_id=, type_name=)``: the offering and item for a student whose
  enrollment is active or completed, when the item is an active item of the published course tree of that
  type; Http404 otherwise (a stranger, another university, an unknown id or a wrong type look the same).
- ``graded_offerings(user)`` / ``get_graded_offering(user=, offering_id=)``: offerings whose submissions
  ``user`` may see and grade: everyone who teaches the offering (instructors and TAs) and the admins whose
  scope covers it (``learning.enrollment.permissions.rosters_visible_to``). Http404 for anything else.
- ``can_grade(user, offering)``: the same rule for one offering (services re-check it).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from catalog.models import CourseOffering
from learning.enrollment.models import CourseEnrollment
from learning.enrollment.permissions import rosters_visible_to
from learning.progress.services import USABLE_ENROLLMENT
from learning.progress.structure import get_course_structure
from syllabus.models import ContentItem


@dataclass
class StudentItem:
    offering: CourseOffering
    item: ContentItem
    enrollment: CourseEnrollment


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)


def get_student_item(*, user, offering_id: int, item_id: int, type_name: str) -> StudentItem:
    if not _signed_in(user):
        raise Http404("No such item.")
    enrollment = (
        CourseEnrollment.objects.select_related("course_offering__course", "course_offering__university")
        .filter(user_id=user.pk, course_offering_id=offering_id, status__in=USABLE_ENROLLMENT)
        .first()
    )
    if enrollment is None:
        raise Http404("No such item.")
    offering = enrollment.course_offering
    structure = get_course_structure(course_id=offering.course_id, structure_version=offering.course.structure_version)
    if item_id not in structure.item_pos:
        raise Http404("No such item.")
    item = (
        ContentItem.objects.select_related("content_type")
        .filter(pk=item_id, course_id=offering.course_id, is_active=True, content_type__name=type_name)
        .first()
    )
    if item is None:
        raise Http404("No such item.")
    return StudentItem(offering=offering, item=item, enrollment=enrollment)


def graded_offerings(user) -> QuerySet[CourseOffering]:
    return rosters_visible_to(user)


def can_grade(user, offering: CourseOffering) -> bool:
    return _signed_in(user) and graded_offerings(user).filter(pk=offering.pk).exists()


def get_graded_offering(*, user, offering_id: int) -> CourseOffering:
    offering = graded_offerings(user).select_related("course", "university").filter(pk=offering_id).first()
    if offering is None:
        raise Http404("No such course offering.")
    return offering


def get_graded_item(*, offering: CourseOffering, item_id: int, type_name: str) -> ContentItem:
    """An item of the offering's course of that type (active or not: old submissions stay gradable)."""
    item = (
        ContentItem.objects.select_related("content_type")
        .filter(pk=item_id, course_id=offering.course_id, content_type__name=type_name)
        .first()
    )
    if item is None:
        raise Http404("No such item.")
    return item
