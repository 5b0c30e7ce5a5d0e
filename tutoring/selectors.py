"""Tutor reads: a session's messages for display, notes per course, the teacher's lists and aggregates.

Every function takes objects already fetched through ``tutoring.permissions``; the teacher's functions
scope by ``permissions.sessions_visible_in(offering)`` and run a fixed number of queries whatever the
number of sessions (the views page the lists: ``PAGE_SIZE`` sessions, ``NOTES_PER_PAGE`` notes).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from tutoring.models import ChatMessage, ChatNote, ChatSession, MessageRole, TutorItemSetting
from tutoring.permissions import sessions_visible_in
from tutoring.rendering import render_reply

PAGE_SIZE = 50
NOTES_PER_PAGE = 50
SHOWN_MESSAGES = 100


@dataclass
class ShownMessage:
    message: ChatMessage
    html: str
    status: str
    flagged: bool
    feedback: dict | None


def session_messages(*, session: ChatSession, include_system: bool = False) -> list[ShownMessage]:
    rows = ChatMessage.objects.filter(session=session).order_by("-created_at", "-id")
    if not include_system:
        rows = rows.exclude(role=MessageRole.SYSTEM)
    shown = []
    for message in reversed(list(rows[:SHOWN_MESSAGES])):
        meta = message.meta or {}
        html = render_reply(message.content, session.content_context) if message.role == MessageRole.ASSISTANT else ""
        shown.append(
            ShownMessage(
                message=message,
                html=html,
                status=meta.get("status", "complete"),
                flagged=bool(meta.get("flagged")),
                feedback=meta.get("feedback"),
            )
        )
    return shown


def existing_session(*, user, item_id: int) -> ChatSession | None:
    return ChatSession.objects.filter(user=user, content_item_id=item_id).first()


def notes_for_course(*, user, course_id: int) -> QuerySet[ChatNote]:
    return (
        ChatNote.objects.filter(session__user=user, session__content_item__course_id=course_id)
        .select_related("session__content_item")
        .order_by("-created_at", "-id")
    )


def teacher_sessions(*, offering, item_id: int | None = None, flagged: bool = False) -> QuerySet[ChatSession]:
    """The offering's sessions, latest activity first, with their message and flagged counts (page it).
    ``flagged``: only sessions with a flagged message (an ``EXISTS``, so the counts still cover every
    message of the session)."""
    sessions = sessions_visible_in(offering)
    if item_id:
        sessions = sessions.filter(content_item_id=item_id)
    if flagged:
        sessions = sessions.filter(Exists(ChatMessage.objects.filter(session_id=OuterRef("pk"), meta__flagged=True)))
    return (
        sessions.select_related("user", "content_item")
        .annotate(
            message_count=Count("messages", distinct=True),
            flagged_count=Count("messages", filter=Q(messages__meta__flagged=True), distinct=True),
        )
        .order_by("-updated_at", "-id")
    )


@dataclass
class ItemAggregate:
    item_id: int
    title: str
    sessions: int
    messages: int
    thumbs_up: int
    thumbs_down: int
    flagged: int
    tutor_enabled: bool


def item_aggregates(*, offering) -> list[ItemAggregate]:
    """Per item of the course: sessions, messages, thumbs, flags (one grouped query + one for switches)."""
    rows = (
        ChatMessage.objects.filter(session__in=sessions_visible_in(offering))
        .values("session__content_item_id", "session__content_item__title")
        .annotate(
            sessions=Count("session", distinct=True),
            messages=Count("id"),
            up=Count("id", filter=Q(meta__feedback__rating="up")),
            down=Count("id", filter=Q(meta__feedback__rating="down")),
            flagged=Count("id", filter=Q(meta__flagged=True)),
        )
        .order_by("session__content_item__title")
    )
    rows = list(rows[:500])
    off = set(
        TutorItemSetting.objects.filter(
            content_item_id__in=[r["session__content_item_id"] for r in rows], tutor_enabled=False
        ).values_list("content_item_id", flat=True)
    )
    return [
        ItemAggregate(
            item_id=r["session__content_item_id"],
            title=r["session__content_item__title"],
            sessions=r["sessions"],
            messages=r["messages"],
            thumbs_up=r["up"],
            thumbs_down=r["down"],
            flagged=r["flagged"],
            tutor_enabled=r["session__content_item_id"] not in off,
        )
        for r in rows
    ]
