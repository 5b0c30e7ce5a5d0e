"""The catalog's filter form names every field as a person reads it (issue 16, item 12)."""

import re

import pytest
from django.urls import reverse

from catalog.tests.factories import DomainFactory, SubjectFactory

pytestmark = pytest.mark.django_db


def labels(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", text).strip() for text in re.findall(r"<label[^>]*>(.*?)</label>", html, re.S)]


def test_every_catalog_filter_has_a_human_label(world, client):
    html = client.get(reverse("catalog:course-list")).content.decode()
    assert "[invalid name]" not in html
    assert labels(html) == [
        "Search",
        "University",
        "Domain",
        "Subject",
        "Level",
        "Difficulty",
        "Language",
        "Sort by",
        "Open for enrollment now",
        "Coming soon",
    ]


def test_browse_pages_and_filter_errors_name_fields_by_label(world, client):
    subject = SubjectFactory(domain=DomainFactory())
    for url in (
        reverse("catalog:subject-browse", args=[subject.code]),
        reverse("catalog:domain-browse", args=[subject.domain.code]),
        reverse("catalog:course-list") + "?sort=sideways&domain=nope",
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert "[invalid name]" not in response.content.decode()
    errors = client.get(reverse("catalog:course-list") + "?sort=sideways").content.decode()
    assert "<li>Sort by: Select a valid choice." in errors
