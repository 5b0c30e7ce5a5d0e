from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


def probe_database(db=None) -> None:
    """Ask the database (``db``, a connection; by default this request's) one trivial question; raise the
    driver's error when it does not answer."""
    with (db or connection).cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database check for load balancers: 200 when the database answers, else 503."""
    try:
        probe_database()
    except Exception as exc:  # any database failure is "unhealthy", never a 500
        return JsonResponse({"status": "error", "database": "unavailable", "detail": type(exc).__name__}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@require_GET
def hello(request: HttpRequest) -> HttpResponse:
    """A trivial view: the baseline that bench/ scripts measure beside real pages."""
    return HttpResponse("hello", content_type="text/plain")
