"""The staff console's frame (issue 16, item 19): its own name on every page, a link back to the site, no
navigation sidebar eating 300 px of a 1280 px screen, and the console's stylesheet (the dashboard's figure
columns, wrapping change-list columns). The layout itself was checked in Chromium at 1280 px: every
registered admin's change list, add and change page fit without horizontal scrolling."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from lms.admin import STAFF_CONSOLE

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("page", ["admin:index", "admin:catalog_course_changelist", "admin:catalog_course_add"])
def test_every_console_page_is_branded_and_links_back_to_the_site(client, world, page):
    client.force_login(world.a.university_admin)
    html = client.get(reverse(page)).content.decode()
    assert "Django administration" not in html and "Django site admin" not in html
    assert f'<div id="site-name"><a href="{reverse("admin:index")}">{STAFF_CONSOLE}</a></div>' in html
    assert re.search(rf"<title>[^<]*\| {STAFF_CONSOLE}</title>", html)
    assert '<a id="back-to-site" href="/">← Back to Sigma LMS</a>' in html
    assert 'id="nav-sidebar"' not in html
    assert "/static/css/admin.css" in html


def test_the_index_is_the_overview_with_the_tenants_table(client, world):
    client.force_login(world.a.university_admin)
    html = client.get(reverse("admin:index")).content.decode()
    assert "<h1>Overview</h1>" in html and "Site administration" not in html
    assert '<div class="module" id="staff-dashboard">' in html


def test_the_console_stylesheet_undoes_the_full_width_headers_of_the_dashboard():
    with open(finders.find("css/admin.css")) as handle:
        css = handle.read()
    # Django's dashboard.css gives every th of a dashboard table width: 100%; our headers get their own width.
    assert "#staff-dashboard table thead th { width: auto;" in css
    assert "body #result_list td.nowrap, body #result_list th.nowrap { white-space: normal;" in css


def test_anonymous_visitors_get_the_console_login_page_with_its_name(client):
    html = client.get(reverse("admin:login")).content.decode()
    assert STAFF_CONSOLE in html and "Django administration" not in html
