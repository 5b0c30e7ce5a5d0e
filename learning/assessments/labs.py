"""Labs: submitting files, autograding in the sandbox as background work, overrides and feedback.

Contract (services are keyword-only, take ``actor=`` and re-check permission; they raise ValidationError with
the module's message constants):
- ``submit_lab``: an actively enrolled student hands in files; refused past the attempt limit (the lab's
  ``max_attempts`` plus the student's extra attempts). ``attempt_number`` is 1..n per student and lab, under
  the enrollment row's lock and the unique constraint ``ux_lab_submissions_attempt_number``. The grading
  task is enqueued when the transaction commits; the status goes submitted → queued → running →
  graded | error.
- ``grade_lab_submission``: the task's body. Runs the hidden tests in ``learning.assessments.sandbox``
  outside any transaction, then stores the report in ``auto_grade_json`` and score = passed share ×
  ``max_points``. A submission not in submitted/queued state is left alone (a duplicate task is a no-op).
- ``rerun_lab_grading`` / ``rerun_lab_grading_all``: graders queue submissions again.
- ``override_lab_score`` (reason required) and ``set_lab_feedback``: graders. Every score change goes
  through ``learning.assessments.audit.record_grade_change``.
- Completion: after every score change the counted score (best or latest per ``score_policy``) decides the
  item's progress through ``record_item_progress``; the item completes at ``pass_mark_percent`` (default 50).
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from learning.assessments.access import can_grade
from learning.assessments.audit import record_grade_change
from learning.assessments.models import LabSubmission, LabSubmissionStatus
from learning.assessments.models_submissions import GradeChangeKind, SubmissionFile, SubmissionFileRole
from learning.assessments.sandbox import Limits, SandboxUnavailable, limits_from_payload, run_python_lab
from learning.assessments.sandbox.runner import GRACE_SECONDS as RUNNER_GRACE_SECONDS
from learning.assessments.uploads import UploadLimits
from learning.enrollment.models import CourseEnrollment
from learning.progress import services as progress

logger = logging.getLogger(__name__)

LAB_NOT_ENROLLED = gettext_noop("Only students enrolled in this offering can hand in this lab.")
LAB_NO_ATTEMPTS_LEFT = gettext_noop("You have used all {limit} attempts of this lab.")
LAB_NOT_AUTOGRADED = gettext_noop("This lab is not graded automatically on this server (runtime “{runtime}”).")
LAB_DENIED = gettext_noop("You may not grade submissions of this offering.")
LAB_REASON_REQUIRED = gettext_noop("Give a reason for overriding the score.")
LAB_SCORE_RANGE = gettext_noop("The score must be between 0 and {max}.")
LAB_NO_STUDENT_FILES = gettext_noop("This lab has no files for students to hand in.")
# Stored in the submission's report by the grading worker (no request, no language): stays English.
LAB_RUN_LOST = (
    "Grading stopped without a result {runs} times (the grading worker ended during the run), so it was not "
    "retried again. Your instructor can re-run it."
)

DEFAULT_PASS_MARK = Decimal(50)
MAX_GRADING_RUNS = 3  # runs claimed before a lost run ends as an error instead of being queued again
LOST_RUN_MARGIN = 60  # seconds beyond the longest possible run
RUNNER_CLEANUP_SECONDS = 25  # the runner's waits after the wall clock: host exit, kills, reader joins
PYTHON_RUNTIMES = {"python", "python-datascience"}
LAB_UPLOAD_LIMITS = UploadLimits(max_files=20, max_file_bytes=256 * 1024, max_total_bytes=1024 * 1024)
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class LabSettings:
    runtime: str
    max_points: Decimal
    pass_mark_percent: Decimal
    max_attempts: int | None
    score_policy: str
    show_hidden_test_names: bool
    autograded: bool
    starter: dict[str, str] = field(default_factory=dict)  # student_visible: path → content
    read_only: dict[str, str] = field(default_factory=dict)
    hidden_tests: dict[str, str] = field(default_factory=dict)


def lab_settings(item) -> LabSettings:
    data = item.data_json if isinstance(item.data_json, dict) else {}
    grading = data.get("grading") or {}
    files = [f for f in data.get("files") or [] if isinstance(f, dict)]

    def by_role(role: str) -> dict[str, str]:
        return {str(f.get("path")): str(f.get("content", "")) for f in files if f.get("role") == role}

    runtime = str(data.get("runtime", ""))
    return LabSettings(
        runtime=runtime,
        max_points=Decimal(str(grading.get("max_points", 100))),
        pass_mark_percent=Decimal(str(data.get("pass_mark_percent", DEFAULT_PASS_MARK))),
        max_attempts=data.get("max_attempts"),
        score_policy=data.get("score_policy") or "best",
        show_hidden_test_names=bool(data.get("show_hidden_test_names", False)),
        autograded=grading.get("type", "unit_tests") == "unit_tests"
        and runtime in PYTHON_RUNTIMES
        and runtime in settings.LAB_RUNTIMES,
        starter=by_role("student_visible"),
        read_only=by_role("read_only"),
        hidden_tests=by_role("hidden_test"),
    )


def attempts_allowed(*, settings_: LabSettings, extra_attempts: int) -> int | None:
    return None if settings_.max_attempts is None else settings_.max_attempts + extra_attempts


def _extra_attempts(*, student, offering, item) -> int:
    try:
        from learning.assessments.accommodations import accommodation_for
    except ImportError:  # pragma: no cover - the quiz issue's accommodations are on main
        return 0
    return accommodation_for(student=student, offering=offering, item=item).extra_attempts


# --- student -------------------------------------------------------------------------------------------


def submit_lab(*, actor, offering, item, files: dict[str, bytes]) -> LabSubmission:
    """Hand in ``files`` (already read and checked by ``uploads.read_upload``) as the next attempt."""
    lab = lab_settings(item)
    with transaction.atomic():
        enrollment = (
            CourseEnrollment.objects.select_for_update()
            .filter(user_id=actor.pk, course_offering_id=offering.pk, status__in=progress.USABLE_ENROLLMENT)
            .first()
        )
        if enrollment is None:  # a completed student may still improve a lab within its attempts
            raise ValidationError(gettext(LAB_NOT_ENROLLED), code="not_enrolled")
        used = LabSubmission.objects.filter(
            user_id=actor.pk, course_offering_id=offering.pk, content_item_id=item.pk
        ).count()
        limit = attempts_allowed(
            settings_=lab, extra_attempts=_extra_attempts(student=actor, offering=offering, item=item)
        )
        if limit is not None and used >= limit:
            raise ValidationError(gettext(LAB_NO_ATTEMPTS_LEFT).format(limit=limit), code="no_attempts")
        submission = LabSubmission.objects.create(
            user_id=actor.pk,
            course_offering_id=offering.pk,
            content_item_id=item.pk,
            attempt_number=used + 1,
            status=LabSubmissionStatus.SUBMITTED,
            max_score=lab.max_points,
        )
        SubmissionFile.objects.bulk_create(
            SubmissionFile(
                university_id=offering.university_id,
                course_offering_id=offering.pk,
                lab_submission=submission,
                path=path,
                size=len(content),
                data=content,
                uploaded_by_id=actor.pk,
            )
            for path, content in sorted(files.items())
        )
        progress.record_item_progress(user=actor, offering=offering, item_id=item.pk, attempt=True)
        if lab.autograded:
            transaction.on_commit(lambda: _enqueue(submission.pk))
    return submission


def _enqueue(submission_id: int) -> None:
    from learning.assessments.tasks import grade_lab_submission_task

    LabSubmission.objects.filter(pk=submission_id, status=LabSubmissionStatus.SUBMITTED).update(
        status=LabSubmissionStatus.QUEUED
    )
    grade_lab_submission_task.enqueue(submission_id)


# --- grading -------------------------------------------------------------------------------------------


def sandbox_ceiling() -> Limits:
    return Limits(
        wall_seconds=float(settings.LAB_SANDBOX_MAX_SECONDS),
        cpu_seconds=settings.LAB_SANDBOX_MAX_SECONDS + 1,
        memory_bytes=settings.LAB_SANDBOX_MAX_MEMORY_MB * 1024 * 1024,
    )


def _score(report: dict, max_points: Decimal) -> Decimal | None:
    total = report.get("total") or 0
    if report.get("status") != "completed" or not total:
        return None
    return (max_points * Decimal(report.get("passed", 0)) / Decimal(total)).quantize(_CENT, rounding=ROUND_HALF_UP)


def grade_lab_submission(*, submission_id: int) -> str:
    """Run the hidden tests against one submission and store the result; returns the final status."""
    recover_lost_runs()  # the worker's "next touch": runs lost by a worker that died are queued again first
    started = timezone.now()
    claimed = LabSubmission.objects.filter(
        pk=submission_id, status__in=[LabSubmissionStatus.SUBMITTED, LabSubmissionStatus.QUEUED]
    ).update(status=LabSubmissionStatus.RUNNING, started_at=started, grading_runs=F("grading_runs") + 1)
    if not claimed:
        return "skipped"
    _schedule_recovery(submission_id, started + lost_run_after())
    submission = LabSubmission.objects.select_related("content_item", "course_offering", "user").get(pk=submission_id)
    lab = lab_settings(submission.content_item)
    files = {
        f.path: bytes(f.data)
        for f in SubmissionFile.objects.filter(lab_submission_id=submission_id, role=SubmissionFileRole.SUBMISSION)
    }
    # the lab's read-only files are the author's, whatever the student uploaded under that name
    files.update({path: content.encode() for path, content in lab.read_only.items()})
    payload = submission.content_item.data_json or {}
    try:
        report = run_python_lab(
            submission=files,
            hidden_tests={path: content.encode() for path, content in lab.hidden_tests.items()},
            limits=limits_from_payload(payload, ceiling=sandbox_ceiling()),
            env={k: str(v) for k, v in (payload.get("env") or {}).items()},
        ).as_json()
    except SandboxUnavailable as error:
        report = {"status": "error", "error": str(error), "tests": [], "passed": 0, "total": 0}
    except Exception as error:  # the worker must survive anything a run does; the submission says what
        logger.exception("lab grading failed for submission %s", submission_id)
        report = {
            "status": "error",
            "error": f"Grading failed: {type(error).__name__}",
            "tests": [],
            "passed": 0,
            "total": 0,
        }
    score = _score(report, lab.max_points)
    with transaction.atomic():
        locked = LabSubmission.objects.select_for_update().get(pk=submission_id)
        if locked.status != LabSubmissionStatus.RUNNING or locked.started_at != started:
            # this run was declared lost (and queued again or ended) while it ran: the newer run decides
            logger.warning("lab submission %s: a run superseded by the lost-run sweep finished late", submission_id)
            return "superseded"
        before = locked.score_obtained
        locked.auto_grade_json = report
        locked.auto_score = score
        locked.score_obtained = score
        locked.max_score = lab.max_points
        locked.status = LabSubmissionStatus.GRADED if score is not None else LabSubmissionStatus.ERROR
        locked.graded_at = timezone.now()
        locked.save(
            update_fields=["auto_grade_json", "auto_score", "score_obtained", "max_score", "status", "graded_at"]
        )
        record_grade_change(
            actor=None,
            target=locked,
            student_id=locked.user_id,
            offering=submission.course_offering,
            item_id=locked.content_item_id,
            kind=GradeChangeKind.AUTO,
            from_value=before,
            to_value=score,
            reason=f"{report.get('passed', 0)} of {report.get('total', 0)} tests passed",
        )
        update_lab_completion(
            student=submission.user, offering=submission.course_offering, item=submission.content_item
        )
    return locked.status


# --- lost runs -----------------------------------------------------------------------------------------


def lost_run_after() -> timedelta:
    """How long a run may be ``running`` before it counts as lost: the longest run the sandbox allows (the
    server's wall-clock ceiling, the runner's grace and clean-up waits) plus a margin."""
    return timedelta(
        seconds=settings.LAB_SANDBOX_MAX_SECONDS + RUNNER_GRACE_SECONDS + RUNNER_CLEANUP_SECONDS + LOST_RUN_MARGIN
    )


@dataclass(frozen=True)
class Recovery:
    requeued: list[int]
    ended: list[int]


def recover_lost_runs(*, now=None, submission_id: int | None = None, limit: int = 50) -> Recovery:
    """Runs left ``running`` by a worker that died (or a machine that rebooted) longer than
    ``lost_run_after()``: queued again, or ended as ``error`` with ``LAB_RUN_LOST`` once ``MAX_GRADING_RUNS`` runs
    were claimed (a submission that kills its worker every time must not loop). Rows another sweeper holds are
    skipped (``select_for_update(skip_locked=True)``), so two workers never recover the same run twice; the run
    itself, should it still finish, finds its ``started_at`` token gone and discards its result."""
    now = now or timezone.now()
    cutoff = now - lost_run_after()
    stale = LabSubmission.objects.filter(status=LabSubmissionStatus.RUNNING).filter(
        Q(started_at__lt=cutoff) | Q(started_at__isnull=True, submitted_at__lt=cutoff)
    )
    if submission_id is not None:
        stale = stale.filter(pk=submission_id)
    requeued, ended = [], []
    with transaction.atomic():
        for row in stale.select_for_update(skip_locked=True).order_by("started_at", "pk")[:limit]:
            if row.grading_runs >= MAX_GRADING_RUNS:
                row.status = LabSubmissionStatus.ERROR
                row.auto_grade_json = {
                    "status": "error", "error": LAB_RUN_LOST.format(runs=row.grading_runs),
                    "tests": [], "passed": 0, "total": 0, "lost_runs": row.grading_runs,
                }  # fmt: skip
                row.graded_at = now
                row.save(update_fields=["status", "auto_grade_json", "graded_at"])
                ended.append(row.pk)
            else:
                row.status = LabSubmissionStatus.SUBMITTED
                row.save(update_fields=["status"])
                requeued.append(row.pk)
                transaction.on_commit(lambda pk=row.pk: _enqueue(pk))
    if requeued or ended:
        logger.warning("lost lab runs: queued again %s, ended %s", requeued, ended)
    return Recovery(requeued=requeued, ended=ended)


def queue_lost_runs() -> int:
    """The scheduler's job (``manage.py run_scheduler``): recover lost runs; how many were queued or ended."""
    recovery = recover_lost_runs(limit=500)
    return len(recovery.requeued) + len(recovery.ended)


def recover_if_lost(submission: LabSubmission, *, now=None) -> bool:
    """The page's "next touch": a submission shown as ``running`` past ``lost_run_after()`` is recovered now
    (no query otherwise). True when it was; the caller reloads the row."""
    now = now or timezone.now()
    if submission.status != LabSubmissionStatus.RUNNING:
        return False
    since = submission.started_at or submission.submitted_at
    if since is None or since >= now - lost_run_after():
        return False
    recovery = recover_lost_runs(now=now, submission_id=submission.pk)
    return bool(recovery.requeued or recovery.ended)


def _schedule_recovery(submission_id: int, when) -> None:
    """The worker's periodic check: a deferred sweep at the moment this run would count as lost, so a run
    whose worker died is recovered by the next worker (a backend that cannot defer, e.g. the immediate one in
    tests, is skipped: the next task, the pages, the scheduler and ``manage.py recover_lab_runs`` still
    recover it)."""
    from learning.assessments.tasks import enqueue_at, recover_lost_lab_runs_task

    enqueue_at(recover_lost_lab_runs_task, when + timedelta(seconds=1))


def counted_score(*, student_id: int, offering_id: int, item, lab: LabSettings | None = None) -> Decimal | None:
    """The score that counts for the student: the best, or the latest graded submission's."""
    lab = lab or lab_settings(item)
    graded = LabSubmission.objects.filter(
        user_id=student_id, course_offering_id=offering_id, content_item_id=item.pk, score_obtained__isnull=False
    )
    if lab.score_policy == "latest":
        latest = graded.order_by("-attempt_number").values_list("score_obtained", flat=True).first()
        return latest
    return max(graded.values_list("score_obtained", flat=True), default=None)


def update_lab_completion(*, student, offering, item) -> None:
    """Progress of the lab item from the counted score: percent of max points; complete at the pass mark."""
    lab = lab_settings(item)
    score = counted_score(student_id=student.pk, offering_id=offering.pk, item=item, lab=lab)
    if score is None or not lab.max_points:
        return
    percent = min(Decimal(100), score * 100 / lab.max_points).quantize(_CENT)
    enrolled = CourseEnrollment.objects.filter(
        user_id=student.pk, course_offering_id=offering.pk, status__in=progress.USABLE_ENROLLMENT
    ).exists()
    if not enrolled:
        return
    with contextlib.suppress(ValidationError):  # the item left the published tree: nothing to record
        progress.record_item_progress(
            user=student, offering=offering, item_id=item.pk, percent=percent, complete=percent >= lab.pass_mark_percent
        )


# --- graders -------------------------------------------------------------------------------------------


def _require_grader(actor, offering) -> None:
    if not can_grade(actor, offering):
        raise ValidationError(gettext(LAB_DENIED), code="denied")


def rerun_lab_grading(*, actor, submission: LabSubmission) -> None:
    _require_grader(actor, submission.course_offering)
    if not lab_settings(submission.content_item).autograded:
        raise ValidationError(gettext(LAB_NOT_AUTOGRADED).format(runtime=lab_settings(submission.content_item).runtime))
    LabSubmission.objects.filter(pk=submission.pk).update(status=LabSubmissionStatus.SUBMITTED)
    transaction.on_commit(lambda: _enqueue(submission.pk))


def rerun_lab_grading_all(*, actor, offering, item) -> int:
    _require_grader(actor, offering)
    lab = lab_settings(item)
    if not lab.autograded:
        raise ValidationError(gettext(LAB_NOT_AUTOGRADED).format(runtime=lab.runtime))
    ids = list(
        LabSubmission.objects.filter(course_offering_id=offering.pk, content_item_id=item.pk)
        .exclude(status=LabSubmissionStatus.RUNNING)
        .values_list("pk", flat=True)
    )
    LabSubmission.objects.filter(pk__in=ids).update(status=LabSubmissionStatus.SUBMITTED)
    for pk in ids:
        transaction.on_commit(lambda pk=pk: _enqueue(pk))
    return len(ids)


def override_lab_score(*, actor, submission: LabSubmission, score: Decimal, reason: str) -> LabSubmission:
    offering = submission.course_offering
    _require_grader(actor, offering)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(gettext(LAB_REASON_REQUIRED), code="reason")
    lab = lab_settings(submission.content_item)
    score = Decimal(score).quantize(_CENT)
    if score < 0 or score > lab.max_points:
        raise ValidationError(gettext(LAB_SCORE_RANGE).format(max=lab.max_points), code="range")
    with transaction.atomic():
        locked = LabSubmission.objects.select_for_update().get(pk=submission.pk)
        before = locked.score_obtained
        locked.score_obtained = score
        if locked.status not in (LabSubmissionStatus.GRADED,):
            locked.status = LabSubmissionStatus.GRADED
        locked.graded_at = locked.graded_at or timezone.now()
        locked.save(update_fields=["score_obtained", "status", "graded_at"])
        record_grade_change(
            actor=actor,
            target=locked,
            student_id=locked.user_id,
            offering=offering,
            item_id=locked.content_item_id,
            kind=GradeChangeKind.OVERRIDE,
            from_value=before,
            to_value=score,
            reason=reason,
        )
        update_lab_completion(student=locked.user, offering=offering, item=submission.content_item)
    return locked


def set_lab_feedback(*, actor, submission: LabSubmission, feedback: str) -> None:
    _require_grader(actor, submission.course_offering)
    LabSubmission.objects.filter(pk=submission.pk).update(instructor_feedback=(feedback or "").strip() or None)
