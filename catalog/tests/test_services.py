"""catalog.services: each rule tried through the service, on the real database."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from catalog import services
from catalog.models import (
    Course,
    CourseOffering,
    CoursePrerequisite,
    CourseSubject,
    Department,
    PrerequisiteType,
    Subject,
)
from catalog.tests.factories import (
    CourseFactory,
    CourseOfferingFactory,
    DepartmentFactory,
    DomainFactory,
    SubjectFactory,
    UniversityFactory,
)

pytestmark = pytest.mark.django_db


def messages(error: pytest.ExceptionInfo) -> list[str]:
    return error.value.messages


# --- summaries ---------------------------------------------------------------------------------


def test_set_offering_counts_writes_both_counts():
    offering = CourseOfferingFactory()
    services.set_offering_counts(offering_id=offering.pk, enrolled_count=12, waitlist_count=3)
    offering.refresh_from_db()
    assert (offering.enrolled_count, offering.waitlist_count) == (12, 3)


def test_set_course_rating_writes_average_and_count_and_can_clear():
    course = CourseFactory()
    services.set_course_rating(course_id=course.pk, rating_avg=Decimal("4.25"), rating_count=8)
    course.refresh_from_db()
    assert (course.rating_avg, course.rating_count) == (Decimal("4.25"), 8)
    services.set_course_rating(course_id=course.pk, rating_avg=None, rating_count=0)
    course.refresh_from_db()
    assert (course.rating_avg, course.rating_count) == (None, 0)


def test_bump_structure_version_returns_each_new_value(django_assert_num_queries):
    course = CourseFactory()
    assert course.structure_version == 1
    with django_assert_num_queries(1):
        assert services.bump_structure_version(course_id=course.pk) == 2
    assert services.bump_structure_version(course_id=course.pk) == 3
    course.refresh_from_db()
    assert course.structure_version == 3


def test_bump_structure_version_of_a_missing_course_raises():
    with pytest.raises(Course.DoesNotExist):
        services.bump_structure_version(course_id=10**9)


# --- courses -----------------------------------------------------------------------------------


def test_create_course_with_a_department_of_another_university_is_refused():
    university = UniversityFactory()
    with pytest.raises(ValidationError) as error:
        services.create_course(university=university, code="ME101", title="Statics", department=DepartmentFactory())
    assert services.DEPARTMENT_OTHER_UNIVERSITY in messages(error)
    assert not Course.objects.filter(code="ME101").exists()


def test_create_course_with_a_primary_subject_links_it_as_primary():
    subject = SubjectFactory()
    course = services.create_course(
        university=UniversityFactory(), code="MA101", title="Calculus", primary_subject=subject
    )
    course.refresh_from_db()
    assert course.primary_subject_id == subject.pk
    assert list(CourseSubject.objects.filter(course=course).values_list("subject_id", "is_primary")) == [
        (subject.pk, True)
    ]


def test_create_course_refuses_fields_owned_by_other_services():
    with pytest.raises(ValidationError) as error:
        services.create_course(university=UniversityFactory(), code="X1", title="X", rating_count=5)
    assert "rating_count" in messages(error)[0]


def test_update_course_changes_fields_but_not_the_university():
    course = CourseFactory()
    services.update_course(course=course, title="Renamed")
    course.refresh_from_db()
    assert course.title == "Renamed"
    with pytest.raises(ValidationError):
        services.update_course(course=course, university=UniversityFactory())


def test_set_course_published():
    course = CourseFactory(is_published=False)
    services.set_course_published(course=course, is_published=True)
    assert Course.objects.get(pk=course.pk).is_published is True


def test_publishing_a_course_bumps_its_structure_version_once_per_change():
    """Outlines are cached per structure version: the admin's publish actions and the editor alike must move it."""
    course = CourseFactory(is_published=False)
    before = Course.objects.get(pk=course.pk).structure_version
    services.set_course_published(course=course, is_published=True)
    services.set_course_published(course=course, is_published=True)  # no change: no bump
    assert Course.objects.get(pk=course.pk).structure_version == before + 1
    services.set_course_published(course=course, is_published=False)
    assert Course.objects.get(pk=course.pk).structure_version == before + 2


# --- primary subject ---------------------------------------------------------------------------


def _primary_rows(course):
    return list(CourseSubject.objects.filter(course=course, is_primary=True).values_list("subject_id", flat=True))


def test_set_primary_subject_keeps_the_column_and_the_single_primary_row_in_step():
    course = CourseFactory()
    first, second = SubjectFactory(), SubjectFactory()
    services.set_primary_subject(course=course, subject=first)
    services.set_primary_subject(course=course, subject=second)
    course.refresh_from_db()
    assert course.primary_subject_id == second.pk
    assert _primary_rows(course) == [second.pk]
    # The former primary stays linked, no longer primary.
    assert CourseSubject.objects.get(course=course, subject=first).is_primary is False

    services.set_primary_subject(course=course, subject=None)
    course.refresh_from_db()
    assert course.primary_subject_id is None
    assert _primary_rows(course) == []


def test_add_course_subject_as_primary_and_removing_it_clears_the_column():
    course = CourseFactory()
    subject, other = SubjectFactory(), SubjectFactory()
    services.add_course_subject(course=course, subject=other)
    services.add_course_subject(course=course, subject=subject, is_primary=True)
    assert Course.objects.get(pk=course.pk).primary_subject_id == subject.pk
    assert _primary_rows(course) == [subject.pk]

    services.remove_course_subject(course=course, subject=other)
    assert Course.objects.get(pk=course.pk).primary_subject_id == subject.pk
    services.remove_course_subject(course=course, subject=subject)
    assert Course.objects.get(pk=course.pk).primary_subject_id is None
    assert not CourseSubject.objects.filter(course=course).exists()


# --- prerequisites -----------------------------------------------------------------------------


def test_prerequisite_must_be_of_the_same_university():
    course = CourseFactory()
    with pytest.raises(ValidationError) as error:
        services.add_prerequisite(course=course, prerequisite_course=CourseFactory())
    assert services.PREREQUISITE_OTHER_UNIVERSITY in messages(error)
    assert not CoursePrerequisite.objects.exists()


def test_a_course_cannot_be_its_own_prerequisite():
    course = CourseFactory()
    with pytest.raises(ValidationError) as error:
        services.add_prerequisite(course=course, prerequisite_course=course)
    assert services.PREREQUISITE_SELF in messages(error)


def test_a_duplicate_prerequisite_is_refused_cleanly():
    course = CourseFactory()
    other = CourseFactory(university=course.university)
    services.add_prerequisite(course=course, prerequisite_course=other)
    with pytest.raises(ValidationError) as error:
        services.add_prerequisite(course=course, prerequisite_course=other)
    assert services.PREREQUISITE_DUPLICATE in messages(error)


@pytest.mark.parametrize("closing_type", [PrerequisiteType.STRICT, PrerequisiteType.CO_REQUISITE])
def test_strict_and_co_requisite_links_cannot_form_a_cycle(closing_type):
    a = CourseFactory()
    b, c = CourseFactory(university=a.university), CourseFactory(university=a.university)
    services.add_prerequisite(course=a, prerequisite_course=b)  # a needs b
    services.add_prerequisite(course=b, prerequisite_course=c, prerequisite_type=PrerequisiteType.CO_REQUISITE)
    with pytest.raises(ValidationError) as error:
        services.add_prerequisite(course=c, prerequisite_course=a, prerequisite_type=closing_type)
    assert services.PREREQUISITE_CYCLE in messages(error)
    with pytest.raises(ValidationError):
        services.add_prerequisite(course=b, prerequisite_course=a)
    assert CoursePrerequisite.objects.count() == 2


def test_recommendations_never_close_a_cycle():
    a = CourseFactory()
    b = CourseFactory(university=a.university)
    services.add_prerequisite(course=a, prerequisite_course=b, prerequisite_type=PrerequisiteType.RECOMMENDED)
    link = services.add_prerequisite(course=b, prerequisite_course=a)
    assert link.prerequisite_type == PrerequisiteType.STRICT
    services.remove_prerequisite(course=b, prerequisite_course=a)
    assert CoursePrerequisite.objects.count() == 1


# --- offerings ---------------------------------------------------------------------------------


def test_create_offering_takes_the_university_from_the_course():
    course = CourseFactory()
    now = timezone.now()
    offering = services.create_offering(
        course=course, term_name="Fall", starts_at=now, ends_at=now + timedelta(days=90), capacity=30
    )
    offering.refresh_from_db()
    assert offering.university_id == course.university_id
    assert (offering.enrolled_count, offering.waitlist_count) == (0, 0)


def test_create_offering_refuses_a_university_or_counts_from_the_caller():
    course = CourseFactory()
    with pytest.raises(ValidationError):
        services.create_offering(course=course, university=UniversityFactory())
    with pytest.raises(ValidationError):
        services.create_offering(course=course, enrolled_count=5)
    assert not CourseOffering.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"starts_at": 10, "ends_at": 10}, services.OFFERING_ENDS_BEFORE_START),
        ({"starts_at": 10, "ends_at": 5}, services.OFFERING_ENDS_BEFORE_START),
        ({"enrollment_start": 3, "enrollment_end": 1}, services.OFFERING_ENROLLMENT_WINDOW),
        (
            {"starts_at": 0, "ends_at": 5, "enrollment_start": 6, "enrollment_end": 9},
            services.OFFERING_ENROLLMENT_AFTER_END,
        ),
        ({"capacity": -1}, services.OFFERING_CAPACITY_NEGATIVE),
    ],
)
def test_create_offering_validates_dates_and_capacity(fields, message):
    base = timezone.now()
    values = {k: (base + timedelta(days=v) if k != "capacity" else v) for k, v in fields.items()}
    with pytest.raises(ValidationError) as error:
        services.create_offering(course=CourseFactory(), **values)
    assert message in messages(error)
    assert not CourseOffering.objects.exists()


def test_update_offering_validates_dates():
    offering = CourseOfferingFactory()
    with pytest.raises(ValidationError) as error:
        services.update_offering(offering=offering, ends_at=offering.starts_at - timedelta(days=1))
    assert services.OFFERING_ENDS_BEFORE_START in messages(error)


# --- subjects ----------------------------------------------------------------------------------


def test_create_subject_under_a_parent_takes_its_domain_and_depth():
    root = services.create_subject(parent=None, domain=DomainFactory(), name="Engineering", code="ENG")
    child = services.create_subject(parent=root, domain=None, name="Mechanics", code="ENG_MECH")
    grandchild = services.create_subject(parent=child, domain=root.domain, name="Statics", code="ENG_MECH_STAT")
    assert (root.depth, child.depth, grandchild.depth) == (0, 1, 2)
    assert child.domain_id == root.domain_id


def test_create_subject_refuses_a_parent_in_another_domain():
    parent = SubjectFactory()
    with pytest.raises(ValidationError) as error:
        services.create_subject(parent=parent, domain=DomainFactory(), name="X", code="X")
    assert services.SUBJECT_PARENT_OTHER_DOMAIN in messages(error)


def _chain(length, domain=None):
    domain = domain or DomainFactory()
    nodes = [SubjectFactory(domain=domain)]
    for _ in range(length - 1):
        nodes.append(SubjectFactory(parent_subject=nodes[-1]))
    return nodes


def test_move_subject_rewrites_the_depth_of_the_whole_subtree_in_a_few_queries(django_assert_max_num_queries):
    a0, a1, a2, a3 = _chain(4)
    b0 = SubjectFactory(domain=a0.domain)
    b1 = SubjectFactory(parent_subject=b0)
    sibling = SubjectFactory(parent_subject=a2)
    # savepoint, lock, two reads, cycle check, one UPDATE, refresh, release: none per node.
    with django_assert_max_num_queries(8):
        services.move_subject(subject=a2, new_parent=b1)
    depths = dict(Subject.objects.values_list("pk", "depth"))
    assert depths[a2.pk] == 2 and depths[a3.pk] == 3 and depths[sibling.pk] == 3
    assert depths[a0.pk] == 0 and depths[a1.pk] == 1
    assert Subject.objects.get(pk=a2.pk).parent_subject_id == b1.pk

    services.move_subject(subject=a2, new_parent=None)
    depths = dict(Subject.objects.values_list("pk", "depth"))
    assert (depths[a2.pk], depths[a3.pk], depths[sibling.pk]) == (0, 1, 1)
    assert Subject.objects.get(pk=a2.pk).parent_subject_id is None


def test_move_subject_refuses_itself_and_its_descendants():
    a0, a1, a2 = _chain(3)
    for target in (a0, a1, a2):
        with pytest.raises(ValidationError) as error:
            services.move_subject(subject=a0, new_parent=target)
        assert services.SUBJECT_CYCLE in messages(error)
    assert Subject.objects.get(pk=a0.pk).parent_subject_id is None


def test_move_subject_refuses_a_parent_in_another_domain():
    subject = SubjectFactory()
    with pytest.raises(ValidationError) as error:
        services.move_subject(subject=subject, new_parent=SubjectFactory())
    assert services.SUBJECT_PARENT_OTHER_DOMAIN in messages(error)


# --- deleting subjects ---------------------------------------------------------------------------


def test_delete_subject_re_roots_its_children_and_lifts_the_whole_subtree(django_assert_max_num_queries):
    root = SubjectFactory(code="ENG")
    middle = SubjectFactory(parent_subject=root, code="ENG_MECH")
    child = SubjectFactory(parent_subject=middle, code="ENG_MECH_THERMO")
    other_child = SubjectFactory(parent_subject=middle, code="ENG_MECH_FLUIDS")
    grandchild = SubjectFactory(parent_subject=child, code="ENG_MECH_THERMO_CYCLES")
    great = SubjectFactory(parent_subject=grandchild, code="ENG_MECH_THERMO_CYCLES_CARNOT")
    sibling = SubjectFactory(parent_subject=root, code="ENG_ELEC")
    # Fixed: lock, one recursive UPDATE, and the delete (Django's collector reads and clears the links).
    with django_assert_max_num_queries(12):
        assert services.delete_subject(subject=middle) == 4
    assert not Subject.objects.filter(pk=middle.pk).exists()
    rows = dict(Subject.objects.values_list("code", "parent_subject_id"))
    depths = dict(Subject.objects.values_list("code", "depth"))
    assert rows["ENG_MECH_THERMO"] is None and rows["ENG_MECH_FLUIDS"] is None
    assert depths["ENG_MECH_THERMO"] == depths["ENG_MECH_FLUIDS"] == 0
    assert rows["ENG_MECH_THERMO_CYCLES"] == child.pk and depths["ENG_MECH_THERMO_CYCLES"] == 1
    assert depths["ENG_MECH_THERMO_CYCLES_CARNOT"] == 2
    assert (depths["ENG"], depths["ENG_ELEC"]) == (0, 1)  # outside the subtree: untouched
    assert other_child and great and sibling


def test_delete_subject_keeps_courses_but_drops_their_links_to_it():
    subject = SubjectFactory(parent_subject=SubjectFactory())
    course = CourseFactory()
    services.set_primary_subject(course=course, subject=subject)
    services.delete_subject(subject=subject)
    course.refresh_from_db()
    assert course.primary_subject_id is None
    assert not CourseSubject.objects.filter(course=course).exists()


def test_subject_services_are_for_platform_admins(world):
    root = SubjectFactory()
    child = SubjectFactory(parent_subject=root)
    for actor in (world.a.university_admin, world.a.instructor):
        with pytest.raises(PermissionDenied):
            services.delete_subject(actor=actor, subject=child)
        with pytest.raises(PermissionDenied):
            services.update_subject(actor=actor, subject=child, name="Renamed")
        with pytest.raises(PermissionDenied):
            services.move_subject(actor=actor, subject=child, new_parent=None)
    assert Subject.objects.get(pk=child.pk).parent_subject_id == root.pk
    services.update_subject(actor=world.platform_admin, subject=child, name="Renamed")
    services.delete_subject(actor=world.superuser, subject=root)
    child.refresh_from_db()
    assert (child.name, child.parent_subject_id, child.depth) == ("Renamed", None, 0)


def test_update_subject_refuses_tree_fields():
    subject = SubjectFactory()
    with pytest.raises(ValidationError) as error:
        services.update_subject(subject=subject, depth=3)
    assert "depth" in messages(error)[0]


# --- deleting offerings and departments ----------------------------------------------------------


def test_delete_offering_refuses_while_enrollments_exist_and_deletes_an_empty_one(world):
    offering = world.a.offering  # one active enrollment
    with pytest.raises(ValidationError) as error:
        services.delete_offering(actor=world.a.university_admin, offering=offering)
    assert messages(error) == [services.OFFERING_HAS_ENROLLMENTS.format(offering=offering, count=1)]
    assert CourseOffering.objects.filter(pk=offering.pk).exists()
    empty = CourseOfferingFactory(course=world.a.course)
    services.delete_offering(actor=world.a.university_admin, offering=empty)
    assert not CourseOffering.objects.filter(pk=empty.pk).exists()


def test_delete_offering_needs_an_admin_of_the_course(world):
    empty = CourseOfferingFactory(course=world.a.course)
    for actor in (world.a.instructor, world.b.university_admin, world.a.student):
        with pytest.raises(PermissionDenied):
            services.delete_offering(actor=actor, offering=empty)
    assert CourseOffering.objects.filter(pk=empty.pk).exists()
    services.delete_offering(actor=world.a.department_admin, offering=empty)  # the course's department
    assert not CourseOffering.objects.filter(pk=empty.pk).exists()


def test_delete_department_names_the_roles_and_courses_still_pointing_at_it(world):
    department = world.a.department  # one department admin role, one course
    with pytest.raises(ValidationError) as error:
        services.delete_department(actor=world.a.university_admin, department=department)
    assert messages(error) == [services.DEPARTMENT_IN_USE.format(department=department, roles=1, courses=1)]
    assert Department.objects.filter(pk=department.pk).exists()
    with pytest.raises(PermissionDenied):
        services.delete_department(actor=world.b.university_admin, department=DepartmentFactory(
            university=world.a.university))
    spare = DepartmentFactory(university=world.a.university)
    services.delete_department(actor=world.a.university_admin, department=spare)
    assert not Department.objects.filter(pk=spare.pk).exists()


# --- course edits re-check the policy ------------------------------------------------------------


def test_publishing_and_editing_a_course_re_check_the_edit_policy(world):
    course = world.a.course
    for actor in (world.a.student, world.a.ta, world.b.instructor, world.b.university_admin):
        with pytest.raises(PermissionDenied):
            services.set_course_published(actor=actor, course=course, is_published=False)
        with pytest.raises(PermissionDenied):
            services.update_course(actor=actor, course=course, title="Hijacked")
    course.refresh_from_db()
    assert course.is_published is True and course.title != "Hijacked"
    for actor in (world.a.instructor, world.a.department_admin, world.a.university_admin, world.platform_admin):
        services.set_course_published(actor=actor, course=course, is_published=False)
        services.set_course_published(actor=actor, course=course, is_published=True)
    services.update_course(actor=world.a.instructor, course=course, title="Renamed by its instructor")
    # actor=None: the trusted system path (management commands) is not checked.
    services.set_course_published(actor=None, course=course, is_published=False)
    course.refresh_from_db()
    assert (course.title, course.is_published) == ("Renamed by its instructor", False)


def test_offering_prerequisite_and_subject_services_re_check_the_edit_policy(world):
    course, other = world.a.course, CourseFactory(university=world.a.university)
    subject = SubjectFactory()
    intruder = world.b.university_admin
    refused = [
        lambda actor: services.create_offering(actor=actor, course=course, term_name="Rogue"),
        lambda actor: services.update_offering(actor=actor, offering=world.a.offering, capacity=1),
        lambda actor: services.add_prerequisite(actor=actor, course=course, prerequisite_course=other),
        lambda actor: services.set_course_subject(actor=actor, course=course, subject=subject, is_primary=True),
        lambda actor: services.add_course_subject(actor=actor, course=course, subject=subject),
    ]
    for call in refused:
        for actor in (intruder, world.a.student, world.a.ta):
            with pytest.raises(PermissionDenied):
                call(actor)
    assert not CourseOffering.objects.filter(term_name="Rogue").exists()
    assert not CoursePrerequisite.objects.filter(course=course).exists()
    assert not CourseSubject.objects.filter(course=course).exists()
    world.a.offering.refresh_from_db()
    assert world.a.offering.capacity is None
    for call in refused:  # the course's instructor may (and actor=None, the system path)
        call(world.a.instructor)
    assert CourseSubject.objects.get(course=course, subject=subject).is_primary is True
    services.remove_prerequisite(actor=None, course=course, prerequisite_course=other)


def test_create_course_losing_a_race_for_the_code_is_a_field_error(monkeypatch):
    """Another request inserts the same code after this one's validation: a field error, not a 500."""
    existing = CourseFactory(code="MATH201")
    monkeypatch.setattr(Course, "full_clean", lambda self, *args, **kwargs: None)  # validation ran before the rival insert
    with pytest.raises(ValidationError) as raised:
        services.create_course(university=existing.university, code="MATH201", title="Rival")
    assert raised.value.message_dict == {"code": [services.COURSE_CODE_TAKEN]}
    assert Course.objects.filter(university=existing.university, code="MATH201").count() == 1
