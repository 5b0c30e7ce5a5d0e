"""The public certificate page, its PDF and the Open Badges documents, as a verifier and the owner see them."""

from __future__ import annotations

import io
from datetime import timedelta

import jsonschema
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from joserfc import jwt as jose_jwt
from joserfc.jwk import KeySet
from pypdf import PdfReader

from learning.enrollment.models import CourseEnrollment, EnrollmentStatus
from learning.gradebook import services, views
from learning.gradebook.models import Certificate, CourseGrade
from learning.gradebook.tests import test_credentials
from lms import crypto

SITE = "https://lms.example.edu"
SCHEMA = test_credentials.SCHEMA


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def encryption_key(settings):
    settings.SETTINGS_ENCRYPTION_KEYS = [crypto.generate_key()]


def issued(tenant) -> Certificate:
    enrollment = CourseEnrollment.objects.get(user=tenant.student, course_offering=tenant.offering)
    CourseEnrollment.objects.filter(pk=enrollment.pk).update(status=EnrollmentStatus.COMPLETED)
    return services.issue_certificate(enrollment=enrollment)[0]


def page(client, certificate, name="certificate_page"):
    return client.get(reverse(name, args=[certificate.certificate_code]))


def test_the_page_verifies_without_an_email_and_is_not_indexed(client, world):
    certificate = issued(world.a)
    response = page(client, certificate)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Student A" in html and world.a.course.title in html and "Université Alpha" in html
    assert "Valid" in html
    assert world.a.student.email not in html and "@" not in html.split("<body", 1)[1].split("</main>")[0]
    assert '<meta name="robots" content="noindex">' in html
    assert response["X-Robots-Tag"] == "noindex"
    assert "@media print" in html
    assert "Show my grade" not in html  # an anonymous verifier gets no owner controls


def test_unknown_and_malformed_codes_are_the_sites_404(client, world):
    issued(world.a)
    for code in ("x" * 32, "short", "bad code!", "a" * 65):
        for name in (
            "certificate_page",
            "certificate_pdf",
            "certificate_credential_json",
            "certificate_credential_jwt",
        ):
            response = client.get(
                f"/certificates/{code}/"
                + {
                    "certificate_page": "",
                    "certificate_pdf": "certificate.pdf",
                    "certificate_credential_json": "credential.json",
                    "certificate_credential_jwt": "credential.jwt",
                }[name]
            )
            assert response.status_code == 404, (code, name)
    assert "Page not found" in client.get("/certificates/" + "x" * 32 + "/").content.decode()


def test_revocation_and_expiry_show_on_the_page_pdf_and_revocation_list(client, world):
    revoked, expiring = issued(world.a), issued(world.b)
    services.revoke_certificate(actor=world.a.instructor, certificate=revoked, reason="Academic misconduct")
    Certificate.objects.filter(pk=expiring.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1), issued_at=timezone.now() - timedelta(days=2)
    )
    assert "Revoked" in page(client, revoked).content.decode()
    assert "Expired" in page(client, expiring).content.decode()
    text = PdfReader(io.BytesIO(page(client, revoked, "certificate_pdf").content)).pages[0].extract_text()
    assert "Status: Revoked" in text and "Student A" in text and revoked.certificate_code in text

    alpha = client.get(reverse("certificate_revocations", args=["ALPHA"])).json()
    assert alpha["revokedCredentials"] == [
        {
            "id": f"{SITE}/certificates/{revoked.certificate_code}/credential.json",
            "revocationReason": "Academic misconduct",
        }
    ]
    # B's list does not carry A's revocation (and B's expired certificate is not revoked).
    assert client.get(reverse("certificate_revocations", args=["BETA"])).json()["revokedCredentials"] == []
    # The credential's status points at that list.
    credential = page(client, revoked, "certificate_credential_json").json()
    assert credential["credentialStatus"] == {"id": alpha["id"], "type": "1EdTechRevocationList"}


def test_the_jwt_verifies_against_the_served_jwks(client, world, encryption_key):
    certificate = issued(world.a)
    response = page(client, certificate, "certificate_credential_jwt")
    assert response.status_code == 200 and response["Content-Type"] == "application/vc+jwt"
    token = response.content.decode()
    jwks = client.get(reverse("certificate_issuer_jwks", args=["ALPHA"])).json()
    decoded = jose_jwt.decode(token, KeySet.import_key_set(jwks), algorithms=["RS256"])
    vc = decoded.claims["vc"]
    jsonschema.validate(vc, SCHEMA)  # the OB 3.0 OpenBadgeCredential JSON schema (vendored)
    assert vc == page(client, certificate, "certificate_credential_json").json()
    assert decoded.claims["iss"] == f"{SITE}/certificates/issuers/ALPHA/"
    assert vc["credentialSubject"]["achievement"]["name"] == f"{world.a.course.code} {world.a.course.title}"
    assert world.a.student.email not in token and world.a.student.email not in str(decoded.claims)
    # The kid is the URL of the key, and that URL serves the same public key.
    kid = decoded.header["kid"]
    assert kid.startswith(f"{SITE}/certificates/issuers/ALPHA/keys/")
    key = client.get(kid.removeprefix(SITE)).json()
    assert key == jwks["keys"][0] and "d" not in key
    assert client.get(reverse("certificate_issuer", args=["ALPHA"])).json()["id"] == decoded.claims["iss"]
    # B's issuer does not publish A's key.
    assert client.get(kid.removeprefix(SITE).replace("/ALPHA/", "/BETA/")).status_code == 404
    # After a rotation, the earlier JWT still verifies against the served JWKS.
    call_command("rotate_badge_key", "--university", "ALPHA", stdout=io.StringIO())
    jwks = client.get(reverse("certificate_issuer_jwks", args=["ALPHA"])).json()
    assert len(jwks["keys"]) == 2
    jose_jwt.decode(token, KeySet.import_key_set(jwks), algorithms=["RS256"])


def test_without_an_encryption_key_the_signed_downloads_answer_503_and_the_page_works(client, world, settings):
    settings.SETTINGS_ENCRYPTION_KEYS = []
    certificate = issued(world.a)
    response = page(client, certificate, "certificate_credential_jwt")
    assert response.status_code == 503 and response.json() == {"error": views.SIGNING_UNAVAILABLE}
    # No key was ever made (none could be stored): the issuer publishes an empty key set.
    assert client.get(reverse("certificate_issuer_jwks", args=["ALPHA"])).json() == {"keys": []}
    assert page(client, certificate).status_code == 200
    assert page(client, certificate, "certificate_pdf").status_code == 200
    assert page(client, certificate, "certificate_credential_json").status_code == 200


def test_unknown_issuer_and_key_are_404(client, world, encryption_key):
    for url in (
        "/certificates/issuers/NOPE/",
        "/certificates/issuers/NOPE/jwks.json",
        "/certificates/issuers/NOPE/revocations.json",
        "/certificates/issuers/ALPHA/keys/nope",
    ):
        assert client.get(url).status_code == 404, url


def test_the_owner_toggles_the_grade_and_nobody_else_can(client, world):
    certificate = issued(world.a)
    CourseGrade.objects.create(
        user=world.a.student, course_offering=world.a.offering, letter_grade="A-", final_score=91
    )
    url = reverse("certificate_grade_visibility", args=[certificate.certificate_code])
    assert "Final grade" not in page(client, certificate).content.decode()

    assert client.post(url, {"show": "1"}).status_code == 404  # anonymous
    for other in (world.b.student, world.a.instructor):
        client.force_login(other)
        assert client.post(url, {"show": "1"}).status_code == 404
        assert "Show my grade" not in page(client, certificate).content.decode()
    client.force_login(world.a.student)
    assert "Show my grade" in page(client, certificate).content.decode()
    for bad in ({}, {"show": "yes"}, {"show": ""}):
        response = client.post(url, bad)
        assert response.status_code == 400 and views.BAD_VISIBILITY in response.content.decode()
    assert client.get(url).status_code == 405
    certificate.refresh_from_db()
    assert certificate.show_grade is False

    assert client.post(url, {"show": "1"}).status_code == 302
    client.logout()
    html = page(client, certificate).content.decode()
    assert "Final grade: <strong>A-</strong>" in html
    assert page(client, certificate, "certificate_credential_json").json()["credentialSubject"]["result"] == [
        {"type": ["Result"], "value": "A-"}
    ]
    text = PdfReader(io.BytesIO(page(client, certificate, "certificate_pdf").content)).pages[0].extract_text()
    assert "Final grade: A-" in text


def test_rotate_badge_key_refuses_an_unknown_university(world, encryption_key):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="NOPE"):
        call_command("rotate_badge_key", "--university", "NOPE", stdout=io.StringIO())


@pytest.mark.parametrize("n", [1, 20])
def test_the_revocation_list_and_the_page_run_a_fixed_number_of_queries(
    client, world, django_assert_max_num_queries, n
):
    from catalog.tests.factories import CourseFactory, CourseOfferingFactory

    certificates = []
    for _ in range(n):
        offering = CourseOfferingFactory(
            course=CourseFactory(university=world.a.university), university=world.a.university
        )
        enrollment = CourseEnrollment.objects.create(
            user=world.a.student, course_offering=offering, status=EnrollmentStatus.COMPLETED
        )
        certificate = services.issue_certificate(enrollment=enrollment)[0]
        services.revoke_certificate(actor=world.a.university_admin, certificate=certificate, reason="Withdrawn")
        certificates.append(certificate)
    with django_assert_max_num_queries(2):
        body = client.get(reverse("certificate_revocations", args=["ALPHA"])).json()
    assert len(body["revokedCredentials"]) == n
    Certificate.objects.filter(pk=certificates[0].pk).update(show_grade=True)
    with django_assert_max_num_queries(3):  # certificate with its offering, the grade, nothing per row
        assert page(client, certificates[0]).status_code == 200


def test_keys_that_cannot_be_decrypted_answer_503_not_500(client, world, settings, encryption_key):
    certificate = issued(world.a)
    kid = jose_jwt.decode(
        page(client, certificate, "certificate_credential_jwt").content.decode(),
        KeySet.import_key_set(client.get(reverse("certificate_issuer_jwks", args=["ALPHA"])).json()),
        algorithms=["RS256"],
    ).header["kid"]
    settings.SETTINGS_ENCRYPTION_KEYS = []
    for url in (reverse("certificate_issuer_jwks", args=["ALPHA"]), kid.removeprefix(SITE),
                reverse("certificate_credential_jwt", args=[certificate.certificate_code])):
        response = client.get(url)
        assert response.status_code == 503 and response.json() == {"error": views.SIGNING_UNAVAILABLE}, url
