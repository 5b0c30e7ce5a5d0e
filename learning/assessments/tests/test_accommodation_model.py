"""Accommodations: one offering-wide row and one row per item per student (constraints), and the
effective values merged by ``accommodation_for``."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from learning.assessments.accommodations import accommodation_for
from learning.models import Accommodation
from syllabus.tests.factories import QuizContentItemFactory, root_module_for


def _row(tenant, item=None, **values):
    return Accommodation.objects.create(
        university=tenant.university,
        course_offering=tenant.offering,
        student=tenant.student,
        content_item=item,
        **values,
    )


@pytest.mark.django_db
def test_one_row_per_student_offering_and_per_item(world):
    a = world.a
    item = QuizContentItemFactory(module=root_module_for(a.course))
    _row(a)
    _row(a, item)
    for duplicate in (None, item):
        with pytest.raises(IntegrityError), transaction.atomic():
            _row(a, duplicate)
    with pytest.raises(IntegrityError, match="ck_accommodations_multiplier_range"), transaction.atomic():
        _row(a, QuizContentItemFactory(module=root_module_for(a.course)), time_multiplier=Decimal("0.5"))
    with pytest.raises(IntegrityError, match="ck_accommodations_extra_attempts_nonnegative"), transaction.atomic():
        _row(a, QuizContentItemFactory(module=root_module_for(a.course)), extra_attempts=-1)


@pytest.mark.django_db
def test_effective_values_merge_the_offering_and_the_item_rows(world):
    a = world.a
    item = QuizContentItemFactory(module=root_module_for(a.course))
    other = QuizContentItemFactory(module=root_module_for(a.course))
    assert not accommodation_for(student=a.student, offering=a.offering, item=item).any
    later = timezone.now() + timedelta(days=120)
    _row(a, time_multiplier=Decimal("1.5"), extra_attempts=1, reason="Letter of accommodation")
    _row(a, item, time_multiplier=Decimal("1.25"), extra_attempts=2, extended_until=later, reason="Illness")
    effective = accommodation_for(student=a.student, offering=a.offering, item=item)
    assert effective.time_multiplier == Decimal("1.5")
    assert effective.extra_attempts == 3
    assert effective.extended_until == later
    assert set(effective.reasons) == {"Letter of accommodation", "Illness"}
    assert accommodation_for(student=a.student, offering=a.offering, item=other).extra_attempts == 1
    assert accommodation_for(student=a.student.pk, offering=a.offering.pk, item=None).extended_until is None
    # Another student of the offering, and the same student elsewhere, have none.
    assert not accommodation_for(student=a.instructor, offering=a.offering, item=item).any
    assert not accommodation_for(student=a.student, offering=world.b.offering, item=item).any
