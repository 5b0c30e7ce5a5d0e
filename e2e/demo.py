"""Look-ups into the demo world (learning/management/demo_data.py) for the browser tests."""

from __future__ import annotations

from types import SimpleNamespace

from django.utils import timezone

from catalog.models import CourseOffering
from learning.models import Certificate
from syllabus.models import ContentItem


def current_offering(short_code: str, code: str) -> CourseOffering:
    now = timezone.now()
    return CourseOffering.objects.select_related("course").get(
        course__university__short_code=short_code, course__code=code, starts_at__lte=now, ends_at__gte=now
    )


def items_by_kind(offering: CourseOffering) -> dict[str, ContentItem]:
    """The first item of each content type in the offering's course, in syllabus order."""
    found: dict[str, ContentItem] = {}
    for item in ContentItem.objects.filter(module__course=offering.course).select_related("content_type").order_by(
        "module__depth", "module__sequence_index", "sequence_index", "pk"
    ):
        found.setdefault(item.content_type.name, item)
    return found


def calculus() -> SimpleNamespace:
    """NIT MATH101 Calculus I (current term): the demo's complete syllabus."""
    offering = current_offering("NIT", "MATH101")
    certificate = Certificate.objects.filter(course_offering__course__university__short_code="NIT").first()
    return SimpleNamespace(offering=offering, course=offering.course, items=items_by_kind(offering), certificate=certificate)
