"""Cross-cutting request guards and response headers.

:class:`PermissionsPolicyMiddleware` sets ``Permissions-Policy`` (``settings.PERMISSIONS_POLICY``) on every
response; the Content-Security-Policy comes from django-csp's middleware (``settings.CONTENT_SECURITY_POLICY``).

:class:`RejectNulMiddleware` answers 400 to any request whose path, query string, cookies or form fields
hold a NUL character. PostgreSQL refuses NUL in ``text`` and ``jsonb``, so such a value reaching any
query (a search box, an admin filter, a session cookie) would otherwise end as a 500. Browsers never send
NUL; the guard exists for hand-made requests. Under ``/api/`` only cookies are checked here: the APIs
check their own paths, parameters and JSON bodies and answer in their own error format (``prompts.api``,
Langfuse's ``{"message", "error"}``). Uploaded files' bytes are not form fields, so they are untouched.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponseBadRequest, JsonResponse

NUL = "\x00"
MESSAGE = "The request holds a NUL character, which no field accepts."
API_PREFIX = "/api/"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _holds_nul(querydict) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in querydict.lists())


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        api = request.path.startswith(API_PREFIX)
        if any(NUL in key or NUL in value for key, value in request.COOKIES.items()):
            if api:
                return JsonResponse({"message": MESSAGE, "error": "InvalidRequestError"}, status=400)
            return HttpResponseBadRequest(MESSAGE, content_type="text/plain")
        if not api and self._form_holds_nul(request):
            return HttpResponseBadRequest(MESSAGE, content_type="text/plain")
        return self.get_response(request)

    @staticmethod
    def _form_holds_nul(request: HttpRequest) -> bool:
        if NUL in request.path or _holds_nul(request.GET):
            return True
        return request.method == "POST" and request.content_type in FORM_TYPES and _holds_nul(request.POST)


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
