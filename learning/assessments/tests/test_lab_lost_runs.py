"""A worker that dies mid-run leaves a lab submission ``running``: the run is recovered (queued again, or ended
as an error after too many tries) by the deferred check each run schedules, by the worker before its next
run, by the pages on next touch and by ``manage.py recover_lab_runs`` — once, even with several sweepers."""

from __future__ import annotations

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from conftest import build_world
from learning.assessments import labs
from learning.assessments.audit import grade_changes_for
from learning.assessments.sandbox import run_python_lab
from learning.assessments.tests.lab_fixtures import build_lab
from learning.management.demo_lab_files import FINITE_DIFFERENCES_SOLUTION
from learning.models import LabSubmission, LabSubmissionStatus
from learning.tests.factories import CourseEnrollmentFactory

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def hand_in(lab, capture, student=None) -> LabSubmission:
    """A submission whose grading task was not run (the commit callbacks are captured, not executed)."""
    with capture():
        return labs.submit_lab(
            actor=student or lab.student, offering=lab.offering, item=lab.item,
            files={"finite_differences.py": FINITE_DIFFERENCES_SOLUTION.encode()},
        )  # fmt: skip


def worker_died(submission: LabSubmission, *, ago: timedelta, runs: int = 1) -> None:
    """What a worker killed mid-run leaves behind: the row claimed (running) and never finished."""
    LabSubmission.objects.filter(pk=submission.pk).update(
        status=LabSubmissionStatus.RUNNING, started_at=timezone.now() - ago, grading_runs=runs
    )


LONG_AGO = timedelta(hours=1)


@pytest.mark.django_db
def test_a_lost_run_is_queued_again_and_graded(world, django_capture_on_commit_callbacks):
    lab = build_lab(world.a)
    submission = hand_in(lab, django_capture_on_commit_callbacks)
    worker_died(submission, ago=LONG_AGO)
    with django_capture_on_commit_callbacks(execute=True):
        recovery = labs.recover_lost_runs()
    assert recovery == labs.Recovery(requeued=[submission.pk], ended=[])
    submission.refresh_from_db()
    assert submission.status == LabSubmissionStatus.GRADED and submission.score_obtained == 100
    assert submission.grading_runs == 2


@pytest.mark.django_db
def test_a_running_run_within_its_time_is_left_alone(world, django_capture_on_commit_callbacks):
    lab = build_lab(world.a)
    submission = hand_in(lab, django_capture_on_commit_callbacks)
    worker_died(submission, ago=labs.lost_run_after() - timedelta(seconds=5))
    assert labs.recover_lost_runs() == labs.Recovery(requeued=[], ended=[])
    assert LabSubmission.objects.get(pk=submission.pk).status == LabSubmissionStatus.RUNNING


@pytest.mark.django_db
def test_after_too_many_lost_runs_it_ends_as_a_clear_error(client, world, django_capture_on_commit_callbacks):
    lab = build_lab(world.a)
    submission = hand_in(lab, django_capture_on_commit_callbacks)
    worker_died(submission, ago=LONG_AGO, runs=labs.MAX_GRADING_RUNS)
    assert labs.recover_lost_runs() == labs.Recovery(requeued=[], ended=[submission.pk])
    submission.refresh_from_db()
    assert submission.status == LabSubmissionStatus.ERROR and submission.score_obtained is None
    client.force_login(lab.student)
    html = client.get(reverse("labs:submission", args=[lab.offering.pk, submission.pk])).content.decode()
    assert "Grading stopped without a result 3 times" in html
    # the instructor can still re-run it
    with django_capture_on_commit_callbacks(execute=True):
        labs.rerun_lab_grading(actor=world.a.instructor, submission=submission)
    submission.refresh_from_db()
    assert submission.status == LabSubmissionStatus.GRADED


@pytest.mark.django_db
def test_the_status_page_recovers_a_lost_run_on_next_touch(client, world, django_capture_on_commit_callbacks):
    lab = build_lab(world.a)
    submission = hand_in(lab, django_capture_on_commit_callbacks)
    worker_died(submission, ago=LONG_AGO)
    client.force_login(lab.student)
    url = reverse("labs:submission-status", args=[lab.offering.pk, submission.pk])
    with django_capture_on_commit_callbacks(execute=True):
        html = client.get(url).content.decode()
    assert 'data-status="submitted"' in html  # no longer "running": handed to the queue again
    assert 'data-status="graded"' in client.get(url).content.decode()  # the (immediate) task graded it
    # another student's submission id is still a 404, lost or not
    other = CourseEnrollmentFactory(course_offering=lab.offering).user
    theirs = hand_in(lab, django_capture_on_commit_callbacks, student=other)
    worker_died(theirs, ago=LONG_AGO)
    assert client.get(reverse("labs:submission-status", args=[lab.offering.pk, theirs.pk])).status_code == 404
    assert LabSubmission.objects.get(pk=theirs.pk).status == LabSubmissionStatus.RUNNING


@pytest.mark.django_db
def test_the_grader_page_recovers_too(client, world, django_capture_on_commit_callbacks):
    lab = build_lab(world.a)
    submission = hand_in(lab, django_capture_on_commit_callbacks)
    worker_died(submission, ago=LONG_AGO, runs=labs.MAX_GRADING_RUNS)
    client.force_login(world.a.instructor)
    response = client.get(reverse("labs:grading-detail", args=[lab.offering.pk, submission.pk]))
    assert "Grading stopped without a result" in response.content.decode()
    client.force_login(world.b.instructor)  # another university's instructor: 404, nothing recovered for them
    assert client.get(reverse("labs:grading-detail", args=[lab.offering.pk, submission.pk])).status_code == 404


@pytest.mark.django_db
def test_the_worker_recovers_lost_runs_before_its_next_run(world, django_capture_on_commit_callbacks):
    lab = build_lab(world.a)
    lost = hand_in(lab, django_capture_on_commit_callbacks)
    worker_died(lost, ago=LONG_AGO)
    fresh = hand_in(lab, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        assert labs.grade_lab_submission(submission_id=fresh.pk) == LabSubmissionStatus.GRADED
    assert LabSubmission.objects.get(pk=lost.pk).status == LabSubmissionStatus.GRADED


@pytest.mark.django_db
def test_a_late_result_of_a_superseded_run_is_discarded(world, django_capture_on_commit_callbacks, monkeypatch):
    """The run was declared lost while it still ran (a frozen VM, say): the newer run's result stands."""
    lab = build_lab(world.a)
    submission = hand_in(lab, django_capture_on_commit_callbacks)
    calls = []

    def slow_then_real(**kwargs):
        calls.append(1)
        if len(calls) == 1:  # the first run: meanwhile the sweep declares it lost and a new run grades
            LabSubmission.objects.filter(pk=submission.pk).update(started_at=timezone.now() - LONG_AGO)
            with django_capture_on_commit_callbacks(execute=True):
                labs.recover_lost_runs()
            report = run_python_lab(**{**kwargs, "submission": {"finite_differences.py": b"x = 1\n"}})
            return report  # a wrong, late result
        return run_python_lab(**kwargs)

    monkeypatch.setattr(labs, "run_python_lab", slow_then_real)
    assert labs.grade_lab_submission(submission_id=submission.pk) == "superseded"
    submission.refresh_from_db()
    assert (submission.status, submission.score_obtained, submission.grading_runs) == ("graded", 100, 2)
    assert [(c.kind, c.to_value) for c in grade_changes_for(submission)] == [("auto", 100)]


@pytest.mark.django_db
def test_each_run_schedules_the_deferred_lost_run_check(world, settings, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DB_QUEUE  # the production queue, which can defer
    lab = build_lab(world.a)
    submission = hand_in(lab, django_capture_on_commit_callbacks)
    labs.grade_lab_submission(submission_id=submission.pk)
    submission.refresh_from_db()
    check = DBTaskResult.objects.get(task_path__endswith="recover_lost_lab_runs_task")
    assert check.run_after == submission.started_at + labs.lost_run_after() + timedelta(seconds=1)


@pytest.mark.django_db
def test_the_command(world, django_capture_on_commit_callbacks, settings):
    settings.TASKS = DB_QUEUE
    lab = build_lab(world.a)
    submission = hand_in(lab, django_capture_on_commit_callbacks)
    worker_died(submission, ago=LONG_AGO)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("recover_lab_runs", stdout=out)
    assert out.getvalue().strip() == "Queued again 1 run(s); ended 0 as errors."
    assert LabSubmission.objects.get(pk=submission.pk).status == LabSubmissionStatus.QUEUED


@pytest.mark.django_db(transaction=True)
def test_a_row_another_sweeper_holds_is_skipped_not_waited_for(settings):
    settings.TASKS = DB_QUEUE
    lab = build_lab(build_world().a)
    first, second = (labs.submit_lab(actor=lab.student, offering=lab.offering, item=lab.item,
                                     files={"finite_differences.py": b"x = 1\n"}) for _ in range(2))  # fmt: skip
    for submission in (first, second):
        worker_died(submission, ago=LONG_AGO)
    held, release = threading.Event(), threading.Event()

    def other_sweeper():
        try:
            with transaction.atomic():
                list(LabSubmission.objects.select_for_update().filter(pk=first.pk))
                held.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_sweeper)
    thread.start()
    held.wait(10)
    try:
        assert labs.recover_lost_runs() == labs.Recovery(requeued=[second.pk], ended=[])
    finally:
        release.set()
        thread.join()
    assert labs.recover_lost_runs() == labs.Recovery(requeued=[first.pk], ended=[])


@pytest.mark.django_db(transaction=True)
def test_racing_sweepers_recover_each_lost_run_once(settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DB_QUEUE
    lab = build_lab(build_world().a, max_attempts=None)
    lost = []
    for _ in range(6):
        submission = labs.submit_lab(
            actor=lab.student, offering=lab.offering, item=lab.item, files={"finite_differences.py": b"x = 1\n"}
        )
        worker_died(submission, ago=LONG_AGO)
        lost.append(submission.pk)
    DBTaskResult.objects.all().delete()  # the submissions' own grading tasks
    barrier, results = threading.Barrier(4), []

    def sweep():
        try:
            barrier.wait(10)
            results.append(labs.recover_lost_runs())
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    requeued = [pk for result in results for pk in result.requeued]
    assert sorted(requeued) == sorted(lost)  # every lost run once, none twice
    graded_tasks = DBTaskResult.objects.filter(task_path__endswith="grade_lab_submission_task")
    assert sorted(task.args_kwargs["args"][0] for task in graded_tasks) == sorted(lost)


@pytest.mark.django_db
def test_the_scheduler_recovers_lost_runs(world, django_capture_on_commit_callbacks, settings):
    from learning.management.commands import run_scheduler

    settings.TASKS = DB_QUEUE
    lab = build_lab(world.a)
    submission = hand_in(lab, django_capture_on_commit_callbacks)
    worker_died(submission, ago=LONG_AGO)
    with django_capture_on_commit_callbacks(execute=True):
        assert run_scheduler.run_jobs()["lost lab runs"] == 1
    assert LabSubmission.objects.get(pk=submission.pk).status == LabSubmissionStatus.QUEUED
    assert run_scheduler.run_jobs()["lost lab runs"] == 0
