"""Public certificate pages and Open Badges documents (thin: the reads are ``learning.gradebook.selectors``).

Every page under /certificates/ is public (a verifier has no account), never indexed (robots meta and
``X-Robots-Tag: noindex``), and shows no e-mail. An unknown code, issuer or key answers the site's 404.
Signing needs ``SETTINGS_ENCRYPTION_KEYS``: without it the JWT, the JWKS and the key answer 503 with
``SIGNING_UNAVAILABLE`` (the page, the PDF and the unsigned JSON still work).
"""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from learning.gradebook import credentials, selectors, services
from learning.gradebook.pdf import render_certificate_pdf
from lms.crypto import EncryptionError

SIGNING_UNAVAILABLE = (
    "Signed credentials are unavailable: this server has no SETTINGS_ENCRYPTION_KEYS configured to protect its "
    "signing keys. The certificate page and its PDF still verify the certificate."
)
BAD_VISIBILITY = "Choose show=1 or show=0."


def _noindex(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex"
    return response


def _json(data: dict, *, content_type: str = "application/json", status: int = 200) -> HttpResponse:
    response = HttpResponse(json.dumps(data, indent=2), content_type=content_type, status=status)
    response["Access-Control-Allow-Origin"] = "*"  # verifiers fetch these from other origins
    return _noindex(response)


def _unavailable() -> HttpResponse:
    return _json({"error": SIGNING_UNAVAILABLE}, status=503)


def _certificate(code: str):
    certificate = selectors.certificate_by_code(code)
    if certificate is None:
        raise Http404("No such certificate.")
    return certificate


def _university(short_code: str):
    university = selectors.active_university(short_code)
    if university is None:
        raise Http404("No such issuer.")
    return university


@require_GET
def certificate_page(request, code: str):
    certificate = _certificate(code)
    view = selectors.certificate_view(certificate)
    is_owner = request.user.is_authenticated and request.user.pk == certificate.user_id
    return _noindex(render(request, "learning/certificate.html", {"view": view, "is_owner": is_owner}))


@require_GET
def certificate_pdf(request, code: str):
    view = selectors.certificate_view(_certificate(code))
    response = HttpResponse(render_certificate_pdf(selectors.certificate_print(view)), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{code}.pdf"'
    return _noindex(response)


@require_GET
def credential_json(request, code: str):
    return _json(selectors.credential_of(_certificate(code)), content_type="application/vc+ld+json")


@require_GET
def credential_jwt(request, code: str):
    certificate = _certificate(code)
    try:
        token = selectors.signed_credential(certificate)
    except EncryptionError:
        return _unavailable()
    response = HttpResponse(token, content_type="application/vc+jwt")
    response["Access-Control-Allow-Origin"] = "*"
    return _noindex(response)


@require_POST
def grade_visibility(request, code: str):
    certificate = _certificate(code)
    if not request.user.is_authenticated or request.user.pk != certificate.user_id:
        raise Http404("No such certificate.")  # another user's certificate: nothing to change here
    raw = request.POST.get("show")
    if raw not in ("0", "1"):
        return HttpResponseBadRequest(BAD_VISIBILITY)
    try:
        services.set_certificate_grade_visibility(actor=request.user, certificate=certificate, show=raw == "1")
    except (PermissionDenied, ValidationError) as exc:  # re-checked under the lock
        return HttpResponseBadRequest(str(getattr(exc, "message", exc)))
    return redirect("certificate_page", code=certificate.certificate_code)


@require_GET
def issuer(request, short_code: str):
    return _json(selectors.issuer_profile(_university(short_code)))


@require_GET
def issuer_jwks(request, short_code: str):
    university = _university(short_code)
    try:
        jwks = credentials.public_jwks(university_id=university.pk, key_url=selectors.key_url_for(short_code))
    except EncryptionError:
        return _unavailable()
    return _json(jwks, content_type="application/jwk-set+json")


@require_GET
def issuer_key(request, short_code: str, key_id: str):
    university = _university(short_code)
    try:
        jwk = credentials.public_key_by_id(
            university_id=university.pk, key_id=key_id, key_url=selectors.key_url_for(short_code)
        )
    except EncryptionError:
        return _unavailable()
    if jwk is None:
        raise Http404("No such key.")
    return _json(jwk, content_type="application/jwk+json")


@require_GET
def revocations(request, short_code: str):
    return _json(selectors.revocation_list(_university(short_code)))
