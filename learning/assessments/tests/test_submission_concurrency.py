"""Double clicks and two tabs: concurrent lab submissions get distinct attempt numbers 1..n and respect the
attempt limit; concurrent assignment submissions stay one row. Real threads, each on its own connection."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from conftest import build_world
from learning.assessments import assignments, labs
from learning.assessments.tests.lab_fixtures import build_assignment, build_lab
from learning.models import AssignmentSubmission, LabSubmission


def race(count: int, work) -> tuple[list[object], list[BaseException]]:
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run():
        try:
            barrier.wait(timeout=30)
            results.append(work())
        except ValidationError as refusal:
            results.append(refusal)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_lab_submissions_are_numbered_without_gaps_and_capped():
    world = build_world()
    lab = build_lab(world.a, runtime="matlab", max_attempts=5)  # not graded here: only the numbering races

    def submit():
        return labs.submit_lab(actor=lab.student, offering=lab.offering, item=lab.item, files={"a.txt": b"x"})

    results, errors = race(8, submit)
    assert errors == []
    assert sorted(LabSubmission.objects.values_list("attempt_number", flat=True)) == [1, 2, 3, 4, 5]
    refusals = [r for r in results if isinstance(r, ValidationError)]
    assert [r.messages for r in refusals] == [[labs.LAB_NO_ATTEMPTS_LEFT.format(limit=5)]] * 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_assignment_submissions_stay_one_row():
    world = build_world()
    task = build_assignment(world.a, due_at="2100-01-01T00:00:00Z", allow_resubmission=True)

    def submit():
        return assignments.save_assignment(
            actor=task.student, offering=task.offering, item=task.item, text="answer", submit=True
        )

    results, errors = race(6, submit)
    assert errors == []
    row = AssignmentSubmission.objects.get()
    assert row.submission_count == 6
