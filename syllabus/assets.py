"""The asset library: upload (validated by content, not by the name the browser sends), metadata, serving.

Contract:
- ``replace_asset_file(actor=, asset=, file=)`` stores a new file for an existing asset (same checks, same
  id); ``has_stored_file(asset)`` says whether its file is in storage.
- ``upload_asset(actor=, university=, file=, alt_text=)`` accepts images (PNG, JPEG, GIF, WebP), PDF and
  audio (MP3, WAV, OGG, M4A/AAC) up to ``settings.ASSET_MAX_UPLOAD_BYTES``; the kind is decided from the
  file's first bytes. SVG and HTML are refused (script in an SVG runs when served inline).
- The file goes to Django's default storage under ``assets/<university id|platform>/<uuid><ext>``;
  ``assets.url`` is the guarded project route ``/assets/<id>/`` (URL name ``asset-file``, served by
  the learning app, which also lets enrolled students fetch files their published content uses),
  ``meta_json`` records ``storage_name``, ``original_name``,
  ``mime_type``, ``size_bytes``, ``width``/``height`` for images and ``alt_text``.
- Files are served only by ``syllabus.views`` through :func:`asset_response` after the permission check,
  never from a public media URL: image/PDF/audio inline with their own type, anything else as an
  attachment; always ``X-Content-Type-Options: nosniff`` and a sandboxing CSP.
"""

from __future__ import annotations

import os
import struct
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.urls import reverse

from catalog.models import University
from syllabus.models import Asset, AssetType
from syllabus.permissions import NOT_ALLOWED, can_use_asset_library

ASSET_TOO_LARGE = "The file is too large ({size}); the limit is {limit}."
ASSET_EMPTY = "The file is empty."
ASSET_TYPE_NOT_ALLOWED = "Only images (PNG, JPEG, GIF, WebP), PDF and audio (MP3, WAV, OGG, M4A) can be uploaded."
ASSET_ALT_TEXT_TOO_LONG = "Alt text is at most 500 characters."
ASSET_LIBRARY_NOT_ALLOWED = "You may not add files to this library."

INLINE_TYPES = {AssetType.IMAGE, AssetType.PDF, AssetType.AUDIO}
# Only these are ever served inline (never SVG or HTML, whose scripts would run on our origin).
INLINE_MIME_TYPES = {
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "audio/mpeg",
    "audio/wav",
    "audio/ogg",
    "audio/mp4",
}
_HEAD_BYTES = 64


@dataclass(frozen=True)
class Sniffed:
    asset_type: str
    mime_type: str
    extension: str


def max_upload_bytes() -> int:
    return int(getattr(settings, "ASSET_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))


def sniff(head: bytes) -> Sniffed | None:
    """The allowed kind of a file from its first bytes, or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed(AssetType.IMAGE, "image/png", ".png")
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed(AssetType.IMAGE, "image/jpeg", ".jpg")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return Sniffed(AssetType.IMAGE, "image/gif", ".gif")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed(AssetType.IMAGE, "image/webp", ".webp")
    if head.startswith(b"%PDF-"):
        return Sniffed(AssetType.PDF, "application/pdf", ".pdf")
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06):
        return Sniffed(AssetType.AUDIO, "audio/mpeg", ".mp3")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return Sniffed(AssetType.AUDIO, "audio/wav", ".wav")
    if head.startswith(b"OggS"):
        return Sniffed(AssetType.AUDIO, "audio/ogg", ".ogg")
    if head[4:8] == b"ftyp" and head[8:11] in (b"M4A", b"M4B"):
        return Sniffed(AssetType.AUDIO, "audio/mp4", ".m4a")
    return None


def image_dimensions(data: bytes, mime_type: str) -> tuple[int, int] | None:
    """Width and height from the image header (no imaging library needed); None when unreadable."""
    try:
        if mime_type == "image/png":
            return struct.unpack(">II", data[16:24])
        if mime_type == "image/gif":
            return struct.unpack("<HH", data[6:10])
        if mime_type == "image/webp":
            chunk = data[12:16]
            if chunk == b"VP8X":
                return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
            if chunk == b"VP8 ":
                width, height = struct.unpack("<HH", data[26:30])
                return width & 0x3FFF, height & 0x3FFF
            if chunk == b"VP8L":
                bits = int.from_bytes(data[21:25], "little")
                return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        if mime_type == "image/jpeg":
            index = 2
            while index + 9 < len(data):
                if data[index] != 0xFF:
                    index += 1
                    continue
                marker = data[index + 1]
                if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
                    height, width = struct.unpack(">HH", data[index + 5 : index + 9])
                    return width, height
                if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                    index += 2
                    continue
                index += 2 + struct.unpack(">H", data[index + 2 : index + 4])[0]
    except (struct.error, IndexError):
        return None
    return None


def validate_upload(file) -> Sniffed:
    """Size and kind of an uploaded file; a ValidationError keyed ``file`` otherwise."""
    limit = max_upload_bytes()
    if file.size is not None and file.size > limit:
        raise ValidationError(
            {"file": [ASSET_TOO_LARGE.format(size=filesizeformat(file.size), limit=filesizeformat(limit))]},
            code="too_large",
        )
    if not file.size:
        raise ValidationError({"file": [ASSET_EMPTY]}, code="empty")
    file.seek(0)
    head = file.read(_HEAD_BYTES)
    file.seek(0)
    kind = sniff(head)
    if kind is None:
        raise ValidationError({"file": [ASSET_TYPE_NOT_ALLOWED]}, code="type")
    return kind


def _file_meta(file, kind: Sniffed) -> dict:
    """What ``meta_json`` records of a validated file: name, type, size and, for images, dimensions."""
    meta: dict = {
        "original_name": os.path.basename(getattr(file, "name", "") or "")[:255],
        "mime_type": kind.mime_type,
        "size_bytes": file.size,
    }
    if kind.asset_type == AssetType.IMAGE:
        file.seek(0)
        dimensions = image_dimensions(file.read(256 * 1024), kind.mime_type)
        file.seek(0)
        if dimensions:
            meta["width"], meta["height"] = dimensions
    return meta


def _store(file, kind: Sniffed, university_id: int | None) -> str:
    name = f"assets/{university_id or 'platform'}/{uuid.uuid4().hex}{kind.extension}"
    return default_storage.save(name, file)


def upload_asset(*, actor=None, university: University | None, file, alt_text: str = "") -> Asset:
    """Store ``file`` in ``university``'s library (None: the platform-wide library)."""
    university_id = university.pk if university is not None else None
    if actor is not None and not can_use_asset_library(actor, university_id):
        raise ValidationError(ASSET_LIBRARY_NOT_ALLOWED, code="permission")
    if len(alt_text or "") > 500:
        raise ValidationError({"alt_text": [ASSET_ALT_TEXT_TOO_LONG]}, code="alt_text")
    kind = validate_upload(file)
    meta = {**_file_meta(file, kind), "alt_text": alt_text or ""}
    if actor is not None:
        meta["uploaded_by"] = actor.pk
    stored = _store(file, kind, university_id)
    meta["storage_name"] = stored
    try:
        with transaction.atomic():
            asset = Asset.objects.create(
                university_id=university_id, url=stored, asset_type=kind.asset_type, meta_json=meta
            )
            # Never the storage's public URL: the file is served after a permission check.
            asset.url = reverse("asset-file", args=[asset.pk])
            asset.save(update_fields=["url"])
    except Exception:
        default_storage.delete(stored)
        raise
    return asset


def has_stored_file(asset: Asset) -> bool:
    """Whether the asset's file is in storage (an asset row made by hand, or whose file was lost, has none)."""
    name = (asset.meta_json or {}).get("storage_name")
    return bool(name) and default_storage.exists(name)


def replace_asset_file(*, actor=None, asset: Asset, file) -> Asset:
    """Store ``file`` as ``asset``'s file, keeping its id (content refers to assets by id) and its alt text:
    validated like an upload; the metadata follows the new file and the old file, if any, is deleted."""
    if actor is not None and not can_use_asset_library(actor, asset.university_id):
        raise ValidationError(NOT_ALLOWED, code="permission")
    kind = validate_upload(file)
    old_meta = dict(asset.meta_json or {})
    stored = _store(file, kind, asset.university_id)
    meta = {key: value for key, value in old_meta.items() if key not in ("width", "height")}
    meta.update(_file_meta(file, kind), storage_name=stored)
    try:
        with transaction.atomic():
            asset.meta_json = meta
            asset.asset_type = kind.asset_type
            asset.url = reverse("asset-file", args=[asset.pk])
            asset.save(update_fields=["meta_json", "asset_type", "url"])
    except Exception:
        default_storage.delete(stored)
        raise
    old_name = old_meta.get("storage_name")
    if old_name and old_name != stored:
        transaction.on_commit(lambda: default_storage.delete(old_name))
    return asset


def update_asset_alt_text(*, actor=None, asset: Asset, alt_text: str) -> Asset:
    if actor is not None and not can_use_asset_library(actor, asset.university_id):
        raise ValidationError(NOT_ALLOWED, code="permission")
    if len(alt_text or "") > 500:
        raise ValidationError({"alt_text": [ASSET_ALT_TEXT_TOO_LONG]}, code="alt_text")
    meta = dict(asset.meta_json or {})
    meta["alt_text"] = alt_text or ""
    asset.meta_json = meta
    asset.save(update_fields=["meta_json"])
    return asset


def asset_response(asset: Asset) -> FileResponse:
    """The file of an uploaded asset (the caller has checked access)."""
    meta = asset.meta_json or {}
    name = meta.get("storage_name")
    if not name or not default_storage.exists(name):
        raise Http404("This asset has no stored file.")
    mime_type = meta.get("mime_type") or "application/octet-stream"
    inline = asset.asset_type in INLINE_TYPES and mime_type in INLINE_MIME_TYPES
    filename = meta.get("original_name") or os.path.basename(name)
    response = FileResponse(
        default_storage.open(name, "rb"),
        content_type=mime_type if inline else "application/octet-stream",
        as_attachment=not inline,
        filename=filename,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def assets_for_university(*, university_id: int | None):
    """The library a course of ``university_id`` may pick from: its own files and the platform-wide ones."""
    return Asset.objects.filter(Q(university_id=university_id) | Q(university__isnull=True)).order_by("-created_at")
