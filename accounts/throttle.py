"""Brute-force protection of the log-in, in two layers (README "Security").

1. :class:`LoginRateLimitMiddleware`, *before* any password is hashed: each client IP may POST to the
   log-in forms (the site's and the staff console's) and the sign-up form ``settings.LOGIN_RATE_LIMIT``
   times per ``settings.LOGIN_RATE_WINDOW`` seconds (a counter in the shared cache: one cache round trip).
   Beyond it the answer is 429 with ``rate_limited_message``, and no worker spends ~1 s on Argon2, so a flood of
   log-in posts cannot tie up every worker.
2. django-axes counts *failed* log-ins per account (e-mail, case-folded by :func:`axes_username`) and per
   IP; at ``AXES_FAILURE_LIMIT`` it locks that account / IP out for ``AXES_COOLOFF_TIME``. Its backend runs
   before ours, so a locked-out attempt is refused without hashing; :func:`lockout_response` shows the log-in
   page with ``locked_out_message`` (429). Staff unlock an account with the user list's "Unlock log-in" action
   (``accounts.services.unlock_login``); platform admins also see and delete the attempt rows.
"""

from __future__ import annotations

import math
import time
from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.db.models import Max, Q
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from accounts.forms import LoginForm
from lms.client_ip import client_ip

_KEY = "login-rate:{ip}:{window}"


def _minutes(seconds: float) -> int:
    return max(1, math.ceil(seconds / 60))


def locked_out_message(minutes: int) -> str:
    return ngettext(
        "Too many failed log-in attempts. Try again in %(minutes)d minute, or reset your password.",
        "Too many failed log-in attempts. Try again in %(minutes)d minutes, or reset your password.",
        minutes,
    ) % {"minutes": minutes}


def rate_limited_message(minutes: int) -> str:
    return ngettext(
        "Too many attempts from your network. Try again in %(minutes)d minute.",
        "Too many attempts from your network. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def _throttled_paths() -> frozenset[str]:
    return frozenset({reverse("accounts:login"), reverse("admin:login"), reverse("accounts:signup")})


def _login_page(request, message: str):
    context = {"form": LoginForm(request), "lockout_message": message, "next": request.POST.get("next", "")}
    return render(request, "accounts/login.html", context, status=429)


class LoginRateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.paths: frozenset[str] | None = None

    def __call__(self, request):
        if request.method == "POST":
            if self.paths is None:
                self.paths = _throttled_paths()
            if request.path in self.paths:
                wait = self.seconds_to_wait(request)
                if wait:
                    return _login_page(request, rate_limited_message(_minutes(wait)))
        return self.get_response(request)

    @staticmethod
    def seconds_to_wait(request) -> float:
        """Count this attempt in the client's current window; seconds until the window ends when over."""
        window_seconds = settings.LOGIN_RATE_WINDOW
        now = time.time()
        window = int(now // window_seconds)
        key = _KEY.format(ip=client_ip(request), window=window)
        if cache.add(key, 1, timeout=window_seconds + 5):
            count = 1
        else:
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, timeout=window_seconds + 5)
                count = 1
        if count <= settings.LOGIN_RATE_LIMIT:
            return 0
        return (window + 1) * window_seconds - now


def axes_username(request, credentials) -> str | None:
    """The account an attempt is counted against: the e-mail as typed, case-folded (e-mails are stored
    lower-cased, so ``Student@X`` and ``student@x`` are one account)."""
    username = (credentials or {}).get(settings.AXES_USERNAME_FORM_FIELD)
    return username.strip().lower() if isinstance(username, str) else None


def lockout_seconds_left(request, credentials) -> float:
    """Seconds until the newest failure of this account or IP is older than the cool-off time."""
    cool_off: timedelta = settings.AXES_COOLOFF_TIME
    where = Q(ip_address=client_ip(request))
    username = axes_username(request, credentials)
    if username:
        where |= Q(username=username)
    newest = AccessAttempt.objects.filter(where).aggregate(newest=Max("attempt_time"))["newest"]
    if newest is None:
        return cool_off.total_seconds()
    return max(0.0, (newest + cool_off - timezone.now()).total_seconds())


def lockout_response(request, original_response=None, credentials=None):
    return _login_page(request, locked_out_message(_minutes(lockout_seconds_left(request, credentials))))
