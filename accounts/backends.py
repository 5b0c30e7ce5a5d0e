"""The authentication backend: Django's ``ModelBackend`` (e-mail and password, ``is_active`` required),
with the per-request user read made cheap: taken from the session read when it carried it
(``accounts.sessions``), else read as below.

``get_user`` runs on every signed-in request (``AuthenticationMiddleware``). Through the ORM it cost
~0.33 ms, mostly building and compiling the same ``SELECT`` each time; here the statement text is built
once per process and executed as a prepared statement (``lms.db.prepared_cursor``), ~0.1 ms. The row
becomes a ``User`` through ``Model.from_db``, as the ORM would make it.
"""

from __future__ import annotations

from functools import cache

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.models import User
from accounts.sessions import preloaded_user
from lms.db import prepared_cursor


@cache
def _user_select() -> tuple[str, tuple[str, ...]]:
    quote = connection.ops.quote_name
    fields = User._meta.concrete_fields
    columns = ", ".join(quote(field.column) for field in fields)
    # Identifiers from the model's metadata only; the id is a bound parameter.
    sql = f"SELECT {columns} FROM {quote(User._meta.db_table)} WHERE {quote(User._meta.pk.column)} = %s"  # noqa: S608
    return sql, tuple(field.attname for field in fields)


class EmailBackend(ModelBackend):
    def get_user(self, user_id):
        user = preloaded_user(user_id)  # read with the session (accounts.sessions)
        if user is not None:
            return user if self.user_can_authenticate(user) else None
        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        sql, attnames = _user_select()
        with prepared_cursor() as cursor:
            cursor.execute(sql, [pk])
            row = cursor.fetchone()
        if row is None:
            return None
        user = User.from_db("default", attnames, row)
        return user if self.user_can_authenticate(user) else None


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' check, first in ``AUTHENTICATION_BACKENDS``: a locked-out account or address is refused
    before ``EmailBackend`` hashes the password (``accounts.throttle``). A call without a request (the test
    client's ``login()``, a shell) comes from no client there is anything to lock out, so it passes on to
    the next backend instead of raising axes' ``AxesBackendRequestParameterRequired``."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
