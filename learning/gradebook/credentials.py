"""Open Badges 3.0 credentials: per-university RS256 signing keys, the OpenBadgeCredential, its VC-JWT.

Contract:
- Signing keys live in the encrypted ``system_settings`` row ``badges.signing_keys.<university id>`` (a
  JSON list, newest key first, each with its ``kid`` and its private key in PEM). Nothing else stores a
  private key, and no function here returns one.
- ``ensure_signing_key`` creates a university's first key (once, under an advisory lock, so two workers
  issuing the first certificate at the same moment make one key); ``rotate_signing_key`` puts a new key
  first and keeps the old ones, so every credential signed before a rotation still verifies against
  ``public_jwks``.
- ``build_credential`` is the OpenBadgeCredential (W3C VC 2.0 data model with the OB 3.0 context) of a
  certificate, from plain values; ``sign_credential`` wraps it as a Compact JWS per OB 3.0 §8.2 (JOSE header
  ``alg``/``kid``/``typ`` only; claims ``iss``, ``jti``, ``nbf``, ``sub``, ``vc`` and ``exp`` when the
  credential expires). RS256 signatures are deterministic: the same credential under the same key is
  the same JWT.
- Errors are ``lms.crypto.EncryptionError`` when no encryption key is configured (the caller shows it).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import connection, transaction
from jwt.algorithms import RSAAlgorithm

from lms.crypto import encrypt_value
from lms.models import SystemSetting
from lms.selectors import get_setting_value

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
RSA_KEY_BITS = 2048
ALGORITHM = "RS256"
# The advisory-lock namespace of first-key creation (any constant distinct from other advisory locks).
_KEY_LOCK_NAMESPACE = 0x0B3


def setting_key(university_id: int) -> str:
    return f"badges.signing_keys.{university_id}"


@dataclass(frozen=True)
class SigningKey:
    key_id: str  # the short id; the JOSE ``kid`` is the URL of the key (``key_url``)
    created_at: str
    private_pem: str

    def private_key(self) -> rsa.RSAPrivateKey:
        return serialization.load_pem_private_key(self.private_pem.encode(), password=None)


def _new_key() -> SigningKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_BITS)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return SigningKey(key_id=secrets.token_hex(8), created_at=datetime.now(UTC).isoformat(), private_pem=pem)


def _load_keys(university_id: int) -> list[SigningKey]:
    raw = get_setting_value(key=setting_key(university_id))
    if not raw:
        return []
    return [SigningKey(**row) for row in json.loads(raw)]


def _store_keys(university_id: int, keys: list[SigningKey]) -> None:
    value = encrypt_value(json.dumps([key.__dict__ for key in keys]))
    SystemSetting.objects.update_or_create(
        setting_key=setting_key(university_id),
        defaults={
            "setting_value": value,
            "is_encrypted": True,
            "description": "Open Badges signing keys of one university (newest first). Rotate with "
            "manage.py rotate_badge_key; never edit by hand.",
        },
    )


def _lock_university_keys(university_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_KEY_LOCK_NAMESPACE, university_id])


def ensure_signing_key(*, university_id: int) -> SigningKey:
    """The university's current key, made on first use (one key even when two workers race)."""
    keys = _load_keys(university_id)
    if keys:
        return keys[0]
    with transaction.atomic():
        _lock_university_keys(university_id)
        keys = _load_keys(university_id)
        if not keys:
            keys = [_new_key()]
            _store_keys(university_id, keys)
    return keys[0]


def rotate_signing_key(*, university_id: int) -> SigningKey:
    """Put a fresh key first; older keys stay published so earlier credentials keep verifying."""
    with transaction.atomic():
        _lock_university_keys(university_id)
        keys = [_new_key(), *_load_keys(university_id)]
        _store_keys(university_id, keys)
    return keys[0]


def public_jwk(key: SigningKey, *, kid: str) -> dict:
    jwk = RSAAlgorithm.to_jwk(key.private_key().public_key(), as_dict=True)
    jwk.update({"kid": kid, "alg": ALGORITHM, "use": "sig"})
    assert "d" not in jwk  # a public JWK never carries the private exponent
    return jwk


def public_jwks(*, university_id: int, key_url) -> dict:
    """Every published key of the university as a JWKS; ``key_url(key_id)`` gives each key's ``kid``."""
    return {"keys": [public_jwk(key, kid=key_url(key.key_id)) for key in _load_keys(university_id)]}


def public_key_by_id(*, university_id: int, key_id: str, key_url) -> dict | None:
    for key in _load_keys(university_id):
        if key.key_id == key_id:
            return public_jwk(key, kid=key_url(key.key_id))
    return None


def identity_hash(email: str, salt: str) -> str:
    """OB 3.0 IdentityHash: ``sha256$`` + hex of SHA-256 over the e-mail (lowercased) and the salt."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()


def learner_subject_id(*, site_id: str, user_id: int) -> str:
    """A stable pseudonymous ``urn:uuid`` for the learner: the e-mail never appears in clear."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{site_id}/learners/{user_id}')}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class CredentialFacts:
    """What a credential says, in plain values (the gradebook's services fill it from a certificate)."""

    credential_url: str
    issuer_url: str
    issuer_name: str
    issuer_website: str | None
    achievement_url: str
    course_title: str
    course_code: str
    course_description: str
    criteria: str
    learner_subject_id: str
    learner_email: str
    identity_salt: str
    issued_at: datetime
    expires_at: datetime | None
    status_url: str
    grade: str | None = None  # only when the learner chose to show it


def build_credential(facts: CredentialFacts) -> dict:
    issuer = {"id": facts.issuer_url, "type": ["Profile"], "name": facts.issuer_name}
    if facts.issuer_website:
        issuer["url"] = facts.issuer_website
    subject = {
        "id": facts.learner_subject_id,
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityType": "emailAddress",
                "hashed": True,
                "identityHash": identity_hash(facts.learner_email, facts.identity_salt),
                "salt": facts.identity_salt,
            }
        ],
        "achievement": {
            "id": facts.achievement_url,
            "type": ["Achievement"],
            "achievementType": "Course",
            "name": f"{facts.course_code} {facts.course_title}",
            "description": facts.course_description or f"Completion of {facts.course_code} {facts.course_title}.",
            "criteria": {"narrative": facts.criteria},
        },
    }
    if facts.grade:
        subject["result"] = [{"type": ["Result"], "value": facts.grade}]
    credential = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": facts.credential_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{facts.course_code} {facts.course_title}",
        "issuer": issuer,
        "validFrom": _iso(facts.issued_at),
        "credentialSubject": subject,
        "credentialStatus": {"id": facts.status_url, "type": "1EdTechRevocationList"},
    }
    if facts.expires_at:
        credential["validUntil"] = _iso(facts.expires_at)
    return credential


def sign_credential(credential: dict, *, key: SigningKey, kid: str) -> str:
    """The credential as a VC-JWT (Compact JWS, RS256) under ``key``; ``kid`` is the key's URL."""
    valid_from = datetime.fromisoformat(credential["validFrom"].replace("Z", "+00:00"))
    claims = {
        "iss": credential["issuer"]["id"],
        "jti": credential["id"],
        "sub": credential["credentialSubject"]["id"],
        "nbf": int(valid_from.timestamp()),
        "vc": credential,
    }
    if credential.get("validUntil"):
        claims["exp"] = int(datetime.fromisoformat(credential["validUntil"].replace("Z", "+00:00")).timestamp())
    return jwt.encode(claims, key.private_key(), algorithm=ALGORITHM, headers={"kid": kid, "typ": "JWT"})
