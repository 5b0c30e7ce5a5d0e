"""Tutor conversations: writes (sessions, messages, replies, feedback, flags, notes, switches).

Contract:
- ``start_session`` answers the student's one session for an item (``ux_chat_sessions_user_item``;
  concurrent first opens meet on the constraint and both get the same row) and takes a fresh
  ``content_context`` snapshot when there is none, the item changed since (its hash differs) or, on a
  quiz, the student's open practice attempt changed (its questions, never their keys, are in the snapshot:
  ``learning.assessments.selectors.open_practice_questions``; an exam attempt's questions never are).
- ``send_message`` stores the student's message and an assistant message in status ``pending``, in one
  transaction under the user's budget lock, after the moderation hook and the budget check (refusals
  raise ``ChatRefused`` with a message for the student; nothing is written). A message with a blocked term
  is kept, flagged and answered with ``MESSAGE_BLOCKED_REPLY`` without calling the model. History and
  roles come from the database only: the client sends one text.
- ``ReplyRun`` makes the reply of a pending assistant message: it claims it (``pending → streaming``,
  once: a second reader, e.g. a reconnect, gets the stored text and never calls the model again), builds
  the messages (system prompt from the prompt store, then the session's history), streams the provider's
  pieces, saves the partial text every ``SAVE_EVERY_SECONDS``, and ends in ``complete``, ``interrupted``
  (reader gone, or ``max_seconds`` reached: the partial reply is kept) or ``error`` (friendly text kept).
  The provider runs in its own thread with no database access; no transaction is open around it.
- ``meta`` of an assistant message: ``status``, ``prompt_name``, ``prompt_version``, ``prompt_label``,
  ``provider``, ``model``, ``tokens_in``, ``tokens_out`` (``tokens_estimated`` when the server reported no
  usage), ``latency_ms``, ``finish_reason``, ``mode``, and when relevant ``flagged``/``flag_reason``/``withheld`` (guard), ``error_detail``, ``feedback``.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from learning.assessments.selectors import open_practice_questions
from lms.db import release_connection
from tutoring import budgets, guard, moderation
from tutoring.context import build_snapshot, content_hash, snapshot_as_text
from tutoring.models import ChatMessage, ChatNote, ChatSession, MessageRole, TutorCourseSetting, TutorItemSetting
from tutoring.permissions import TUTOR_OFF, TutorAccess, can_moderate_offering, can_use_session
from tutoring.prompting import system_prompt
from tutoring.providers import Delta, Finished, ProviderError, get_provider, provider_config

PENDING, STREAMING, COMPLETE, INTERRUPTED, ERROR = "pending", "streaming", "complete", "interrupted", "error"
FINAL_STATUSES = (COMPLETE, INTERRUPTED, ERROR)
HISTORY_MESSAGES = 20
SAVE_EVERY_SECONDS = 3.0
NOT_YOURS = "This conversation is not yours."
FEEDBACK_INVALID = gettext_noop("Choose thumbs up or thumbs down.")
FEEDBACK_REASON_TOO_LONG = gettext_noop("Keep the reason under 500 characters.")
FEEDBACK_ONLY_REPLIES = gettext_noop("Only the tutor's replies can be rated.")
NOTE_EMPTY = gettext_noop("A note needs some text.")
NOTE_TOO_LONG = gettext_noop("A note can be at most 5,000 characters.")
NOTE_NUL = gettext_noop("A note cannot contain NUL characters.")
FLAG_REASON_TOO_LONG = gettext_noop("Keep the reason under 500 characters.")
UNEXPECTED_ERROR = "Something went wrong while the tutor was answering. Please try again."


class ChatRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def start_session(*, actor, access: TutorAccess) -> ChatSession:
    item = access.item
    try:
        session, _ = ChatSession.objects.get_or_create(user=actor, content_item=item)
    except IntegrityError:  # a concurrent first open won; its row is ours too
        session = ChatSession.objects.get(user=actor, content_item=item)
    context = session.content_context or {}
    practice = (
        open_practice_questions(user=actor, offering=access.offering, item=item)
        if item.content_type.name == "quiz"
        else None
    )
    practice_attempt = practice.attempt_id if practice else None
    if context.get("hash") != content_hash(item) or context.get("practice_attempt") != practice_attempt:
        snapshot = build_snapshot(
            item,
            course_title=access.offering.course.title,
            practice_questions=list(practice.questions) if practice else None,
            practice_attempt=practice_attempt,
        )
        ChatSession.objects.filter(pk=session.pk).update(content_context=snapshot, updated_at=timezone.now())
        session.content_context = snapshot
    return session


@dataclass
class Sent:
    user_message: ChatMessage
    reply: ChatMessage


def send_message(*, actor, access: TutorAccess, session: ChatSession, text: str) -> Sent:
    if not can_use_session(actor, session) or session.content_item_id != access.item.pk:
        raise PermissionDenied(NOT_YOURS)
    if not access.enabled:
        raise ChatRefused(gettext(TUTOR_OFF))
    try:
        checked = moderation.moderate_input(text)
    except ValueError as error:
        raise ChatRefused(str(error)) from None
    with transaction.atomic():
        budgets.lock_user_budget(actor.pk)
        try:
            budgets.check_budget(user=actor)
        except budgets.BudgetExceeded as refused:
            raise ChatRefused(refused.message) from None
        user_meta = {"flagged": True, "flag_reason": checked.reason} if checked.flagged else {}
        user_message = ChatMessage.objects.create(
            session=session, role=MessageRole.USER, content=checked.text, meta=user_meta
        )
        if checked.flagged:
            reply = ChatMessage.objects.create(
                session=session,
                role=MessageRole.ASSISTANT,
                content=moderation.MESSAGE_BLOCKED_REPLY,
                meta={"status": COMPLETE, "provider": "moderation", "finish_reason": "moderated"},
            )
        else:
            reply = ChatMessage.objects.create(
                session=session, role=MessageRole.ASSISTANT, content="", meta={"status": PENDING}
            )
        ChatSession.objects.filter(pk=session.pk).update(updated_at=timezone.now())
    return Sent(user_message=user_message, reply=reply)


def _history(session_id: int, before_id: int) -> list[dict]:
    """The last ``HISTORY_MESSAGES`` turns before ``before_id``: the student's messages (not the flagged
    ones) and the tutor's finished or interrupted replies, oldest first."""
    rows = (
        ChatMessage.objects.filter(
            session_id=session_id, id__lt=before_id, role__in=[MessageRole.USER, MessageRole.ASSISTANT]
        )
        .order_by("-id")
        .values_list("role", "content", "meta")[: HISTORY_MESSAGES * 2]
    )
    kept = []
    for role, content, meta in rows:
        meta = meta or {}
        if not content or (role == MessageRole.USER and meta.get("flagged")):
            continue
        if role == MessageRole.ASSISTANT and meta.get("status") not in (COMPLETE, INTERRUPTED):
            continue
        kept.append({"role": role, "content": content})
    return list(reversed(kept[:HISTORY_MESSAGES]))


def reply_prompt(*, user, access: TutorAccess, snapshot: dict, mode: str):
    """The system prompt of a reply: the prompt store's prompt for the item, compiled with the course, the
    item, the snapshot as text, the student's first name and the guard's mode."""
    return system_prompt(
        item=access.item,
        variables={
            "course": access.offering.course.title,
            "item_title": access.item.title,
            "content": snapshot_as_text(snapshot),
            "student_first_name": (user.full_name or "").split(" ")[0] or "the student",
            "mode": mode,
        },
    )


class ReplyRun:
    """One reply of the tutor. Iterate ``events()``: ``("delta", text)``, ``("heartbeat", None)``,
    ``("replace", text)`` (a guarded reply, shown whole), and finally ``("done", message)``."""

    def __init__(self, *, message_id: int, user, access: TutorAccess, max_seconds: float = 120, heartbeat: float = 15):
        self.message_id = message_id
        self.user = user
        self.access = access
        self.max_seconds = max_seconds
        self.heartbeat = heartbeat
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def _claim(self) -> ChatMessage | None:
        claimed = ChatMessage.objects.filter(
            pk=self.message_id, role=MessageRole.ASSISTANT, meta__status=PENDING, session__user=self.user
        ).update(meta={"status": STREAMING, "started_at": timezone.now().isoformat()})
        return ChatMessage.objects.select_related("session").get(pk=self.message_id) if claimed else None

    def events(self) -> Iterator[tuple[str, object]]:
        message = self._claim()
        if message is None:
            stored = ChatMessage.objects.get(pk=self.message_id)
            yield ("done", stored)
            return
        session = message.session
        mode = guard.mode_for(
            user=self.user,
            offering=self.access.offering,
            item=self.access.item,
            practice_answers_allowed=self.access.practice_answers_allowed,
        )
        snapshot = session.content_context or {}
        prompt = reply_prompt(user=self.user, access=self.access, snapshot=snapshot, mode=mode.mode)
        messages = prompt.messages + _history(session.pk, message.pk)
        config = provider_config()
        release_connection()
        provider = get_provider(config)
        meta = {
            "status": STREAMING,
            "prompt_name": prompt.name,
            "prompt_version": prompt.version,
            "prompt_label": prompt.label,
            "provider": provider.name,
            "model": provider.model,
            "mode": mode.mode,
        }
        text = ""
        finished: Finished | None = None
        failure: ProviderError | None = None
        started = time.monotonic()
        last_save = started
        events: queue.Queue = queue.Queue()

        def produce():
            try:
                for event in provider.stream(messages, context=snapshot, cancelled=self._cancel.is_set):
                    events.put(event)
                    if self._cancel.is_set():
                        break
            except ProviderError as error:
                events.put(error)
            except Exception as error:  # noqa: BLE001 - a provider bug must end as a friendly error, not a 500
                events.put(ProviderError(UNEXPECTED_ERROR, detail=repr(error)[:500]))
            finally:
                events.put(None)

        threading.Thread(target=produce, daemon=True, name=f"tutor-reply-{self.message_id}").start()
        status = COMPLETE
        try:
            while True:
                remaining = self.max_seconds - (time.monotonic() - started)
                if remaining <= 0:
                    status = INTERRUPTED
                    self._cancel.set()
                    meta["finish_reason"] = "max_duration"
                    break
                try:
                    event = events.get(timeout=min(self.heartbeat, remaining))
                except queue.Empty:
                    yield ("heartbeat", None)
                    continue
                if event is None:
                    break
                if isinstance(event, ProviderError):
                    failure = event
                    continue
                if isinstance(event, Finished):
                    finished = event
                    continue
                if isinstance(event, Delta):
                    text += event.text
                    if not mode.buffered:
                        yield ("delta", event.text)
                    if time.monotonic() - last_save >= SAVE_EVERY_SECONDS:
                        ChatMessage.objects.filter(pk=message.pk).update(content=text)
                        release_connection()
                        last_save = time.monotonic()
        except GeneratorExit:
            # The reader went away (a cut connection): keep what we have.
            self._cancel.set()
            status = INTERRUPTED
            meta["finish_reason"] = meta.get("finish_reason") or "client_disconnected"
            self._finish(message, text, meta, status, started, finished, failure, mode, buffered_shown=False)
            raise
        shown = self._finish(message, text, meta, status, started, finished, failure, mode, buffered_shown=True)
        if mode.buffered or failure is not None:
            yield ("replace", shown.content)
        yield ("done", shown)

    def _finish(self, message, text, meta, status, started, finished, failure, mode, *, buffered_shown) -> ChatMessage:
        meta["latency_ms"] = int((time.monotonic() - started) * 1000)
        if finished is not None:
            meta.update(
                finish_reason=finished.finish_reason,
                tokens_in=finished.tokens_in,
                tokens_out=finished.tokens_out,
                model=finished.model or meta["model"],
            )
            if finished.tokens_estimated:
                meta["tokens_estimated"] = True
            if finished.finish_reason == "cancelled" and status == COMPLETE:
                status = INTERRUPTED
        if failure is not None:
            status = ERROR
            meta["error_detail"] = failure.detail
            text = f"{text}\n\n*{failure.message}*" if text else failure.message
        elif status == COMPLETE and mode.buffered:
            shown, reason = guard.check_reply(text, mode)
            if reason:
                meta.update(flagged=True, flag_reason=reason, withheld=text)
                text = shown
        meta["status"] = status
        ChatMessage.objects.filter(pk=message.pk).update(content=text, meta=meta)
        message.content, message.meta = text, meta
        return message


def run_reply_to_end(**kwargs) -> ChatMessage:
    """The no-JavaScript path: make the whole reply now and answer the stored message."""
    run = ReplyRun(**kwargs)
    result = None
    for kind, value in run.events():
        if kind == "done":
            result = value
    return result


def rate_reply(*, actor, message: ChatMessage, rating: str, reason: str = "") -> ChatMessage:
    if not can_use_session(actor, message.session):
        raise PermissionDenied(NOT_YOURS)
    if message.role != MessageRole.ASSISTANT:
        raise ValidationError(gettext(FEEDBACK_ONLY_REPLIES))
    if rating not in ("up", "down"):
        raise ValidationError(gettext(FEEDBACK_INVALID))
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise ValidationError(gettext(FEEDBACK_REASON_TOO_LONG))
    if "\x00" in reason:
        raise ValidationError(gettext(NOTE_NUL))
    with transaction.atomic():
        locked = ChatMessage.objects.select_for_update().get(pk=message.pk)
        meta = dict(locked.meta or {})
        meta["feedback"] = {"rating": rating, "reason": reason, "at": timezone.now().isoformat()}
        locked.meta = meta
        locked.save(update_fields=["meta"])
    return locked


def flag_message(*, actor, offering, message: ChatMessage, flagged: bool, reason: str = "") -> ChatMessage:
    if not can_moderate_offering(actor, offering):
        raise PermissionDenied("Only the offering's instructors and TAs may flag tutor messages.")
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise ValidationError(gettext(FLAG_REASON_TOO_LONG))
    if "\x00" in reason:
        raise ValidationError(gettext(NOTE_NUL))
    with transaction.atomic():
        locked = ChatMessage.objects.select_for_update().get(pk=message.pk)
        meta = dict(locked.meta or {})
        if flagged:
            meta.update(flagged=True, flag_reason=reason or "flagged by an instructor", flagged_by=actor.pk)
        else:
            for key in ("flagged", "flag_reason", "flagged_by"):
                meta.pop(key, None)
        locked.meta = meta
        locked.save(update_fields=["meta"])
    return locked


def _clean_note(content: str, selected_text: str | None) -> tuple[str, str | None]:
    content = (content or "").strip()
    selected = (selected_text or "").strip() or None
    if "\x00" in content or (selected and "\x00" in selected):
        raise ValidationError(gettext(NOTE_NUL))
    if not content and not selected:
        raise ValidationError(gettext(NOTE_EMPTY))
    if len(content) > 5000 or (selected and len(selected) > 5000):
        raise ValidationError(gettext(NOTE_TOO_LONG))
    return content or selected, selected


def add_note(*, actor, session: ChatSession, content: str, selected_text: str | None = None, message=None) -> ChatNote:
    if not can_use_session(actor, session) or (message is not None and message.session_id != session.pk):
        raise PermissionDenied(NOT_YOURS)
    content, selected = _clean_note(content, selected_text)
    return ChatNote.objects.create(session=session, message=message, content=content, selected_text=selected)


def edit_note(*, actor, note: ChatNote, content: str) -> ChatNote:
    if not can_use_session(actor, note.session):
        raise PermissionDenied(NOT_YOURS)
    content, _ = _clean_note(content, note.selected_text)
    ChatNote.objects.filter(pk=note.pk).update(content=content, updated_at=timezone.now())
    note.content = content
    return note


def delete_note(*, actor, note: ChatNote) -> None:
    if not can_use_session(actor, note.session):
        raise PermissionDenied(NOT_YOURS)
    note.delete()


def set_course_tutor(*, actor, offering, enabled: bool, practice_answers_allowed: bool) -> TutorCourseSetting:
    if not can_moderate_offering(actor, offering):
        raise PermissionDenied("Only the offering's instructors and TAs may change the tutor settings.")
    setting, _ = TutorCourseSetting.objects.update_or_create(
        course_id=offering.course_id,
        defaults={
            "university_id": offering.university_id,
            "tutor_enabled": enabled,
            "practice_answers_allowed": practice_answers_allowed,
            "updated_at": timezone.now(),
        },
    )
    return setting


def set_item_tutor(*, actor, offering, item, enabled: bool) -> TutorItemSetting:
    if not can_moderate_offering(actor, offering) or item.course_id != offering.course_id:
        raise PermissionDenied("Only the offering's instructors and TAs may change the tutor settings.")
    setting, _ = TutorItemSetting.objects.update_or_create(
        content_item=item,
        defaults={"university_id": item.university_id, "tutor_enabled": enabled, "updated_at": timezone.now()},
    )
    return setting


def delete_old_messages(*, older_than_days: int, batch_size: int = 1000) -> int:
    """Retention: delete messages older than ``older_than_days`` in batches (each its own transaction)."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted = 0
    while True:
        ids = list(
            ChatMessage.objects.filter(created_at__lt=cutoff).order_by("id").values_list("id", flat=True)[:batch_size]
        )
        if not ids:
            return deleted
        with transaction.atomic():
            deleted += ChatMessage.objects.filter(id__in=ids).delete()[1].get("tutoring.ChatMessage", 0)
