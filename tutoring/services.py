"""Writes to tutoring. Keyword-only functions; the acting user is ``actor`` (``None``: trusted system code).

Contract:
- ``enable_session_sharing(*, actor, session)``: the session becomes readable through a share link whose
  token is ``SHARE_TOKEN_BYTES`` (32: 256 bits) of ``secrets`` randomness, URL-safe. Idempotent: a session
  already shared keeps its token (links already handed out keep working).
- ``disable_session_sharing(*, actor, session)``: sharing off and the token cleared, so every link made
  from it stops working; enabling again makes a new token.
- Both re-check ``tutoring.permissions.can_share_session`` (``PermissionDenied(SHARE_NOT_ALLOWED)``), lock
  the row, and keep ``ck_chat_sessions_shared_has_token`` true by writing the flag and the token together.
  ``session`` is updated in place and returned.
"""

from __future__ import annotations

import secrets

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from tutoring.models import ChatSession
from tutoring.permissions import can_share_session

SHARE_TOKEN_BYTES = 32
SHARE_NOT_ALLOWED = gettext_noop("You may not change how this chat is shared.")


def _set_sharing(*, actor, session: ChatSession, enabled: bool) -> ChatSession:
    if actor is not None and not can_share_session(actor, session):
        raise PermissionDenied(gettext(SHARE_NOT_ALLOWED))
    with transaction.atomic():
        locked = ChatSession.objects.select_for_update().only("pk", "share_enabled", "share_token").get(pk=session.pk)
        if enabled and locked.share_enabled and locked.share_token:
            token = locked.share_token
        else:
            token = secrets.token_urlsafe(SHARE_TOKEN_BYTES) if enabled else None
            ChatSession.objects.filter(pk=session.pk).update(share_enabled=enabled, share_token=token)
    session.share_enabled, session.share_token = enabled, token
    return session


def enable_session_sharing(*, actor, session: ChatSession) -> ChatSession:
    return _set_sharing(actor=actor, session=session, enabled=True)


def disable_session_sharing(*, actor, session: ChatSession) -> ChatSession:
    return _set_sharing(actor=actor, session=session, enabled=False)
