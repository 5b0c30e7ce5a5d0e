"""Item-score overrides: an instructor's score (or excusal) for one student on one graded item of an offering,
replacing whatever the item's own grading produced, with the reason kept in the audit trail
(``grade_changes``, kind ``override``) by ``learning.gradebook.overrides``.

Part of the ``learning`` app (tables and migrations are the app's); re-exported by ``learning.models``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now

from lms.models_base import non_negative

USER = settings.AUTH_USER_MODEL


class ItemScoreOverride(models.Model):
    """The score that counts for ``student`` on ``content_item`` in ``course_offering`` (``score``), or that the
    item does not count for them at all (``excused``). One row per student, item and offering; changing it
    updates the row, and every change leaves a ``grade_changes`` row with its reason."""

    university = models.ForeignKey("catalog.University", on_delete=models.CASCADE, related_name="+", db_index=False)
    course_offering = models.ForeignKey(
        "catalog.CourseOffering", on_delete=models.CASCADE, related_name="item_score_overrides", db_index=False
    )
    student = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="item_score_overrides", db_index=False)
    content_item = models.ForeignKey(
        "syllabus.ContentItem", on_delete=models.CASCADE, related_name="score_overrides", db_index=False
    )
    score = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    excused = models.BooleanField(default=False, db_default=False)
    reason = models.TextField()
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    updated_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    updated_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "item_score_overrides"
        constraints = [
            # also the index of the gradebook's read (one offering's overrides)
            models.UniqueConstraint(
                fields=["course_offering", "student", "content_item"], name="ux_item_score_overrides_student_item"
            ),
            # a score, or excused: never both, never neither
            models.CheckConstraint(
                condition=Q(excused=True, score__isnull=True) | Q(excused=False, score__isnull=False),
                name="ck_item_score_overrides_score_or_excused",
            ),
            non_negative("score", name="ck_item_score_overrides_score_nonnegative"),
            models.CheckConstraint(condition=~Q(reason=""), name="ck_item_score_overrides_reason"),
        ]

    def __str__(self) -> str:
        value = "excused" if self.excused else self.score
        return f"Override of item {self.content_item_id} for {self.student_id}: {value}"
