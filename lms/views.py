import sys
from functools import cache

from django.conf import settings
from django.core.cache import caches
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext, gettext_noop
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_GET

HEALTH_CACHE_KEY = "lms:healthz"
UNAVAILABLE = gettext_noop(
    "The service is briefly unavailable (its database is not answering). Please try again in a minute."
)
RETRY_AFTER_SECONDS = 30


def probe_database(db=None) -> None:
    """Ask the database (``db``, a connection; by default this request's) one trivial question; raise the
    driver's error when it does not answer."""
    with (db or connection).cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def probe_cache(cache=None) -> None:
    """Read one key from the shared cache (``cache``; by default the default cache); raise when the cache
    cannot answer (Redis down, or the database cache's table missing after a deploy that skipped
    ``migrate``)."""
    (cache or caches["default"]).get(HEALTH_CACHE_KEY)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness, database and cache check for load balancers: 200 when both answer, else 503."""
    try:
        probe_database()
    except Exception as exc:  # any database failure is "unhealthy", never a 500
        return JsonResponse({"status": "error", "database": "unavailable", "detail": type(exc).__name__}, status=503)
    try:
        probe_cache()
    except Exception as exc:  # a missing cache table is a ProgrammingError, Redis a ConnectionError
        return JsonResponse(
            {"status": "error", "database": "ok", "cache": "unavailable", "detail": type(exc).__name__}, status=503
        )
    return JsonResponse({"status": "ok", "database": "ok", "cache": "ok"})


@cache
def _favicon_bytes() -> bytes:
    return (settings.BASE_DIR / "static" / "favicon.ico").read_bytes()


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """``/favicon.ico``, the path browsers ask for before any page names its icon: the same file base.html
    links from ``static/`` (a copy in memory; a day of browser caching)."""
    response = HttpResponse(_favicon_bytes(), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_GET
def hello(request: HttpRequest) -> HttpResponse:
    """A trivial view: the baseline that bench/ scripts measure beside real pages."""
    return HttpResponse("hello", content_type="text/plain")


@requires_csrf_token
def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """``handler500``: a request that failed because the database did not answer (down, restarting, no
    pooled connection within ``DB_POOL_TIMEOUT``) is a 503 "briefly unavailable" with ``Retry-After``,
    rendered without touching the database (the API answers in its JSON error shape); anything else is
    Django's 500 page."""
    error = sys.exc_info()[1]
    if not isinstance(error, OperationalError | InterfaceError):
        return defaults.server_error(request, template_name)
    if request.path.startswith("/api/"):
        response = JsonResponse({"message": UNAVAILABLE, "error": "ServiceUnavailableError"}, status=503)
    else:
        response = HttpResponse(loader.render_to_string("503.html", {"message": gettext(UNAVAILABLE)}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
