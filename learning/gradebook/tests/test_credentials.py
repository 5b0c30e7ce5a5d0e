"""Open Badges 3.0 credentials: keys in encrypted settings, the credential's shape, its VC-JWT verified by an
independent JOSE library (joserfc) against the published JWKS, rotation, and one first key under a race."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest
from django.db import connection
from joserfc import jwt as jose_jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet

from learning.gradebook import credentials
from lms import crypto
from lms.models import SystemSetting

SCHEMA = json.loads((Path(credentials.__file__).parent / "schemas" / "openbadgecredential.schema.json").read_text())
BASE = "https://lms.example.edu"


def key_url(key_id: str) -> str:
    return f"{BASE}/certificates/issuers/NIT/keys/{key_id}"


@pytest.fixture
def encryption_key(settings):
    settings.SETTINGS_ENCRYPTION_KEYS = [crypto.generate_key()]


def facts(**overrides) -> credentials.CredentialFacts:
    values = {
        "credential_url": f"{BASE}/certificates/abc/credential.json",
        "issuer_url": f"{BASE}/certificates/issuers/NIT/",
        "issuer_name": "Northbridge Institute of Technology",
        "issuer_website": "https://nit.example.edu",
        "achievement_url": f"{BASE}/courses/NIT/MATH101/",
        "course_title": "Calculus I",
        "course_code": "MATH101",
        "course_description": "Limits, derivatives and integrals.",
        "criteria": "Completed every item of MATH101 with a passing final grade.",
        "learner_subject_id": credentials.learner_subject_id(site_id=BASE, user_id=7),
        "learner_email": "Student1@nit.example.edu",
        "identity_salt": "pepper",
        "issued_at": datetime(2026, 12, 1, 10, 30, tzinfo=UTC),
        "expires_at": None,
        "status_url": f"{BASE}/certificates/issuers/NIT/revocations.json",
    }
    values.update(overrides)
    return credentials.CredentialFacts(**values)


def verify(token: str, jwks: dict):
    return jose_jwt.decode(token, KeySet.import_key_set(jwks), algorithms=["RS256"])


@pytest.mark.django_db
def test_jwt_verifies_against_published_jwks_with_an_independent_library(encryption_key):
    key = credentials.ensure_signing_key(university_id=1)
    credential = credentials.build_credential(facts())
    token = credentials.sign_credential(credential, key=key, kid=key_url(key.key_id))

    token_obj = verify(token, credentials.public_jwks(university_id=1, key_url=key_url))

    assert token_obj.header == {"alg": "RS256", "kid": key_url(key.key_id), "typ": "JWT"}
    claims = token_obj.claims
    assert claims["vc"] == credential
    assert claims["iss"] == credential["issuer"]["id"]
    assert claims["jti"] == credential["id"]
    assert claims["sub"] == credential["credentialSubject"]["id"]
    assert claims["nbf"] == int(datetime(2026, 12, 1, 10, 30, tzinfo=UTC).timestamp())
    assert "exp" not in claims


@pytest.mark.django_db
def test_a_tampered_jwt_fails_verification(encryption_key):
    key = credentials.ensure_signing_key(university_id=1)
    token = credentials.sign_credential(credentials.build_credential(facts()), key=key, kid=key_url(key.key_id))
    header, payload, signature = token.split(".")
    other = credentials.sign_credential(
        credentials.build_credential(facts(course_title="Something else")), key=key, kid=key_url(key.key_id)
    )
    forged = ".".join([header, other.split(".")[1], signature])
    with pytest.raises(BadSignatureError):
        verify(forged, credentials.public_jwks(university_id=1, key_url=key_url))


@pytest.mark.django_db
def test_credential_is_schema_valid_and_holds_no_email_in_clear(encryption_key):
    credential = credentials.build_credential(facts(expires_at=datetime(2029, 12, 1, tzinfo=UTC), grade="A-"))
    jsonschema.validate(credential, SCHEMA, format_checker=jsonschema.FormatChecker())
    text = json.dumps(credential).lower()
    assert "student1@nit.example.edu" not in text
    identity = credential["credentialSubject"]["identifier"][0]
    assert identity["identityHash"] == credentials.identity_hash("student1@nit.example.edu", "pepper")
    assert credential["validUntil"] == "2029-12-01T00:00:00Z"
    assert credential["credentialSubject"]["result"] == [{"type": ["Result"], "value": "A-"}]


def test_schema_rejects_a_credential_missing_what_ob3_requires():
    credential = credentials.build_credential(facts())
    for broken in (
        {k: v for k, v in credential.items() if k != "validFrom"},
        {**credential, "type": ["VerifiableCredential"]},
        {**credential, "@context": ["https://www.w3.org/2018/credentials/v1"]},
        {**credential, "credentialSubject": {**credential["credentialSubject"], "email": "a@b.c"}},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, SCHEMA)


@pytest.mark.django_db
def test_expiring_credential_carries_exp_and_is_refused_after_it(encryption_key):
    key = credentials.ensure_signing_key(university_id=1)
    issued = datetime.now(UTC) - timedelta(days=10)
    credential = credentials.build_credential(facts(issued_at=issued, expires_at=issued + timedelta(days=1)))
    token = credentials.sign_credential(credential, key=key, kid=key_url(key.key_id))
    claims = verify(token, credentials.public_jwks(university_id=1, key_url=key_url)).claims
    assert claims["exp"] == int((issued + timedelta(days=1)).replace(microsecond=0).timestamp())
    with pytest.raises(Exception, match="expired"):
        jose_jwt.JWTClaimsRegistry().validate(claims)


@pytest.mark.django_db
def test_keys_are_stored_encrypted_and_jwks_has_no_private_part(encryption_key):
    credentials.ensure_signing_key(university_id=1)
    stored = SystemSetting.objects.get(setting_key=credentials.setting_key(1))
    assert stored.is_encrypted
    assert "PRIVATE KEY" not in stored.setting_value
    jwks = credentials.public_jwks(university_id=1, key_url=key_url)
    assert len(jwks["keys"]) == 1
    assert {"d", "p", "q", "dp", "dq", "qi"}.isdisjoint(jwks["keys"][0])
    assert jwks["keys"][0]["kty"] == "RSA" and jwks["keys"][0]["alg"] == "RS256"


@pytest.mark.django_db
def test_rotation_keeps_old_credentials_verifying(encryption_key):
    old = credentials.ensure_signing_key(university_id=1)
    credential = credentials.build_credential(facts())
    old_token = credentials.sign_credential(credential, key=old, kid=key_url(old.key_id))

    new = credentials.rotate_signing_key(university_id=1)
    assert new.key_id != old.key_id
    assert credentials.ensure_signing_key(university_id=1) == new  # signing now uses the new key
    jwks = credentials.public_jwks(university_id=1, key_url=key_url)
    assert [k["kid"] for k in jwks["keys"]] == [key_url(new.key_id), key_url(old.key_id)]
    assert verify(old_token, jwks).claims["vc"] == credential
    new_token = credentials.sign_credential(credential, key=new, kid=key_url(new.key_id))
    assert verify(new_token, jwks).header["kid"] == key_url(new.key_id)


@pytest.mark.django_db
def test_keys_are_per_university(encryption_key):
    a = credentials.ensure_signing_key(university_id=1)
    b = credentials.ensure_signing_key(university_id=2)
    token = credentials.sign_credential(credentials.build_credential(facts()), key=a, kid=key_url(a.key_id))
    assert a.key_id != b.key_id
    # B's key, even published under A's kid, cannot verify what A signed.
    b_jwks = credentials.public_jwks(university_id=2, key_url=lambda _key_id: key_url(a.key_id))
    with pytest.raises(BadSignatureError):
        verify(token, b_jwks)


@pytest.mark.django_db(transaction=True)
def test_first_key_is_made_once_when_two_workers_race(encryption_key, settings):
    barrier = threading.Barrier(2)
    made: list[str] = []

    def worker():
        try:
            barrier.wait()
            made.append(credentials.ensure_signing_key(university_id=5).key_id)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 2 and made[0] == made[1]
    assert len(credentials.public_jwks(university_id=5, key_url=key_url)["keys"]) == 1
