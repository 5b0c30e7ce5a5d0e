"""The grading pages: the policy form (preview, save, bad input writes nothing), course grades (finalise with
confirmation, override with a reason, revoke a certificate with a reason), a university's scales, the
student's own grades; denied access (TA 403 on acting, other universities and strangers 404) and query bounds."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from learning.assessments.models_submissions import GradeChange
from learning.gradebook import grades, policy_services, services
from learning.gradebook.models import (
    Certificate,
    CertificateRule,
    CourseGrade,
    GradingCategory,
    GradingItem,
    GradingPolicy,
    GradingScale,
)
from learning.gradebook.tests import builders
from learning.gradebook.tests.builders import assignment_submission, quiz_attempt

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(world):
    module = builders.lesson_of(world.a)
    return {
        "quiz": builders.quiz(world.a, module=module, title="Quiz one"),
        "quiz2": builders.quiz(world.a, module=module, title="Quiz two"),
        "essay": builders.assignment(world.a, module=module, title="Essay", max_points=50, due_at=builders.PAST),
    }


def url(name, tenant, **kwargs):
    return reverse(f"grading:{name}", kwargs={"offering_id": tenant.offering.pk, **kwargs})


def policy_post(course, *, weights=("60", "40"), drops=("0", "0"), action="preview", item_ids=None, **extra):
    names = ("Quizzes", "Assignments")
    data = {
        "categories-TOTAL_FORMS": "2",
        "categories-INITIAL_FORMS": "0",
        "items-TOTAL_FORMS": "3",
        "items-INITIAL_FORMS": "3",
        "pass_mark": "60",
        "certificate_rule": CertificateRule.PASSING_GRADE,
        "certificate_valid_months": "24",
        "action": action,
    }
    for index, (name, weight, drop) in enumerate(zip(names, weights, drops, strict=True)):
        data.update(
            {
                f"categories-{index}-name": name,
                f"categories-{index}-weight": weight,
                f"categories-{index}-drop_lowest": drop,
                f"categories-{index}-default_kind": "quiz" if index == 0 else "assignment",
            }
        )
    ids = item_ids or [course["quiz"].pk, course["quiz2"].pk, course["essay"].pk]
    for index, (item_id, category) in enumerate(zip(ids, ("Quizzes", "Quizzes", "Assignments"), strict=True)):
        data[f"items-{index}-item_id"] = str(item_id)
        data[f"items-{index}-category"] = category
    data["items-1-never_drop"] = "on"
    data.update(extra)
    return data


def test_policy_page_access(client, world, course):
    a = world.a
    page = url("policy", a)
    client.force_login(a.instructor)
    response = client.get(page)
    assert response.status_code == 200
    assert b"Quizzes" in response.content and b"Assignments" in response.content and b"Quiz two" in response.content
    for user, status in ((a.ta, 403), (world.b.instructor, 404), (a.student, 404), (world.b.university_admin, 404)):
        client.force_login(user)
        assert client.get(page).status_code == status
    client.logout()
    assert client.get(page).status_code == 302
    client.force_login(a.university_admin)
    assert client.get(page).status_code == 200
    client.force_login(world.b.instructor)
    assert client.post(page, policy_post(course, action="save")).status_code == 404
    assert not GradingCategory.objects.exists()


def test_preview_shows_the_change_and_writes_nothing(client, world, course):
    a = world.a
    quiz_attempt(a.offering, a.student, course["quiz"], 10)
    quiz_attempt(a.offering, a.student, course["quiz2"], 5)
    assignment_submission(a.offering, a.student, course["essay"], 10)  # 20 %
    client.force_login(a.instructor)
    response = client.post(url("policy", a), policy_post(course))
    assert response.status_code == 200
    text = response.content.decode()
    # default 50/50: quizzes 75 %, essay 20 % → 47.5; with 60/40 → 53.00
    assert "47.50 % → 53.00 %" in text and 'id="preview-rows"' in text
    assert "1 of 1 students" in text and 'value="save"' in text
    assert not GradingCategory.objects.exists() and not GradingPolicy.objects.exists()


def test_save_writes_the_policy_and_recomputes(client, world, course, django_capture_on_commit_callbacks):
    a = world.a
    quiz_attempt(a.offering, a.student, course["quiz"], 10)
    quiz_attempt(a.offering, a.student, course["quiz2"], 5)
    client.force_login(a.instructor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("policy", a), policy_post(course, action="save", drops=("1", "0")))
    assert response.status_code == 302
    categories = list(GradingCategory.objects.filter(course_offering=a.offering).order_by("position"))
    assert [(c.name, c.weight, c.drop_lowest, c.default_kind) for c in categories] == [
        ("Quizzes", Decimal(60), 1, "quiz"), ("Assignments", Decimal(40), 0, "assignment"),
    ]  # fmt: skip
    assert GradingItem.objects.get(content_item=course["quiz2"]).never_drop
    policy = GradingPolicy.objects.get(course_offering=a.offering)
    assert (policy.pass_mark, policy.certificate_valid_months) == (Decimal(60), 24)
    # quiz two (50 %) is never dropped, so the one drop is quiz one: quizzes 50 %; the essay is missing
    grade = CourseGrade.objects.get(user=a.student, course_offering=a.offering)
    assert (grade.current_score, grade.final_score) == (Decimal("50.00"), Decimal("30.00"))
    # A second save renames and reweights the same rows (no duplicate-name trouble), and removes one.
    data = policy_post(course, action="save", weights=("100", "0"))
    data.update({"categories-INITIAL_FORMS": "2", "categories-0-id": str(categories[0].pk),
                 "categories-1-id": str(categories[1].pk), "categories-0-name": "Assignments",
                 "categories-1-name": "Quizzes", "categories-1-DELETE": "on",
                 "items-0-category": "Assignments", "items-1-category": "Assignments",
                 "items-2-category": "Assignments"})  # fmt: skip
    assert client.post(url("policy", a), data).status_code == 302
    assert list(GradingCategory.objects.filter(course_offering=a.offering).values_list("pk", "name", "weight")) == [
        (categories[0].pk, "Assignments", Decimal(100))
    ]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"categories-0-weight": "70"}, "must total 100 %"),
        ({"categories-0-drop_lowest": "-1"}, "greater than or equal to 0"),
        ({"categories-0-weight": "abc"}, "Enter a number"),
        ({"categories-1-name": "Quizzes"}, "Two categories are called"),
        ({"items-0-category": "Nonsense"}, "Choose one of the policy"),
        ({"pass_mark": "101"}, "less than or equal to 100"),
        ({"certificate_valid_months": "0"}, "greater than or equal to 1"),
        ({"certificate_rule": "whenever"}, "Select a valid choice"),
        ({"categories-0-id": "999999"}, "not part of this offering"),
        ({"items-TOTAL_FORMS": "x"}, "ManagementForm data is missing or has been tampered with"),
    ],
)
def test_bad_policy_input_writes_nothing(client, world, course, change, message):
    client.force_login(world.a.instructor)
    data = policy_post(course, action="save")
    data.update(change)
    response = client.post(url("policy", world.a), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not GradingCategory.objects.exists() and not GradingPolicy.objects.exists()


def test_foreign_items_categories_and_scales_are_refused(client, world, course):
    b_quiz = builders.quiz(world.b, title="B quiz")
    b_category = GradingCategory.objects.create(
        university=world.b.university, course_offering=world.b.offering, name="B", weight=100
    )
    b_scale = GradingScale.objects.create(university=world.b.university, name="B scale")
    client.force_login(world.a.instructor)
    for change, message in (
        ({"items-0-item_id": str(b_quiz.pk)}, policy_services.UNKNOWN_ITEM),
        ({"categories-0-id": str(b_category.pk)}, "not part of this offering"),
        ({"grading_scale": str(b_scale.pk)}, "Select a valid choice"),
    ):
        data = policy_post(course, action="save")
        data.update(change)
        response = client.post(url("policy", world.a), data)
        assert response.status_code == 400 and message in response.content.decode()
    assert not GradingCategory.objects.filter(course_offering=world.a.offering).exists()
    assert GradingCategory.objects.get(pk=b_category.pk).name == "B"


def test_scales_page(client, world, course):
    a = world.a
    page = url("scales", a)
    client.force_login(a.instructor)
    assert client.get(page).status_code == 200
    assert client.post(page, {"name": "THR", "rows": "1.0 90\n5.0 0"}).status_code == 403
    client.force_login(a.university_admin)
    for rows, message in (
        ("1.0 90\n2.0 80", policy_services.SCALE_NEEDS_ZERO),
        ("1.0 90\n1.0 0", policy_services.SCALE_DUPLICATE),
        ("1.0 ninety\n5.0 0", policy_services.SCALE_ROWS),
        ("1.0 190\n5.0 0", policy_services.SCALE_ROWS),
    ):
        response = client.post(page, {"name": "THR", "rows": rows})
        assert response.status_code == 400 and message in response.content.decode()
    assert not GradingScale.objects.exists()
    response = client.post(page, {"name": "THR 1.0–5.0", "rows": "1.0 90\n2.0 80\n3.0 65\n4.0 50\n5.0 0"})
    assert response.status_code == 302
    scale = GradingScale.objects.get(university=a.university)
    assert client.post(page, {"name": "THR 1.0–5.0", "rows": "A 1\nB 0"}).status_code == 400  # same name
    client.force_login(a.instructor)
    data = policy_post(course, action="save", grading_scale=str(scale.pk))
    assert client.post(url("policy", a), data).status_code == 302
    assert GradingPolicy.objects.get(course_offering=a.offering).grading_scale_id == scale.pk
    client.force_login(world.b.university_admin)
    assert client.get(page).status_code == 404


def test_course_grades_page_and_its_query_bound(client, world, course, django_assert_max_num_queries):
    a = world.a
    users = builders.learners(a, 80)
    items = [course["quiz"], course["quiz2"], course["essay"]]
    builders.bulk_scores(a.offering, users, items, score_of=lambda i, j: (i * 7 + j) % 100)
    grades.recompute_course_grades(a.offering)
    client.force_login(a.ta)
    page = url("course-grades", a)
    client.get(page)
    with django_assert_max_num_queries(14):
        response = client.get(page)
    assert response.status_code == 200
    assert response.content.decode().count("data-student=") == 50
    assert b"Override" not in response.content  # a TA reads only
    with django_assert_max_num_queries(14):
        assert client.get(page + "?page=2").content.decode().count("data-student=") == 31
    for user in (world.b.instructor, a.student):
        client.force_login(user)
        assert client.get(page).status_code == 404


def test_finalise_needs_confirmation(client, world, course):
    a = world.a
    quiz_attempt(a.offering, a.student, course["quiz"], 8)
    page = url("finalize", a)
    client.force_login(a.ta)
    assert client.post(page, {"confirm": "yes"}).status_code == 403
    client.force_login(a.instructor)
    assert client.get(page).status_code == 200
    response = client.post(page, {})
    assert response.status_code == 400 and not GradingPolicy.objects.exists()
    assert client.post(page, {"confirm": "yes"}).status_code == 302
    assert CourseGrade.objects.get(user=a.student).finalized_at is not None
    response = client.post(page, {"confirm": "yes"})
    assert response.status_code == 400 and grades.ALREADY_FINALIZED in response.content.decode()
    client.force_login(world.b.instructor)
    assert client.post(page, {"confirm": "yes"}).status_code == 404


def test_override_form(client, world, course):
    a = world.a
    quiz_attempt(a.offering, a.student, course["quiz"], 8)
    grades.recompute_course_grades(a.offering)
    page = url("override", a, student_id=a.student.pk)
    client.force_login(a.instructor)
    assert client.get(page).status_code == 200
    for data, message in (
        ({"score": "80", "reason": ""}, "This field is required"),
        ({"score": "80", "reason": "   "}, "This field is required"),
        ({"score": "eighty", "reason": "Viva"}, grades.SCORE_INVALID),
        ({"score": "-3", "reason": "Viva"}, grades.SCORE_INVALID),
        ({"score": "250", "reason": "Viva"}, grades.SCORE_INVALID),
        ({"score": "80", "reason": "x" * 1001}, "at most 1000 characters"),
    ):
        response = client.post(page, data)
        assert response.status_code == 400 and message in response.content.decode()
    assert not GradeChange.objects.exists()
    assert client.get(url("override", a, student_id=world.b.student.pk)).status_code == 404
    response = client.post(page, {"score": "80", "reason": "Viva voce"})
    assert response.status_code == 302
    grade = CourseGrade.objects.get(user=a.student)
    assert (grade.final_score, grade.letter_grade, grade.override_reason) == (Decimal("80.00"), "B-", "Viva voce")
    assert GradeChange.objects.get().reason == "Viva voce"
    client.force_login(a.ta)
    assert client.post(page, {"score": "90", "reason": "x"}).status_code == 403
    client.force_login(world.b.instructor)
    assert client.post(page, {"score": "90", "reason": "x"}).status_code == 404


def test_revoke_form(client, world, course):
    a = world.a
    policy = GradingPolicy.objects.create(
        university=a.university, course_offering=a.offering, certificate_rule=CertificateRule.COMPLETION
    )
    assert policy.pk
    from learning.enrollment.models import CourseEnrollment, EnrollmentStatus

    enrollment = CourseEnrollment.objects.get(user=a.student, course_offering=a.offering)
    CourseEnrollment.objects.filter(pk=enrollment.pk).update(status=EnrollmentStatus.COMPLETED)
    certificate = services.issue_certificate(enrollment=enrollment)[0]
    page = url("revoke", a, certificate_id=certificate.pk)
    client.force_login(a.instructor)
    assert client.get(page).status_code == 200
    for reason in ("", "   "):
        assert client.post(page, {"reason": reason}).status_code == 400
    assert Certificate.objects.get().revoked_at is None
    client.force_login(world.b.instructor)
    assert client.post(page, {"reason": "Plagiarism"}).status_code == 404
    client.force_login(a.ta)
    assert client.post(page, {"reason": "Plagiarism"}).status_code == 403
    client.force_login(a.university_admin)
    assert client.post(page, {"reason": "Plagiarism found"}).status_code == 302
    certificate.refresh_from_db()
    assert certificate.revocation_reason == "Plagiarism found"
    response = client.post(page, {"reason": "again"})
    assert response.status_code == 400 and services.ALREADY_REVOKED in response.content.decode()
    b_certificate_page = reverse(
        "grading:revoke", kwargs={"offering_id": world.b.offering.pk, "certificate_id": certificate.pk}
    )
    client.force_login(world.b.instructor)
    assert client.get(b_certificate_page).status_code == 404


def test_the_student_sees_current_final_and_missing(client, world, course, django_assert_max_num_queries):
    a = world.a
    quiz_attempt(a.offering, a.student, course["quiz"], 9)
    page = reverse("grading:my-grades", kwargs={"offering_id": a.offering.pk})
    client.force_login(a.student)
    client.get(page)
    with django_assert_max_num_queries(16):
        response = client.get(page)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Current grade" in text and "graded work only" in text and "missing work counts as zero" in text
    # quizzes 90 % (one of two graded): current 90 %; final: quizzes 45 %, essay 0 → 22.50 %
    assert 'data-grade="current">90.00 %' in text and 'data-grade="final">22.50 %' in text
    assert 'id="still-missing"' in text and "Essay" in text and "Quiz two" in text
    for user in (world.b.student, a.instructor):
        client.force_login(user)
        assert client.get(page).status_code == 404
    client.force_login(world.b.student)
    assert client.get(reverse("grading:my-grades", kwargs={"offering_id": world.b.offering.pk})).status_code == 200


def _completed_with_certificate(tenant, months=12):
    from learning.enrollment.models import CourseEnrollment, EnrollmentStatus

    GradingPolicy.objects.update_or_create(
        course_offering=tenant.offering,
        defaults={"certificate_rule": CertificateRule.COMPLETION, "certificate_valid_months": months},
        create_defaults={
            "university": tenant.university, "certificate_rule": CertificateRule.COMPLETION,
            "certificate_valid_months": months,
        },
    )  # fmt: skip
    enrollment = CourseEnrollment.objects.get(user=tenant.student, course_offering=tenant.offering)
    CourseEnrollment.objects.filter(pk=enrollment.pk).update(status=EnrollmentStatus.COMPLETED)
    enrollment.refresh_from_db()
    return services.issue_certificate(enrollment=enrollment)[0]


def test_the_course_page_of_a_completed_course_shows_the_certificate(client, world, django_assert_max_num_queries):
    a = world.a
    certificate = _completed_with_certificate(a)
    page = reverse("catalog:course-detail", args=[a.university.short_code, a.course.code])
    client.force_login(a.student)
    client.get(page)
    with django_assert_max_num_queries(13):
        response = client.get(page)
    text = response.content.decode()
    assert f'href="/certificates/{certificate.certificate_code}/"' in text and "Your certificate" in text
    assert "valid until" in text and reverse("grading:my-grades", args=[a.offering.pk]) in text
    client.force_login(world.b.student)  # another university's student sees no one's certificate
    assert certificate.certificate_code not in client.get(page).content.decode()


def test_expiry_shows_on_the_page_and_in_the_credential(client, world):
    from datetime import timedelta

    from django.utils import timezone

    certificate = _completed_with_certificate(world.a, months=6)
    page = reverse("certificate_page", args=[certificate.certificate_code])
    text = client.get(page).content.decode()
    assert "valid until" in text and "Valid" in text
    credential = client.get(reverse("certificate_credential_json", args=[certificate.certificate_code])).json()
    assert credential["validUntil"].startswith(str(certificate.expires_at.year))
    past = timezone.now() - timedelta(days=400)
    Certificate.objects.filter(pk=certificate.pk).update(issued_at=past, expires_at=past + timedelta(days=180))
    assert "Expired" in client.get(page).content.decode()


@pytest.mark.parametrize("count", [3, 60])
def test_saving_a_policy_runs_a_fixed_number_of_queries_whatever_the_items(world, count, django_assert_num_queries):
    from learning.gradebook.tests.bigbook import build_big_gradebook

    a = world.a
    made = build_big_gradebook(offering=a.offering, students=1, items=count, prefix=f"pq{count}")
    old = GradingCategory.objects.create(university=a.university, course_offering=a.offering, name="Work", weight=100)
    draft = policy_services.PolicyDraft(
        categories=[
            # the saved "Work" becomes "Exams" and a new category takes its name
            policy_services.CategoryDraft(name="Exams", weight=Decimal(60), default_kind="quiz", id=old.pk),
            policy_services.CategoryDraft(name="Work", weight=Decimal(40)),
        ],
        items=[
            policy_services.ItemDraft(item_id=item.pk, category="Exams" if n % 2 else "Work", never_drop=n == 0)
            for n, item in enumerate(made.items)
        ],
    )
    # the same count for 3 items and for 60 (it was 42 and 384): the items are written in one statement
    with django_assert_num_queries(23):
        policy_services.save_grading_policy(actor=a.instructor, offering=a.offering, draft=draft)
    rows = GradingItem.objects.filter(course_offering=a.offering)
    assert rows.count() == count and rows.filter(category__name="Exams").count() == count // 2
    assert rows.get(content_item=made.items[0]).never_drop
    assert GradingCategory.objects.get(pk=old.pk).name == "Exams"
    # a second save moves every item (an update of the same rows, still one statement)
    moved = replace(draft, items=[replace(item, category="Work") for item in draft.items])
    policy_services.save_grading_policy(actor=a.instructor, offering=a.offering, draft=moved)
    assert rows.count() == count and not rows.filter(category__name="Exams").exists()


def test_remove_override_form(client, world, course):
    a = world.a
    quiz_attempt(a.offering, a.student, course["quiz"], 8)
    grades.recompute_course_grades(a.offering)
    computed = CourseGrade.objects.get(user=a.student).final_score
    page = url("override", a, student_id=a.student.pk)
    remove = url("override-remove", a, student_id=a.student.pk)
    client.force_login(a.instructor)
    assert 'id="remove-override"' not in client.get(page).content.decode()  # nothing to remove yet
    response = client.post(remove, {"remove-reason": "Mistake"})
    assert response.status_code == 400 and grades.NOT_OVERRIDDEN in response.content.decode()
    assert client.post(page, {"score": "80", "reason": "Viva voce"}).status_code == 302
    assert 'id="remove-override"' in client.get(page).content.decode()
    for data, message in (({"remove-reason": ""}, "This field is required"), ({}, "This field is required")):
        response = client.post(remove, data)
        assert response.status_code == 400 and message in response.content.decode()
    client.force_login(a.ta)
    assert client.post(remove, {"remove-reason": "Mistake"}).status_code == 403
    client.force_login(world.b.instructor)
    assert client.post(remove, {"remove-reason": "Mistake"}).status_code == 404
    client.force_login(a.instructor)
    assert client.get(remove).status_code == 405
    b_student = url("override-remove", a, student_id=world.b.student.pk)
    assert client.post(b_student, {"remove-reason": "Mistake"}).status_code == 404
    assert CourseGrade.objects.get(user=a.student).final_score == Decimal("80.00")
    assert client.post(remove, {"remove-reason": "Typed the wrong student"}).status_code == 302
    grade = CourseGrade.objects.get(user=a.student)
    assert (grade.final_score, grade.overridden_at) == (computed, None)
    assert GradeChange.objects.order_by("-id").first().reason == "Typed the wrong student"


def test_editing_a_scales_rows(client, world, course, django_capture_on_commit_callbacks):
    a = world.a
    scale = policy_services.create_grading_scale(
        actor=a.university_admin,
        university=a.university,
        name="Pass/fail",
        rows=[("P", Decimal(60)), ("F", Decimal(0))],
    )
    GradingPolicy.objects.create(university=a.university, course_offering=a.offering, grading_scale=scale)
    quiz_attempt(a.offering, a.student, course["quiz"], 10)
    quiz_attempt(a.offering, a.student, course["quiz2"], 10)  # quizzes 100 %, the essay missing: final 50 %
    grades.recompute_course_grades(a.offering)
    assert CourseGrade.objects.get(user=a.student).letter_grade == "F"
    page = reverse("grading:scale-edit", kwargs={"offering_id": a.offering.pk, "scale_id": scale.pk})
    client.force_login(a.university_admin)
    listing = client.get(url("scales", a)).content.decode()
    assert page in listing
    response = client.get(page)
    assert response.status_code == 200 and "P 60\nF 0</textarea>" in response.content.decode()
    for rows, message in (
        ("P 60\nQ 40", policy_services.SCALE_NEEDS_ZERO),
        ("P 60\nP 0", policy_services.SCALE_DUPLICATE),
        ("P sixty\nF 0", policy_services.SCALE_ROWS),
        ("P 60", policy_services.SCALE_ROWS),
        ("", "This field is required"),
    ):
        response = client.post(page, {"rows": rows})
        assert response.status_code == 400 and message in response.content.decode()
    assert sorted(scale.rows.values_list("letter", flat=True)) == ["F", "P"]
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(page, {"rows": "P 50\nF 0"}).status_code == 302
    assert sorted(scale.rows.values_list("letter", "lower_bound")) == [("F", Decimal(0)), ("P", Decimal(50))]
    assert CourseGrade.objects.get(user=a.student).letter_grade == "P"  # the offering using it was recomputed
    for user, status in ((a.instructor, 403), (a.ta, 403), (world.b.university_admin, 404), (a.student, 404)):
        client.force_login(user)
        assert client.get(page).status_code == status
        assert client.post(page, {"rows": "X 10\nY 0"}).status_code == status
    assert not scale.rows.filter(letter="X").exists()
    client.force_login(a.instructor)
    assert page not in client.get(url("scales", a)).content.decode()  # no edit link for those who may not
    b_scale = GradingScale.objects.create(university=world.b.university, name="B scale")
    client.force_login(a.university_admin)
    foreign = reverse("grading:scale-edit", kwargs={"offering_id": a.offering.pk, "scale_id": b_scale.pk})
    assert client.get(foreign).status_code == 404
    assert client.post(foreign, {"rows": "X 10\nY 0"}).status_code == 404


def test_only_the_universitys_admins_may_edit_a_scales_rows(world):
    a = world.a
    scale = policy_services.create_grading_scale(
        actor=a.university_admin, university=a.university, name="Two", rows=[("P", Decimal(60)), ("F", Decimal(0))]
    )
    for actor in (a.instructor, world.b.university_admin):
        with pytest.raises(PermissionDenied):
            policy_services.update_grading_scale_rows(actor=actor, scale=scale, rows=[("A", Decimal(0))])
    with pytest.raises(ValidationError) as refused:
        policy_services.update_grading_scale_rows(actor=a.university_admin, scale=scale, rows=[("A", Decimal(0))])
    assert refused.value.messages == [policy_services.SCALE_ROWS]
    assert sorted(scale.rows.values_list("letter", flat=True)) == ["F", "P"]
