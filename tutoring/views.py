"""Tutor pages and endpoints (thin: access through ``permissions``, writes through ``chat``).

Student: the panel (a full page without JavaScript, a fragment for the player's script), sending a
message (JS: answers the reply's stream URL; no JS: makes the reply and redirects back), the reply's
server-sent-event stream, feedback, notes and My notes. Teacher: sessions of the offering (filter by
item / flagged), one session read-only with flag buttons, per-item aggregates and the switches.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from tutoring import chat, moderation, selectors, services
from tutoring.models import ChatMessage, ChatNote, ChatSession, MessageRole
from tutoring.permissions import get_learning_offering, get_taught_offering, get_tutor_access, sessions_visible_in
from tutoring.rendering import render_reply

BAD_ID = "No such item."


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "") or request.headers.get("HX-Request") == "true"


def _next_url(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _panel_url(offering_id: int, item_id: int) -> str:
    return reverse("tutoring:panel", args=[offering_id, item_id])


def _panel_context(request, access, *, error: str = "", text: str = "") -> dict:
    session = selectors.existing_session(user=request.user, item_id=access.item.pk)
    shown = selectors.session_messages(session=session) if session else []
    return {
        "access": access,
        "offering": access.offering,
        "item": access.item,
        "session": session,
        "shown": shown,
        "error": error,
        "text": text,
        "next": request.GET.get("next", ""),
        "max_chars": moderation.max_input_chars(),
    }


@login_required
@require_GET
def panel(request, offering_id: int, item_id: int):
    access = get_tutor_access(user=request.user, offering_id=offering_id, item_id=item_id)
    template = "tutoring/_partials/panel.html" if request.GET.get("fragment") else "tutoring/panel_page.html"
    return render(request, template, _panel_context(request, access))


@login_required
@require_POST
def send(request, offering_id: int, item_id: int):
    access = get_tutor_access(user=request.user, offering_id=offering_id, item_id=item_id)
    text = request.POST.get("content", "")
    session = chat.start_session(actor=request.user, access=access)
    try:
        sent = chat.send_message(actor=request.user, access=access, session=session, text=text)
    except chat.ChatRefused as refused:
        if _wants_json(request):
            return JsonResponse({"error": refused.message}, status=400)
        context = _panel_context(request, access, error=refused.message, text=text[:5000].replace("\x00", ""))
        return render(request, "tutoring/panel_page.html", context, status=400)
    if _wants_json(request):
        final = sent.reply.meta.get("status") in chat.FINAL_STATUSES
        return JsonResponse(
            {
                "user_message": sent.user_message.content,
                "reply_id": sent.reply.pk,
                "stream_url": None if final else reverse("tutoring:stream", args=[offering_id, item_id, sent.reply.pk]),
                "html": str(render_reply(sent.reply.content, session.content_context)) if final else "",
            }
        )
    if sent.reply.meta.get("status") == chat.PENDING:
        chat.run_reply_to_end(
            message_id=sent.reply.pk, user=request.user, access=access, max_seconds=settings.TUTOR_STREAM_MAX_SECONDS
        )
    return redirect(_next_url(request, _panel_url(offering_id, item_id)) + f"#tutor-message-{sent.reply.pk}")


def _sse(event: str, payload: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(payload)}\n\n"


@login_required
@require_GET
def stream(request, offering_id: int, item_id: int, message_id: int):
    access = get_tutor_access(user=request.user, offering_id=offering_id, item_id=item_id)
    message = (
        ChatMessage.objects.select_related("session")
        .filter(
            pk=message_id, role=MessageRole.ASSISTANT, session__user=request.user, session__content_item=access.item
        )
        .first()
    )
    if message is None:
        raise Http404(BAD_ID)
    run = chat.ReplyRun(
        message_id=message.pk,
        user=request.user,
        access=access,
        max_seconds=settings.TUTOR_STREAM_MAX_SECONDS,
        heartbeat=settings.TUTOR_STREAM_HEARTBEAT_SECONDS,
    )
    snapshot = message.session.content_context

    def events():
        yield "retry: 3000\n\n"
        for kind, value in run.events():
            if kind == "delta":
                yield _sse("delta", {"text": value})
            elif kind == "heartbeat":
                yield ": heartbeat\n\n"
            elif kind == "replace":
                yield _sse("replace", {"html": str(render_reply(value, snapshot))})
            elif kind == "done":
                meta = value.meta or {}
                yield _sse(
                    "done",
                    {"status": meta.get("status"), "html": str(render_reply(value.content, snapshot)), "id": value.pk},
                )

    response = StreamingHttpResponse(events(), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


def _own_message(request, message_id: int) -> ChatMessage:
    message = (
        ChatMessage.objects.select_related("session__content_item")
        .filter(pk=message_id, session__user=request.user)
        .first()
    )
    if message is None:
        raise Http404(BAD_ID)
    return message


def _message_action(request, message: ChatMessage, action, success: str):
    """Run ``action()`` (a service call) for one of the student's messages: a refusal is a 400 with its
    message (JSON for scripts), success a flash and a return to the message."""
    try:
        action()
    except ValidationError as error:
        if _wants_json(request):
            return JsonResponse({"error": error.messages[0]}, status=400)
        return HttpResponse(error.messages[0], status=400, content_type="text/plain")
    if _wants_json(request):
        return JsonResponse({"ok": True})
    flash.success(request, success)
    return redirect(_next_url(request, "/") + f"#tutor-message-{message.pk}")


@login_required
@require_POST
def feedback(request, message_id: int):
    message = _own_message(request, message_id)
    return _message_action(
        request,
        message,
        lambda: chat.rate_reply(
            actor=request.user,
            message=message,
            rating=request.POST.get("rating", ""),
            reason=request.POST.get("reason", ""),
        ),
        gettext("Thanks for the feedback."),
    )


@login_required
@require_POST
def note_create(request, message_id: int):
    message = _own_message(request, message_id)
    return _message_action(
        request,
        message,
        lambda: chat.add_note(
            actor=request.user,
            session=message.session,
            message=message,
            content=request.POST.get("content", ""),
            selected_text=request.POST.get("selected_text", ""),
        ),
        gettext("Note saved to My notes."),
    )


def _own_note(request, note_id: int) -> ChatNote:
    note = ChatNote.objects.select_related("session").filter(pk=note_id, session__user=request.user).first()
    if note is None:
        raise Http404("No such note.")
    return note


@login_required
@require_GET
def my_notes(request, offering_id: int):
    offering = get_learning_offering(user=request.user, offering_id=offering_id, not_found="No such offering.")
    notes = selectors.notes_for_course(user=request.user, course_id=offering.course_id)
    page = Paginator(notes, selectors.NOTES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "tutoring/my_notes.html", {"offering": offering, "page": page, "notes": list(page)})


@login_required
@require_POST
def note_edit(request, note_id: int):
    note = _own_note(request, note_id)
    try:
        chat.edit_note(actor=request.user, note=note, content=request.POST.get("content", ""))
    except ValidationError as error:
        return HttpResponse(error.messages[0], status=400, content_type="text/plain")
    flash.success(request, gettext("Note updated."))
    return redirect(_next_url(request, "/"))


@login_required
@require_POST
def note_delete(request, note_id: int):
    note = _own_note(request, note_id)
    chat.delete_note(actor=request.user, note=note)
    flash.success(request, gettext("Note deleted."))
    return redirect(_next_url(request, "/"))


# --- Share links ----------------------------------------------------------------------------------------


@login_required
@require_POST
def share(request, session_id: int):
    session = ChatSession.objects.filter(pk=session_id, user=request.user).select_related("content_item").first()
    if session is None:
        raise Http404("No such conversation.")
    if request.POST.get("enabled") == "1":
        services.enable_session_sharing(actor=request.user, session=session)
        flash.success(request, gettext("Sharing is on: anyone with the link can read this conversation."))
    else:
        services.disable_session_sharing(actor=request.user, session=session)
        flash.success(request, gettext("Sharing is off: the old link no longer works."))
    return redirect(_next_url(request, "/"))


@require_GET
def shared(request, token: str):
    session = (
        ChatSession.objects.filter(share_enabled=True, share_token=token).select_related("user", "content_item").first()
        if 16 <= len(token) <= 64
        else None
    )
    if session is None:
        raise Http404("No such shared conversation.")
    shown = selectors.session_messages(session=session)
    first_name = (session.user.full_name or "").split(" ")[0] or "A student"
    response = render(
        request,
        "tutoring/shared.html",
        {
            "session": session,
            "shown": shown,
            "first_name": first_name,
            "title": session.content_item.title if session.content_item else "",
        },
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


# --- Instructors and TAs ---------------------------------------------------------------------------------


def _int_or_none(raw: str | None) -> int | None:
    if raw and raw.isascii() and raw.isdigit() and len(raw) < 19:
        return int(raw)
    return None


@login_required
@require_GET
def teach_sessions(request, offering_id: int):
    offering = get_taught_offering(user=request.user, offering_id=offering_id)
    item_id = _int_or_none(request.GET.get("item"))
    flagged = request.GET.get("flagged") == "1"
    sessions = selectors.teacher_sessions(offering=offering, item_id=item_id, flagged=flagged)
    page = Paginator(sessions, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "offering": offering,
        "page": page,
        "sessions": list(page),
        "query_string": query.urlencode(),
        "aggregates": selectors.item_aggregates(offering=offering),
        "item_id": item_id,
        "flagged": flagged,
        "setting": getattr(offering.course, "tutor_setting", None),
    }
    return render(request, "tutoring/teach_sessions.html", context)


@login_required
@require_GET
def teach_session(request, offering_id: int, session_id: int):
    offering = get_taught_offering(user=request.user, offering_id=offering_id)
    session = sessions_visible_in(offering).select_related("user", "content_item").filter(pk=session_id).first()
    if session is None:
        raise Http404("No such session.")
    shown = selectors.session_messages(session=session)
    return render(request, "tutoring/teach_session.html", {"offering": offering, "session": session, "shown": shown})


@login_required
@require_POST
def teach_flag(request, offering_id: int, message_id: int):
    offering = get_taught_offering(user=request.user, offering_id=offering_id)
    message = ChatMessage.objects.filter(pk=message_id, session__in=sessions_visible_in(offering)).first()
    if message is None:
        raise Http404("No such message.")
    try:
        chat.flag_message(
            actor=request.user,
            offering=offering,
            message=message,
            flagged=request.POST.get("flagged", "1") == "1",
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as error:
        return HttpResponse(error.messages[0], status=400, content_type="text/plain")
    return redirect(
        reverse("tutoring:teach-session", args=[offering.pk, message.session_id]) + f"#tutor-message-{message.pk}"
    )


@login_required
@require_POST
def teach_settings(request, offering_id: int):
    offering = get_taught_offering(user=request.user, offering_id=offering_id)
    item_id = _int_or_none(request.POST.get("item"))
    enabled = request.POST.get("enabled") == "1"
    try:
        if request.POST.get("item") is not None:
            from syllabus.models import ContentItem  # noqa: PLC0415

            item = ContentItem.objects.filter(pk=item_id, course_id=offering.course_id).first() if item_id else None
            if item is None:
                return HttpResponse(BAD_ID, status=400, content_type="text/plain")
            chat.set_item_tutor(actor=request.user, offering=offering, item=item, enabled=enabled)
        else:
            chat.set_course_tutor(
                actor=request.user,
                offering=offering,
                enabled=enabled,
                practice_answers_allowed=request.POST.get("practice_answers_allowed") == "1",
            )
    except PermissionDenied:
        raise Http404("No such offering.") from None
    flash.success(request, "Tutor settings saved.")
    return redirect(reverse("tutoring:teach-sessions", args=[offering.pk]))
