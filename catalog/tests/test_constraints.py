"""Every database constraint of the catalog tables, proven by a raw write that breaks it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.db_helpers import accepts, rejects, rejects_update
from catalog.models import Course, CourseOffering, CourseOfferingInstructor, CoursePrerequisite, Subject
from catalog.tests.factories import (
    CountryFactory,
    CourseFactory,
    CourseOfferingFactory,
    CourseOfferingInstructorFactory,
    CoursePrerequisiteFactory,
    CourseSubjectFactory,
    DepartmentFactory,
    DomainFactory,
    SubjectFactory,
    UniversityFactory,
)

pytestmark = pytest.mark.django_db


def test_country_iso_code_is_unique():
    country = CountryFactory()
    rejects("countries_iso_code_key", "INSERT INTO countries (iso_code, name) VALUES (%s, 'Copy')", [country.iso_code])


def test_university_short_code_is_unique_platform_wide():
    university = UniversityFactory()
    other_country = CountryFactory()
    rejects(
        "ux_universities_short_code",
        "INSERT INTO universities (name, short_code, country_id) VALUES ('Copy', %s, %s)",
        [university.short_code, other_country.pk],
    )


def test_department_code_is_unique_per_university():
    department = DepartmentFactory()
    rejects(
        "ux_departments_university_code",
        "INSERT INTO departments (university_id, name, code) VALUES (%s, 'Copy', %s)",
        [department.university_id, department.code],
    )
    accepts(
        "INSERT INTO departments (university_id, name, code) VALUES (%s, 'Same code elsewhere', %s)",
        [UniversityFactory().pk, department.code],
    )


def test_domain_code_is_unique():
    domain = DomainFactory()
    rejects("domains_code_key", "INSERT INTO domains (code, name) VALUES (%s, 'Copy')", [domain.code])


def test_subject_code_is_unique():
    subject = SubjectFactory()
    rejects("ux_subjects_code", "INSERT INTO subjects (name, code) VALUES ('Copy', %s)", [subject.code])


def test_subject_depth_is_not_negative():
    subject = SubjectFactory(parent_subject=SubjectFactory())
    # ck_subjects_depth_matches_parent implies the seed's rule, and PostgreSQL may name either one.
    rejects_update(
        "ck_subjects_depth_(?:nonnegative|matches_parent)", Subject.objects.filter(pk=subject.pk), depth=-1
    )


def test_subject_root_has_depth_zero_and_children_depth_one_or_more():
    root = SubjectFactory()
    child = SubjectFactory(parent_subject=root)
    rejects_update("ck_subjects_depth_matches_parent", Subject.objects.filter(pk=root.pk), depth=1)
    rejects_update("ck_subjects_depth_matches_parent", Subject.objects.filter(pk=child.pk), depth=0)
    rejects_update("ck_subjects_depth_matches_parent", Subject.objects.filter(pk=child.pk), parent_subject=None)


def test_subject_is_not_its_own_parent():
    subject = SubjectFactory(parent_subject=SubjectFactory())  # depth 1: only the self-parent rule is broken
    rejects("ck_subjects_not_own_parent", "UPDATE subjects SET parent_subject_id = id WHERE id = %s", [subject.pk])


def test_child_subject_stays_in_its_parents_domain():
    parent = SubjectFactory()
    child = SubjectFactory(parent_subject=parent)
    rejects(
        "fk_subjects_parent_same_domain",
        "UPDATE subjects SET domain_id = %s WHERE id = %s",
        [DomainFactory().pk, child.pk],
    )


def test_course_code_is_unique_per_university():
    course = CourseFactory()
    rejects(
        "ux_courses_university_code",
        "INSERT INTO courses (university_id, title, code) VALUES (%s, 'Copy', %s)",
        [course.university_id, course.code],
    )


@pytest.mark.parametrize(
    ("values", "constraint"),
    [
        ({"level": "phd"}, "ck_courses_level"),
        ({"difficulty": "impossible"}, "ck_courses_difficulty"),
        ({"credit_hours": -1}, "ck_courses_credit_hours_nonnegative"),
        ({"structure_version": 0}, "ck_courses_structure_version_positive"),
        ({"rating_count": -1}, "ck_courses_rating_count_nonnegative"),
        ({"rating_avg": "5.01"}, "ck_courses_rating_avg_range"),
        ({"rating_avg": "0.99"}, "ck_courses_rating_avg_range"),
    ],
)
def test_course_checks(values, constraint):
    course = CourseFactory()
    rejects_update(constraint, Course.objects.filter(pk=course.pk), **values)


def test_course_department_belongs_to_the_courses_university():
    course = CourseFactory()
    rejects(
        "fk_courses_department_same_university",
        "UPDATE courses SET department_id = %s WHERE id = %s",
        [DepartmentFactory().pk, course.pk],
    )
    accepts(
        "UPDATE courses SET department_id = %s WHERE id = %s",
        [DepartmentFactory(university=course.university).pk, course.pk],
    )


def test_course_subject_pair_is_unique():
    link = CourseSubjectFactory()
    rejects(
        "ux_course_subjects_unique",
        "INSERT INTO course_subjects (course_id, subject_id) VALUES (%s, %s)",
        [link.course_id, link.subject_id],
    )


def test_a_course_has_at_most_one_primary_subject_link():
    link = CourseSubjectFactory(is_primary=True)
    rejects(
        "ux_course_subjects_one_primary",
        "INSERT INTO course_subjects (course_id, subject_id, is_primary) VALUES (%s, %s, true)",
        [link.course_id, SubjectFactory().pk],
    )


def test_prerequisite_pair_is_unique():
    link = CoursePrerequisiteFactory()
    rejects(
        "ux_course_prerequisites_unique",
        "INSERT INTO course_prerequisites (course_id, prerequisite_course_id) VALUES (%s, %s)",
        [link.course_id, link.prerequisite_course_id],
    )


def test_a_course_is_not_its_own_prerequisite():
    course = CourseFactory()
    rejects(
        "ck_course_prerequisites_not_self",
        "INSERT INTO course_prerequisites (course_id, prerequisite_course_id) VALUES (%s, %s)",
        [course.pk, course.pk],
    )


def test_prerequisite_type_is_one_of_the_enum():
    link = CoursePrerequisiteFactory()
    rejects_update(
        "ck_course_prerequisites_type", CoursePrerequisite.objects.filter(pk=link.pk), prerequisite_type="optional"
    )


@pytest.mark.parametrize(
    ("values", "constraint"),
    [
        ({"visibility": "secret"}, "ck_course_offerings_visibility"),
        ({"capacity": -1}, "ck_course_offerings_capacity_nonnegative"),
        ({"enrolled_count": -1}, "ck_course_offerings_enrolled_count_nonnegative"),
        ({"waitlist_count": -1}, "ck_course_offerings_waitlist_count_nonnegative"),
    ],
)
def test_offering_checks(values, constraint):
    offering = CourseOfferingFactory()
    rejects_update(constraint, CourseOffering.objects.filter(pk=offering.pk), **values)


@pytest.mark.parametrize("gap", [timedelta(0), timedelta(days=-1)], ids=["equal", "reversed"])
def test_offering_starts_before_it_ends(gap):
    offering = CourseOfferingFactory()
    now = timezone.now()
    rejects_update(
        "ck_course_offerings_starts_before_ends",
        CourseOffering.objects.filter(pk=offering.pk),
        starts_at=now,
        ends_at=now + gap,
    )


def test_offering_enrollment_window_opens_before_it_closes():
    offering = CourseOfferingFactory()
    now = timezone.now()
    rejects_update(
        "ck_course_offerings_enrollment_window",
        CourseOffering.objects.filter(pk=offering.pk),
        enrollment_start=now,
        enrollment_end=now - timedelta(hours=1),
    )
    # Open-ended windows are allowed.
    CourseOffering.objects.filter(pk=offering.pk).update(enrollment_start=now, enrollment_end=None)


def test_offering_university_is_its_courses_university():
    course = CourseFactory()
    rejects(
        "fk_course_offerings_course_same_university",
        "INSERT INTO course_offerings (course_id, university_id) VALUES (%s, %s)",
        [course.pk, UniversityFactory().pk],
    )
    accepts("INSERT INTO course_offerings (course_id, university_id) VALUES (%s, %s)", [course.pk, course.university_id])


def test_a_course_with_offerings_cannot_silently_change_university():
    offering = CourseOfferingFactory()
    rejects(
        "fk_course_offerings_course_same_university",
        "UPDATE courses SET university_id = %s WHERE id = %s",
        [UniversityFactory().pk, offering.course_id],
    )


def test_offering_staff_member_is_listed_once():
    staff = CourseOfferingInstructorFactory()
    rejects(
        "ux_course_offering_instructor_unique",
        "INSERT INTO course_offering_instructors (course_offering_id, user_id, role) VALUES (%s, %s, 'ta')",
        [staff.course_offering_id, staff.user_id],
    )


def test_offering_staff_role_is_instructor_or_ta():
    staff = CourseOfferingInstructorFactory()
    rejects_update(
        "ck_course_offering_instructors_role", CourseOfferingInstructor.objects.filter(pk=staff.pk), role="student"
    )
    CourseOfferingInstructor.objects.filter(pk=staff.pk).update(role="ta")


def test_deleting_a_course_through_the_orm_removes_its_offerings():
    # The composite key must not get in the way of Django's own cascade.
    offering = CourseOfferingFactory()
    offering.course.delete()
    assert not CourseOffering.objects.filter(pk=offering.pk).exists()
