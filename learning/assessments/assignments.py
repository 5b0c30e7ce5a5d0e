"""Assignments: drafts and submissions, dates and extensions, late policy, grading with a rubric or a plain
score, posting, anonymous grading, missing scores and completion.

Contract (services keyword-only with ``actor=``, re-checking permission; ValidationError with this module's
message constants; reads take an offering obtained through ``learning.assessments.access``):
- ``save_assignment(actor=, offering=, item=, text=, files=, submit=)``: a student's draft, or the submission
  (``submit=True``). Refused before ``available_from``, after the student's cut-off, when resubmission is not
  allowed, and for a submission type or file type the assignment does not take. One row per student and
  assignment (``ux_assignment_submissions_user_item``), written under the enrollment row's lock.
- ``grade_assignment(actor=, submission=, raw_score= | rubric_levels=, feedback=, feedback_file=)``: graders.
  Raw grade (rubric total or plain score), late penalty (``late_policy.apply_late_policy`` against the
  student's due time, extension included; exemptions honoured) and score are stored apart; every change is
  one ``grade_changes`` row (``rubric``/``manual`` for the raw grade, ``late_penalty`` for the penalty).
  Posted at once when the assignment posts automatically.
- ``post_assignment_grades``: graders post every graded, unposted submission (manual posting).
- ``set_late_exemption``, ``apply_missing_scores``: graders.
- Completion through ``record_item_progress``: when a grade is posted, or on submission when the assignment's
  ``completion`` is ``submitted``.
- Students see a grade, its penalty, rubric and feedback only once ``posted_at`` is set (``visible_grade``).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext, gettext_noop

from learning.assessments.access import can_grade
from learning.assessments.audit import record_grade_change
from learning.assessments.late_policy import Deadlines, LatePolicy, apply_late_policy, deadlines, missing_score
from learning.assessments.models_submissions import (
    AssignmentStatus,
    AssignmentSubmission,
    GradeChangeKind,
    SubmissionFile,
    SubmissionFileRole,
)
from learning.assessments.signals import send_grades_changed
from learning.assessments.uploads import UploadLimits
from learning.enrollment.models import CourseEnrollment
from learning.notifications.models import NotificationKind
from learning.notifications.services import notify
from learning.progress import services as progress

ASSIGNMENT_NOT_ENROLLED = gettext_noop("Only students enrolled in this offering can hand in this assignment.")
ASSIGNMENT_NOT_OPEN = gettext_noop("This assignment opens on {date}.")
ASSIGNMENT_CLOSED = gettext_noop("This assignment closed on {date}; nothing can be handed in any more.")
ASSIGNMENT_EXTENSION_ENDED = gettext_noop("Your extension for this assignment ended on {date}; nothing can be handed in any more.")
ASSIGNMENT_NO_RESUBMISSION = gettext_noop("You have already submitted this assignment, and it does not allow resubmission.")
ASSIGNMENT_EMPTY = gettext_noop("Write an answer or attach a file before submitting.")
ASSIGNMENT_NO_TEXT = gettext_noop("This assignment takes files only, not a text answer.")
ASSIGNMENT_NO_FILES = gettext_noop("This assignment takes a text answer only, not files.")
ASSIGNMENT_DENIED = gettext_noop("You may not grade submissions of this offering.")
ASSIGNMENT_SCORE_RANGE = gettext_noop("The score must be between 0 and {max}.")
ASSIGNMENT_RUBRIC_INCOMPLETE = gettext_noop("Choose a level for every rubric criterion.")
ASSIGNMENT_NOT_SUBMITTED = gettext_noop("This student has not submitted anything to grade.")
TEXT_LIMIT = 100_000
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class AssignmentSettings:
    max_points: Decimal
    takes_text: bool
    takes_files: bool
    allowed_file_types: tuple[str, ...]
    late_policy: LatePolicy
    due_at: str | None
    due_offset_days: int | None
    available_from: datetime | None
    allow_resubmission: bool
    completion: str  # "graded" | "submitted"
    automatic_posting: bool
    anonymous_grading: bool
    rubric: list[dict] = field(default_factory=list)

    @property
    def upload_limits(self) -> UploadLimits:
        return UploadLimits(
            max_files=10,
            max_file_bytes=10 * 1024 * 1024,
            max_total_bytes=20 * 1024 * 1024,
            allowed_suffixes=tuple(s.lower() for s in self.allowed_file_types),
            python_modules=False,
        )

    def rubric_total(self, levels: list[int]) -> Decimal:
        if len(levels) != len(self.rubric):
            raise ValidationError(gettext(ASSIGNMENT_RUBRIC_INCOMPLETE), code="rubric")
        total = Decimal(0)
        for criterion, level in zip(self.rubric, levels, strict=True):
            options = criterion.get("levels") or []
            if not isinstance(level, int) or not 0 <= level < len(options):
                raise ValidationError(gettext(ASSIGNMENT_RUBRIC_INCOMPLETE), code="rubric")
            total += Decimal(str(options[level].get("points", 0)))
        return total


def _parse_when(value) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parse_datetime(str(value))
    except ValueError:
        return None
    if parsed is None:
        return None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)


def assignment_settings(item) -> AssignmentSettings:
    data = item.data_json if isinstance(item.data_json, dict) else {}
    types = set(data.get("submission_types") or [])
    rubric = (data.get("rubric") or {}).get("criteria") or []
    return AssignmentSettings(
        max_points=Decimal(str(data.get("max_points", 0))),
        takes_text="text_entry" in types or "url" in types,
        takes_files="file_upload" in types,
        allowed_file_types=tuple(data.get("allowed_file_types") or ()),
        late_policy=LatePolicy.from_payload(data.get("late_policy")),
        due_at=data.get("due_at"),
        due_offset_days=data.get("due_offset_days"),
        available_from=_parse_when(data.get("available_from")),
        allow_resubmission=bool(data.get("allow_resubmission", False)),
        completion=data.get("completion") or "graded",
        automatic_posting=(data.get("grade_posting") or "automatic") == "automatic",
        anonymous_grading=bool(data.get("anonymous_grading", False)),
        rubric=[c for c in rubric if isinstance(c, dict)],
    )


def _extended_until(*, student_id: int, offering, item) -> datetime | None:
    from learning.assessments.accommodations import accommodation_for

    return accommodation_for(student=student_id, offering=offering, item=item).extended_until


def student_deadlines(*, settings_: AssignmentSettings, offering, item, student_id: int) -> Deadlines | None:
    """The student's due time and cut-off (extension included); None when the assignment has no due date."""
    due = _parse_when(settings_.due_at)
    if due is None and settings_.due_offset_days is not None:
        anchor = offering.starts_at
        if anchor is None:  # self-paced: from the student's enrollment
            anchor = (
                CourseEnrollment.objects.filter(user_id=student_id, course_offering_id=offering.pk)
                .values_list("enrolled_at", flat=True)
                .first()
            )
        due = anchor + timedelta(days=int(settings_.due_offset_days)) if anchor is not None else None
    if due is None:
        return None
    return deadlines(
        due_at=due,
        policy=settings_.late_policy,
        extended_until=_extended_until(student_id=student_id, offering=offering, item=item),
    )


def _when(moment: datetime) -> str:
    return f"{moment:%d %b %Y, %H:%M} UTC"


def hand_in_refusal(*, config: AssignmentSettings, times: Deadlines | None, now: datetime) -> ValidationError | None:
    """Why this student cannot hand anything in now — not open yet, or past their cut-off (their extension
    included) — with the date; None while hand-in is open. ``save_assignment`` raises it; the page shows it
    instead of the form."""
    if config.available_from is not None and now < config.available_from:
        return ValidationError(gettext(ASSIGNMENT_NOT_OPEN).format(date=_when(config.available_from)), code="not_open")
    if times is not None and times.cutoff_at is not None and now > times.cutoff_at:
        message = ASSIGNMENT_EXTENSION_ENDED if times.extended else ASSIGNMENT_CLOSED
        return ValidationError(gettext(message).format(date=_when(times.cutoff_at)), code="closed")
    return None


# --- students ------------------------------------------------------------------------------------------


def save_assignment(
    *, actor, offering, item, text: str = "", files: dict[str, bytes] | None = None, submit: bool, now=None
) -> AssignmentSubmission:
    now = now or timezone.now()
    config = assignment_settings(item)
    text = (text or "").strip()[:TEXT_LIMIT]
    files = files or {}
    if text and not config.takes_text:
        raise ValidationError(gettext(ASSIGNMENT_NO_TEXT), code="no_text")
    if files and not config.takes_files:
        raise ValidationError(gettext(ASSIGNMENT_NO_FILES), code="no_files")
    times = student_deadlines(settings_=config, offering=offering, item=item, student_id=actor.pk)
    refusal = hand_in_refusal(config=config, times=times, now=now)
    if refusal is not None:
        raise refusal
    with transaction.atomic():
        enrolled = (
            CourseEnrollment.objects.select_for_update()
            .filter(user_id=actor.pk, course_offering_id=offering.pk, status__in=progress.USABLE_ENROLLMENT)
            .first()
        )
        if enrolled is None:
            raise ValidationError(gettext(ASSIGNMENT_NOT_ENROLLED), code="not_enrolled")
        submission, _ = AssignmentSubmission.objects.select_for_update().get_or_create(
            user_id=actor.pk,
            course_offering_id=offering.pk,
            content_item_id=item.pk,
            defaults={"university_id": offering.university_id, "max_score": config.max_points},
        )
        if submission.status == AssignmentStatus.SUBMITTED and not config.allow_resubmission:
            raise ValidationError(gettext(ASSIGNMENT_NO_RESUBMISSION), code="no_resubmission")
        has_files = bool(files) or (
            not files
            and SubmissionFile.objects.filter(
                assignment_submission=submission, role=SubmissionFileRole.SUBMISSION
            ).exists()
        )
        if submit and not text and not has_files:
            raise ValidationError(gettext(ASSIGNMENT_EMPTY), code="empty")
        submission.text_answer = text
        if files:
            SubmissionFile.objects.filter(assignment_submission=submission, role=SubmissionFileRole.SUBMISSION).delete()
            SubmissionFile.objects.bulk_create(
                SubmissionFile(
                    university_id=offering.university_id,
                    course_offering_id=offering.pk,
                    assignment_submission=submission,
                    path=path,
                    size=len(content),
                    data=content,
                    uploaded_by_id=actor.pk,
                )
                for path, content in sorted(files.items())
            )
        fields = ["text_answer", "updated_at"]
        submission.updated_at = now
        if submit:
            submission.status = AssignmentStatus.SUBMITTED
            submission.submitted_at = now
            submission.submission_count += 1
            submission.is_missing = False
            if times is not None:
                submission.seconds_late = max(0, int((now - times.due_at).total_seconds() + 0.999999))
            fields += ["status", "submitted_at", "submission_count", "is_missing", "seconds_late"]
        submission.save(update_fields=fields)
        with contextlib.suppress(ValidationError):
            progress.record_item_progress(
                user=actor, offering=offering, item_id=item.pk, attempt=submit,
                complete=submit and config.completion == "submitted",
            )  # fmt: skip
    return submission


# --- graders -------------------------------------------------------------------------------------------


def _require_grader(actor, offering) -> None:
    if not can_grade(actor, offering):
        raise ValidationError(gettext(ASSIGNMENT_DENIED), code="denied")


def _complete_if_posted(submission: AssignmentSubmission, config: AssignmentSettings) -> None:
    if submission.posted_at is None or submission.score is None:
        return
    with contextlib.suppress(ValidationError):
        progress.record_item_progress(
            user=submission.user, offering=submission.course_offering, item_id=submission.content_item_id, complete=True
        )


def _apply_penalty(submission: AssignmentSubmission, config: AssignmentSettings) -> None:
    """Set ``late_penalty`` and ``score`` from ``raw_score`` (in place)."""
    times = student_deadlines(
        settings_=config,
        offering=submission.course_offering,
        item=submission.content_item,
        student_id=submission.user_id,
    )
    if submission.raw_score is None:
        return
    if times is None or submission.submitted_at is None:
        submission.late_penalty, submission.score = Decimal(0), submission.raw_score
        return
    result = apply_late_policy(
        raw_score=submission.raw_score,
        max_points=config.max_points,
        submitted_at=submission.submitted_at,
        due_at=times.due_at,
        policy=config.late_policy,
        exempt=submission.late_exempt,
    )
    submission.seconds_late = result.seconds_late
    submission.late_penalty, submission.score = result.penalty, result.final_score


def _audit(actor, submission, kind, before, after, reason="", field="score"):
    record_grade_change(
        actor=actor,
        target=submission,
        student_id=submission.user_id,
        offering=submission.course_offering,
        item_id=submission.content_item_id,
        kind=kind,
        from_value=before,
        to_value=after,
        reason=reason,
        field=field,
    )


def grade_assignment(
    *,
    actor,
    submission: AssignmentSubmission,
    raw_score: Decimal | None = None,
    rubric_levels: list[int] | None = None,
    feedback: str = "",
    feedback_file: tuple[str, bytes] | None = None,
    now=None,
) -> AssignmentSubmission:
    _require_grader(actor, submission.course_offering)
    now = now or timezone.now()
    config = assignment_settings(submission.content_item)
    if config.rubric:
        raw = config.rubric_total(list(rubric_levels or []))
        kind = GradeChangeKind.RUBRIC
    else:
        try:
            raw = Decimal(str(raw_score)).quantize(_CENT)
        except (InvalidOperation, ValueError):
            raise ValidationError(gettext(ASSIGNMENT_SCORE_RANGE).format(max=config.max_points), code="range") from None
        kind = GradeChangeKind.MANUAL
    if raw < 0 or raw > config.max_points:
        raise ValidationError(gettext(ASSIGNMENT_SCORE_RANGE).format(max=config.max_points), code="range")
    with transaction.atomic():
        locked = (
            AssignmentSubmission.objects.select_for_update()
            .select_related("course_offering", "content_item", "user")
            .get(pk=submission.pk)
        )
        if locked.status != AssignmentStatus.SUBMITTED and not locked.is_missing:
            raise ValidationError(gettext(ASSIGNMENT_NOT_SUBMITTED), code="not_submitted")
        before_raw, before_penalty = locked.raw_score, locked.late_penalty
        locked.raw_score = raw
        locked.rubric_json = {"levels": list(rubric_levels)} if config.rubric else None
        locked.is_missing = False
        _apply_penalty(locked, config)
        locked.feedback = (feedback or "").strip()
        locked.graded_by = actor
        locked.graded_at = now
        locked.updated_at = now
        newly_posted = config.automatic_posting and locked.posted_at is None
        if newly_posted:
            locked.posted_at = now
        locked.save()
        _audit(actor, locked, kind, before_raw, raw)
        _audit(actor, locked, GradeChangeKind.LATE_PENALTY, before_penalty, locked.late_penalty,
               reason=f"{locked.seconds_late} s late", field="late_penalty")  # fmt: skip
        if feedback_file is not None:
            name, content = feedback_file
            SubmissionFile.objects.filter(assignment_submission=locked, role=SubmissionFileRole.FEEDBACK).delete()
            SubmissionFile.objects.create(
                university_id=locked.university_id,
                course_offering_id=locked.course_offering_id,
                assignment_submission=locked,
                role=SubmissionFileRole.FEEDBACK,
                path=name,
                size=len(content),
                data=content,
                uploaded_by=actor,
            )
        _complete_if_posted(locked, config)
        if newly_posted:
            _notify_posted(locked.course_offering, locked.content_item, [locked.user_id])
    return locked


def _notify_posted(offering, item, user_ids: list[int]) -> None:
    """Tell the students their grade is posted (after commit; the notification service)."""
    notify(
        user_ids=user_ids,
        kind=NotificationKind.GRADE_POSTED,
        text=f"Your grade for {item.title} is posted",
        url=reverse("assignments:assignment", args=[offering.pk, item.pk]),
        university_id=offering.university_id,
    )


def post_assignment_grades(*, actor, offering, item, now=None) -> int:
    _require_grader(actor, offering)
    now = now or timezone.now()
    config = assignment_settings(item)
    with transaction.atomic():
        ids = list(
            AssignmentSubmission.objects.select_for_update()
            .filter(
                course_offering_id=offering.pk, content_item_id=item.pk, posted_at__isnull=True, score__isnull=False
            )
            .values_list("pk", flat=True)
        )
        AssignmentSubmission.objects.filter(pk__in=ids).update(posted_at=now)
        posted = list(AssignmentSubmission.objects.filter(pk__in=ids).select_related("user", "course_offering"))
        for submission in posted:
            _complete_if_posted(submission, config)
        if posted:  # the posted grades now count (signals.grades_changed: the course grades)
            send_grades_changed(offering_id=offering.pk, user_ids=[submission.user_id for submission in posted])
            _notify_posted(offering, item, [submission.user_id for submission in posted])
    return len(ids)


def set_late_exemption(*, actor, submission: AssignmentSubmission, exempt: bool) -> AssignmentSubmission:
    _require_grader(actor, submission.course_offering)
    config = assignment_settings(submission.content_item)
    with transaction.atomic():
        locked = (
            AssignmentSubmission.objects.select_for_update()
            .select_related("course_offering", "content_item", "user")
            .get(pk=submission.pk)
        )
        before = locked.late_penalty
        locked.late_exempt = exempt
        _apply_penalty(locked, config)
        locked.save()
        _audit(actor, locked, GradeChangeKind.LATE_PENALTY, before, locked.late_penalty,
               reason="exempt from the late policy" if exempt else "late policy applies again", field="late_penalty")  # fmt: skip
    return locked


def apply_missing_scores(*, actor, offering, item, now=None) -> int:
    """Give the policy's missing score to every enrolled student with nothing submitted after their cut-off."""
    _require_grader(actor, offering)
    now = now or timezone.now()
    config = assignment_settings(item)
    if config.late_policy.missing_percent is None:
        return 0
    count = 0
    students = CourseEnrollment.objects.filter(
        course_offering_id=offering.pk, status__in=progress.USABLE_ENROLLMENT
    ).exclude(
        user_id__in=AssignmentSubmission.objects.filter(
            course_offering_id=offering.pk, content_item_id=item.pk, status=AssignmentStatus.SUBMITTED
        ).values("user_id")
    )
    for enrollment in students.select_related("user"):
        times = student_deadlines(settings_=config, offering=offering, item=item, student_id=enrollment.user_id)
        cutoff = times.cutoff_at if times else None
        if missing_score(max_points=config.max_points, policy=config.late_policy, cutoff_at=cutoff, now=now) is None:
            continue  # before this student's cut-off: no row is made (the student's page would show a "Draft")
        with transaction.atomic():
            row, _ = AssignmentSubmission.objects.select_for_update().get_or_create(
                user_id=enrollment.user_id,
                course_offering_id=offering.pk,
                content_item_id=item.pk,
                defaults={"university_id": offering.university_id, "max_score": config.max_points},
            )
            score = missing_score(
                max_points=config.max_points, policy=config.late_policy, cutoff_at=cutoff, now=now,
                exempt=row.late_exempt,
            )  # fmt: skip
            if score is None or row.is_missing or row.status == AssignmentStatus.SUBMITTED:
                continue
            before = row.score
            row.is_missing, row.score, row.raw_score, row.late_penalty = True, score, None, Decimal(0)
            row.graded_by, row.graded_at = actor, now
            if config.automatic_posting:
                row.posted_at = now
            row.save()
            _audit(actor, row, GradeChangeKind.MISSING, before, score, reason="nothing submitted by the cut-off")
            count += 1
    return count


# --- reads ---------------------------------------------------------------------------------------------


def visible_grade(submission: AssignmentSubmission | None) -> bool:
    """Whether the student may see the grade and feedback of ``submission`` (posted)."""
    return submission is not None and submission.posted_at is not None
