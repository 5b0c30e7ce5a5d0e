"""One rule for an offering's dates on every page (issue 16, item 20): in its university's time zone, the
zone named once on the page. A term starting at midnight in New York (05:00 UTC) read "5 Mar" on the
course page of a university whose zone was behind UTC and "6 Mar" on the rosters and in the admin."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from catalog import dates
from catalog.models import CourseOffering, University
from lms.tests.page_forms import form_values

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
NOTE = "Dates and times are in America/New_York time."


@pytest.fixture
def spring(world):
    University.objects.filter(pk=world.a.university.pk).update(time_zone="America/New_York")
    CourseOffering.objects.filter(pk=world.a.offering.pk).update(
        term_name="Spring 2027",
        starts_at=datetime(2027, 3, 6, tzinfo=NEW_YORK),
        ends_at=datetime(2027, 6, 24, tzinfo=NEW_YORK),
        enrollment_start=datetime(2026, 11, 29, tzinfo=NEW_YORK),
        enrollment_end=datetime(2027, 2, 24, 23, 59, tzinfo=NEW_YORK),
    )
    return CourseOffering.objects.select_related("course", "university").get(pk=world.a.offering.pk)


def test_the_rule():
    starts, ends = datetime(2027, 3, 6, 5, tzinfo=UTC), datetime(2027, 6, 24, 4, tzinfo=UTC)
    assert dates.offering_dates(starts, ends, "America/New_York") == "6 Mar 2027 – 24 Jun 2027"
    assert dates.offering_dates(starts, ends, "UTC") == "6 Mar 2027 – 24 Jun 2027"
    assert dates.offering_dates(starts, ends, "Asia/Tokyo") == "6 Mar 2027 – 24 Jun 2027"
    assert dates.offering_dates(starts, None, "Nowhere/Invalid") == "from 6 Mar 2027"
    assert dates.offering_dates(None, None, "UTC") == dates.SELF_PACED
    assert dates.zone_note(["America/New_York", "America/New_York"]) == NOTE
    assert dates.zone_note(["America/New_York", "Europe/Berlin"]) == dates.EACH_UNIVERSITYS_ZONE


def page(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_every_page_shows_the_same_days_and_names_the_zone_once(client, world, spring):
    course_page = reverse("catalog:course-detail", args=[world.a.university.short_code, world.a.course.code])
    pages = {
        "course page": page(client, world.a.student, course_page),
        "catalog": page(client, world.a.student, reverse("catalog:course-list") + f"?university={world.a.university.short_code}"),
        "rosters": page(client, world.a.instructor, reverse("learning:teaching")),
        "roster": page(client, world.a.instructor, reverse("learning:roster", args=[spring.pk])),
    }
    for name, html in pages.items():
        assert "6 Mar 2027 – 24 Jun 2027" in html, name
        assert "5 Mar 2027" not in html and "23 Jun 2027" not in html, name
        assert html.count(NOTE) == 1, name
    assert "29 Nov 2026, 00:00" in pages["course page"]  # enrollment opens at the university's midnight
    admin = page(client, world.platform_admin, reverse("admin:catalog_courseoffering_changelist"))
    assert "6 Mar 2027 – 24 Jun 2027 (America/New_York)" in admin


def test_the_admin_form_shows_and_reads_the_universitys_wall_clock(client, world, spring):
    client.force_login(world.platform_admin)
    url = reverse("admin:catalog_courseoffering_change", args=[spring.pk])
    html = client.get(url).content.decode()
    assert 'name="starts_at_0" value="2027-03-06"' in html and 'name="starts_at_1" value="00:00:00"' in html
    assert "In the university's time zone (America/New_York)." in html
    values = form_values(html, "courseoffering_form")
    values["ends_at_1"] = "12:00:00"  # noon in New York
    response = client.post(url, {**values, "_save": "Save"})
    assert response.status_code == 302, response.content.decode()[-3000:]
    saved = CourseOffering.objects.get(pk=spring.pk)
    assert saved.starts_at == datetime(2027, 3, 6, tzinfo=NEW_YORK)  # unchanged, not shifted by 5 hours
    assert saved.ends_at == datetime(2027, 6, 24, 12, tzinfo=NEW_YORK)


def test_the_demo_terms_start_at_the_universitys_midnight():
    from learning.management.commands.seed_demo import term_dates

    now = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)  # still 5 Dec in New York
    term = term_dates("upcoming", now, "America/New_York")
    local = term["starts_at"].astimezone(NEW_YORK)
    assert (local.hour, local.minute) == (0, 0)
    assert dates.format_date(term["starts_at"], "America/New_York") == "5 Mar 2027"  # 5 Dec + 90 days


def test_another_universitys_roster_and_admin_form_stay_closed(client, world, spring):
    client.force_login(world.b.instructor)
    assert client.get(reverse("learning:roster", args=[spring.pk])).status_code == 404
    client.force_login(world.b.university_admin)
    response = client.get(reverse("admin:catalog_courseoffering_change", args=[spring.pk]))
    assert response.status_code in (302, 403, 404)
