"""The player's dock: the tag renders a link to the panel (the no-JavaScript path) and the URL the script
loads, with the page to come back to, and nothing without an item."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

pytestmark = pytest.mark.django_db


def render(offering, item, path="/learn/1/item/2/?x=1&y=2"):
    request = RequestFactory().get(path)
    return Template("{% load tutoring_tags %}{% tutor_panel offering item %}").render(
        Context({"offering": offering, "item": item, "request": request})
    )


def test_the_dock_links_the_panel_and_escapes_the_return_path(tutor):
    a = tutor.world.a
    html = render(a.offering, tutor.a_video)
    panel = reverse("tutoring:panel", args=[a.offering.pk, tutor.a_video.pk])
    assert f'href="{panel}?next=/learn/1/item/2/%3Fx%3D1%26y%3D2"' in html
    assert f'data-panel-url="{panel}?fragment=1&amp;next=/learn/1/item/2/%3Fx%3D1%26y%3D2"' in html
    assert render(a.offering, None) == ""


def test_the_player_shows_the_tutor_beside_the_item(client, tutor):
    a = tutor.world.a
    client.force_login(a.student)
    page = client.get(reverse("player:item", args=[a.offering.pk, tutor.a_text.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert reverse("tutoring:panel", args=[a.offering.pk, tutor.a_text.pk]) + "?next=" in body
    assert "js/tutor.js" in body
    assert 'id="block-1"' in body  # a [block 1] citation scrolls here
