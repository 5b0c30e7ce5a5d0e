"""Reads for the instructors' roster pages: one offering's enrollments by state, and the list of offerings a
user teaches or manages with their pending requests.

Contract:
- ``get_offering_for_roster(user, offering_id)``: the offering (with course and university) when ``user`` may
  see its roster (``learning.permissions.rosters_visible_to``), else ``Http404``, the same for a missing
  offering and another tenant's (a stranger learns nothing from probing ids).
- ``get_roster(offering)``: the offering's pending requests (oldest first), waitlist (in position order),
  active and completed students, each with its user, in one query whatever the number of enrollments.
- ``teaching_offerings(user)``: the offerings whose roster ``user`` may see, each annotated with
  ``pending_count``; requests waiting first, then the newest offering. One query (the caller paginates).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from catalog.models import CourseOffering
from learning.models import CourseEnrollment, EnrollmentStatus
from learning.permissions import rosters_visible_to


def get_offering_for_roster(user, offering_id: int) -> CourseOffering:
    offering = (
        rosters_visible_to(user).select_related("course", "university").filter(pk=offering_id).first()
    )
    if offering is None:
        raise Http404("No such offering.")
    return offering


@dataclass
class Roster:
    pending: list[CourseEnrollment] = field(default_factory=list)
    waitlist: list[CourseEnrollment] = field(default_factory=list)
    active: list[CourseEnrollment] = field(default_factory=list)
    completed: list[CourseEnrollment] = field(default_factory=list)
    dropped_count: int = 0


_ORDER = {
    EnrollmentStatus.PENDING: "pending",
    EnrollmentStatus.WAITLISTED: "waitlist",
    EnrollmentStatus.ACTIVE: "active",
    EnrollmentStatus.COMPLETED: "completed",
}


def get_roster(offering: CourseOffering) -> Roster:
    roster = Roster()
    rows = (
        CourseEnrollment.objects.filter(course_offering_id=offering.pk)
        .select_related("user")
        .only(
            "id", "status", "waitlist_position", "enrolled_at", "completed_at", "status_changed_at",
            "course_offering_id", "user__id", "user__email", "user__full_name",
        )
        .order_by("waitlist_position", "enrolled_at", "user__full_name", "id")
    )
    for enrollment in rows:
        name = _ORDER.get(enrollment.status)
        if name is None:
            roster.dropped_count += 1
        else:
            getattr(roster, name).append(enrollment)
    return roster


def teaching_offerings(user) -> QuerySet[CourseOffering]:
    return (
        rosters_visible_to(user)
        .select_related("course", "university")
        .annotate(pending_count=Count("enrollments", filter=Q(enrollments__status=EnrollmentStatus.PENDING)))
        .order_by("-pending_count", "-starts_at", "course__code", "pk")
    )
