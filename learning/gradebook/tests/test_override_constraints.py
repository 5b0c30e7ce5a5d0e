"""Every database constraint of ``item_score_overrides``, proven by a write that breaks it; a control write
beside a rejection shows the row is sound."""

import pytest

from accounts.tests.db_helpers import rejects, rejects_update
from learning.models import ItemScoreOverride
from learning.tests.factories import ItemScoreOverrideFactory

pytestmark = pytest.mark.django_db


def _rows(row):
    return ItemScoreOverride.objects.filter(pk=row.pk)


def test_one_override_per_student_item_and_offering():
    row = ItemScoreOverrideFactory()
    rejects(
        "ux_item_score_overrides_student_item",
        "INSERT INTO item_score_overrides (university_id, course_offering_id, student_id, content_item_id, score, "
        "reason) VALUES (%s, %s, %s, %s, 3, 'again')",
        [row.university_id, row.course_offering_id, row.student_id, row.content_item_id],
    )


def test_an_override_is_a_score_or_an_excusal_never_both_nor_neither():
    row = ItemScoreOverrideFactory()
    rejects_update("ck_item_score_overrides_score_or_excused", _rows(row), excused=True)  # a score and excused
    rejects_update("ck_item_score_overrides_score_or_excused", _rows(row), score=None)  # neither
    assert _rows(row).update(score=None, excused=True) == 1  # excused alone is sound


def test_an_override_score_is_not_negative():
    row = ItemScoreOverrideFactory()
    rejects_update("ck_item_score_overrides_score_nonnegative", _rows(row), score=-1)
    assert _rows(row).update(score=0) == 1


def test_an_override_has_a_reason():
    rejects_update("ck_item_score_overrides_reason", _rows(ItemScoreOverrideFactory()), reason="")
