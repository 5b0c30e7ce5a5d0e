"""Asset library: upload validation (type by content, size), metadata, access-checked serving."""

from __future__ import annotations

import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from syllabus.assets import ASSET_TOO_LARGE, ASSET_TYPE_NOT_ALLOWED, image_dimensions
from syllabus.models import Asset

pytestmark = pytest.mark.django_db


def png(width=3, height=2) -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * (width * 3 + 1) * height))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.ASSET_MAX_UPLOAD_BYTES = 10_000


def _upload(client, world, name, content, user=None, **extra):
    client.force_login(user or world.a.instructor)
    return client.post(
        reverse("syllabus:asset-list", args=[world.a.course.pk]),
        {"file": SimpleUploadedFile(name, content), "alt_text": "A chart", **extra},
    )


def test_upload_image_records_metadata_and_serves_inline(client, world):
    assert _upload(client, world, "chart.png", png(3, 2)).status_code == 302
    asset = Asset.objects.get()
    assert asset.university_id == world.a.university.pk and asset.asset_type == "image"
    meta = asset.meta_json
    assert (meta["width"], meta["height"], meta["alt_text"], meta["mime_type"]) == (3, 2, "A chart", "image/png")
    assert meta["size_bytes"] == len(png(3, 2)) and meta["original_name"] == "chart.png"
    response = client.get(reverse("syllabus:asset-file", args=[asset.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png" and response["X-Content-Type-Options"] == "nosniff"
    assert not response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == png(3, 2)


def test_pdf_and_audio_are_accepted(client, world):
    assert _upload(client, world, "notes.pdf", b"%PDF-1.7\n...").status_code == 302
    assert _upload(client, world, "talk.mp3", b"ID3\x04\x00" + b"\x00" * 20).status_code == 302
    assert sorted(Asset.objects.values_list("asset_type", flat=True)) == ["audio", "pdf"]


@pytest.mark.parametrize(
    "name, content",
    [
        ("evil.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("page.html", b"<html><script>alert(1)</script></html>"),
        ("fake.png", b"<html>not a png</html>"),  # the name lies; the bytes decide
        ("tool.exe", b"MZ\x90\x00"),
    ],
)
def test_wrong_type_is_refused_and_nothing_written(client, world, name, content):
    response = _upload(client, world, name, content)
    assert response.status_code == 200
    assert ASSET_TYPE_NOT_ALLOWED in response.content.decode()
    assert not Asset.objects.exists()


def test_oversized_upload_is_refused(client, world):
    response = _upload(client, world, "big.png", png() + b"\0" * 20_000)
    assert response.status_code == 200
    assert ASSET_TOO_LARGE.split("(")[0] in response.content.decode()
    assert not Asset.objects.exists()


def test_ta_cannot_upload_student_and_other_tenant_cannot_download(client, world):
    assert _upload(client, world, "a.png", png(), user=world.a.ta).status_code == 404
    assert not Asset.objects.exists()
    _upload(client, world, "a.png", png())
    asset = Asset.objects.get()
    url = reverse("syllabus:asset-file", args=[asset.pk])
    client.force_login(world.a.ta)
    assert client.get(url).status_code == 200
    for user in (world.b.university_admin, world.b.instructor, world.a.student):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_non_inline_types_are_attachments(client, world):
    _upload(client, world, "a.png", png())
    asset = Asset.objects.get()
    Asset.objects.filter(pk=asset.pk).update(
        asset_type="document", meta_json={**asset.meta_json, "mime_type": "text/html"}
    )
    response = client.get(reverse("syllabus:asset-file", args=[asset.pk]))
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_image_block_picks_an_asset_of_the_library(client, world):
    from syllabus import services
    from syllabus.models import ContentItem, ModuleType
    from syllabus.tests.factories import builtin_content_type

    builtin_content_type("text")
    _upload(client, world, "a.png", png())
    asset = Asset.objects.get()
    lesson = services.create_module(course=world.a.course, module_type=ModuleType.LESSON, title="L")
    url = reverse("syllabus:item-create", args=[world.a.course.pk, lesson.pk]) + "?type=text"
    assert f'value="{asset.pk}"' in client.get(url).content.decode()
    data = {"title": "T", "prompt_label": "production", "content_type": "text", "blocks-TOTAL_FORMS": "1",
            "blocks-INITIAL_FORMS": "0", "blocks-0-kind": "image", "blocks-0-asset": str(asset.pk),
            "blocks-0-caption": "Fig. 1"}  # fmt: skip
    assert client.post(url, data).status_code == 302
    assert ContentItem.objects.get().data_json["blocks"] == [
        {"type": "image", "asset_id": asset.pk, "caption": "Fig. 1"}
    ]


def test_image_dimensions_of_gif():
    assert image_dimensions(b"GIF89a" + struct.pack("<HH", 640, 480) + b"\0" * 10, "image/gif") == (640, 480)


def test_upload_and_serve_with_a_storage_that_has_no_local_path(client, world, settings, tmp_path):
    """S3 in production: files are written and streamed through the storage API (``open``), never a
    ``.path`` on disk. InMemoryStorage refuses ``path()`` just as S3Storage does."""
    from django.core.files.storage import InMemoryStorage, default_storage
    from django.test import override_settings

    in_memory = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    with override_settings(STORAGES=in_memory):
        assert _upload(client, world, "chart.png", png(5, 4)).status_code == 302
        asset = Asset.objects.get()
        assert isinstance(default_storage._wrapped, InMemoryStorage)
        assert default_storage.exists(asset.meta_json["storage_name"])
        response = client.get(reverse("syllabus:asset-file", args=[asset.pk]))
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        assert b"".join(response.streaming_content) == png(5, 4)
    assert asset.meta_json["width"] == 5
    assert not any(tmp_path.rglob("*.png"))  # nothing went to MEDIA_ROOT
