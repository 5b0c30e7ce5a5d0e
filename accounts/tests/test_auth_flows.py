"""Sign-up, log-in, log-out, password change and reset, profile: the happy paths and the bad input."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from accounts.forms import DUPLICATE_EMAIL, PASSWORDS_DIFFER
from accounts.services import UNKNOWN_TIME_ZONE

User = get_user_model()
pytestmark = pytest.mark.django_db
GOOD_PASSWORD = "correct-Horse-battery-42"


@pytest.fixture
def ada():
    return User.objects.create_user(email="ada@example.edu", password=GOOD_PASSWORD, full_name="Ada Lovelace")


def signup(client, **overrides):
    data = {"full_name": "Grace Hopper", "email": "Grace@Example.edu", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    return client.post(reverse("accounts:signup"), {**data, **overrides})


def test_signup_creates_an_account_and_logs_in(client):
    response = signup(client)
    assert response.status_code == 302
    user = User.objects.get()
    assert user.email == "grace@example.edu"  # stored lower-cased
    assert user.full_name == "Grace Hopper"
    assert user.check_password(GOOD_PASSWORD)
    assert not user.is_staff and not user.is_superuser
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_signup_page_renders_crispy_form(client):
    html = client.get(reverse("accounts:signup")).content.decode()
    assert 'name="email"' in html and 'class="btn btn-primary' in html


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": "ADA@example.edu"}, "email", DUPLICATE_EMAIL),
        ({"password1": "short", "password2": "short"}, "password1", "This password is too short"),
        ({"password1": "12345678901", "password2": "12345678901"}, "password1", "This password is entirely numeric."),
        ({"password2": "something-else-99"}, "password2", PASSWORDS_DIFFER),
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
        ({"full_name": ""}, "full_name", "This field is required."),
    ],
)
def test_signup_bad_input_shows_field_errors_and_writes_nothing(client, ada, overrides, field, message):
    response = signup(client, **overrides)
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert any(message in error for error in errors), errors
    assert message.split("'")[0] in response.content.decode().replace("&#x27;", "'")
    assert User.objects.count() == 1


def test_login_with_email_any_case(client, ada):
    response = client.post(reverse("accounts:login"), {"username": "Ada@Example.EDU", "password": GOOD_PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(ada.pk)


def test_login_wrong_password_is_a_form_error(client, ada):
    response = client.post(reverse("accounts:login"), {"username": ada.email, "password": "wrong-password"})
    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_inactive_account_is_refused(client, ada):
    ada.is_active = False
    ada.save()
    response = client.post(reverse("accounts:login"), {"username": ada.email, "password": GOOD_PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_logout_requires_post_and_logs_out(client, ada):
    client.force_login(ada)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_change(client, ada):
    client.force_login(ada)
    url = reverse("accounts:password_change")
    response = client.post(url, {"old_password": "wrong-old", "new_password1": "N3w-password-ok", "new_password2": "N3w-password-ok"})
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    ada.refresh_from_db()
    assert ada.check_password(GOOD_PASSWORD)

    response = client.post(url, {"old_password": GOOD_PASSWORD, "new_password1": "N3w-password-ok", "new_password2": "N3w-password-ok"})
    assert response.status_code == 302
    ada.refresh_from_db()
    assert ada.check_password("N3w-password-ok")


def test_password_change_requires_login(client):
    response = client.get(reverse("accounts:password_change"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_password_reset_by_email(client, ada):
    response = client.post(reverse("accounts:password_reset"), {"email": "ada@example.edu"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]  # Django swaps the token for a session-bound URL
    response = client.post(form_url, {"new_password1": "Reset-Pass-2026", "new_password2": "Reset-Pass-2026"})
    assert response.status_code == 302
    ada.refresh_from_db()
    assert ada.check_password("Reset-Pass-2026")


def test_password_reset_for_unknown_email_sends_nothing_but_reveals_nothing(client):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.edu"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_password_reset_with_a_bad_token_says_the_link_expired(client, ada):
    response = client.get("/accounts/password/reset/MQ/bad-token/")
    assert response.status_code == 200
    assert "This link has expired" in response.content.decode()


def test_profile_edit_and_bad_time_zone(client, ada):
    client.force_login(ada)
    url = reverse("accounts:profile")
    response = client.post(url, {"full_name": "Ada King", "locale": "en", "time_zone": "Mars/Olympus"})
    assert response.status_code == 200
    assert response.context["form"].errors["time_zone"] == [UNKNOWN_TIME_ZONE]
    ada.refresh_from_db()
    assert ada.full_name == "Ada Lovelace" and ada.time_zone == "UTC"

    response = client.post(url, {"full_name": "Ada King", "locale": "en", "time_zone": "Europe/London"})
    assert response.status_code == 302
    ada.refresh_from_db()
    assert (ada.full_name, ada.time_zone) == ("Ada King", "Europe/London")


def test_profile_requires_login(client):
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_user_table_and_password_column_match_the_seed(db):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'users'")
        columns = {row[0] for row in cursor.fetchall()}
    assert {"email", "full_name", "password_hash", "locale", "time_zone", "is_active",
            "current_streak_days", "last_activity_date", "created_at", "updated_at"} <= columns
    assert "password" not in columns
