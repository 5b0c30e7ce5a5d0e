"""Factories for catalog, tenant-consistent: an offering's university is its course's, a department
or prerequisite stays in the course's university, a child subject in its parent's domain."""

from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.tests.factories import UserFactory
from catalog.models import (
    Country,
    Course,
    CourseOffering,
    CourseOfferingInstructor,
    CoursePrerequisite,
    CourseSubject,
    Department,
    Domain,
    OfferingStaffRole,
    OfferingVisibility,
    Subject,
    University,
)


def _two_letters(n: int) -> str:
    return chr(65 + (n // 26) % 26) + chr(65 + n % 26)


class CountryFactory(DjangoModelFactory):
    class Meta:
        model = Country
        django_get_or_create = ("iso_code",)

    iso_code = factory.Sequence(_two_letters)
    name = factory.Sequence(lambda n: f"Country {n}")
    region_name = "Europe"


class UniversityFactory(DjangoModelFactory):
    class Meta:
        model = University

    name = factory.Sequence(lambda n: f"University {n}")
    short_code = factory.Sequence(lambda n: f"U{n}")
    country = factory.SubFactory(CountryFactory)
    website_url = factory.LazyAttribute(lambda o: f"https://{o.short_code.lower()}.example.edu")


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department

    university = factory.SubFactory(UniversityFactory)
    name = factory.Sequence(lambda n: f"Department {n}")
    code = factory.Sequence(lambda n: f"D{n}")


class DomainFactory(DjangoModelFactory):
    class Meta:
        model = Domain

    code = factory.Sequence(lambda n: f"DOM{n}")
    name = factory.Sequence(lambda n: f"Domain {n}")


class SubjectFactory(DjangoModelFactory):
    """A root subject of a new domain, or (``parent_subject=p``) a child in p's domain at depth + 1."""

    class Meta:
        model = Subject

    parent_subject = None
    domain = factory.Maybe(
        "parent_subject",
        yes_declaration=factory.SelfAttribute("parent_subject.domain"),
        no_declaration=factory.SubFactory(DomainFactory),
    )
    name = factory.Sequence(lambda n: f"Subject {n}")
    code = factory.Sequence(lambda n: f"SUBJ_{n}")
    depth = factory.LazyAttribute(lambda o: o.parent_subject.depth + 1 if o.parent_subject else 0)


class CourseFactory(DjangoModelFactory):
    class Meta:
        model = Course

    university = factory.SubFactory(UniversityFactory)
    department = None
    primary_subject = None
    title = factory.Sequence(lambda n: f"Course {n}")
    code = factory.Sequence(lambda n: f"C{n:03d}")
    description = "A course made by a factory."
    credit_hours = 3
    is_published = True


class CourseSubjectFactory(DjangoModelFactory):
    class Meta:
        model = CourseSubject

    course = factory.SubFactory(CourseFactory)
    subject = factory.SubFactory(SubjectFactory)
    is_primary = False


class CoursePrerequisiteFactory(DjangoModelFactory):
    """A prerequisite in the same university (the decision: prerequisites stay within a university)."""

    class Meta:
        model = CoursePrerequisite

    course = factory.SubFactory(CourseFactory)
    prerequisite_course = factory.SubFactory(CourseFactory, university=factory.SelfAttribute("..course.university"))


class CourseOfferingFactory(DjangoModelFactory):
    """A public offering that started a week ago and runs for three months, enrollment open."""

    class Meta:
        model = CourseOffering

    course = factory.SubFactory(CourseFactory)
    university = factory.SelfAttribute("course.university")
    term_name = factory.Sequence(lambda n: f"Term {n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=7))
    ends_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=90))
    visibility = OfferingVisibility.PUBLIC


class CourseOfferingInstructorFactory(DjangoModelFactory):
    class Meta:
        model = CourseOfferingInstructor

    course_offering = factory.SubFactory(CourseOfferingFactory)
    user = factory.SubFactory(UserFactory)
    role = OfferingStaffRole.INSTRUCTOR
