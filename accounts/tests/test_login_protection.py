"""Brute-force protection of the log-in: a lockout per account and per IP that says when to try again,
expires, and staff can lift; and a per-IP rate limit that answers before any password is hashed."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from accounts import services, throttle
from accounts.backends import EmailBackend

User = get_user_model()
pytestmark = pytest.mark.django_db
PASSWORD = "correct-Horse-battery-42"
LOCKED_15 = throttle.locked_out_message(15)


@pytest.fixture
def ada():
    return User.objects.create_user(email="ada@example.edu", password=PASSWORD, full_name="Ada Lovelace")


def log_in(client, email, password, ip="203.0.113.7", path=None):
    return client.post(path or reverse("accounts:login"), {"username": email, "password": password}, REMOTE_ADDR=ip)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_thirty_wrong_passwords_then_the_right_one_does_not_log_in(client, ada):
    """The reviewer's probe: it logged in before."""
    for _ in range(30):
        log_in(client, ada.email, "wrong-password")
    response = log_in(client, ada.email, PASSWORD)
    assert response.status_code == 429
    assert not logged_in(client)


def test_the_lockout_starts_at_the_limit_and_says_when_to_try_again(client, ada):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, ada.email, "wrong-password").status_code == 200  # a form error, as before
    response = log_in(client, ada.email, "wrong-password")
    assert response.status_code == 429
    assert LOCKED_15 in response.content.decode()
    response = log_in(client, ada.email, PASSWORD)
    assert response.status_code == 429 and LOCKED_15 in response.content.decode()
    assert not logged_in(client)


def test_the_account_is_locked_whatever_the_address_and_the_case(client, ada):
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "ADA@example.edu" if n % 2 else ada.email, "wrong-password", ip=f"198.51.100.{n + 1}")
    assert log_in(client, ada.email, PASSWORD, ip="192.0.2.200").status_code == 429
    assert not logged_in(client)


def test_an_address_that_failed_on_many_accounts_is_locked_for_every_account(client, ada):
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, f"nobody{n}@example.edu", "guess")
    response = log_in(client, ada.email, PASSWORD)
    assert response.status_code == 429 and not logged_in(client)
    assert log_in(client, ada.email, PASSWORD, ip="192.0.2.200").status_code == 302  # from elsewhere: fine


def test_the_lockout_expires(client, ada):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, ada.email, "wrong-password")
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    assert log_in(client, ada.email, PASSWORD).status_code == 302
    assert logged_in(client)


def test_the_message_counts_down(client, ada):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, ada.email, "wrong-password")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=13, seconds=30))
    response = log_in(client, ada.email, PASSWORD)
    assert throttle.locked_out_message(2) in response.content.decode()


def lock(client, user):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, user.email, "wrong-password", ip="198.51.100.50")


def test_a_university_admin_unlocks_their_student_in_the_console(client, world):
    student = world.a.student
    student.set_password(PASSWORD)
    student.save()
    lock(client, student)
    assert log_in(client, student.email, PASSWORD, ip="192.0.2.1").status_code == 429
    staff = type(client)()
    staff.force_login(world.a.university_admin)
    response = staff.post(
        reverse("admin:accounts_user_changelist"), {"action": "unlock_logins", "_selected_action": [student.pk]}
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=student.email).exists()
    assert log_in(client, student.email, PASSWORD, ip="192.0.2.1").status_code == 302


def test_another_universitys_admin_cannot_unlock(client, world):
    lock(client, world.a.student)
    with pytest.raises(PermissionDenied, match=services.UNLOCK_NOT_ALLOWED):
        services.unlock_login(actor=world.b.university_admin, user=world.a.student)
    with pytest.raises(PermissionDenied):
        services.unlock_login(actor=world.a.instructor, user=world.a.student)
    assert AccessAttempt.objects.filter(username=world.a.student.email).exists()


def test_the_attempt_rows_are_for_platform_admins_only(client, world):
    lock(client, world.a.student)
    client.force_login(world.platform_admin)
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 200
    client.force_login(world.a.university_admin)
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403


# --- the rate limit before hashing ------------------------------------------------------------------------


@pytest.fixture
def hashing_logins(monkeypatch):
    """How many log-in attempts reached the password backend (the only place a password is hashed)."""
    calls = []
    real = EmailBackend.authenticate

    def counting(self, request, *args, **kwargs):
        calls.append(1)
        return real(self, request, *args, **kwargs)

    monkeypatch.setattr(EmailBackend, "authenticate", counting)
    return calls


@pytest.mark.parametrize("path", ["accounts:login", "admin:login"])
def test_a_flood_of_log_in_posts_is_refused_before_any_hashing(client, ada, hashing_logins, settings, path):
    settings.AXES_FAILURE_LIMIT = 1000  # the lockout aside: the rate limit alone
    for n in range(settings.LOGIN_RATE_LIMIT):
        log_in(client, f"user{n}@example.edu", "guess", ip="198.51.100.9", path=reverse(path))
    assert len(hashing_logins) == settings.LOGIN_RATE_LIMIT
    response = log_in(client, ada.email, PASSWORD, ip="198.51.100.9", path=reverse(path))
    assert response.status_code == 429
    assert throttle.rate_limited_message(1) in response.content.decode()
    assert len(hashing_logins) == settings.LOGIN_RATE_LIMIT and not logged_in(client)
    assert log_in(client, ada.email, PASSWORD, ip="198.51.100.10").status_code == 302  # another client


def test_sign_up_posts_count_too(client, settings):
    for n in range(settings.LOGIN_RATE_LIMIT):
        client.post(reverse("accounts:signup"), {"email": f"x{n}@example.edu"}, REMOTE_ADDR="198.51.100.11")
    response = client.post(reverse("accounts:signup"), {"email": "y@example.edu"}, REMOTE_ADDR="198.51.100.11")
    assert response.status_code == 429


def test_a_get_of_the_log_in_page_is_never_throttled(client, settings):
    for _ in range(settings.LOGIN_RATE_LIMIT + 5):
        assert client.get(reverse("accounts:login")).status_code == 200
