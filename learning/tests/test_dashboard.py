"""My learning: sections, progress, resume link, waitlist positions, grades/certificates, suggestions,
and a query count that does not grow with the number of enrollments."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory, UserSubjectPreferenceFactory
from catalog import services as catalog_services
from catalog.tests.factories import CourseFactory, CourseOfferingFactory, SubjectFactory
from learning.models import EnrollmentStatus
from learning.player.dashboard import get_dashboard
from learning.progress import services as progress_services
from learning.tests.factories import (
    CertificateFactory,
    CourseEnrollmentFactory,
    CourseGradeFactory,
    UserContentProgressFactory,
)
from learning.tests.test_player_fixtures import bump
from syllabus.models import Module
from syllabus.tests.factories import ContentItemFactory, ModuleFactory, builtin_content_type

pytestmark = pytest.mark.django_db
URL = "/learn/"


def root_of(course):
    return Module.objects.get(course=course, parent_module__isnull=True)


def assignment(module, title, **due):
    data = {"instructions": [{"type": "paragraph", "text": "Do it."}], "max_points": 10,
            "submission_types": ["text_entry"], **due}
    return ContentItemFactory(module=module, title=title, content_type=builtin_content_type("assignment"),
                              data_json=data)


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_sections_progress_resume_waitlist_and_completion(world, client):
    student = world.a.student
    offering = world.a.offering
    # 2 of 5 required items completed through the progress service: 40 %; then the student opened
    # "Eigenvectors 101" (the fifth), which is where "continue" leads.
    items = [ContentItemFactory(module=world.a.root_module) for _ in range(4)]
    catalog_services.bump_structure_version(course_id=world.a.course.pk)
    offering.course.refresh_from_db()
    for item in items[:2]:
        progress_services.mark_item_done(user=student, offering=offering, item_id=item.pk)
    item_row = UserContentProgressFactory(user=student, course_offering=offering,
                                          last_interacted_at=timezone.now() + timedelta(minutes=1),
                                          content_item__title="Eigenvectors 101")
    now = timezone.now()
    later = CourseOfferingFactory(course=CourseFactory(university=world.a.university, title="Later course"),
                                  starts_at=now + timedelta(days=20), ends_at=now + timedelta(days=60))
    CourseEnrollmentFactory(user=student, course_offering=later, status=EnrollmentStatus.ACTIVE)
    full = CourseOfferingFactory(course=CourseFactory(university=world.a.university, title="Full course"))
    CourseEnrollmentFactory(user=student, course_offering=full, status=EnrollmentStatus.WAITLISTED, waitlist_position=3)
    done = CourseOfferingFactory(course=CourseFactory(university=world.a.university, title="Done course"))
    CourseEnrollmentFactory(user=student, course_offering=done, status=EnrollmentStatus.COMPLETED,
                            completed_at=now)
    CourseGradeFactory(user=student, course_offering=done, letter_grade="A-")
    CertificateFactory(user=student, course_offering=done, certificate_code="CERT-XYZ")
    dropped = CourseOfferingFactory(course=CourseFactory(university=world.a.university, title="Dropped course"))
    CourseEnrollmentFactory(user=student, course_offering=dropped, status=EnrollmentStatus.DROPPED)

    client.force_login(student)
    body = client.get(URL).content.decode()
    assert "Linear Algebra at ALPHA" in body and "40% complete" in body
    assert reverse("player:item", args=[offering.pk, item_row.content_item_id]) in body
    assert "Eigenvectors 101" in body
    assert "Later course" in body and "starts" in body
    assert "#3 in line" in body
    # both grades, labelled (issue 19: "current" = graded work only, "final" = missing work as zero)
    assert "Final grade: 87.50 % (A-)" in body and "Current grade: —" in body
    assert 'href="/certificates/CERT-XYZ/"' in body
    assert "Dropped course" not in body
    # Nothing of another student leaks in.
    client.force_login(world.b.student)
    assert "Linear Algebra at ALPHA" not in client.get(URL).content.decode()


def test_suggestions_follow_preferred_subjects_and_visibility(world):
    parent = SubjectFactory()
    child = SubjectFactory(parent_subject=parent)
    student = UserFactory()
    UserSubjectPreferenceFactory(user=student, subject=parent)
    shown = CourseFactory(university=world.b.university, title="Child subject course", primary_subject=child)
    CourseOfferingFactory(course=shown)
    hidden = CourseFactory(university=world.b.university, title="Private course", primary_subject=parent)
    CourseOfferingFactory(course=hidden, visibility="private")
    taken = CourseFactory(university=world.b.university, title="Taken", primary_subject=parent)
    CourseEnrollmentFactory(user=student, course_offering=CourseOfferingFactory(course=taken))
    assert [c.title for c in get_dashboard(user=student).suggestions] == ["Child subject course"]


@pytest.mark.parametrize("n", [1, 25])
def test_dashboard_query_count_is_fixed(world, client, django_assert_max_num_queries, n):
    student = UserFactory()
    now = timezone.now()
    for i in range(n):
        course = CourseFactory(university=world.tenants[i % 2].university)
        offering = CourseOfferingFactory(course=course)
        CourseEnrollmentFactory(user=student, course_offering=offering,
                                status=[EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED,
                                        EnrollmentStatus.WAITLISTED][i % 3],
                                waitlist_position=1 if i % 3 == 2 else None)
        if i % 3 == 1:  # every completed course has its certificate, linked to its page
            CertificateFactory(user=student, course_offering=offering, certificate_code=f"code-{n}-{i}")
        # Every course has a deadline and a structure its rollups were never computed for.
        assignment(root_of(course), f"Essay {i}", due_at=(now + timedelta(days=i + 1)).isoformat())
        bump(course)
    UserSubjectPreferenceFactory(user=student)
    client.force_login(student)
    # session with user; the student's rows (enrollments with every annotation, mastery, preferred subjects,
    # deadlines and the catalog's viewer rows, which the suggestions' visibility and the nav's Teach link use:
    # one prepared statement); live progress of the stale offerings; on the first request the shared ranking
    # and the catalog's clock boundary, then read from the cache with the rollup versions.
    with django_assert_max_num_queries(5):
        client.get(URL)
    with django_assert_max_num_queries(3):
        body = client.get(URL).content.decode()
    assert body.count("Essay ") == min(len(range(0, n, 3)), 10)
    assert body.count('href="/certificates/code-') == len(range(1, n, 3))


def test_dashboard_progress_matches_the_structure_after_a_change(world, client, django_capture_on_commit_callbacks):
    """A new required item lowers the course percent at once, although the rollup task has not run."""
    student, offering = world.a.student, world.a.offering
    lesson = ModuleFactory(parent_module=world.a.root_module, title="Lesson 1")
    items = [ContentItemFactory(module=lesson) for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.bump_structure_version(course_id=world.a.course.pk)
    offering.course.refresh_from_db()
    for item in items[:2]:
        progress_services.mark_item_done(user=student, offering=offering, item_id=item.pk)
    client.force_login(student)
    assert "66% complete" in client.get(URL).content.decode()
    ContentItemFactory(module=lesson)
    bump(world.a.course)  # the structure changed; the background recompute has not run yet
    body = client.get(URL).content.decode()
    assert "50% complete" in body and "66% complete" not in body
    # Once the task has run, the stored rollup says the same.
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.bump_structure_version(course_id=world.a.course.pk)
    assert "50% complete" in client.get(URL).content.decode()


def test_an_incomplete_course_never_shows_100(world, client):
    student, offering = world.a.student, world.a.offering
    items = [ContentItemFactory(module=world.a.root_module) for _ in range(200)]
    bump(world.a.course)
    offering.course.refresh_from_db()
    for item in items[:-1]:
        progress_services.mark_item_done(user=student, offering=offering, item_id=item.pk)
    client.force_login(student)
    body = client.get(URL).content.decode()
    assert "99% complete" in body and "100% complete" not in body  # 199 of 200 = 99.5 %


def test_upcoming_deadlines_soonest_first_in_the_students_time_zone(world, client):
    student = world.a.student
    student.time_zone = "Asia/Tokyo"
    student.save(update_fields=["time_zone"])
    now = timezone.now()
    root = world.a.root_module
    # World A's offering started a week ago (factory default): offsets count from its start.
    starts = world.a.offering.starts_at
    assignment(root, "Problem set 2", due_offset_days=30)
    assignment(root, "Fixed date essay", due_at="2099-01-01T00:00:00Z")
    assignment(root, "Already due", due_at=(now - timedelta(hours=1)).isoformat())
    done = assignment(root, "Handed in", due_offset_days=10)
    hidden = ModuleFactory(parent_module=root, is_published=False)
    assignment(hidden, "Draft assignment", due_offset_days=9)
    retired = assignment(root, "Inactive assignment", due_offset_days=8)
    type(retired).objects.filter(pk=retired.pk).update(is_active=False)
    # A self-paced offering (no start date): the offset counts from the enrollment.
    course = CourseFactory(university=world.a.university, title="Self-paced course")
    self_paced = CourseOfferingFactory(course=course, starts_at=None, ends_at=None)
    CourseEnrollmentFactory(user=student, course_offering=self_paced)
    assignment(root_of(course), "Self-paced report", due_offset_days=3)
    # A waitlisted enrollment's assignments are not the student's deadlines.
    waiting = CourseOfferingFactory(course=CourseFactory(university=world.a.university))
    CourseEnrollmentFactory(user=student, course_offering=waiting, status=EnrollmentStatus.WAITLISTED,
                            waitlist_position=1)
    assignment(root_of(waiting.course), "Not mine yet", due_offset_days=12)
    bump(world.a.course)
    world.a.offering.course.refresh_from_db()
    progress_services.record_item_progress(user=student, offering=world.a.offering, item_id=done.pk, complete=True)

    dashboard = get_dashboard(user=student, now=now)
    assert [d.title for d in dashboard.deadlines] == ["Self-paced report", "Problem set 2", "Fixed date essay"]
    assert dashboard.deadlines[1].due_at == starts + timedelta(days=30)
    client.force_login(student)
    body = client.get(URL).content.decode()
    assert "Upcoming deadlines" in body
    assert "Thu 1 Jan 2099, 09:00 JST" in body  # midnight UTC in Tokyo
    assert body.index("Self-paced report") < body.index("Problem set 2") < body.index("Fixed date essay")
    section = body[body.index("Upcoming deadlines"):]
    section = section[: section.index("</section>")]
    for absent in ("Already due", "Handed in", "Draft assignment", "Not mine yet", "Inactive assignment"):
        assert absent not in section
    # Another student sees none of it.
    client.force_login(world.b.student)
    assert "Upcoming deadlines" not in client.get(URL).content.decode()


def test_an_impossible_stored_due_date_is_skipped_not_a_500(world, client):
    """A ``due_at`` that is well formed but no date (30 February) written past the form: My learning lists
    the other deadlines and the player shows the card without a due date."""
    root = world.a.root_module
    broken = assignment(root, "Broken date", due_offset_days=1)
    type(broken).objects.filter(pk=broken.pk).update(
        data_json={**broken.data_json, "due_at": "2099-02-30T00:00:00Z"}
    )
    assignment(root, "Fine essay", due_at="2099-01-01T00:00:00Z")
    bump(world.a.course)
    client.force_login(world.a.student)
    response = client.get(URL)
    assert response.status_code == 200
    section = response.content.decode()[response.content.decode().index("Upcoming deadlines"):]
    assert "Fine essay" in section and "Broken date" not in section
    card = client.get(reverse("player:item", args=[world.a.offering.pk, broken.pk]))
    assert card.status_code == 200 and "Broken date" in card.content.decode()
