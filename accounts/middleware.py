"""``AuthenticationMiddleware``: Django's, with ``request.user`` resolved by Django's ``auth.get_user``
while the session store may hand over the user row it read with the session (``accounts.sessions``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.utils import translation
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


class UserLocaleMiddleware:
    """A signed-in user's own language (``users.locale``, chosen on the profile page) over the browser's.

    Runs after Django's ``LocaleMiddleware`` (which chose from Accept-Language among ``settings.LANGUAGES``)
    and after authentication. A stored language the site does not offer (an old value, a language since
    removed from ``LANGUAGES``) is ignored: the browser's choice, else English, stays active."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # No session cookie, no signed-in user: leave the session (and the database) untouched.
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return self.get_response(request)
        user = request.user
        if user.is_authenticated and user.locale:
            try:
                language = translation.get_supported_language_variant(user.locale)
            except LookupError:
                language = None
            if language and language != request.LANGUAGE_CODE:
                translation.activate(language)
                request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
