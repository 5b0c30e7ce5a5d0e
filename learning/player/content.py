"""Turning content payloads (``syllabus.content_schemas`` shapes) into what the player's partials show.

Contract:
- Stored text is never trusted: paragraphs and captions are sanitized with nh3 (a few inline tags,
  http(s)/mailto links only), everything else is escaped by the templates. The only ``SafeString``
  values produced here are nh3's output and MathML from ``syllabus.mathml.render_latex`` (re-serialised
  through an XML tree keeping MathML elements only, so LaTeX text is escaped and never injected as HTML).
- Math is rendered on the server (``$…$`` inline in paragraphs, math blocks as display MathML) by the
  syllabus editor's renderer (``syllabus.mathml``), which memoises the conversion per process.
- A paragraph keeps the layout its author typed: line breaks, and runs of "1. …" or "- …" lines as
  numbered and bulleted lists (:func:`render_paragraph`).
- Video embeds use privacy-enhanced domains: ``www.youtube-nocookie.com`` and Vimeo with ``dnt=1``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import nh3
from django.db.models import Count, Max, Min, Q, Sum
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_noop

from learning.assessments import permissions as quiz_permissions
from learning.assessments import selectors as quiz_selectors
from learning.assessments.models import LabSubmission
from syllabus.mathml import LatexError, render_inline_math, render_latex
from syllabus.models import Asset, Question

INLINE_TAGS = {"em", "strong", "b", "i", "code", "sub", "sup", "br", "a", "span"}
INLINE_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}
_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{6,32}$")
_VIMEO_ID = re.compile(r"^[0-9]{1,20}$")
# Bootstrap Icons names (static/vendor/bootstrap-icons), shown as <i class="bi bi-NAME">.
RESOURCE_ICONS = {"pdf": "file-earmark-pdf", "article": "newspaper", "video": "play-circle"}


def latex_to_mathml(latex: str, display: bool = False) -> SafeString:
    """MathML for ``latex`` through the syllabus editor's renderer (``syllabus.mathml.render_latex``:
    one renderer for editor and player, memoised there, MathML elements only). LaTeX the editor would
    refuse is shown as escaped code, never injected."""
    try:
        mathml = render_latex(latex, display=display)
    except LatexError:
        return mark_safe(f'<code class="math-error">{escape(latex)}</code>')  # noqa: S308 - escaped
    return mark_safe(mathml)  # noqa: S308 - MathML elements only, re-serialised with escaped text


def sanitize_inline(text: str) -> SafeString:
    """A paragraph or caption: the text through nh3, then inline ``$…$`` math as MathML in its text nodes
    (``syllabus.mathml.render_inline_math``; a formula inside an attribute stays its text)."""
    cleaned = render_inline_math(
        text,
        clean=lambda html: nh3.clean(
            html,
            tags=INLINE_TAGS,
            attributes=INLINE_ATTRIBUTES,
            url_schemes=URL_SCHEMES,
            link_rel="noopener noreferrer nofollow",
        ),
        render=lambda latex: latex_to_mathml(latex, False),
    )
    return mark_safe(cleaned)  # noqa: S308 - nh3 output plus generated MathML


_ORDERED_LINE = re.compile(r"^\s*(\d{1,4})[.)]\s+(\S.*)$")
_BULLET_LINE = re.compile(r"^\s*[-*•]\s+(\S.*)$")


def render_paragraph(text: str) -> list[dict[str, Any]]:
    """A paragraph as its author laid it out: a run of lines starting "1. " (or "1)") is a numbered list,
    a run starting "- ", "* " or "• " a bulleted one, other lines stay lines (``<br>``) and a blank line
    starts a new paragraph. Each line goes through :func:`sanitize_inline` on its own."""
    rendered: list[dict[str, Any]] = []
    lines: list[SafeString] = []
    current: dict[str, Any] | None = None  # the list being filled

    def close_lines() -> None:
        if lines:
            rendered.append({"type": "paragraph", "html": mark_safe("<br>".join(lines))})  # noqa: S308
            lines.clear()

    for raw in str(text).splitlines():
        ordered, bullet = _ORDERED_LINE.match(raw), _BULLET_LINE.match(raw)
        if ordered or bullet:
            close_lines()
            kind = "ordered_list" if ordered else "bullet_list"
            if current is None or current["type"] != kind:
                current = {"type": kind, "start": int(ordered.group(1)) if ordered else None, "items": []}
                rendered.append(current)
            current["items"].append(sanitize_inline(ordered.group(2) if ordered else bullet.group(1)))
            continue
        current = None
        if raw.strip():
            lines.append(sanitize_inline(raw.strip()))
        else:
            close_lines()
    close_lines()
    return rendered


def _safe_asset_url(url: str) -> str | None:
    if url.startswith("/") and not url.startswith("//"):
        return url
    if urlparse(url).scheme in ("http", "https"):
        return url
    return None


def load_assets(ids: set[int], *, university_id: int) -> dict[int, Asset]:
    """The item's university's assets and platform-wide ones, in one query (none when no id)."""
    if not ids:
        return {}
    found = Asset.objects.filter(Q(university_id=university_id) | Q(university__isnull=True), pk__in=ids)
    return {asset.pk: asset for asset in found}


def block_asset_ids(blocks: list[dict]) -> set[int]:
    return {b["asset_id"] for b in blocks if b.get("type") == "image" and isinstance(b.get("asset_id"), int)}


def render_blocks(blocks: list[dict], assets: dict[int, Asset]) -> list[dict[str, Any]]:
    """Text blocks as template-ready dicts: paragraph/math carry sanitized HTML (a paragraph may become
    several blocks, see :func:`render_paragraph`), images a checked URL."""
    rendered: list[dict[str, Any]] = []
    for block in blocks or []:
        kind = block.get("type")
        if kind == "paragraph":
            rendered.extend(render_paragraph(str(block.get("text", ""))))
        elif kind == "math":
            rendered.append({"type": kind, "html": latex_to_mathml(str(block.get("latex", "")), True)})
        elif kind == "image":
            asset = assets.get(block.get("asset_id"))
            url = _safe_asset_url(asset.url) if asset else None
            meta = (asset.meta_json or {}) if asset else {}
            rendered.append(
                {
                    "type": kind,
                    "url": url,
                    "alt": block.get("alt_text") or meta.get("alt_text") or "",
                    "caption": sanitize_inline(block["caption"]) if block.get("caption") else "",
                    "width": meta.get("width"),
                    "height": meta.get("height"),
                }
            )
        elif kind == "link_list":
            links = [
                {"label": link.get("label", ""), "url": link.get("url", "")}
                for link in block.get("items", [])
                if urlparse(str(link.get("url", ""))).scheme in ("http", "https")
            ]
            rendered.append({"type": kind, "items": links})
    return rendered


def _youtube_id(data: dict) -> str | None:
    candidate = data.get("video_id")
    if not candidate and data.get("url"):
        parsed = urlparse(data["url"])
        if parsed.hostname and parsed.hostname.endswith("youtu.be"):
            candidate = parsed.path.lstrip("/")
        else:
            candidate = (parse_qs(parsed.query).get("v") or [None])[0]
            if not candidate and "/embed/" in parsed.path:
                candidate = parsed.path.split("/embed/", 1)[1]
    return candidate if candidate and _YOUTUBE_ID.match(candidate) else None


def _vimeo_id(data: dict) -> str | None:
    candidate = data.get("video_id")
    if not candidate and data.get("url"):
        candidate = urlparse(data["url"]).path.rstrip("/").rsplit("/", 1)[-1]
    return candidate if candidate and _VIMEO_ID.match(str(candidate)) else None


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def video_context(data: dict, *, assets: dict[int, Asset], origin: str) -> dict[str, Any]:
    provider = data.get("provider")
    context: dict[str, Any] = {"provider": provider, "embed_url": None, "file_url": None}
    if provider == "youtube" and (video_id := _youtube_id(data)):
        # enablejsapi + origin: the page talks to the player with postMessage (no provider script needed).
        context["embed_url"] = f"https://www.youtube-nocookie.com/embed/{video_id}?enablejsapi=1&rel=0&origin={origin}"
    elif provider == "vimeo" and (video_id := _vimeo_id(data)):
        context["embed_url"] = f"https://player.vimeo.com/video/{video_id}?dnt=1"
    elif provider == "internal":
        asset = assets.get(data.get("asset_id"))
        url = asset.url if asset else data.get("url")
        context["file_url"] = _safe_asset_url(url) if url else None
    transcript = data.get("transcript") or {}
    context["language"] = transcript.get("language", "")
    context["segments"] = [
        {"start": seg["start"], "end": seg["end"], "text": seg["text"], "clock": _clock(seg["start"])}
        for seg in transcript.get("segments", [])
        if isinstance(seg, dict) and {"start", "end", "text"} <= seg.keys()
    ]
    context["duration"] = data.get("duration_seconds")
    return context


def safe_link(url: Any) -> str | None:
    """``url`` when it is an absolute http(s) URL (never ``javascript:`` or the like), else None."""
    url = str(url or "").strip()
    return url if url.lower().startswith(("https://", "http://")) else None


def resource_context(data: dict) -> list[dict[str, Any]]:
    return [
        {
            "index": index,
            "label": res.get("label", ""),
            "url": safe_link(res.get("url")),
            "kind": res.get("kind", "article"),
            "icon": RESOURCE_ICONS.get(res.get("kind"), "link-45deg"),
        }
        for index, res in enumerate(data.get("resources", []))
        if isinstance(res, dict)
    ]


def quiz_context(data: dict, *, user, offering, item) -> dict[str, Any]:
    """The quiz card, the entry point of attempts: mode, questions per attempt (the configured number, at
    most the pool's size), attempts left, the best and latest score, mastery, the student's
    accommodation, and Start / Continue (``learning.assessments.selectors.quiz_card`` answers for the
    student). Max points: the questions' points when every attempt scores the same. Five queries: the
    pool, the enrollment, the attempts, the accommodation rows, the mastery row."""
    pool = Question.objects.filter(pool_id=data.get("question_pool_id"), pool__course_id=offering.course_id).aggregate(
        size=Count("id"), total=Sum("points"), low=Min("points"), high=Max("points")
    )
    size = pool["size"]
    wanted = data.get("num_questions_per_attempt")
    questions = min(wanted, size) if wanted else size
    max_points = None
    if size:
        if questions == size:
            max_points = pool["total"]
        elif pool["low"] == pool["high"]:
            max_points = pool["low"] * questions
    card = quiz_selectors.quiz_card(user=user, offering=offering, item=item)
    student = quiz_permissions.can_take_quiz(user, offering)
    accommodation = card.accommodation
    kwargs = {"offering_id": offering.pk, "item_id": item.pk}
    return {
        "mode": card.settings.mode,
        "num_questions": questions,
        "pool_size": size,
        "time_limit_minutes": (card.settings.time_limit_seconds + 59) // 60
        if card.settings.time_limit_seconds
        else None,
        "multiplier": _number(accommodation.time_multiplier) if accommodation.time_multiplier != 1 else None,
        "max_attempts": card.allowed,
        "attempts_used": card.used,
        "attempts_left": card.attempts_left,
        "max_points": _number(max_points),
        "pass_mark": _number(card.settings.pass_mark),
        "threshold": card.settings.threshold_in_row,
        "mastery_level": card.mastery_level,
        "mastery_label": card.mastery_label
        if card.mastery_level != "not_started" or card.settings.threshold_in_row
        else "",
        "mastery_points": card.mastery_points,
        "best_percent": quiz_selectors.attempt_percent(card.best),
        "latest_percent": quiz_selectors.attempt_percent(card.latest),
        "latest_url": reverse("assessments:attempt-result", kwargs={**kwargs, "attempt_id": card.latest.pk})
        if card.latest
        else None,
        "closes_at": card.closes_at,
        "closed": card.closed,
        "accommodation": accommodation.any,
        "extra_attempts": accommodation.extra_attempts,
        "extended_until": accommodation.extended_until,
        "reasons": accommodation.reasons,
        "can_start": student and card.can_start and bool(size),
        "start_url": reverse("assessments:attempt-start", kwargs=kwargs) if student else None,
        "continue_url": reverse("assessments:attempt", kwargs={**kwargs, "attempt_id": card.open_attempt.pk})
        if student and card.open_attempt
        else None,
        "open_number": card.open_attempt.attempt_number if card.open_attempt else None,
    }


LAB_MODES = {"code": gettext_noop("Code lab")}


def lab_context(data: dict, *, user_id: int, offering_id: int, item_id: int) -> dict[str, Any]:
    """The lab card: mode and runtime, grading and max points from the payload, and the student's
    submissions so far (one query; a lab sets no attempt limit)."""
    grading = data.get("grading") or {}
    submitted = LabSubmission.objects.filter(
        user_id=user_id, course_offering_id=offering_id, content_item_id=item_id
    ).count()
    return {
        "mode": gettext(LAB_MODES[data.get("lab_type")]) if data.get("lab_type") in LAB_MODES else (data.get("lab_type") or gettext("Lab")),
        "runtime": data.get("runtime"),
        "timeout_minutes": (data["timeout_seconds"] + 59) // 60 if data.get("timeout_seconds") else None,
        "grading": grading.get("type"),
        "max_points": _number(grading.get("max_points")),
        "submitted": submitted,
        "max_attempts": data.get("max_attempts"),
        "attempts_left": max(0, data["max_attempts"] - submitted) if data.get("max_attempts") else None,
        "files": [f for f in data.get("files", []) if f.get("role") in ("student_visible", "read_only")],
    }


# Formatted in Python: the template ``date`` filter would convert a local time back to the server's zone.
DUE_FORMAT = gettext_noop("D j M Y, H:i T")  # through gettext where used: each language orders it its way


def due_date(*, due_at: Any, due_offset_days: Any, starts_at: datetime | None, enrolled_at: datetime | None):
    """An assignment's due date: its absolute ``due_at``, or ``due_offset_days`` after the offering
    starts (after the enrollment for an offering without a start date, i.e. self-paced). None when it
    has neither or the stored value is not usable (the player's card and My learning's deadlines)."""
    if due_at:
        try:
            parsed = parse_datetime(str(due_at))
        except ValueError:  # well formed but not a date, e.g. 30 February
            return None
        if parsed is None:
            return None
        return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)
    try:
        days = int(due_offset_days)
    except (TypeError, ValueError):
        return None
    anchor = starts_at or enrolled_at
    return anchor + timedelta(days=days) if anchor is not None and days >= 0 else None


def deadline_state(*, due: datetime | None, late_policy: dict, now: datetime) -> tuple[str | None, datetime | None]:
    """Where an assignment stands against its due date: ``(None, None)`` before it (or without one);
    after it ``("late", until)`` while the late policy accepts work (``until`` None: no limit), else
    ``("closed", None)``. A ``max_late_days`` that is not a number counts as no late days."""
    if due is None or now < due:
        return None, None
    if not late_policy.get("accept_late"):
        return "closed", None
    max_days = late_policy.get("max_late_days")
    if max_days is None:
        return "late", None
    try:
        until = due + timedelta(days=int(max_days))
    except (TypeError, ValueError):
        return "closed", None
    except OverflowError:  # more days than a date holds: no limit in practice
        return "late", None
    return ("late", until) if now < until else ("closed", None)


def assignment_context(
    data: dict,
    *,
    assets: dict[int, Asset],
    starts_at: datetime | None,
    enrolled_at: datetime | None = None,
    zone: ZoneInfo | None = None,
) -> dict[str, Any]:
    """The assignment card. The due date is ``due_at``, or ``due_offset_days`` after the offering starts
    (after the student enrolled when the offering has no start date), shown in the student's zone, with
    its :func:`deadline_state` now ("late": overdue, late work still accepted; "closed")."""
    due = due_date(
        due_at=data.get("due_at"),
        due_offset_days=data.get("due_offset_days"),
        starts_at=starts_at,
        enrolled_at=enrolled_at,
    )
    local = due.astimezone(zone or UTC) if due is not None else None
    late_policy = data.get("late_policy") if isinstance(data.get("late_policy"), dict) else {}
    state, late_until = deadline_state(due=due, late_policy=late_policy, now=timezone.now())
    late_until = late_until.astimezone(zone or UTC) if late_until is not None else None
    return {
        "instructions": render_blocks(data.get("instructions", []), assets),
        "deadline": state,
        "late_until_display": dateformat.format(late_until, gettext(DUE_FORMAT)) if late_until is not None else None,
        "due_at": local,
        "due_display": dateformat.format(local, gettext(DUE_FORMAT)) if local is not None else None,
        "due_offset_days": data.get("due_offset_days"),
        "max_points": _number(data.get("max_points")),
        "submission_types": [gettext(SUBMISSION_LABELS[t]) if t in SUBMISSION_LABELS else t for t in data.get("submission_types", [])],
        "late_policy": late_policy,
    }


SUBMISSION_LABELS = {"file_upload": gettext_noop("file upload"), "text_entry": gettext_noop("text entry"), "url": gettext_noop("link")}


def _number(value: Any) -> Any:
    """20.00 → 20, 2.50 → 2.5 (points read as Decimal or float); None stays None."""
    if value is None:
        return None
    number = Decimal(str(value))
    return int(number) if number == number.to_integral_value() else number.normalize()
