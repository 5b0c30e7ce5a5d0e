"""The front page (a sample of the catalog for visitors; signed-in people go where their work is), the
site icon, and the footer."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from catalog.models import OfferingVisibility
from catalog.tests.factories import CourseFactory, CourseOfferingFactory
from lms.home import SAMPLE_SIZE

pytestmark = pytest.mark.django_db


def test_a_visitor_sees_what_the_site_is_and_a_sample_of_the_catalog(client, world):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Create an account" in html and "Welcome back" not in html
    assert world.a.course.title in html and world.b.course.title in html
    assert f'href="{reverse("catalog:course-list")}"' in html


def test_the_sample_leaves_out_what_a_visitor_may_not_see(client, world):
    hidden = CourseFactory(university=world.b.university, title="Beta private seminar")
    CourseOfferingFactory(course=hidden, visibility=OfferingVisibility.PRIVATE)
    draft = CourseFactory(university=world.a.university, title="Alpha draft course", is_published=False)
    html = client.get(reverse("home")).content.decode()
    assert world.a.course.title in html
    assert hidden.title not in html and draft.title not in html


def test_the_sample_is_a_fixed_number_of_queries_and_cards(client, world, django_assert_max_num_queries):
    now = timezone.now()
    for n in range(3 * SAMPLE_SIZE):
        course = CourseFactory(university=world.a.university, title=f"Sampled course {n:02d}")
        CourseOfferingFactory(course=course, starts_at=now + timedelta(days=n), ends_at=now + timedelta(days=90))
    with django_assert_max_num_queries(3):
        html = client.get(reverse("home")).content.decode()
    assert html.count('class="card h-100') == SAMPLE_SIZE


def test_a_student_lands_on_my_learning(client, world):
    client.force_login(world.a.student)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("learning:dashboard")
    page = client.get(response["Location"]).content.decode()
    assert world.a.course.title in page


@pytest.mark.parametrize("role", ["instructor", "ta", "university_admin"])
def test_teaching_staff_land_on_what_they_teach(client, world, role):
    client.force_login(getattr(world.a, role))
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("syllabus:course-list")
    page = client.get(response["Location"]).content.decode()
    assert world.a.course.title in page and world.b.course.title not in page


def test_log_in_leads_a_student_to_my_learning(client, world):
    from accounts.tests.factories import PASSWORD

    response = client.post(
        reverse("accounts:login"), {"username": world.a.student.email, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("learning:dashboard")


def test_the_home_page_refuses_writes(client, world):
    assert client.post(reverse("home")).status_code == 405


def test_favicon_ico_answers_with_the_icon_base_html_links(client, world):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    icon = response.content
    assert icon[:4] == b"\x00\x00\x01\x00"  # an ICO header
    assert icon == (settings.BASE_DIR / "static" / "favicon.ico").read_bytes()
    html = client.get(reverse("catalog:course-list")).content.decode()
    assert '<link rel="icon" href="/static/favicon.ico"' in html
    assert client.post("/favicon.ico").status_code == 405


def test_the_footer_does_not_link_the_machine_health_check(client, world):
    html = client.get(reverse("catalog:course-list")).content.decode()
    footer = html[html.index("<footer") :]
    assert reverse("healthz") not in footer and "Status" not in footer
