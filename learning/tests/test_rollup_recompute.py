"""Rollups after structural changes (issue 8): the structure_changed signal enqueues
``learning.progress.tasks.recompute_course_rollups`` on commit, which brings every student's rollups up to date;
the player never shows a module complete that has a new required item, whether the task ran or not."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from learning.models import CourseEnrollment, EnrollmentStatus, UserModuleProgress
from learning.progress import freshness, rollups, tasks
from learning.progress import services as progress_services
from learning.progress.tasks import recompute_course_rollups
from learning.tests.factories import CourseEnrollmentFactory
from learning.tests.test_player_fixtures import build_tree, bump
from syllabus import services as syllabus_services
from syllabus.tests.factories import ContentItemFactory, ModuleFactory, builtin_content_type

TEXT = {"layout": "rich_text_v1", "blocks": [{"type": "paragraph", "text": "A new worked example."}]}


@pytest.fixture
def tree(world, django_capture_on_commit_callbacks):
    tree = build_tree(world.a)
    # The tree was built around the services; record its rollups as current, as the task would have.
    with django_capture_on_commit_callbacks(execute=True):
        rollups.recompute_course_rollups(offering=tree.offering)
    tree.other = CourseEnrollmentFactory(course_offering=tree.offering).user
    return tree


def pending(course) -> None:
    """The structural change enqueued the task and the worker has not run it yet."""
    course.refresh_from_db(fields=["structure_version"])
    cache.add(tasks.ROLLUPS_QUEUED_KEY.format(course_id=course.pk, version=course.structure_version), 1)


def row(tree, user, module):
    return UserModuleProgress.objects.filter(user=user, course_offering=tree.offering, module=module).first()


def complete_lesson_a1(tree, user):
    for item in (tree.t1, tree.t2):
        progress_services.mark_item_done(user=user, offering=tree.offering, item_id=item.pk)
    progress_services.report_video_progress(user=user, offering=tree.offering, item_id=tree.v1.pk, percent=100)


def test_adding_an_item_drops_a_completed_module_below_100_for_every_student_on_commit(
    tree, django_capture_on_commit_callbacks
):
    for student in (tree.student, tree.other):
        complete_lesson_a1(tree, student)
        assert row(tree, student, tree.section).completed_at is not None
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        syllabus_services.create_content_item(
            module=tree.section, content_type=builtin_content_type("text"), title="New worked example", data_json=TEXT
        )
    # Nothing happens before the edit commits (a rolled-back edit enqueues nothing) ...
    assert row(tree, tree.student, tree.section).completed_at is not None
    # (the catalog's page-cache version is replaced on commit too: only the rollup recompute matters here)
    recomputes = [c for c in callbacks if getattr(c, "func", None) is not None and c.func.__name__ == "schedule_recompute"]
    assert len(recomputes) == 1
    with django_capture_on_commit_callbacks(execute=True):
        recomputes[0]()  # ... the commit enqueues the task (run in-process by the immediate backend).
    for student in (tree.student, tree.other):
        section = row(tree, student, tree.section)
        assert section.completed_at is None and section.progress_percent == Decimal("50.00")
        lesson = row(tree, student, tree.lesson_a1)
        assert lesson.completed_at is None and lesson.progress_percent == Decimal("75.00")
    assert (
        rollups.rollups_version(offering_id=tree.offering.pk)
        == tree.course.__class__.objects.get(pk=tree.course.pk).structure_version
    )


def test_publishing_a_module_drops_the_parent_below_100(tree, django_capture_on_commit_callbacks):
    draft = ModuleFactory(parent_module=tree.lesson_a2, title="Extra reading", is_published=False)
    ContentItemFactory(module=draft, title="An extra page")
    bump(tree.course)
    with django_capture_on_commit_callbacks(execute=True):
        rollups.recompute_course_rollups(offering=tree.offering)
    for student in (tree.student, tree.other):
        progress_services.mark_item_done(user=student, offering=tree.offering, item_id=tree.r1.pk)
        assert row(tree, student, tree.lesson_a2).completed_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        syllabus_services.publish_module(module=draft, include_subtree=False)
    for student in (tree.student, tree.other):
        lesson = row(tree, student, tree.lesson_a2)
        assert lesson.completed_at is None and lesson.progress_percent == Decimal("50.00")


def test_the_task_is_idempotent_and_skips_older_versions(tree, django_capture_on_commit_callbacks):
    complete_lesson_a1(tree, tree.student)
    ContentItemFactory(module=tree.section, title="New worked example")
    bump(tree.course)
    version = tree.course.structure_version
    # A task for a version the course has already left does nothing (the newer change has its own).
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            recompute_course_rollups.enqueue(course_id=tree.course.pk, structure_version=version - 1).return_value == []
        )
    assert row(tree, tree.student, tree.section).completed_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        first = recompute_course_rollups.enqueue(course_id=tree.course.pk, structure_version=version)
    assert first.return_value == [tree.offering.pk]
    snapshot = sorted(
        UserModuleProgress.objects.filter(course_offering=tree.offering).values_list(
            "user_id", "module_id", "progress_percent", "completed_at"
        )
    )
    # The same task again: the offering is already at this version, nothing is rewritten.
    with django_capture_on_commit_callbacks(execute=True):
        assert recompute_course_rollups.enqueue(course_id=tree.course.pk, structure_version=version).return_value == []
    # And a forced second recompute gives the same rows (the SQL itself is idempotent).
    with django_capture_on_commit_callbacks(execute=True):
        rollups.recompute_course_rollups(offering=tree.offering)
    again = sorted(
        UserModuleProgress.objects.filter(course_offering=tree.offering).values_list(
            "user_id", "module_id", "progress_percent", "completed_at"
        )
    )
    assert again == snapshot
    assert row(tree, tree.student, tree.section).progress_percent == Decimal("50.00")


def test_small_course_with_the_task_pending_recomputes_only_the_visitor_inline(client, tree):
    for student in (tree.student, tree.other):
        complete_lesson_a1(tree, student)
    ContentItemFactory(module=tree.section, title="New worked example")
    bump(tree.course)
    pending(tree.course)
    client.force_login(tree.student)
    html = client.get(reverse("player:item", args=[tree.offering.pk, tree.t1.pk])).content.decode()
    assert f'#m{tree.section.pk}>a{{--po:" 50%"}}' in html
    assert f'#m{tree.lesson_a1.pk}>a{{--po:" 75%"}}' in html
    assert row(tree, tree.student, tree.section).completed_at is None
    # The other student's rows wait for the task (their own visit would fix them the same way).
    assert row(tree, tree.other, tree.section).completed_at is not None


def test_large_course_with_the_task_pending_shows_live_completion_and_writes_nothing(client, tree, monkeypatch):
    monkeypatch.setattr(freshness, "LAZY_RECOMPUTE_MAX_ITEMS", 3)  # the 4-item tree counts as large
    complete_lesson_a1(tree, tree.student)
    ContentItemFactory(module=tree.section, title="New worked example")
    bump(tree.course)
    pending(tree.course)
    before = sorted(UserModuleProgress.objects.values_list("user_id", "module_id", "progress_percent", "completed_at"))
    client.force_login(tree.student)
    html = client.get(reverse("player:item", args=[tree.offering.pk, tree.t1.pk])).content.decode()
    assert f'#m{tree.section.pk}>a{{--po:" 50%"}}' in html
    assert f'#m{tree.lesson_a1.pk}>a{{--po:" 75%"}}' in html
    assert f"#m{tree.section.pk}>a,#m" not in html and f'#m{tree.section.pk}>a{{--po:" \\2713' not in html
    after = sorted(UserModuleProgress.objects.values_list("user_id", "module_id", "progress_percent", "completed_at"))
    assert after == before  # stale rows left for the task


def test_removing_the_last_missing_item_completes_the_enrollment_through_the_task(
    tree, django_capture_on_commit_callbacks
):
    s, o = tree.student, tree.offering
    for item in (tree.t1, tree.t2, tree.v1):
        progress_services.record_item_progress(user=s, offering=o, item_id=item.pk, complete=True)
    with django_capture_on_commit_callbacks(execute=True):
        syllabus_services.delete_content_item(item=tree.r1)
    enrollment = CourseEnrollment.objects.get(user=s, course_offering=o)
    assert enrollment.status == EnrollmentStatus.COMPLETED and enrollment.completed_at is not None


def test_stale_rollups_nobody_queued_a_recompute_for_are_queued_by_the_reader(client, tree):
    """An evicted marker, an offering added after the last change, an enqueue lost with its queue: the
    first reader asks for the task (once an hour at most), which brings every student up to date."""
    complete_lesson_a1(tree, tree.student)
    ContentItemFactory(module=tree.section, title="New worked example")
    bump(tree.course)  # around the services: nothing was enqueued
    client.force_login(tree.other)
    client.get(reverse("player:item", args=[tree.offering.pk, tree.t1.pk]))
    # The read path enqueued the task (run in-process here): every student is brought up to date.
    section = row(tree, tree.student, tree.section)
    assert section.completed_at is None and section.progress_percent == Decimal("50.00")
    # Asked once: a second reader does not enqueue again.
    assert (
        tasks.schedule_recompute(course_id=tree.course.pk, structure_version=tree.course.structure_version) is False
    )


def test_large_course_resume_page_also_shows_live_completion(client, tree, monkeypatch):
    """The resume page re-reads the page when the last touched item left the tree; the live overlay must
    survive that re-read."""
    monkeypatch.setattr(freshness, "LAZY_RECOMPUTE_MAX_ITEMS", 2)
    complete_lesson_a1(tree, tree.student)
    progress_services.open_item(user=tree.student, offering=tree.offering, item_id=tree.r1.pk)  # touched last
    type(tree.r1).objects.filter(pk=tree.r1.pk).update(is_active=False)
    ContentItemFactory(module=tree.section, title="New worked example")
    bump(tree.course)
    pending(tree.course)
    client.force_login(tree.student)
    response = client.get(reverse("player:resume", args=[tree.offering.pk]))
    assert response.status_code == 200 and response.context["item"].pk != tree.r1.pk
    html = response.content.decode()
    assert f'#m{tree.section.pk}>a{{--po:" 50%"}}' in html
