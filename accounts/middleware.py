"""``AuthenticationMiddleware``: Django's, with ``request.user`` resolved by Django's ``auth.get_user``
while the session store may hand over the user row it read with the session (``accounts.sessions``)."""

from __future__ import annotations

from django.contrib import auth
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.utils.functional import SimpleLazyObject

from accounts.sessions import offering_preloaded_user


def get_user(request):
    if not hasattr(request, "_cached_user"):
        with offering_preloaded_user(request.session):
            request._cached_user = auth.get_user(request)
    return request._cached_user


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: get_user(request))
