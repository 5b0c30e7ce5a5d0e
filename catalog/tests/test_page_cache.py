"""The catalog's shared page cache (catalog.pagecache): served from the cache, invalidated by every change
a visitor would see, and never a way for one viewer's courses to reach another."""

import html
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from catalog import pagecache, services
from catalog.models import OfferingVisibility
from catalog.tests.factories import (
    CourseFactory,
    CourseOfferingFactory,
    CourseOfferingInstructorFactory,
    CoursePrerequisiteFactory,
    CourseSubjectFactory,
    SubjectFactory,
)
from learning.community import services as community_services
from learning.models import CourseEnrollment, EnrollmentStatus
from learning.tests.factories import CourseEnrollmentFactory, CourseInvitationFactory

pytestmark = pytest.mark.django_db

LIST = "/courses/"
CARD_TITLE = re.compile(r'<a class="stretched-link[^"]*" href="[^"]*">([^<]*)</a>')


def titles(response) -> list[str]:
    assert response.status_code == 200
    return [html.unescape(t) for t in CARD_TITLE.findall(response.content.decode())]


def card_of(response, title: str) -> str:
    """The HTML of the card whose title is ``title``."""
    content = response.content.decode()
    at = content.index(f">{html.escape(title)}</a>")
    start = content.rindex('<article class="card', 0, at)
    return content[start : content.index("</article>", at)]


def open_course(tenant, title: str, visibility=OfferingVisibility.PUBLIC, **course_fields):
    now = timezone.now()
    course = CourseFactory(university=tenant.university, title=title, **course_fields)
    CourseOfferingFactory(
        course=course, visibility=visibility, term_name=f"{title} term", starts_at=now + timedelta(days=3),
        ends_at=now + timedelta(days=60), enrollment_start=now - timedelta(days=1),
        enrollment_end=now + timedelta(days=20),
    )
    return course


def test_a_repeated_page_is_served_from_the_cache_in_a_fixed_number_of_queries(world, client):
    for n in range(30):
        open_course(world.a, f"Optics {n:02d}")
    first = client.get(LIST + "?q=optics")
    with CaptureQueriesContext(connection) as queries:
        second = client.get(LIST + "?q=optics")
    assert titles(second) == titles(first) and len(titles(second)) == 20
    assert "30 courses" in second.content.decode()
    # The cache is in-process in tests (LocMemCache): the hit reads nothing from PostgreSQL.
    assert len(queries) == 0


def test_signed_in_cache_hit_reads_only_the_session_and_the_viewer(world, client, django_assert_max_num_queries):
    for n in range(30):
        open_course(world.a, f"Optics {n:02d}")
    client.force_login(world.a.student)
    client.get(LIST)
    for n in range(30, 60):
        open_course(world.b, f"Optics {n:02d}")
    client.get(LIST + "?page=2")
    # session+user, the viewer's universities and invite-only offerings, the navigation's "Teach" check
    with django_assert_max_num_queries(3):
        assert client.get(LIST + "?page=2").status_code == 200


# --- every change a visitor would notice makes a new page ----------------------------------------------


def test_publishing_and_unpublishing_a_course_changes_the_page_at_once(world, client):
    course = open_course(world.a, "Quantum Optics", is_published=False)
    assert "Quantum Optics" not in titles(client.get(LIST))
    services.set_course_published(actor=world.a.university_admin, course=course, is_published=True)
    assert "Quantum Optics" in titles(client.get(LIST))
    services.set_course_published(actor=world.a.university_admin, course=course, is_published=False)
    assert "Quantum Optics" not in titles(client.get(LIST))


def test_a_new_offering_replaces_coming_soon_on_the_card(world, client):
    course = CourseFactory(university=world.a.university, title="Plasma Physics")
    card = card_of(client.get(LIST), "Plasma Physics")
    assert "Coming soon" in card
    now = timezone.now()
    services.create_offering(
        actor=world.a.university_admin, course=course, term_name="Autumn Plasma", starts_at=now + timedelta(days=5),
        ends_at=now + timedelta(days=90), visibility=OfferingVisibility.PUBLIC,
    )
    card = card_of(client.get(LIST), "Plasma Physics")
    assert "Autumn Plasma" in card and "Coming soon" not in card


def test_an_offering_change_and_delete_show_at_once(world, client):
    course = open_course(world.a, "Acoustics")
    offering = course.offerings.get()
    assert "Acoustics term" in card_of(client.get(LIST), "Acoustics")
    services.update_offering(actor=world.a.university_admin, offering=offering, term_name="Winter Acoustics")
    assert "Winter Acoustics" in card_of(client.get(LIST), "Acoustics")
    services.update_offering(actor=world.a.university_admin, offering=offering, visibility=OfferingVisibility.PRIVATE)
    assert "Acoustics" not in titles(client.get(LIST))
    services.update_offering(actor=world.a.university_admin, offering=offering, visibility=OfferingVisibility.PUBLIC)
    assert "Acoustics" in titles(client.get(LIST))
    services.delete_offering(actor=world.a.university_admin, offering=offering)
    assert "Coming soon" in card_of(client.get(LIST), "Acoustics")


def test_a_course_edit_shows_at_once(world, client):
    course = open_course(world.a, "Acoustics")
    client.get(LIST)
    services.update_course(actor=world.a.university_admin, course=course, title="Architectural Acoustics")
    assert "Architectural Acoustics" in titles(client.get(LIST))


def test_a_review_changes_the_rating_on_the_card_and_the_rating_sort(world, client):
    """The review services (learning.community) recompute the course's rating through the catalog's
    service, which bumps the catalog version."""
    first = titles(client.get(LIST + "?sort=rating"))
    assert first == [world.a.course.title, world.b.course.title]  # no ratings: by title
    assert "No ratings yet" in card_of(client.get(LIST), world.b.course.title)
    student = world.b.student
    CourseEnrollment.objects.filter(user=student, course_offering=world.b.offering).update(
        status=EnrollmentStatus.COMPLETED
    )
    review = community_services.save_review(actor=student, offering=world.b.offering, rating=4, text="Clear.")
    assert "★ 4.0" in card_of(client.get(LIST), world.b.course.title)
    assert titles(client.get(LIST + "?sort=rating")) == [world.b.course.title, world.a.course.title]
    community_services.save_review(actor=student, offering=world.b.offering, rating=2, text="Clear.")
    assert "★ 2.0" in card_of(client.get(LIST), world.b.course.title)
    community_services.hide_review(actor=world.b.university_admin, review=review, reason="Off topic.")
    assert "No ratings yet" in card_of(client.get(LIST), world.b.course.title)
    assert titles(client.get(LIST + "?sort=rating")) == [world.a.course.title, world.b.course.title]


def test_seats_on_the_course_page_follow_enrollments(world, client):
    """The course page's seats are per request (the enroll panel), never from the shared cache."""
    world.a.offering.capacity = 5
    world.a.offering.save()
    page = reverse("catalog:course-detail", args=[world.a.university.short_code, world.a.course.code])
    assert "4 seats left of 5" in client.get(page).content.decode()
    other = CourseEnrollmentFactory(course_offering=world.a.offering, status=EnrollmentStatus.ACTIVE).user
    services.set_offering_counts(offering_id=world.a.offering.pk, enrolled_count=2, waitlist_count=0)
    assert "3 seats left of 5" in client.get(page).content.decode()
    assert other.pk


def test_a_subject_rename_shows_in_the_filter_at_once(world, client):
    subject = SubjectFactory(name="Optics")
    assert ">Optics</option>" in client.get(LIST).content.decode()
    subject.name = "Photonics"
    subject.save()
    content = client.get(LIST).content.decode()
    assert ">Photonics</option>" in content and ">Optics</option>" not in content


def test_the_clock_closing_an_enrollment_window_changes_open_now(world, client, monkeypatch):
    """No write happens when an enrollment window closes: the key carries the next such moment."""
    course = open_course(world.a, "Acoustics")
    closes = course.offerings.get().enrollment_end
    assert "Acoustics" in titles(client.get(LIST + "?open=true"))
    later = closes + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert "Acoustics" not in titles(client.get(LIST + "?open=true"))


def test_the_clock_ending_an_offering_moves_the_card_to_the_next_one(world, client, monkeypatch):
    course = open_course(world.a, "Acoustics")
    now = timezone.now()
    CourseOfferingFactory(course=course, term_name="Later Acoustics", starts_at=now + timedelta(days=200),
                          ends_at=now + timedelta(days=260), visibility=OfferingVisibility.PUBLIC)
    assert "Acoustics term" in card_of(client.get(LIST), "Acoustics")
    later = course.offerings.get(term_name="Acoustics term").ends_at + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert "Later Acoustics" in card_of(client.get(LIST), "Acoustics")


def test_a_bump_inside_a_transaction_is_repeated_on_commit(world, django_capture_on_commit_callbacks):
    before = pagecache.catalog_state()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.set_course_rating(course_id=world.a.course.pk, rating_avg=None, rating_count=0)
        during = pagecache.catalog_state()
    after = pagecache.catalog_state()
    assert len(callbacks) == 1
    assert len({before, during, after}) == 3


# --- nothing personal through the shared cache -----------------------------------------------------


def test_a_members_private_courses_never_reach_anonymous_or_other_tenants(world, client):
    open_course(world.a, "Private Alpha", OfferingVisibility.PRIVATE)
    open_course(world.b, "Private Beta", OfferingVisibility.PRIVATE)
    stranger = CourseEnrollmentFactory(course_offering=world.a.offering).user  # signed in, no university role
    for query in ("", "?q=private", "?sort=rating", "?university=ALPHA"):
        client.force_login(world.a.student)
        shown = titles(client.get(LIST + query))
        assert "Private Alpha" in shown
        assert "Private Beta" not in shown
        client.logout()
        assert not {"Private Alpha", "Private Beta"} & set(titles(client.get(LIST + query)))
        client.force_login(world.b.instructor)
        shown = titles(client.get(LIST + query))
        assert "Private Alpha" not in shown
        client.force_login(stranger)
        assert not {"Private Alpha", "Private Beta"} & set(titles(client.get(LIST + query)))


def test_the_anonymous_page_never_hides_a_members_private_course(world, client):
    """The other order: a page cached for anonymous visitors is not what a member is served."""
    open_course(world.a, "Private Alpha", OfferingVisibility.PRIVATE)
    assert "Private Alpha" not in titles(client.get(LIST))
    client.force_login(world.a.student)
    assert "Private Alpha" in titles(client.get(LIST))


def test_invite_only_and_unlisted_offerings_stay_with_who_may_see_them(world, client):
    invited_course = open_course(world.a, "Invite Alpha", OfferingVisibility.INVITE_ONLY)
    open_course(world.a, "Unlisted Alpha", OfferingVisibility.UNLISTED)
    CourseInvitationFactory(course_offering=invited_course.offerings.get(), email=world.a.student.email)
    client.force_login(world.a.student)
    shown = titles(client.get(LIST))
    assert "Invite Alpha" in shown and "Unlisted Alpha" not in shown
    # Another member of the same university, with no invitation, shares the university but not the listing.
    client.force_login(world.a.instructor)
    assert "Invite Alpha" not in titles(client.get(LIST))
    client.logout()
    assert "Invite Alpha" not in titles(client.get(LIST))


def test_an_enrollment_in_an_invite_only_offering_lists_it_for_that_student_only(world, client):
    course = open_course(world.b, "Invite Beta", OfferingVisibility.INVITE_ONLY)
    client.force_login(world.b.student)
    assert "Invite Beta" not in titles(client.get(LIST))
    CourseEnrollmentFactory(user=world.b.student, course_offering=course.offerings.get(), status=EnrollmentStatus.ACTIVE)
    assert "Invite Beta" in titles(client.get(LIST))
    client.force_login(world.b.ta)
    assert "Invite Beta" not in titles(client.get(LIST))


def test_the_shared_part_carries_no_personal_content(world, client):
    """The fragment is rendered without the request: the viewer's name and e-mail are only in the
    navigation, which is rendered per request."""
    client.force_login(world.a.student)
    client.get(LIST)
    client.force_login(world.a.instructor)
    content = client.get(LIST).content.decode()
    assert world.a.instructor.get_short_name() in content
    assert world.a.student.get_short_name() not in content and world.a.student.email not in content


def test_keys_vary_by_visibility_language_variant_and_every_parameter(world, rf):
    from django.contrib.auth.models import AnonymousUser

    data = rf.get(LIST + "?q=optics&page=2").GET
    anonymous = pagecache.fragment_key(user=AnonymousUser(), variant="list", data=data)
    keys = {
        anonymous,
        pagecache.fragment_key(user=world.a.student, variant="list", data=data),
        pagecache.fragment_key(user=world.b.student, variant="list", data=data),
        pagecache.fragment_key(user=AnonymousUser(), variant="subject", data=data),
        pagecache.fragment_key(user=AnonymousUser(), variant="list", data=rf.get(LIST + "?q=optics&page=3").GET),
        pagecache.fragment_key(user=AnonymousUser(), variant="list", data=rf.get(LIST + "?q=optics&page=2&x=1").GET),
    }
    with translation.override("de"):
        keys.add(pagecache.fragment_key(user=AnonymousUser(), variant="list", data=data))
    assert len(keys) == 7
    # Parameter order does not matter; a signed-in user listed what anonymous visitors are is its own shape.
    assert pagecache.fragment_key(user=AnonymousUser(), variant="list", data=rf.get(LIST + "?page=2&q=optics").GET) == anonymous
    assert pagecache.visibility_key(AnonymousUser()) == "anon"
    assert pagecache.visibility_key(CourseEnrollmentFactory(course_offering=world.a.offering).user) == "user"


# --- the course page: shared course-level parts, per-user panel -------------------------------------


def course_page(course) -> str:
    return reverse("catalog:course-detail", args=[course.university.short_code, course.code])


def test_the_course_page_reads_its_shared_parts_from_the_cache(world, client, django_assert_max_num_queries):
    for n in range(8):
        prereq = CourseFactory(university=world.a.university, code=f"P{n}")
        CoursePrerequisiteFactory(course=world.a.course, prerequisite_course=prereq)
        CourseSubjectFactory(course=world.a.course)
    client.force_login(world.a.student)
    client.get(course_page(world.a.course))
    # session+user, viewer, staff scope, offerings, their staff, Teach check, the student's enrollments,
    # prerequisite standing, review eligibility: the course row, subjects, links and reviews are cached.
    with django_assert_max_num_queries(9):
        content = client.get(course_page(world.a.course)).content.decode()
    assert "P7" in content and "You are enrolled" in content


def test_the_course_page_shows_each_change_at_once(world, client):
    page = course_page(world.a.course)
    assert "Prerequisites" not in client.get(page).content.decode()
    prereq = CourseFactory(university=world.a.university, code="PRE1", title="Calculus")
    services.add_prerequisite(actor=world.a.university_admin, course=world.a.course, prerequisite_course=prereq)
    assert "PRE1 Calculus" in client.get(page).content.decode()
    subject = SubjectFactory(name="Topology")
    services.add_course_subject(actor=world.a.university_admin, course=world.a.course, subject=subject)
    assert "Topology" in client.get(page).content.decode()
    services.update_course(actor=world.a.university_admin, course=world.a.course, description="Vectors and maps.")
    assert "Vectors and maps." in client.get(page).content.decode()
    CourseEnrollment.objects.filter(user=world.a.student, course_offering=world.a.offering).update(
        status=EnrollmentStatus.COMPLETED
    )
    community_services.save_review(actor=world.a.student, offering=world.a.offering, rating=5, text="Superb maps.")
    content = client.get(page).content.decode()
    assert "Superb maps." in content and "★ 5.0" in content


def test_a_published_module_shows_in_the_course_page_outline_at_once(world, client):
    from syllabus import services as syllabus_services
    from syllabus.tests.factories import ModuleFactory

    page = course_page(world.a.course)
    module = ModuleFactory(course=world.a.course, parent_module=world.a.root_module, title="Eigenvalues",
                           is_published=False)
    assert "Eigenvalues" not in client.get(page).content.decode()
    syllabus_services.publish_module(actor=world.a.instructor, module=module, include_subtree=False)
    assert "Eigenvalues" in client.get(page).content.decode()


def test_the_enroll_panel_is_each_users_own(world, client):
    """Two students of the same university share the cached course parts, never the panel."""
    other = CourseEnrollmentFactory(course_offering=world.b.offering).user
    from accounts.models import UniversityRole
    from accounts.services import grant_role

    grant_role(actor=None, user=other, university=world.a.university, role=UniversityRole.STUDENT)
    page = course_page(world.a.course)
    client.force_login(world.a.student)
    assert "You are enrolled" in client.get(page).content.decode()
    client.force_login(other)
    content = client.get(page).content.decode()
    assert "You are enrolled" not in content and "Leave this course" not in content
    client.logout()
    assert "Sign in to enroll" in client.get(page).content.decode()


def test_a_managers_course_page_never_opens_it_for_others(world, client):
    """Only an unlisted offering: nobody has it listed, its instructor reaches the page as a manager, and
    that answer is not shared with anyone of the same visibility."""
    course = open_course(world.b, "Hidden Beta", OfferingVisibility.UNLISTED)
    teacher = CourseEnrollmentFactory(course_offering=world.a.offering).user  # no university role
    CourseOfferingInstructorFactory(course_offering=course.offerings.get(), user=teacher)
    stranger = CourseEnrollmentFactory(course_offering=world.a.offering).user
    client.force_login(teacher)
    assert client.get(course_page(course)).status_code == 200
    client.force_login(stranger)
    assert client.get(course_page(course)).status_code == 404
    client.logout()
    assert client.get(course_page(course)).status_code == 404
    client.force_login(teacher)
    assert client.get(course_page(course)).status_code == 200


def test_a_members_private_course_page_is_not_shared_with_another_tenant(world, client):
    course = open_course(world.a, "Private Alpha", OfferingVisibility.PRIVATE)
    client.force_login(world.a.student)
    assert client.get(course_page(course)).status_code == 200
    client.force_login(world.b.student)
    assert client.get(course_page(course)).status_code == 404
    client.logout()
    assert client.get(course_page(course)).status_code == 404


# --- My learning's suggestions: a shared ranking, the student's own courses taken out ----------------


def test_suggestions_share_the_ranking_but_never_a_students_courses_or_another_tenants(world, client):
    from accounts.tests.factories import UserSubjectPreferenceFactory
    from learning.enrollment.selectors import suggested_courses

    subject = SubjectFactory(name="Optics")
    courses = []
    for n, rating in enumerate(("4.50", "4.00", "3.50")):
        course = open_course(world.a, f"Optics {n}", primary_subject=subject)
        services.set_course_rating(course_id=course.pk, rating_avg=rating, rating_count=2)
        courses.append(course)
    private = open_course(world.b, "Private Optics", OfferingVisibility.PRIVATE, primary_subject=subject)
    first = CourseEnrollmentFactory(course_offering=world.a.offering).user
    second = CourseEnrollmentFactory(course_offering=world.a.offering).user
    for user in (first, second, world.b.student):
        UserSubjectPreferenceFactory(user=user, subject=subject)
    CourseEnrollmentFactory(user=first, course_offering=courses[0].offerings.get())
    assert [c.title for c in suggested_courses(user=first)] == ["Optics 1", "Optics 2"]
    assert [c.title for c in suggested_courses(user=second)] == ["Optics 0", "Optics 1", "Optics 2"]
    assert "Private Optics" in [c.title for c in suggested_courses(user=world.b.student)]
    assert "Private Optics" not in [c.title for c in suggested_courses(user=second)]
    services.set_course_rating(course_id=courses[2].pk, rating_avg="5.00", rating_count=3)
    assert [c.title for c in suggested_courses(user=second)] == ["Optics 2", "Optics 0", "Optics 1"]
    assert private.pk
