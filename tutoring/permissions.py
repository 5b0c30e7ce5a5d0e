"""Who may use and read the tutor (one policy for pages, services and commands).

- A **student** uses the tutor on an item through an offering they are enrolled in (active or
  completed), when the item is active, belongs to the offering's course and sits in a published module,
  and neither the course nor the item has the tutor turned off. ``get_tutor_access`` answers 404 for
  everything else, so ids of other universities or courses tell a stranger nothing.
- ``get_learning_offering``: an offering the student is enrolled in (their notes of its course).
- A session is the student's own: ``can_use_session`` (send, rate, notes).
- ``can_share_session(user, session) -> bool``: the session's owner, or staff who administer the session's
  tenant in the console (the same scope as ``tutoring.admin.ChatSessionAdmin``: the university, or the
  department, of the content item the chat is about; a chat about no content item is platform data).
- The **instructors and TAs of an offering** read the tutor sessions of that offering's students about
  the offering's course, flag messages and switch the tutor off (``get_taught_offering``,
  ``sessions_visible_in``); the disclosure tells students so.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils.translation import gettext_noop

from accounts.permissions import can_manage_row
from catalog.models import CourseOffering, CourseOfferingInstructor
from learning.models import CourseEnrollment, EnrollmentStatus
from syllabus.models import ContentItem
from tutoring.models import ChatSession, TutorCourseSetting, TutorItemSetting

SESSION_UNIVERSITY_PATH = "content_item__university"
SESSION_DEPARTMENT_PATH = "content_item__course__department"
USABLE_ENROLLMENT = (EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED)
NOT_FOUND = "No such item."
TUTOR_OFF = gettext_noop("The tutor is turned off for this item.")


@dataclass
class TutorAccess:
    offering: CourseOffering
    item: ContentItem
    enabled: bool
    practice_answers_allowed: bool


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def get_learning_offering(*, user, offering_id: int, not_found: str = NOT_FOUND) -> CourseOffering:
    """An offering the student is enrolled in (active or completed), with its course; Http404 otherwise."""
    if not _signed_in(user):
        raise Http404(not_found)
    offering = (
        CourseOffering.objects.select_related("course", "university")
        .filter(pk=offering_id)
        .filter(
            Exists(
                CourseEnrollment.objects.filter(course_offering=OuterRef("pk"), user=user, status__in=USABLE_ENROLLMENT)
            )
        )
        .first()
    )
    if offering is None:
        raise Http404(not_found)
    return offering


def get_tutor_access(*, user, offering_id: int, item_id: int) -> TutorAccess:
    """The offering and item for a student's tutor panel; Http404 unless the student may use it
    (``enabled`` False when an instructor turned the tutor off: the panel says so)."""
    offering = get_learning_offering(user=user, offering_id=offering_id)
    item = (
        ContentItem.objects.select_related("content_type")
        .filter(pk=item_id, course_id=offering.course_id, is_active=True, module__is_published=True)
        .annotate(
            item_off=Exists(TutorItemSetting.objects.filter(content_item=OuterRef("pk"), tutor_enabled=False)),
        )
        .first()
    )
    if item is None:
        raise Http404(NOT_FOUND)
    course_setting = TutorCourseSetting.objects.filter(course_id=offering.course_id).first()
    course_on = course_setting is None or course_setting.tutor_enabled
    return TutorAccess(
        offering=offering,
        item=item,
        enabled=course_on and not item.item_off,
        practice_answers_allowed=bool(course_setting and course_setting.practice_answers_allowed),
    )


def can_use_session(user, session: ChatSession) -> bool:
    return _signed_in(user) and session.user_id == user.pk


def offerings_taught_by(user) -> QuerySet[CourseOffering]:
    if not _signed_in(user):
        return CourseOffering.objects.none()
    return CourseOffering.objects.filter(
        Exists(CourseOfferingInstructor.objects.filter(course_offering=OuterRef("pk"), user=user))
    )


def get_taught_offering(*, user, offering_id: int) -> CourseOffering:
    offering = offerings_taught_by(user).select_related("course", "university").filter(pk=offering_id).first()
    if offering is None:
        raise Http404("No such offering.")
    return offering


def sessions_visible_in(offering: CourseOffering) -> QuerySet[ChatSession]:
    """Tutor sessions of the offering's students about the offering's course."""
    return ChatSession.objects.filter(
        content_item__course_id=offering.course_id,
        user__in=CourseEnrollment.objects.filter(course_offering=offering).values("user_id"),
    )


def can_moderate_offering(user, offering: CourseOffering) -> bool:
    return offerings_taught_by(user).filter(pk=offering.pk).exists()


def can_share_session(user, session: ChatSession) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if session.user_id == user.pk:
        return True
    return can_manage_row(user, session, university=SESSION_UNIVERSITY_PATH, department=SESSION_DEPARTMENT_PATH)
