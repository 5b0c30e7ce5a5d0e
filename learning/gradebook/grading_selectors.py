"""Reads of the grading pages: access selectors (404 for what a user may not see), the instructor's
course-grades list, a student's own grades. Fixed numbers of queries. (My learning reads its grades in the
enrollments' query, ``learning.enrollment.selectors``.)"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.paginator import Paginator
from django.http import Http404

from catalog.models import CourseOffering
from learning.enrollment.models import CourseEnrollment
from learning.gradebook import policy as arithmetic
from learning.gradebook.models import Certificate, CourseGrade, GradingScale
from learning.gradebook.permissions import course_grades_visible_to
from learning.gradebook.scores import LEARNER_STATUSES, ItemScore, offering_policy, offering_scores

COURSE_GRADES_PAGE_SIZE = 50


def get_offering_for_grading(user, offering_id: int) -> CourseOffering:
    """The offering if ``user`` may read its course grades (teaches it or administers it), else 404."""
    offering = course_grades_visible_to(user).select_related("course", "university").filter(pk=offering_id).first()
    if offering is None:
        raise Http404("No such offering.")
    return offering


def get_offering_for_learner(user, offering_id: int) -> tuple[CourseOffering, CourseEnrollment]:
    """The offering and the user's own enrollment in it (active or completed), else 404."""
    enrollment = (
        CourseEnrollment.objects.select_related("course_offering__course", "course_offering__university")
        .filter(user_id=user.pk, course_offering_id=offering_id, status__in=LEARNER_STATUSES)
        .first()
    )
    if enrollment is None:
        raise Http404("No such offering.")
    return enrollment.course_offering, enrollment


@dataclass(frozen=True)
class CourseGradeRow:
    student_id: int
    name: str
    email: str
    status: str
    grade: CourseGrade | None
    certificate: Certificate | None


def course_grade_rows(offering, *, page: int | str = 1):
    """One page of the offering's learners with their course grade and certificate: three queries
    (the page of enrollments with the count, the grades and the certificates of that page)."""
    enrollments = (
        CourseEnrollment.objects.filter(course_offering_id=offering.pk, status__in=LEARNER_STATUSES)
        .select_related("user")
        .only("id", "status", "user__id", "user__full_name", "user__email")
        .order_by("user__full_name", "user__email", "user_id")
    )
    paginator = Paginator(enrollments, COURSE_GRADES_PAGE_SIZE)
    page_obj = paginator.get_page(page)
    ids = [enrollment.user_id for enrollment in page_obj.object_list]
    grades = {g.user_id: g for g in CourseGrade.objects.filter(course_offering_id=offering.pk, user_id__in=ids)}
    certificates = {c.user_id: c for c in Certificate.objects.filter(course_offering_id=offering.pk, user_id__in=ids)}
    rows = [
        CourseGradeRow(
            student_id=e.user_id,
            name=e.user.full_name or e.user.email,
            email=e.user.email,
            status=e.get_status_display(),
            grade=grades.get(e.user_id),
            certificate=certificates.get(e.user_id),
        )
        for e in page_obj.object_list
    ]
    return page_obj, rows


def get_learner_grade(offering, student_id: int) -> tuple[CourseEnrollment, CourseGrade | None]:
    """A learner of the offering (404 otherwise) and their course grade row."""
    enrollment = (
        CourseEnrollment.objects.select_related("user")
        .filter(course_offering_id=offering.pk, user_id=student_id, status__in=LEARNER_STATUSES)
        .first()
    )
    if enrollment is None:
        raise Http404("No such student.")
    return enrollment, CourseGrade.objects.filter(course_offering_id=offering.pk, user_id=student_id).first()


def get_certificate_for_staff(offering, certificate_id: int) -> Certificate:
    certificate = (
        Certificate.objects.select_related("user", "course_offering__course")
        .filter(pk=certificate_id, course_offering_id=offering.pk)
        .first()
    )
    if certificate is None:
        raise Http404("No such certificate.")
    return certificate


def get_scale_of_offering_university(offering, scale_id: int) -> GradingScale:
    """A grading scale of the offering's university (with its rows), else 404 (another university's too)."""
    scale = (
        GradingScale.objects.filter(pk=scale_id, university_id=offering.university_id)
        .select_related("university")
        .prefetch_related("rows")
        .first()
    )
    if scale is None:
        raise Http404("No such grading scale.")
    return scale


# --- a student's own grades -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemLine:
    title: str
    kind: str
    score: ItemScore
    dropped_current: bool
    dropped_final: bool


@dataclass(frozen=True)
class CategoryLine:
    name: str
    weight: Decimal
    drop_lowest: int
    current: Decimal | None
    final: Decimal | None
    items: list[ItemLine]


@dataclass(frozen=True)
class StudentGrades:
    categories: list[CategoryLine]
    current: Decimal | None
    final: Decimal
    current_letter: str | None
    final_letter: str | None
    passed: bool | None  # of the final grade
    pass_mark: Decimal
    scale_name: str
    stored: CourseGrade | None  # the course_grades row (finalised / overridden values win)
    missing: list[ItemLine]
    ungraded: list[ItemLine]  # handed in, not graded yet
    has_items: bool


def student_grades(user, offering) -> StudentGrades:
    """The student's grades in the offering, computed live from the scores and the policy (the stored row
    is read too: a finalised or overridden final grade is what counts). At most ten queries."""
    policy = offering_policy(offering)
    data = offering_scores(offering, user_ids=[user.pk])
    stored = CourseGrade.objects.filter(course_offering_id=offering.pk, user_id=user.pk).first()
    scores = data.policy_scores(user.pk) if data.students else {}
    result = policy.grade(scores)
    lines: dict[str, list[ItemLine]] = {category.key: [] for category in policy.categories}
    missing, ungraded = [], []
    for item in data.items:
        key = policy.item_category.get(item.id)
        score = data.scores.get((user.pk, item.id)) or ItemScore(earned=None, possible=item.points_possible)
        current_cat = result.current_categories.get(key)
        final_cat = result.final_categories.get(key)
        line = ItemLine(
            title=item.title,
            kind=item.kind,
            score=score,
            dropped_current=bool(current_cat and item.key in current_cat.dropped),
            dropped_final=bool(final_cat and item.key in final_cat.dropped),
        )
        if key is not None:
            lines[key].append(line)
        if score.earned is None and not score.excused:
            (ungraded if score.submitted else missing).append(line)
    categories = [
        CategoryLine(
            name=category.name,
            weight=category.weight,
            drop_lowest=category.drop_lowest,
            current=arithmetic.cent(result.current_categories[category.key].percent),
            final=arithmetic.cent(result.final_categories[category.key].percent)
            if result.final_categories[category.key].percent is not None
            else (Decimal(0) if lines[category.key] else None),
            items=lines[category.key],
        )
        for category in policy.categories
    ]
    current, final = arithmetic.cent(result.current), arithmetic.cent(result.final)
    return StudentGrades(
        categories=categories,
        current=current,
        final=final,
        current_letter=policy.letter(current),
        final_letter=policy.letter(final),
        passed=policy.passed(final),
        pass_mark=policy.pass_mark,
        scale_name=policy.scale_name,
        stored=stored,
        missing=missing,
        ungraded=ungraded,
        has_items=bool(data.items),
    )
