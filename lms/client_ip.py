"""The client's IP address, for throttles and lockouts (``accounts.throttle``, django-axes).

``REMOTE_ADDR`` by default. Behind a reverse proxy every request would come from the proxy's address (one
client for the whole site): with ``settings.TRUST_X_FORWARDED_FOR`` (env ``TRUST_X_FORWARDED_FOR=true``) the
address is the last entry of ``X-Forwarded-For``, the one the proxy itself appended (entries before it are
whatever the client claimed).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

UNKNOWN = "0.0.0.0"  # noqa: S104 (a key, never bound)


def client_ip(request: HttpRequest) -> str:
    address = request.META.get("REMOTE_ADDR", "")
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if forwarded and forwarded[-1]:
            address = forwarded[-1]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return UNKNOWN
