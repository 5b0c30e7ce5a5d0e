"""Reads for the instructors' roster pages: one offering's enrollments by state, and the list of offerings a
user teaches or manages with their pending requests.

Contract:
- ``get_offering_for_roster(user, offering_id)``: the offering (with course and university) when ``user`` may
  see its roster (``learning.enrollment.permissions.rosters_visible_to``), else ``Http404``, the same for a missing
  offering and another tenant's (a stranger learns nothing from probing ids).
- ``get_roster(offering)``: the offering's pending requests (oldest first), waitlist (in position order),
  active and completed students, each with its user and each section's total, in one query whatever the
  number of enrollments. A section lists at most ``SECTION_LIMIT`` rows (the first ones in its order), so
  an offering with thousands of students still renders a bounded page.
- ``teaching_offerings(user)``: the offerings whose roster ``user`` may see, each annotated with
  ``pending_count``; requests waiting first, then the newest offering. One query (the caller paginates).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404

from catalog.models import CourseOffering
from learning.enrollment.models import CourseEnrollment, EnrollmentStatus
from learning.enrollment.permissions import rosters_visible_to


def get_offering_for_roster(user, offering_id: int) -> CourseOffering:
    offering = (
        rosters_visible_to(user).select_related("course", "university").filter(pk=offering_id).first()
    )
    if offering is None:
        raise Http404("No such offering.")
    return offering


# Rows a section of the roster page lists at most; its total is shown beside it.
SECTION_LIMIT = 500

_SECTIONS = {
    EnrollmentStatus.PENDING: "pending",
    EnrollmentStatus.WAITLISTED: "waitlist",
    EnrollmentStatus.ACTIVE: "active",
    EnrollmentStatus.COMPLETED: "completed",
}


@dataclass
class Roster:
    pending: list[CourseEnrollment] = field(default_factory=list)
    waitlist: list[CourseEnrollment] = field(default_factory=list)
    active: list[CourseEnrollment] = field(default_factory=list)
    completed: list[CourseEnrollment] = field(default_factory=list)
    # Enrollments in each section, also those beyond the limit (keyed like the lists above).
    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_SECTIONS.values(), 0))
    limit: int = SECTION_LIMIT


def get_roster(offering: CourseOffering, *, limit: int | None = None) -> Roster:
    limit = SECTION_LIMIT if limit is None else limit
    roster = Roster(limit=limit)
    order = [F("waitlist_position").asc(), F("enrolled_at").asc(), F("user__full_name").asc(), F("id").asc()]
    rows = (
        CourseEnrollment.objects.filter(course_offering_id=offering.pk, status__in=list(_SECTIONS))
        .select_related("user")
        .only(
            "id", "status", "waitlist_position", "enrolled_at", "completed_at", "status_changed_at",
            "course_offering_id", "user__id", "user__email", "user__full_name",
        )
        .annotate(
            place=Window(RowNumber(), partition_by=[F("status")], order_by=order),
            section_total=Window(Count("id"), partition_by=[F("status")]),
        )
        .filter(place__lte=limit)
        .order_by(*order)
    )
    for enrollment in rows:
        name = _SECTIONS[enrollment.status]
        getattr(roster, name).append(enrollment)
        roster.totals[name] = enrollment.section_total
    return roster


def teaching_offerings(user) -> QuerySet[CourseOffering]:
    return (
        rosters_visible_to(user)
        .select_related("course", "university")
        .annotate(pending_count=Count("enrollments", filter=Q(enrollments__status=EnrollmentStatus.PENDING)))
        .order_by("-pending_count", "-starts_at", "course__code", "pk")
    )
