"""Uploaded files at /assets/<id>/: authors, and students whose published course content uses the file."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from learning.models import CourseEnrollment, EnrollmentStatus
from syllabus.assets import upload_asset
from syllabus.models import Module, ModuleType
from syllabus.tests.factories import ContentItemFactory, ModuleFactory
from syllabus.tests.test_assets import png

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _image(tenant):
    return upload_asset(university=tenant.university, file=SimpleUploadedFile("chart.png", png()), alt_text="Chart")


def _uses(tenant, asset, *, published=True, active=True):
    root = Module.objects.get(course=tenant.course, module_type=ModuleType.COURSE_ROOT)
    lesson = ModuleFactory(parent_module=root, title="Lesson with a figure", is_published=published)
    return ContentItemFactory(
        module=lesson,
        is_active=active,
        data_json={
            "layout": "rich_text_v1",
            "title": "A figure",
            "blocks": [
                {"type": "paragraph", "text": "Look at the chart."},
                {"type": "image", "asset_id": asset.pk, "caption": "The chart"},
            ],
        },
    )


def test_uploaded_asset_url_is_the_guarded_route_not_the_media_url(world):
    asset = _image(world.a)
    assert asset.url == reverse("asset-file", args=[asset.pk]) == f"/assets/{asset.pk}/"


def test_enrolled_student_gets_an_image_their_published_content_uses(client, world):
    asset = _image(world.a)
    _uses(world.a, asset)
    client.force_login(world.a.student)
    response = client.get(asset.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png" and response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_the_player_page_shows_the_image_from_the_guarded_route(client, world):
    asset = _image(world.a)
    item = _uses(world.a, asset)
    client.force_login(world.a.student)
    html = client.get(reverse("player:item", args=[world.a.offering.pk, item.pk])).content.decode()
    assert f'src="/assets/{asset.pk}/"' in html
    assert client.get(f"/assets/{asset.pk}/").status_code == 200


@pytest.mark.parametrize("case", ["unpublished", "inactive", "unused"])
def test_files_not_used_by_visible_content_answer_404_to_students(client, world, case):
    asset = _image(world.a)
    if case != "unused":
        _uses(world.a, asset, published=case != "unpublished", active=case != "inactive")
    client.force_login(world.a.student)
    assert client.get(asset.url).status_code == 404


def test_other_students_and_dropped_students_get_404(client, world):
    asset = _image(world.a)
    _uses(world.a, asset)
    client.force_login(world.b.student)
    assert client.get(asset.url).status_code == 404
    CourseEnrollment.objects.filter(user=world.a.student).update(status=EnrollmentStatus.DROPPED)
    client.force_login(world.a.student)
    assert client.get(asset.url).status_code == 404
    CourseEnrollment.objects.filter(user=world.a.student).update(status=EnrollmentStatus.COMPLETED)
    assert client.get(asset.url).status_code == 200


def test_another_universitys_student_enrolled_in_its_own_course_cannot_reach_a_foreign_file(client, world):
    """World B's course reusing A's asset id in its data does not open A's file to B's students."""
    asset = _image(world.a)
    _uses(world.b, asset)
    client.force_login(world.b.student)
    assert client.get(asset.url).status_code == 404


def test_authors_and_tas_still_get_the_file_and_anonymous_visitors_are_sent_to_log_in(client, world):
    asset = _image(world.a)
    for user in (world.a.instructor, world.a.ta):
        client.force_login(user)
        assert client.get(asset.url).status_code == 200
    client.logout()
    response = client.get(asset.url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(world.a.student)
    assert client.get("/assets/999999/").status_code == 404
