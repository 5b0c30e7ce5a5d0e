"""Community's piece of the catalog's course page: ratings, histogram, the newest reviews and the "Review
the course" button (the catalog composes it in its template and never imports learning). The player's item
page includes ``learning/community/_partials/item_discussions.html``, which loads its threads by htmx."""

from __future__ import annotations

from django import template
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string

from learning.community import permissions, selectors
from learning.enrollment.models import CourseEnrollment, EnrollmentStatus
from learning.progress.models import UserModuleProgress
from syllabus.models import Module, ModuleType

register = template.Library()

COURSE_PAGE_REVIEWS = 3


def _reviewable_offering_id(user, course, student=None) -> int | None:
    """The offering of ``course`` the user may review now (``permissions.review_eligibility``): from the
    course page's student rows when given (no query), else in one query."""
    if not permissions._signed_in(user):
        return None
    if student is not None:
        rows = sorted(
            (
                (e.enrolled_at, e.course_offering_id, e.status, e.course_offering_id in student.reached_share)
                for e in student.enrollments.values()
                if e.status in permissions.LEARNER_STATUSES
            ),
            key=lambda row: (row[0], row[1]),
            reverse=True,
        )
        rows = [(offering_id, status, share) for _at, offering_id, status, share in rows]
    else:
        share = UserModuleProgress.objects.filter(
            user_id=user.pk,
            course_offering_id=OuterRef("course_offering_id"),
            progress_percent__gte=permissions.REVIEW_SHARE,
            module__in=Module.objects.filter(course_id=course.pk, module_type=ModuleType.COURSE_ROOT),
        )
        rows = (
            CourseEnrollment.objects.filter(
                user_id=user.pk, course_offering__course_id=course.pk, status__in=permissions.LEARNER_STATUSES
            )
            .annotate(share=Exists(share))
            .order_by("-enrolled_at")
            .values_list("course_offering_id", "status", "share")
        )
    for offering_id, status, has_share in rows:
        if status == EnrollmentStatus.COMPLETED or has_share:
            return offering_id
    return None


def _shared_reviews_html(course) -> str:
    """The rating summary and the newest reviews: the same for every visitor (two queries)."""
    return render_to_string(
        "learning/community/_partials/course_reviews_shared.html",
        {
            "course": course,
            "histogram": selectors.rating_histogram(course.pk) if course.rating_count else [],
            "reviews": list(selectors.reviews_page(course.pk, 1, per_page=COURSE_PAGE_REVIEWS).object_list)
            if course.rating_count
            else [],
            "managed_offering_ids": set(),
        },
    )


@register.inclusion_tag("learning/community/_partials/course_reviews.html", takes_context=True)
def course_reviews(context, course):
    """The shared part is rendered without the request and kept in the catalog's page cache when the course
    page read it (``request.catalog_parts``; every review change recomputes the course's rating through
    ``catalog.services.set_course_rating``, which bumps the catalog version); the "Review the course"
    button is the user's."""
    request = context.get("request")
    user = getattr(request, "user", None)
    parts = getattr(request, "catalog_parts", None)
    shared = (
        parts.get_or_set("reviews", lambda: _shared_reviews_html(course)) if parts else _shared_reviews_html(course)
    )
    student = request.__dict__.get("_course_page_student", {}).get(course.pk) if request is not None else None
    return {
        "course": course,
        "shared_html": shared,
        "review_offering_id": _reviewable_offering_id(user, course, student),
    }
