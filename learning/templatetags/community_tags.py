"""Community's piece of the catalog's course page: ratings, histogram, the newest reviews and the "Review
the course" button (the catalog composes it in its template and never imports learning). The player's item
page includes ``learning/community/_partials/item_discussions.html``, which loads its threads by htmx."""

from __future__ import annotations

from django import template
from django.db.models import Exists, OuterRef

from learning.community import permissions, selectors
from learning.enrollment.models import CourseEnrollment, EnrollmentStatus
from learning.progress.models import UserModuleProgress
from syllabus.models import Module, ModuleType

register = template.Library()

COURSE_PAGE_REVIEWS = 3


def _reviewable_offering_id(user, course) -> int | None:
    """The offering of ``course`` the user may review now (``permissions.review_eligibility``), in one query."""
    if not permissions._signed_in(user):
        return None
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


@register.inclusion_tag("learning/community/_partials/course_reviews.html", takes_context=True)
def course_reviews(context, course):
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "course": course,
        "histogram": selectors.rating_histogram(course.pk) if course.rating_count else [],
        "reviews": list(selectors.reviews_page(course.pk, 1, per_page=COURSE_PAGE_REVIEWS).object_list)
        if course.rating_count
        else [],
        "review_offering_id": _reviewable_offering_id(user, course),
        "managed_offering_ids": set(),
    }
