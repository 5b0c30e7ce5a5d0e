"""/teach/: each course's Edit (or View, for a read-only role) is a link to its syllabus (issue 16, item 13)."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def action_links(html: str) -> dict[str, str]:
    """The last cell's link of each row: its text → its href."""
    return {
        text.strip(): href
        for href, text in re.findall(r'<a class="btn btn-sm[^"]*" href="([^"]+)"[^>]*>([^<]+)</a>', html)
    }


def test_edit_is_a_link_to_the_syllabus_for_an_editor(client, world):
    client.force_login(world.a.instructor)
    page = client.get(reverse("syllabus:course-list")).content.decode()
    assert action_links(page) == {"Edit": reverse("syllabus:syllabus-tree", args=[world.a.course.pk])}
    assert client.get(action_links(page)["Edit"]).status_code == 200


def test_a_read_only_role_gets_a_view_link_and_no_edit(client, world):
    client.force_login(world.a.ta)
    page = client.get(reverse("syllabus:course-list")).content.decode()
    assert action_links(page) == {"View": reverse("syllabus:syllabus-tree", args=[world.a.course.pk])}
    assert "View only" in page


def test_other_tenants_and_students_get_no_links_to_a(client, world):
    tree_a = reverse("syllabus:syllabus-tree", args=[world.a.course.pk])
    client.force_login(world.b.instructor)
    assert tree_a not in client.get(reverse("syllabus:course-list")).content.decode()
    assert client.get(tree_a).status_code == 404
    client.force_login(world.a.student)
    assert action_links(client.get(reverse("syllabus:course-list")).content.decode()) == {}
