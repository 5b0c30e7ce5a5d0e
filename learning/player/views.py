"""The course player: ``/learn/<offering>/`` (resume) and ``/learn/<offering>/item/<item>/``, plus the
small endpoints the player posts progress to.

Access (:func:`learning.player.selectors.get_offering_for_player`): an ``active`` or ``completed`` enrollment enters; any other
enrollment state, or none, goes back to the course page with the reason; a user with neither an
enrollment nor a role at the offering's university gets 404 (a stranger learns nothing by probing ids).
Items outside the published tree (unpublished modules, inactive items, other courses) answer 404.

Query budget of a page, whatever the course size (asserted in tests with 2,000 modules): session,
user, and ONE page query (:func:`learning.player.selectors.load_player_page`: access, the item — asked for, or the last one
touched for resume — the student's module rollups, the progress of the item's module and the student's quiz
mastery levels, spliced as badges into the outline and "In this module"); then only
[the item's assets; a quiz's pool and attempts; a lab's submissions]. The structure comes from ``learning.progress.structure`` (per-process memo →
Django's cache → one flat query) and the outline HTML is cached per structure version, with the
student's progress laid over it by a small ``<style>`` block. Rare paths add queries: a resume whose
last touched item left the published tree (or a student who touched nothing yet), and rollups computed
for an older structure version (``learning.progress.freshness.rollup_state``: one query for the student's completed items on
a large course, an inline recompute of the student's rows on a small one).

The reads of a page are plain SQL through ``connection.cursor`` on purpose: the page is the hottest in
the LMS and compiling the equivalent ORM querysets cost more than running them (issue 8's profile).
The page template is a lean layout of its own (``learning/player/player.html``): it does not extend
``base.html``, whose navigation runs the syllabus "Teach" check (two more queries) on every page.
"""

from __future__ import annotations

import functools
import json
from decimal import Decimal
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from catalog.models import CourseOffering
from learning.assessments.rules import LEVEL_LABELS, NOT_STARTED
from learning.enrollment.models import CourseEnrollment, EnrollmentStatus
from learning.player import content
from learning.player.outline import mastery_badge, outline_with_mastery, progress_overlay_css
from learning.player.selectors import PlayerAccess, get_offering_for_player, load_player_page
from learning.progress import freshness
from learning.progress import services as progress_services
from learning.progress.selectors import live_module_progress
from learning.progress.streaks import displayed_streak, user_zone
from learning.progress.structure import CourseStructure, get_course_structure
from syllabus.models import ContentItem

NOT_ENROLLED_MESSAGE = gettext_noop("You are not enrolled in this course. Enroll from the course page to start learning.")
DENIED_MESSAGES = {
    EnrollmentStatus.DROPPED: gettext_noop("You dropped this course. Enroll again from the course page to continue."),
    EnrollmentStatus.PENDING: gettext_noop("Your enrollment is waiting for approval; the course opens once it is approved."),
    EnrollmentStatus.WAITLISTED: gettext_noop("You are on the waiting list for this course; it opens when a place frees up."),
}
MARKED_DONE_MESSAGE = gettext_noop("Marked as done.")
PROGRESS_EVENT = "sigma:progress"  # the htmx event (HX-Trigger) carrying a write's new progress
KNOWN_RENDERERS = {"text", "video", "resource", "quiz", "engineering_lab", "assignment"}


def _deny(request: HttpRequest, access: PlayerAccess) -> HttpResponse:
    messages.warning(request, _(DENIED_MESSAGES.get(access.enrollment_status, NOT_ENROLLED_MESSAGE)))
    return HttpResponseRedirect(access.course_url)


def _structure(offering: CourseOffering) -> CourseStructure:
    return get_course_structure(course_id=offering.course_id, structure_version=offering.course.structure_version)


def _resume_item(*, user_id: int, offering_id: int, structure: CourseStructure) -> int | None:
    """The last item touched that is still in the published tree, else the first item of the course.
    The page query already tries the last item touched; this is the fallback when that one left the tree."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT content_item_id FROM user_content_progress WHERE user_id = %s AND course_offering_id = %s "
            "ORDER BY last_interacted_at DESC NULLS LAST, id DESC LIMIT 50",
            [user_id, offering_id],
        )
        for (item_id,) in cursor.fetchall():
            if item_id in structure.item_pos:
                return item_id
    return structure.item_order[0] if structure.item_order else None


def _content_context(request: HttpRequest, item: ContentItem, kind: str, offering: CourseOffering) -> dict:
    data = item.data_json if isinstance(item.data_json, dict) else {}
    if kind == "text":
        blocks = data.get("blocks", [])
        assets = content.load_assets(content.block_asset_ids(blocks), university_id=item.university_id)
        return {"blocks": content.render_blocks(blocks, assets)}
    if kind == "video":
        asset_ids = {data["asset_id"]} if isinstance(data.get("asset_id"), int) else set()
        assets = content.load_assets(asset_ids, university_id=item.university_id)
        origin = f"{request.scheme}://{request.get_host()}"
        return {"video": content.video_context(data, assets=assets, origin=quote(origin, safe=""))}
    if kind == "resource":
        return {"resources": content.resource_context(data)}
    student = {"user_id": request.user.pk, "offering_id": offering.pk, "item_id": item.pk}
    if kind == "quiz":
        return {"quiz": content.quiz_context(data, user=request.user, offering=offering, item=item)}
    if kind == "engineering_lab":
        return {"lab": content.lab_context(data, **student)}
    if kind == "assignment":
        blocks = data.get("instructions", [])
        assets = content.load_assets(content.block_asset_ids(blocks), university_id=item.university_id)
        enrolled_at = None
        if offering.starts_at is None and data.get("due_offset_days") is not None:  # self-paced: from enrollment
            enrolled_at = (
                CourseEnrollment.objects.filter(user_id=request.user.pk, course_offering_id=offering.pk)
                .values_list("enrolled_at", flat=True)
                .first()
            )
        return {
            "assignment": content.assignment_context(
                data,
                assets=assets,
                starts_at=offering.starts_at,
                enrolled_at=enrolled_at,
                zone=user_zone(request.user),
            )
        }
    return {}


def _module_items_html(
    structure: CourseStructure,
    module_items: tuple[int, ...],
    current: int,
    item_base: str,
    progress_of: dict,
    mastery: dict[int, str] | None = None,
) -> SafeString:
    """The "In this module" list with the student's completion marks and, on quizzes, a mastery badge.
    Built here rather than in the template: a dozen template nodes per row were a measurable share of the
    page (issue 8). Titles are escaped; everything else is an integer or fixed text."""
    mastery = mastery or {}
    completed_label, not_completed_label = escape(_("Completed:")), escape(_("Not completed:"))
    rows = []
    for iid in module_items:
        done = progress_of.get(iid, (0, False))[1]
        mark = (
            f'<span aria-hidden="true">✓</span><span class="visually-hidden">{completed_label}</span>'
            if done
            else f'<span aria-hidden="true">○</span><span class="visually-hidden">{not_completed_label}</span>'
        )
        current_attrs = ' class="fw-bold" aria-current="true"' if iid == current else ""
        level = mastery.get(iid)
        badge = (
            " " + mastery_badge(level=level, title=structure.item_title[iid])
            if level in LEVEL_LABELS and level != NOT_STARTED
            else ""
        )
        rows.append(
            f'<li{current_attrs}>{mark} <a href="{item_base}{iid}/">{escape(structure.item_title[iid])}</a> '
            f'<span class="text-muted">({escape(_(structure.item_type_label[iid]))})</span>{badge}</li>'
        )
    return mark_safe('<ol class="list-unstyled small mb-0">' + "".join(rows) + "</ol>")  # noqa: S308 - escaped above


def _item_navigation(structure: CourseStructure, chain: list[int], item, item_base: str, resume_url: str, course):
    """Breadcrumbs and the previous/next pager as HTML (titles escaped, ids are integers), built here for
    the same reason as :func:`_module_items_html`. Returns (breadcrumbs, pager, previous, next); the last
    two are (item id, title) or None."""
    first_items = structure.module_first_item
    crumbs = [f'<li class="breadcrumb-item"><a href="{resume_url}">{escape(course.code)}</a></li>']
    for mid in chain[1:]:
        title = escape(structure.module_title[mid])
        if mid in first_items:
            title = f'<a href="{item_base}{first_items[mid]}/">{title}</a>'
        crumbs.append(f'<li class="breadcrumb-item">{title}</li>')
    crumbs.append(f'<li class="breadcrumb-item active" aria-current="page">{escape(item.title)}</li>')
    breadcrumb_label, pager_label = escape(_("Breadcrumb")), escape(_("Previous and next"))
    breadcrumbs = f'<nav aria-label="{breadcrumb_label}"><ol class="breadcrumb small mb-2">' + "".join(crumbs) + "</ol></nav>"
    previous_id, next_id = structure.neighbours(item.pk)
    previous = (previous_id, structure.item_title[previous_id]) if previous_id else None
    following = (next_id, structure.item_title[next_id]) if next_id else None
    pager = [f'<nav class="player-pager d-flex justify-content-between mt-4" aria-label="{pager_label}">']
    if previous:
        pager.append(
            f'<a class="btn btn-outline-secondary" rel="prev" href="{item_base}{previous_id}/">← {escape(previous[1])}</a>'
        )
    else:
        pager.append("<span></span>")
    if following:
        pager.append(f'<a class="btn btn-primary" rel="next" href="{item_base}{next_id}/">{escape(following[1])} →</a>')
    pager.append("</nav>")
    return mark_safe(breadcrumbs), mark_safe("".join(pager)), previous, following  # noqa: S308 - escaped above


@functools.cache
def _chrome(language: str | None) -> dict[str, str]:
    """The parts of the layout that are the same for every request (stylesheets, scripts, the left of
    the navigation bar) rendered once per process and language from their partials, and the URLs of the
    rest: the URLconf and the static files manifest do not change while a process runs. First called
    inside a request, so the script prefix is set."""
    return {
        "head": render_to_string("learning/player/_chrome_head.html"),
        "nav": render_to_string("learning/player/_chrome_nav.html"),
        "scripts": render_to_string("learning/player/_chrome_scripts.html"),
        "admin": reverse("admin:index"),
        "profile": reverse("accounts:profile"),
        "notifications": reverse("notifications:list"),
        "logout": reverse("accounts:logout"),
    }


def _load_checked_page(request: HttpRequest, offering_id: int, item_id: int | None):
    """The page query, then the checks that need the structure. Returns (page, structure, item id) or
    an HttpResponse (denied). Re-reads in the rare cases: rollups just recomputed for a new structure
    version, or a resume whose last touched item is not in the published tree."""
    page = load_player_page(user=request.user, offering_id=offering_id, item_id=item_id)
    if not page.access.allowed:
        return _deny(request, page.access)
    offering = page.access.offering
    structure = _structure(offering)
    state = freshness.rollup_state(user=request.user, offering=offering, structure=structure)
    if state == freshness.ROLLUPS_RECOMPUTED:
        page = load_player_page(user=request.user, offering_id=offering_id, item_id=item_id)
    if item_id is None:  # resume
        target = page.item.pk if page.item is not None else None
        if target not in structure.item_pos:
            target = _resume_item(user_id=request.user.pk, offering_id=offering_id, structure=structure)
            if target is not None:
                page = load_player_page(user=request.user, offering_id=offering_id, item_id=target)
        item_id = target
    elif item_id not in structure.item_pos:
        raise Http404("No such item in this course.")
    if item_id is not None and page.item is None:  # deactivated since the structure was cached
        raise Http404("No such item in this course.")
    if state == freshness.ROLLUPS_STALE:
        # The stored rollups predate the structure (the background recompute has not run yet): show the
        # module completion of the current structure instead, so no module with a new required item
        # shows as complete. One query; nothing is recomputed or written on this request.
        page.completed_modules, page.module_percent = live_module_progress(
            user_id=request.user.pk, offering_id=offering_id, structure=structure
        )
    return page, structure, item_id


def _render_player(request: HttpRequest, offering_id: int, item_id: int | None) -> HttpResponse:
    on_resume_page = item_id is None
    loaded = _load_checked_page(request, offering_id, item_id)
    if isinstance(loaded, HttpResponse):
        return loaded
    page, structure, item_id = loaded
    access = page.access
    offering = access.offering
    module_id = structure.item_module[item_id] if item_id is not None else None
    chain = structure.ancestors(module_id) if module_id is not None else []
    resume_url = reverse("player:resume", args=[offering.pk])
    item_base = resume_url + "item/"  # player_urls: item/<id>/ below the resume URL
    course_percent, course_complete = page.module_state(structure.root_id)
    # A completed enrollment is a finished course whatever the item rollups say (a completion recorded
    # by staff or an import carries no item progress; items added later do not reopen it).
    enrollment_complete = access.enrollment_status == EnrollmentStatus.COMPLETED
    context: dict = {
        "chrome": _chrome(get_language()),
        "offering": offering,
        "course": offering.course,
        "streak_days": displayed_streak(request.user),
        "enrollment_status": access.enrollment_status,
        "resume_url": resume_url,
        "course_percent": course_percent,
        "course_complete": course_complete or enrollment_complete,
        "enrollment_complete": enrollment_complete,
        "root_module_id": structure.root_id,
        # Generated by learning.progress.structure from escaped titles and integer ids only: not stored markup.
        "outline_html": mark_safe(  # noqa: S308
            outline_with_mastery(
                structure.outline_html_resume if on_resume_page else structure.outline_html,
                mastery=page.mastery,
                item_module=structure.item_module,
                item_title=structure.item_title,
            )
        ),
        "overlay_css": mark_safe(  # noqa: S308 - integers and fixed CSS only
            progress_overlay_css(
                completed_ids=page.completed_modules, percents=page.module_percent, current_module_ids=chain[1:]
            )
        ),
    }
    if item_id is None:
        return render(request, "learning/player/player.html", context)

    item = page.item
    kind = structure.item_type[item_id]
    pct, complete = page.items.get(item_id, (Decimal(0), False))
    breadcrumbs_html, pager_html, previous, following = _item_navigation(
        structure, chain, item, item_base, resume_url, offering.course
    )
    context.update(
        {
            "item": item,
            "kind": kind,
            "kind_label": _(structure.item_type_label[item_id]),
            "renderer": f"learning/_partials/content_{kind if kind in KNOWN_RENDERERS else 'other'}.html",
            "item_percent": pct,
            "item_complete": complete,
            "markable": kind not in progress_services.ASSESSMENT_TYPES and kind != progress_services.VIDEO_TYPE,
            "breadcrumbs_html": breadcrumbs_html,
            "pager_html": pager_html,
            "previous": previous,
            "next": following,
            "item_base": item_base,
            "module_id": module_id,
            "module_title": structure.module_title[module_id],
            "module_items_html": _module_items_html(
                structure,
                structure.module_items[module_id],
                item_id,
                item_base,
                page.items,
                page.mastery,  # read by the page query: no query of its own
            ),
            "progress_url": f"{item_base}{item_id}/progress/",
            "done_url": f"{item_base}{item_id}/done/",
            **_content_context(request, item, kind, offering),
        }
    )
    return render(request, "learning/player/player.html", context)


@login_required
@require_GET
def player_resume(request: HttpRequest, offering_id: int) -> HttpResponse:
    return _render_player(request, offering_id, None)


@login_required
@require_GET
def player_item(request: HttpRequest, offering_id: int, item_id: int) -> HttpResponse:
    return _render_player(request, offering_id, item_id)


def _progress_target(request: HttpRequest, offering_id: int, item_id: int) -> tuple[PlayerAccess, CourseStructure]:
    access = get_offering_for_player(user=request.user, offering_id=offering_id)
    structure = _structure(access.offering)
    if item_id not in structure.item_pos:
        raise Http404("No such item in this course.")
    return access, structure


@login_required
@require_POST
def item_progress(request: HttpRequest, offering_id: int, item_id: int) -> JsonResponse:
    """``event``: ``start`` (the item was shown), ``watch`` (``percent`` of a video), ``ended``."""
    access, structure = _progress_target(request, offering_id, item_id)
    if not access.allowed:
        return JsonResponse({"error": _(NOT_ENROLLED_MESSAGE)}, status=403)
    event = request.POST.get("event", "start")
    kw = {"user": request.user, "offering": access.offering, "item_id": item_id, "structure": structure}
    try:
        if event == "start":
            result = progress_services.open_item(**kw)
        elif event in ("watch", "ended"):
            # Validated by the service (nan, inf, text, outside 0–100: ValidationError → 400, nothing written).
            percent = request.POST.get("percent", "100" if event == "ended" else "")
            result = progress_services.report_video_progress(**kw, percent=percent, ended=event == "ended")
        else:
            return JsonResponse({"error": _("Unknown event.")}, status=400)
    except ValidationError as exc:
        status = 403 if exc.code == "not_enrolled" else 400
        return JsonResponse({"error": _(exc.messages[0])}, status=status)
    return JsonResponse(_progress_payload(item_id, result))


def _progress_payload(item_id: int, result: progress_services.ProgressResult) -> dict:
    """What the player's script patches in place after a write: the item's state, the streak and the
    rewritten rollups of the item's ancestors (root first: the root is the course percent)."""
    return {
        "item": item_id,
        "percent": float(result.percent),
        "completed": result.completed,
        "course_completed": result.course_completed,
        "streak_days": result.streak_days,
        "modules": [{"id": mid, "percent": pct, "complete": done} for mid, pct, done in result.modules],
    }


@login_required
@require_POST
def item_done(request: HttpRequest, offering_id: int, item_id: int) -> HttpResponse:
    """The "mark as done" button (a plain form; htmx swaps the button in place)."""
    access, structure = _progress_target(request, offering_id, item_id)
    if not access.allowed:
        return _deny(request, access)
    item_url = reverse("player:item", args=[offering_id, item_id])
    try:
        result = progress_services.mark_item_done(
            user=request.user, offering=access.offering, item_id=item_id, structure=structure
        )
    except ValidationError as exc:
        if request.htmx:
            return HttpResponse(exc.messages[0], status=400)
        messages.error(request, _(exc.messages[0]))
        return redirect(item_url)
    if request.htmx:
        response = render(
            request,
            "learning/_partials/content_mark_done.html",
            {"item_complete": True, "done_url": reverse("player:item-done", args=[offering_id, item_id])},
        )
        # player.js listens for this event and patches the outline, the header and "In this module".
        response["HX-Trigger"] = json.dumps({PROGRESS_EVENT: _progress_payload(item_id, result)})
        return response
    messages.success(request, _(MARKED_DONE_MESSAGE))
    return redirect(item_url)


@login_required
@require_POST
def resource_open(request: HttpRequest, offering_id: int, item_id: int, index: int) -> HttpResponse:
    """Record that the link at ``index`` of a resource list was opened (a POST: a GET never writes).

    The page links straight to the resource; player.js posts here on the click (fetch with keepalive),
    so without JavaScript the link still opens, only unrecorded. Answers 204."""
    access, structure = _progress_target(request, offering_id, item_id)
    if not access.allowed:
        return _deny(request, access)
    if structure.item_type[item_id] != "resource":
        raise Http404("Not a resource list.")
    data = ContentItem.objects.filter(pk=item_id).values_list("data_json", flat=True).first() or {}
    resources = data.get("resources", []) if isinstance(data, dict) else []
    if not 0 <= index < len(resources):
        raise Http404("No such resource.")
    if content.safe_link(resources[index].get("url")) is None:
        raise Http404("No such resource.")
    progress_services.record_resource_open(
        user=request.user, offering=access.offering, item_id=item_id, structure=structure
    )
    return HttpResponse(status=204)
