"""Progress service: item rows, rollups of the ancestors, course completion, structure changes."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections

from learning.enrollment import services
from learning.models import CourseEnrollment, EnrollmentStatus, UserContentProgress, UserModuleProgress
from learning.progress import freshness, rollups
from learning.progress import services as progress_services
from learning.tests.test_player_fixtures import build_tree, bump
from syllabus.tests.factories import ContentItemFactory


def module_row(tree, module):
    return UserModuleProgress.objects.filter(user=tree.student, course_offering=tree.offering, module=module).first()


def item_row(tree, item):
    return UserContentProgress.objects.get(user=tree.student, course_offering=tree.offering, content_item=item)


def test_open_sets_first_start_once_and_counts_sessions(tree):
    progress_services.open_item(user=tree.student, offering=tree.offering, item_id=tree.t1.pk)
    first = item_row(tree, tree.t1)
    progress_services.open_item(user=tree.student, offering=tree.offering, item_id=tree.t1.pk)
    again = item_row(tree, tree.t1)
    assert again.first_started_at == first.first_started_at
    assert again.last_interacted_at > first.last_interacted_at
    assert again.attempts_count == 2
    assert again.completed_at is None
    # Opening starts the ancestors but completes nothing.
    assert module_row(tree, tree.lesson_a1).started_at is not None
    assert module_row(tree, tree.lesson_a1).completed_at is None


def test_percent_never_decreases(tree):
    progress_services.report_video_progress(user=tree.student, offering=tree.offering, item_id=tree.v1.pk, percent=60)
    result = progress_services.report_video_progress(user=tree.student, offering=tree.offering, item_id=tree.v1.pk, percent=25)
    assert result.percent == Decimal("60.00")
    assert item_row(tree, tree.v1).progress_percent == Decimal("60.00")
    assert not result.completed


def test_video_end_completes_and_mark_done_is_refused_for_video(tree):
    with pytest.raises(ValidationError, match=progress_services.NOT_MARKABLE):
        progress_services.mark_item_done(user=tree.student, offering=tree.offering, item_id=tree.v1.pk)
    result = progress_services.report_video_progress(
        user=tree.student, offering=tree.offering, item_id=tree.v1.pk, percent=97, ended=True
    )
    assert result.completed and result.newly_completed
    row = item_row(tree, tree.v1)
    assert row.progress_percent == 100 and row.completed_at is not None


def test_bad_percent_is_refused(tree):
    with pytest.raises(ValidationError, match=progress_services.PERCENT_OUT_OF_RANGE):
        progress_services.report_video_progress(user=tree.student, offering=tree.offering, item_id=tree.v1.pk, percent=140)
    assert not UserContentProgress.objects.exists()


def test_rollups_after_completing_the_last_item_of_a_deep_subtree(tree):
    s, o = tree.student, tree.offering
    progress_services.mark_item_done(user=s, offering=o, item_id=tree.t1.pk)
    assert module_row(tree, tree.lesson_a1).progress_percent == Decimal("33.33")  # 1 of t1, t2, v1
    assert module_row(tree, tree.chapter_a).progress_percent == Decimal("25.00")
    progress_services.mark_item_done(user=s, offering=o, item_id=tree.t2.pk)
    assert module_row(tree, tree.lesson_a1).completed_at is None
    # The video is the last item of the deepest subtree: section, lesson complete; the chapter is not.
    progress_services.report_video_progress(user=s, offering=o, item_id=tree.v1.pk, percent=100)
    assert module_row(tree, tree.section).completed_at is not None
    lesson = module_row(tree, tree.lesson_a1)
    assert lesson.completed_at is not None and lesson.progress_percent == 100
    chapter = module_row(tree, tree.chapter_a)
    assert chapter.completed_at is None and chapter.progress_percent == Decimal("75.00")
    # Rows of modules outside the touched path were not written.
    assert module_row(tree, tree.lesson_a2) is None
    assert module_row(tree, tree.chapter_c) is None


def test_course_completion_completes_the_enrollment(tree):
    s, o = tree.student, tree.offering
    for item in (tree.t1, tree.t2, tree.r1):
        result = progress_services.mark_item_done(user=s, offering=o, item_id=item.pk)
        assert not result.course_completed
    enrollment = CourseEnrollment.objects.get(user=s, course_offering=o)
    assert enrollment.status == EnrollmentStatus.ACTIVE
    result = progress_services.report_video_progress(user=s, offering=o, item_id=tree.v1.pk, percent=100)
    assert result.course_completed
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED and enrollment.completed_at is not None
    assert module_row(tree, tree.root).completed_at is not None
    # A completed student can still review and record interactions.
    progress_services.open_item(user=s, offering=o, item_id=tree.t1.pk)


def test_course_completion_goes_through_the_enrollment_service(tree, monkeypatch):
    """progress.py does not write enrollments itself: without the service call, no completion."""
    calls = []
    real = services.record_course_completion

    def spy(**kwargs):
        calls.append(kwargs["enrollment_id"])
        return real(**kwargs)

    monkeypatch.setattr(services, "record_course_completion", spy)
    s, o = tree.student, tree.offering
    for item in (tree.t1, tree.t2, tree.r1):
        progress_services.mark_item_done(user=s, offering=o, item_id=item.pk)
    assert calls == []
    progress_services.report_video_progress(user=s, offering=o, item_id=tree.v1.pk, percent=100)
    enrollment = CourseEnrollment.objects.get(user=s, course_offering=o)
    assert calls == [enrollment.pk] and enrollment.status == EnrollmentStatus.COMPLETED


def test_record_course_completion_is_idempotent(tree):
    enrollment = CourseEnrollment.objects.get(user=tree.student, course_offering=tree.offering)
    assert services.record_course_completion(enrollment_id=enrollment.pk) is True
    enrollment.refresh_from_db()
    first = enrollment.completed_at
    assert enrollment.status == EnrollmentStatus.COMPLETED and first is not None
    assert services.record_course_completion(enrollment_id=enrollment.pk) is False
    enrollment.refresh_from_db()
    assert enrollment.completed_at == first
    # Only active enrollments complete: a dropped one stays dropped.
    CourseEnrollment.objects.filter(pk=enrollment.pk).update(status=EnrollmentStatus.DROPPED, completed_at=None)
    assert services.record_course_completion(enrollment_id=enrollment.pk) is False
    assert CourseEnrollment.objects.get(pk=enrollment.pk).status == EnrollmentStatus.DROPPED


def test_a_structure_change_that_leaves_only_completed_items_completes_the_course(tree):
    s, o = tree.student, tree.offering
    for item in (tree.t1, tree.t2, tree.v1):
        progress_services.record_item_progress(user=s, offering=o, item_id=item.pk, complete=True)
    assert CourseEnrollment.objects.get(user=s, course_offering=o).status == EnrollmentStatus.ACTIVE
    # The one item left is retired: everything required is done, so the recomputation completes the course.
    type(tree.r1).objects.filter(pk=tree.r1.pk).update(is_active=False)
    bump(tree.course)
    assert rollups.recompute_rollups_for_version(
        course_id=o.course_id, structure_version=tree.course.structure_version
    ) == [o.pk]
    assert module_row(tree, tree.root).completed_at is not None
    enrollment = CourseEnrollment.objects.get(user=s, course_offering=o)
    assert enrollment.status == EnrollmentStatus.COMPLETED and enrollment.completed_at is not None


def test_unpublished_inactive_and_foreign_items_are_refused(tree, world):
    for item in (tree.x1, tree.inactive):
        with pytest.raises(ValidationError, match=progress_services.ITEM_NOT_AVAILABLE):
            progress_services.open_item(user=tree.student, offering=tree.offering, item_id=item.pk)
    other = ContentItemFactory(module__course=world.b.course)
    with pytest.raises(ValidationError, match=progress_services.ITEM_NOT_AVAILABLE):
        progress_services.open_item(user=tree.student, offering=tree.offering, item_id=other.pk)
    assert not UserContentProgress.objects.exists()


@pytest.mark.parametrize("status", [EnrollmentStatus.DROPPED, EnrollmentStatus.PENDING, EnrollmentStatus.WAITLISTED])
def test_unusable_enrollments_record_nothing(tree, status):
    fields = {"status": status, "waitlist_position": 1 if status == EnrollmentStatus.WAITLISTED else None}
    CourseEnrollment.objects.filter(user=tree.student).update(**fields)
    with pytest.raises(ValidationError, match=progress_services.NOT_ENROLLED):
        progress_services.mark_item_done(user=tree.student, offering=tree.offering, item_id=tree.t1.pk)
    assert not UserContentProgress.objects.exists()


def test_not_enrolled_user_records_nothing(tree, world):
    with pytest.raises(ValidationError, match=progress_services.NOT_ENROLLED):
        progress_services.mark_item_done(user=world.a.instructor, offering=tree.offering, item_id=tree.t1.pk)


def test_structure_change_recomputes_rollups(tree, django_capture_on_commit_callbacks):
    s, o = tree.student, tree.offering
    progress_services.mark_item_done(user=s, offering=o, item_id=tree.t1.pk)
    progress_services.mark_item_done(user=s, offering=o, item_id=tree.t2.pk)
    progress_services.report_video_progress(user=s, offering=o, item_id=tree.v1.pk, percent=100)
    assert module_row(tree, tree.lesson_a1).completed_at is not None
    # A new required item in the section: nobody may keep seeing 100 % there.
    ContentItemFactory(module=tree.section, title="New worked example")
    bump(tree.course)
    with django_capture_on_commit_callbacks(execute=True):
        done = rollups.recompute_rollups_for_version(
            course_id=o.course_id, structure_version=tree.course.structure_version
        )
    assert done == [o.pk]
    section = module_row(tree, tree.section)
    assert section.completed_at is None and section.progress_percent == Decimal("50.00")
    lesson = module_row(tree, tree.lesson_a1)
    assert lesson.completed_at is None and lesson.progress_percent == Decimal("75.00")
    # Current now: the player's next load does nothing.
    assert freshness.rollup_state(user=s, offering=o, structure=progress_services._structure_for(o)) == freshness.ROLLUPS_CURRENT


def test_recompute_matches_incremental_rollups(tree):
    s, o = tree.student, tree.offering
    progress_services.mark_item_done(user=s, offering=o, item_id=tree.t1.pk)
    progress_services.mark_item_done(user=s, offering=o, item_id=tree.r1.pk)
    before = {
        r.module_id: (r.progress_percent, r.completed_at is not None) for r in UserModuleProgress.objects.filter(user=s)
    }
    rollups.recompute_course_rollups(offering=o)
    after = {
        r.module_id: (r.progress_percent, r.completed_at is not None) for r in UserModuleProgress.objects.filter(user=s)
    }
    # The recompute writes rows the incremental path had not touched (lesson A2's) but agrees on the rest.
    assert {k: v for k, v in after.items() if k in before} == before
    assert after[tree.lesson_a2.pk] == (Decimal("100.00"), True)


def test_unpublishing_a_module_drops_its_items_from_the_rollups(tree):
    s, o = tree.student, tree.offering
    progress_services.mark_item_done(user=s, offering=o, item_id=tree.t1.pk)
    progress_services.mark_item_done(user=s, offering=o, item_id=tree.t2.pk)
    type(tree.section).objects.filter(pk=tree.section.pk).update(is_published=False)
    bump(tree.course)
    rollups.recompute_rollups_for_version(course_id=o.course_id, structure_version=tree.course.structure_version)
    lesson = module_row(tree, tree.lesson_a1)
    assert lesson.completed_at is not None and lesson.progress_percent == 100


@pytest.mark.django_db(transaction=True)
def test_concurrent_updates_from_two_tabs_keep_rollups_right():
    from conftest import build_world

    world = build_world()
    tree = build_tree(world.a)
    s, o = tree.student, tree.offering
    progress_services.mark_item_done(user=s, offering=o, item_id=tree.t1.pk)
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def tab(action):
        try:
            barrier.wait(timeout=10)
            action()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            close_old_connections()

    actions = [
        lambda: progress_services.mark_item_done(user=s, offering=o, item_id=tree.t2.pk),
        lambda: progress_services.report_video_progress(user=s, offering=o, item_id=tree.v1.pk, percent=100),
        lambda: progress_services.mark_item_done(user=s, offering=o, item_id=tree.r1.pk),
    ]
    threads = [threading.Thread(target=tab, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    root = UserModuleProgress.objects.get(user=s, course_offering=o, module=tree.root)
    assert root.progress_percent == 100 and root.completed_at is not None
    assert UserModuleProgress.objects.get(user=s, module=tree.chapter_a).progress_percent == 100
    assert CourseEnrollment.objects.get(user=s, course_offering=o).status == EnrollmentStatus.COMPLETED
