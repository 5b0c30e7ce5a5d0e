"""Every admin add page (issue 16, item 18): a field the database fills in when the row is saved (a
``db_default`` such as "Created at") reads "set when saved", never ``<django.db.models.expressions.
DatabaseDefault object at 0x…>``; the same for the new rows of every inline."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from lms.admin_input import SET_WHEN_SAVED

pytestmark = pytest.mark.django_db


def add_urls() -> list[str]:
    urls = []
    for model in admin.site._registry:
        try:
            urls.append(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add"))
        except NoReverseMatch:
            continue
    return urls


def test_no_add_page_or_inline_shows_a_database_default_object(client, world):
    client.force_login(world.superuser)
    shown = {}
    for url in add_urls():
        response = client.get(url)
        if response.status_code != 200:
            continue  # an admin without an add page (403) or one that redirects to its own form
        html = response.content.decode()
        assert "DatabaseDefault" not in html, url
        shown[url] = SET_WHEN_SAVED in html
    assert len(shown) >= 30
    # The forms that show a database-filled field say when it is filled.
    for name in ("catalog_course", "catalog_courseoffering", "syllabus_questionpool", "learning_courseinvitation"):
        assert shown[reverse(f"admin:{name}_add")], name


def test_a_change_page_still_shows_the_stored_value(client, world):
    client.force_login(world.superuser)
    html = client.get(reverse("admin:catalog_course_change", args=[world.a.course.pk])).content.decode()
    assert SET_WHEN_SAVED not in html and "DatabaseDefault" not in html
    assert str(world.a.course.created_at.year) in html
