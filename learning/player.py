"""The course player: ``/learn/<offering>/`` (resume) and ``/learn/<offering>/item/<item>/``, plus the
small endpoints the player posts progress to.

Access (:func:`get_offering_for_player`): an ``active`` or ``completed`` enrollment enters; any other
enrollment state, or none, goes back to the course page with the reason; a user with neither an
enrollment nor a role at the offering's university gets 404 (a stranger learns nothing by probing ids).
Items outside the published tree (unpublished modules, inactive items, other courses) answer 404.

Query budget of a page, whatever the course size (asserted in tests with 2,000 modules): session,
user, access (offering + course + university + enrollment status + role, one query), [resume: the last
touched item], the student's progress (module rollups + this module's items, one UNION query), the
item, [its assets or quiz attempts]; the structure comes from ``learning.outline`` (per-process memo →
Django's cache → one flat query) and the outline HTML is cached per structure version, with the
student's progress laid over it by a small ``<style>`` block.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Exists, OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from accounts.models import UserUniversityRole
from catalog.models import CourseOffering
from learning import player_content, progress
from learning.models import CourseEnrollment, EnrollmentStatus
from learning.outline import OFFERING_PLACEHOLDER, CourseStructure, get_course_structure, progress_overlay_css
from syllabus.models import ContentItem

NOT_ENROLLED_MESSAGE = "You are not enrolled in this course. Enroll from the course page to start learning."
DENIED_MESSAGES = {
    EnrollmentStatus.DROPPED: "You dropped this course. Enroll again from the course page to continue.",
    EnrollmentStatus.PENDING: "Your enrollment is waiting for approval; the course opens once it is approved.",
    EnrollmentStatus.WAITLISTED: "You are on the waiting list for this course; it opens when a place frees up.",
}
MARKED_DONE_MESSAGE = "Marked as done."
KNOWN_RENDERERS = {"text", "video", "resource", "quiz", "engineering_lab", "assignment"}


@dataclass
class PlayerAccess:
    offering: CourseOffering
    enrollment_status: str | None
    allowed: bool
    course_url: str


def course_page_url(offering: CourseOffering) -> str:
    # The catalog's course page (issue 6): /courses/<university short code>/<course code>/.
    return f"/courses/{quote(offering.university.short_code)}/{quote(offering.course.code)}/"


def get_offering_for_player(*, user, offering_id: int) -> PlayerAccess:
    """One query: the offering with its course and university, the user's enrollment status and
    whether the user has a role at the university. Raises Http404 for strangers."""
    offering = (
        CourseOffering.objects.select_related("course", "university")
        .annotate(
            enrollment_status=Subquery(
                CourseEnrollment.objects.filter(course_offering=OuterRef("pk"), user_id=user.pk).values("status")[:1]
            ),
            member=Exists(UserUniversityRole.objects.filter(user_id=user.pk, university_id=OuterRef("university_id"))),
        )
        .filter(pk=offering_id)
        .first()
    )
    if offering is None or (offering.enrollment_status is None and not offering.member):
        raise Http404("No such course offering.")
    status = offering.enrollment_status
    return PlayerAccess(
        offering=offering,
        enrollment_status=status,
        allowed=status in progress.USABLE_ENROLLMENT,
        course_url=course_page_url(offering),
    )


def _deny(request: HttpRequest, access: PlayerAccess) -> HttpResponse:
    messages.warning(request, DENIED_MESSAGES.get(access.enrollment_status, NOT_ENROLLED_MESSAGE))
    return HttpResponseRedirect(access.course_url)


def _structure(offering: CourseOffering) -> CourseStructure:
    return get_course_structure(course_id=offering.course_id, structure_version=offering.course.structure_version)


def _resume_item(*, user_id: int, offering_id: int, structure: CourseStructure) -> int | None:
    """The last item touched that is still in the published tree, else the first item of the course."""
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


def _load_progress(*, user_id: int, offering_id: int, item_ids: list[int]):
    """One query: the module rollups the student has, and the progress of the listed items."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT 0, module_id, progress_percent, completed_at IS NOT NULL FROM user_module_progress
            WHERE user_id = %(u)s AND course_offering_id = %(o)s AND (progress_percent > 0 OR completed_at IS NOT NULL)
            UNION ALL
            SELECT 1, content_item_id, progress_percent, completed_at IS NOT NULL FROM user_content_progress
            WHERE user_id = %(u)s AND course_offering_id = %(o)s AND content_item_id = ANY(%(items)s)
            """,
            {"u": user_id, "o": offering_id, "items": item_ids},
        )
        rows = cursor.fetchall()
    modules: dict[int, tuple[int, bool]] = {}
    items: dict[int, tuple[Decimal, bool]] = {}
    for kind, pk, pct, complete in rows:
        if kind == 0:
            modules[pk] = (int(pct), complete)
        else:
            items[pk] = (pct, complete)
    return modules, items


def _content_context(request: HttpRequest, item: ContentItem, kind: str, offering: CourseOffering) -> dict:
    data = item.data_json if isinstance(item.data_json, dict) else {}
    if kind == "text":
        blocks = data.get("blocks", [])
        assets = player_content.load_assets(player_content.block_asset_ids(blocks), university_id=item.university_id)
        return {"blocks": player_content.render_blocks(blocks, assets)}
    if kind == "video":
        asset_ids = {data["asset_id"]} if isinstance(data.get("asset_id"), int) else set()
        assets = player_content.load_assets(asset_ids, university_id=item.university_id)
        origin = f"{request.scheme}://{request.get_host()}"
        return {"video": player_content.video_context(data, assets=assets, origin=quote(origin, safe=""))}
    if kind == "resource":
        return {"resources": player_content.resource_context(data)}
    if kind == "quiz":
        return {
            "quiz": player_content.quiz_context(data, user_id=request.user.pk, offering_id=offering.pk, item_id=item.pk)
        }
    if kind == "engineering_lab":
        return {"lab": player_content.lab_context(data)}
    if kind == "assignment":
        blocks = data.get("instructions", [])
        assets = player_content.load_assets(player_content.block_asset_ids(blocks), university_id=item.university_id)
        return {"assignment": player_content.assignment_context(data, assets=assets, starts_at=offering.starts_at)}
    return {}


def _render_player(request: HttpRequest, access: PlayerAccess, item_id: int | None) -> HttpResponse:
    offering = access.offering
    structure = _structure(offering)
    progress.ensure_rollups_current(offering=offering, structure=structure)
    if item_id is None:
        item_id = _resume_item(user_id=request.user.pk, offering_id=offering.pk, structure=structure)
    elif item_id not in structure.item_pos:
        raise Http404("No such item in this course.")

    context: dict = {
        "offering": offering,
        "course": offering.course,
        "structure": structure,
        "streak_days": progress.displayed_streak(request.user),
        "enrollment_status": access.enrollment_status,
    }
    module_items: list[int] = []
    module_id = None
    if item_id is not None:
        module_id = structure.item_module[item_id]
        module_items = list(structure.module_items[module_id])
    module_progress, item_progress = _load_progress(
        user_id=request.user.pk, offering_id=offering.pk, item_ids=module_items
    )
    chain = structure.ancestors(module_id) if module_id is not None else []
    # Generated by learning.outline from escaped titles and integer ids only: not stored markup.
    context["outline_html"] = mark_safe(  # noqa: S308
        structure.outline_html.replace(OFFERING_PLACEHOLDER, str(offering.pk))
    )
    context["overlay_css"] = mark_safe(  # noqa: S308 - integers and fixed CSS only
        progress_overlay_css(module_progress=module_progress, current_module_ids=chain[1:])
    )
    root_pct = module_progress.get(structure.root_id, (0, False)) if structure.root_id else (0, False)
    context["course_percent"], context["course_complete"] = root_pct

    if item_id is None:
        return render(request, "learning/player/player.html", context)

    item = (
        ContentItem.objects.filter(pk=item_id, course_id=offering.course_id, is_active=True)
        .only("id", "title", "description", "data_json", "university_id", "estimated_duration_seconds", "module_id")
        .first()
    )
    if item is None:  # deactivated since the structure was cached under this version
        raise Http404("No such item in this course.")
    kind = structure.item_type[item_id]
    previous_id, next_id = structure.neighbours(item_id)
    pct, complete = item_progress.get(item_id, (Decimal(0), False))
    context.update(
        {
            "item": item,
            "kind": kind,
            "renderer": f"learning/_partials/content_{kind if kind in KNOWN_RENDERERS else 'other'}.html",
            "item_percent": pct,
            "item_complete": complete,
            "markable": kind not in progress.ASSESSMENT_TYPES and kind != progress.VIDEO_TYPE,
            "breadcrumbs": [(structure.module_title[mid], structure.module_first_item.get(mid)) for mid in chain[1:]],
            "previous": (previous_id, structure.item_title[previous_id]) if previous_id else None,
            "next": (next_id, structure.item_title[next_id]) if next_id else None,
            "module_id": module_id,
            "module_title": structure.module_title[module_id],
            "module_items": [
                (iid, structure.item_title[iid], structure.item_type[iid], item_progress.get(iid, (0, False))[1])
                for iid in module_items
            ],
            "progress_url": reverse("player:item-progress", args=[offering.pk, item_id]),
            **_content_context(request, item, kind, offering),
        }
    )
    return render(request, "learning/player/player.html", context)


@login_required
@require_GET
def player_resume(request: HttpRequest, offering_id: int) -> HttpResponse:
    access = get_offering_for_player(user=request.user, offering_id=offering_id)
    if not access.allowed:
        return _deny(request, access)
    return _render_player(request, access, None)


@login_required
@require_GET
def player_item(request: HttpRequest, offering_id: int, item_id: int) -> HttpResponse:
    access = get_offering_for_player(user=request.user, offering_id=offering_id)
    if not access.allowed:
        return _deny(request, access)
    return _render_player(request, access, item_id)


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
        return JsonResponse({"error": NOT_ENROLLED_MESSAGE}, status=403)
    event = request.POST.get("event", "start")
    kw = {"user": request.user, "offering": access.offering, "item_id": item_id, "structure": structure}
    try:
        if event == "start":
            result = progress.open_item(**kw)
        elif event in ("watch", "ended"):
            try:
                percent = float(request.POST.get("percent", "100" if event == "ended" else ""))
            except ValueError:
                return JsonResponse({"error": progress.PERCENT_OUT_OF_RANGE}, status=400)
            result = progress.report_video_progress(**kw, percent=min(percent, 100.0), ended=event == "ended")
        else:
            return JsonResponse({"error": "Unknown event."}, status=400)
    except ValidationError as exc:
        status = 403 if exc.code == "not_enrolled" else 400
        return JsonResponse({"error": exc.messages[0]}, status=status)
    return JsonResponse(
        {
            "percent": float(result.percent),
            "completed": result.completed,
            "course_completed": result.course_completed,
            "streak_days": result.streak_days,
        }
    )


@login_required
@require_POST
def item_done(request: HttpRequest, offering_id: int, item_id: int) -> HttpResponse:
    """The "mark as done" button (a plain form; htmx swaps the button in place)."""
    access, structure = _progress_target(request, offering_id, item_id)
    if not access.allowed:
        return _deny(request, access)
    item_url = reverse("player:item", args=[offering_id, item_id])
    try:
        progress.mark_item_done(user=request.user, offering=access.offering, item_id=item_id, structure=structure)
    except ValidationError as exc:
        if request.htmx:
            return HttpResponse(exc.messages[0], status=400)
        messages.error(request, exc.messages[0])
        return redirect(item_url)
    if request.htmx:
        return render(
            request,
            "learning/_partials/content_mark_done.html",
            {"item_complete": True, "offering": access.offering, "item_id": item_id},
        )
    messages.success(request, MARKED_DONE_MESSAGE)
    return redirect(item_url)


@login_required
@require_GET
def resource_open(request: HttpRequest, offering_id: int, item_id: int, index: int) -> HttpResponse:
    """Record that a link of a resource list was opened, then go there (only URLs of the item's own
    payload, by position: this is not an open redirect)."""
    access, structure = _progress_target(request, offering_id, item_id)
    if not access.allowed:
        return _deny(request, access)
    if structure.item_type[item_id] != "resource":
        raise Http404("Not a resource list.")
    data = ContentItem.objects.filter(pk=item_id).values_list("data_json", flat=True).first() or {}
    resources = data.get("resources", []) if isinstance(data, dict) else []
    if not 0 <= index < len(resources):
        raise Http404("No such resource.")
    url = str(resources[index].get("url", ""))
    if not url.startswith(("https://", "http://")):
        raise Http404("No such resource.")
    progress.record_resource_open(user=request.user, offering=access.offering, item_id=item_id, structure=structure)
    return HttpResponseRedirect(url)
