"""Sessions (``SESSION_ENGINE = "accounts.sessions"``): Django's database sessions in ``user_sessions``,
with the signed-in user read in the same query.

Every signed-in request used to make two round trips before the view ran: the session row, then the
user row (``AuthenticationMiddleware``). Here the session row is read with its user's row joined, as one
prepared statement (``lms.db.prepared_cursor``); the user is kept on the session store, and
``accounts.middleware.AuthenticationMiddleware`` lets the backend take it from there while Django's own
``auth.get_user`` runs (session hash verification, inactive users and all). Everything else is Django's
``db`` backend: saving, key cycling, flushing, ``clearsessions``.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.db import connection
from django.utils import timezone

from accounts.models import User, UserSession
from lms.db import prepared_cursor

# The session store whose preloaded user the backend may use: set only while auth.get_user runs.
_current_store: ContextVar[SessionStore | None] = ContextVar("accounts_session_store", default=None)


@cache
def _session_select() -> tuple[str, tuple[str, ...]]:
    quote = connection.ops.quote_name
    fields = User._meta.concrete_fields
    user_columns = ", ".join(f"u.{quote(field.column)}" for field in fields)
    # Identifiers from the models' metadata only; key and time are bound parameters.
    sql = (
        f"SELECT s.session_data, s.expire_date, {user_columns} "  # noqa: S608
        f"FROM {quote(UserSession._meta.db_table)} s "
        f"LEFT JOIN {quote(User._meta.db_table)} u ON u.{quote(User._meta.pk.column)} = s.user_id "
        "WHERE s.session_key = %s AND s.expire_date > %s"
    )
    return sql, tuple(field.attname for field in fields)


class SessionStore(DBStore):
    preloaded_user = None

    @classmethod
    def get_model_class(cls):
        return UserSession

    def _get_session_from_db(self):
        self.preloaded_user = None
        if not self.session_key:
            return None
        sql, attnames = _session_select()
        with prepared_cursor() as cursor:
            cursor.execute(sql, [self.session_key, timezone.now()])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        session_data, expire_date, *user_values = row
        if user_values[0] is not None:
            self.preloaded_user = User.from_db(connection.alias, attnames, user_values)
        return self.model(session_key=self.session_key, session_data=session_data, expire_date=expire_date)

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        try:
            session.user_id = int(data[SESSION_KEY])
        except (KeyError, TypeError, ValueError):
            session.user_id = None
        return session


@contextmanager
def offering_preloaded_user(session):
    """While the block runs, ``preloaded_user`` may answer from ``session``'s store."""
    token = _current_store.set(session if isinstance(session, SessionStore) else None)
    try:
        yield
    finally:
        _current_store.reset(token)


def preloaded_user(user_id):
    """The user row read with the current session, when it is the user ``user_id``; else None."""
    store = _current_store.get()
    user = store.preloaded_user if store is not None else None
    if user is not None and str(user.pk) == str(user_id):
        return user
    return None
