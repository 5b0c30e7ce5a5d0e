"""The scores selector (every item kind; late, missing, excused-free sources; the counted attempt per the
item's rules) and the policy loader (defaults, saved categories, placement), each in a fixed number of
queries, and the policy tables' constraints."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from learning.assessments.models import Accommodation
from learning.gradebook import scores
from learning.gradebook.models import (
    CourseGrade,
    GradingCategory,
    GradingItem,
    GradingPolicy,
    GradingScale,
    GradingScaleRow,
)
from learning.gradebook.tests import builders

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(world):
    a = world.a
    module = builders.lesson_of(a)
    return {
        "quiz": builders.quiz(a, module=module, title="Quiz 1"),
        "lab": builders.lab(a, module=module, title="Lab 1", max_points=20),
        "latest_lab": builders.lab(a, module=module, title="Lab 2", score_policy="latest"),
        "assignment": builders.assignment(a, module=module, title="Essay", max_points=50),
        "past_assignment": builders.assignment(a, module=module, title="Old essay", due_at=builders.PAST),
    }


def test_every_kind_counts_its_rule(world, course):
    a = world.a
    student = a.student
    builders.quiz_attempt(a.offering, student, course["quiz"], 6, number=1)
    builders.quiz_attempt(a.offering, student, course["quiz"], 9, number=2)  # the best counts: 90 %
    builders.quiz_attempt(a.offering, student, course["quiz"], 4, number=3)
    builders.lab_submission(a.offering, student, course["lab"], 50, number=1, max_score=100)  # scaled to 20 points
    builders.lab_submission(a.offering, student, course["lab"], 80, number=2, max_score=100)
    builders.lab_submission(a.offering, student, course["latest_lab"], 90, number=1)
    builders.lab_submission(a.offering, student, course["latest_lab"], 30, number=2)  # latest counts
    builders.assignment_submission(a.offering, student, course["assignment"], 40, seconds_late=3600)

    result = scores.offering_scores(a.offering)
    assert [s.id for s in result.students] == [student.pk]
    assert [i.title for i in result.items] == ["Quiz 1", "Lab 1", "Lab 2", "Essay", "Old essay"]
    quiz = result.score(student.pk, course["quiz"].pk)
    assert (quiz.earned, quiz.possible, quiz.percent) == (Decimal("90.00"), Decimal(100), Decimal("90.00"))
    lab = result.score(student.pk, course["lab"].pk)
    assert (lab.earned, lab.possible, lab.late, lab.missing) == (Decimal("16.00"), Decimal(20), False, False)
    assert result.score(student.pk, course["latest_lab"].pk).earned == Decimal(30)
    essay = result.score(student.pk, course["assignment"].pk)
    assert (essay.earned, essay.possible, essay.late, essay.missing) == (Decimal(40), Decimal(50), True, False)
    old = result.score(student.pk, course["past_assignment"].pk)
    assert (old.earned, old.missing, old.submitted) == (None, True, False)
    assert result.policy_scores(student.pk)[str(course["quiz"].pk)].earned == 90.0


def test_unposted_grades_and_ungraded_labs_do_not_count_and_are_not_missing(world, course):
    a = world.a
    builders.assignment_submission(a.offering, a.student, course["past_assignment"], 30, posted=False)
    builders.lab_submission(a.offering, a.student, course["lab"], None)  # queued
    result = scores.offering_scores(a.offering)
    essay = result.score(a.student.pk, course["past_assignment"].pk)
    assert (essay.earned, essay.submitted, essay.missing) == (None, True, False)
    lab = result.score(a.student.pk, course["lab"].pk)
    assert (lab.earned, lab.submitted, lab.missing, lab.source_id is not None) == (None, True, False, True)


def test_missing_follows_the_offering_end_and_extensions(world, course):
    a = world.a
    a.offering.ends_at = timezone.now() - timedelta(days=1)
    a.offering.starts_at = timezone.now() - timedelta(days=100)
    a.offering.save(update_fields=["ends_at", "starts_at"])
    result = scores.offering_scores(a.offering)
    assert result.score(a.student.pk, course["quiz"].pk).missing
    assert result.score(a.student.pk, course["lab"].pk).missing
    assert not result.score(a.student.pk, course["assignment"].pk).missing  # due in the future
    Accommodation.objects.create(
        university=a.university, course_offering=a.offering, student=a.student,
        extended_until=timezone.now() + timedelta(days=5),
    )  # fmt: skip
    result = scores.offering_scores(a.offering)
    assert not result.score(a.student.pk, course["quiz"].pk).missing
    assert not result.score(a.student.pk, course["past_assignment"].pk).missing  # the extension is later


def test_the_missing_score_counts_and_is_flagged(world, course):
    a = world.a
    builders.assignment_submission(a.offering, a.student, course["past_assignment"], 10, submitted=False, missing=True)
    essay = scores.offering_scores(a.offering).score(a.student.pk, course["past_assignment"].pk)
    assert (essay.earned, essay.missing, essay.late) == (Decimal(10), True, False)


def test_inactive_items_ungraded_labs_and_other_tenants_are_left_out(world, course):
    builders.lab(world.a, title="Ungraded lab", grading="none")
    builders.quiz(world.b, title="B's quiz")
    inactive = builders.quiz(world.a, title="Retired quiz")
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    titles = [item.title for item in scores.offering_scores(world.a.offering).items]
    assert titles == ["Quiz 1", "Lab 1", "Lab 2", "Essay", "Old essay"]
    assert scores.offering_scores(world.b.offering).students[0].id == world.b.student.pk


def test_query_count_is_fixed_and_user_ids_narrow(world, django_assert_max_num_queries):
    a = world.a
    module = builders.lesson_of(a)
    items = [builders.quiz(a, module=module, title=f"Q{n}") for n in range(4)]
    items += [builders.lab(a, module=module, title=f"L{n}") for n in range(3)]
    items += [builders.assignment(a, module=module, title=f"A{n}") for n in range(3)]
    users = builders.learners(a, 60)
    builders.bulk_scores(
        a.offering, users, items, score_of=lambda i, j: None if (i + j) % 7 == 0 else (i * 3 + j) % 100
    )
    with django_assert_max_num_queries(4):
        result = scores.offering_scores(a.offering)
    assert len(result.students) == 61 and len(result.scores) == 61 * 10
    assert result.score(users[1].pk, items[1].pk).earned == Decimal("4.00")  # (1*3+1) % on a quiz
    with django_assert_max_num_queries(4):
        one = scores.offering_scores(a.offering, user_ids=[users[1].pk])
    assert [s.id for s in one.students] == [users[1].pk]
    assert one.score(users[1].pk, items[1].pk) == result.score(users[1].pk, items[1].pk)


# --- the policy loader -----------------------------------------------------------------------------------


def test_the_default_policy_has_one_category_per_kind(world, course):
    with_default = scores.offering_policy(world.a.offering)
    assert with_default.is_default
    assert [(c.name, c.weight) for c in with_default.categories] == [
        ("Quizzes", Decimal("33.33")), ("Labs", Decimal("33.33")), ("Assignments", Decimal("33.34")),
    ]  # fmt: skip
    assert with_default.item_category[course["lab"].pk] == "kind:engineering_lab"
    assert with_default.scale_name == scores.PLATFORM_SCALE_NAME and with_default.pass_mark == 50
    assert with_default.letter(93.995) == "A" and with_default.passed(49.99) is False
    empty = scores.offering_policy(world.b.offering)
    assert (empty.categories, empty.has_graded_items) == ([], False)


def test_saved_categories_place_items_and_the_scale_applies(world, course, django_assert_max_num_queries):
    a = world.a
    scale = GradingScale.objects.create(university=a.university, name="THR 1.0–5.0")
    GradingScaleRow.objects.bulk_create(
        [GradingScaleRow(scale=scale, letter=letter, lower_bound=bound) for letter, bound in
         (("1.0", 90), ("2.0", 80), ("3.0", 65), ("4.0", 50), ("5.0", 0))]
    )  # fmt: skip
    GradingPolicy.objects.create(university=a.university, course_offering=a.offering, grading_scale=scale, pass_mark=65)
    work = GradingCategory.objects.create(
        university=a.university, course_offering=a.offering, name="Work", weight=60, position=1,
        default_kind="assignment",
    )  # fmt: skip
    tests = GradingCategory.objects.create(
        university=a.university, course_offering=a.offering, name="Tests", weight=40, position=2, drop_lowest=1
    )
    GradingItem.objects.create(
        university=a.university, course_offering=a.offering, content_item=course["lab"], category=tests,
        extra_credit=True,
    )  # fmt: skip
    with django_assert_max_num_queries(4):
        loaded = scores.offering_policy(a.offering)
    assert not loaded.is_default and [c.name for c in loaded.categories] == ["Work", "Tests"]
    assert loaded.item_category[course["lab"].pk] == str(tests.pk)
    assert loaded.item_category[course["assignment"].pk] == str(work.pk)  # its kind's default
    assert loaded.item_category[course["quiz"].pk] == str(work.pk)  # no default for quizzes: the first
    assert next(i for i in loaded.items if i.id == course["lab"].pk).extra_credit
    assert loaded.letter(66) == "3.0" and loaded.passed(64.99) is False and loaded.passed(65) is True


def test_policy_constraints(world, course):
    a = world.a
    category = GradingCategory.objects.create(university=a.university, course_offering=a.offering, name="X", weight=50)
    bad = [
        lambda: GradingCategory.objects.create(university=a.university, course_offering=a.offering, name="X", weight=5),
        lambda: GradingCategory.objects.create(
            university=a.university, course_offering=a.offering, name="Y", weight=101
        ),
        lambda: GradingCategory.objects.create(
            university=a.university, course_offering=a.offering, name="Z", weight=5, drop_lowest=-1
        ),
        lambda: GradingPolicy.objects.create(university=a.university, course_offering=a.offering, pass_mark=120),
        lambda: GradingPolicy.objects.create(
            university=a.university, course_offering=a.offering, certificate_valid_months=0
        ),
        lambda: GradingPolicy.objects.create(
            university=a.university, course_offering=a.offering, certificate_rule="whenever"
        ),
    ]
    names = [
        "ux_grading_categories_offering_name",
        "ck_grading_categories_weight_range",
        "ck_grading_categories_drop_lowest_nonnegative",
        "ck_grading_policies_pass_mark_range",
        "ck_grading_policies_valid_months_range",
        "ck_grading_policies_certificate_rule",
    ]
    for make, name in zip(bad, names, strict=True):
        with pytest.raises(IntegrityError, match=name), transaction.atomic():
            make()
    GradingItem.objects.create(
        university=a.university, course_offering=a.offering, content_item=course["quiz"], category=category
    )
    with pytest.raises(IntegrityError, match="ux_grading_items_offering_item"), transaction.atomic():
        GradingItem.objects.create(
            university=a.university, course_offering=a.offering, content_item=course["quiz"], category=category
        )
    scale = GradingScale.objects.create(university=a.university, name="S")
    GradingScaleRow.objects.create(scale=scale, letter="P", lower_bound=50)
    with pytest.raises(IntegrityError, match="ux_grading_scale_rows_bound"), transaction.atomic():
        GradingScaleRow.objects.create(scale=scale, letter="Q", lower_bound=50)
    with pytest.raises(IntegrityError, match="ck_grading_scale_rows_bound_range"), transaction.atomic():
        GradingScaleRow.objects.create(scale=scale, letter="R", lower_bound=-1)
    more = [
        ("ux_grading_scale_rows_letter", lambda: GradingScaleRow.objects.create(scale=scale, letter="P", lower_bound=1)),
        ("ck_grading_scale_rows_letter_nonempty", lambda: GradingScaleRow.objects.create(scale=scale, letter="", lower_bound=2)),
        ("ux_grading_scales_university_name", lambda: GradingScale.objects.create(university=a.university, name="S")),
        (
            "ux_grading_categories_offering_default_kind",
            lambda: [
                GradingCategory.objects.create(university=a.university, course_offering=a.offering, name=name,
                                               weight=1, default_kind="quiz")
                for name in ("Q1", "Q2")
            ],
        ),
        (
            "ck_grading_categories_position_positive",
            lambda: GradingCategory.objects.create(university=a.university, course_offering=a.offering, name="P",
                                                   weight=1, position=0),
        ),
        (
            "ck_grading_categories_default_kind",
            lambda: GradingCategory.objects.create(university=a.university, course_offering=a.offering, name="K",
                                                   weight=1, default_kind="video"),
        ),
        (
            "ck_grading_categories_name_nonempty",
            lambda: GradingCategory.objects.create(university=a.university, course_offering=a.offering, name="",
                                                   weight=1),
        ),
        (
            "ck_course_grades_current_score_nonnegative",
            lambda: CourseGrade.objects.create(user=a.student, course_offering=a.offering, current_score=-1),
        ),
        (
            "ck_course_grades_override_has_reason",
            lambda: CourseGrade.objects.create(user=a.student, course_offering=a.offering, final_score=50,
                                               overridden_at=timezone.now()),
        ),
    ]  # fmt: skip
    GradingPolicy.objects.create(university=a.university, course_offering=a.offering)
    more.append(
        (
            "grading_policies_course_offering_id_key",  # one policy per offering (the OneToOne's unique key)
            lambda: GradingPolicy.objects.create(university=a.university, course_offering=a.offering),
        )
    )
    for name, make in more:
        with pytest.raises(IntegrityError, match=name), transaction.atomic():
            make()
