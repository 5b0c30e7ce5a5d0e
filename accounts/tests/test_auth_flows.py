"""Sign-up, log-in, log-out, password change and reset, profile: the happy paths and the bad input."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import services
from accounts.forms import DUPLICATE_EMAIL, INVALID_LOGIN, PASSWORDS_DIFFER, SignUpForm
from accounts.models import UserUniversityRole
from accounts.services import UNKNOWN_LOCALE, UNKNOWN_TIME_ZONE

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
    assert response.context["form"].non_field_errors() == [INVALID_LOGIN]
    html = response.content.decode().replace("&#x27;", "'")
    assert "Enter a correct e-mail and password." in html
    assert "the e-mail is not" in html  # e-mail is matched in any case; only the password is case-sensitive
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


# --- sign-up: the race for one e-mail, and no university role -------------------------------------


def test_signup_when_the_email_is_taken_after_the_form_checked_is_a_field_error(client, monkeypatch):
    """Two sign-ups for one address at once: the second passes the form's check before the first commits.
    The unique index refuses it, and the person sees the same field error as for a known duplicate."""
    form_clean = SignUpForm.clean

    def clean_then_the_other_request_commits(form):
        cleaned = form_clean(form)
        User.objects.create_user(email="grace@example.edu", password="Other-pass-2026", full_name="Other Grace")
        return cleaned

    monkeypatch.setattr(SignUpForm, "clean", clean_then_the_other_request_commits)
    response = signup(client)
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [DUPLICATE_EMAIL]
    assert DUPLICATE_EMAIL.split(",")[0] in response.content.decode()
    assert list(User.objects.values_list("full_name", flat=True)) == ["Other Grace"]
    assert "_auth_user_id" not in client.session


def test_register_user_twice_raises_the_duplicate_email_error_and_keeps_the_transaction_usable():
    services.register_user(email="grace@example.edu", full_name="Grace Hopper", password=GOOD_PASSWORD)
    with pytest.raises(ValidationError) as error:
        services.register_user(email="GRACE@Example.edu", full_name="Grace Again", password=GOOD_PASSWORD)
    assert error.value.message_dict == {"email": [DUPLICATE_EMAIL]}
    assert error.value.error_dict["email"][0].code == "duplicate_email"
    # The conflict rolled back only its own savepoint: the caller's transaction goes on.
    assert list(User.objects.values_list("full_name", flat=True)) == ["Grace Hopper"]


def test_signup_creates_no_university_role(client):
    assert signup(client).status_code == 302
    user = User.objects.get(email="grace@example.edu")
    assert not UserUniversityRole.objects.filter(user=user).exists()


# --- password change and reset: bad input -----------------------------------------------------------


def test_password_change_to_a_weak_password_is_a_field_error_and_keeps_the_old_one(client, ada):
    client.force_login(ada)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": GOOD_PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["new_password2"]
    assert "This password is entirely numeric." in errors
    assert "This password is too common." in errors
    assert "This password is entirely numeric." in response.content.decode()
    ada.refresh_from_db()
    assert ada.check_password(GOOD_PASSWORD)


def reset_form_url(client, email: str) -> str:
    """Ask for a reset link for ``email`` and answer the page it leads to (the session-bound form URL)."""
    assert client.post(reverse("accounts:password_reset"), {"email": email}).status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [email.lower()]  # the stored address, whatever case was typed
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/\S+/)", mail.outbox[0].body).group(1)
    return client.get(link)["Location"]


@pytest.mark.parametrize(
    ("password1", "password2", "message"),
    [
        ("short", "short", "This password is too short"),
        ("password", "password", "This password is too common."),
        ("Reset-Pass-2026", "Reset-Pass-2027", "The two password fields didn’t match."),
    ],
)
def test_password_reset_confirm_refuses_a_weak_or_mismatched_password(client, ada, password1, password2, message):
    form_url = reset_form_url(client, ada.email)
    response = client.post(form_url, {"new_password1": password1, "new_password2": password2})
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors["new_password2"])
    assert message.split(" (")[0] in response.content.decode().replace("&#x27;", "'").replace("&rsquo;", "’")
    ada.refresh_from_db()
    assert ada.check_password(GOOD_PASSWORD)


def test_password_reset_request_with_an_invalid_address_is_a_field_error_and_sends_nothing(client, ada):
    response = client.post(reverse("accounts:password_reset"), {"email": "ada-at-example.edu"})
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["Enter a valid email address."]
    assert "Enter a valid email address." in response.content.decode()
    assert mail.outbox == []


# --- imported accounts (no usable password) choose their first password by the reset link -----------


def test_an_imported_account_gets_the_reset_mail_sets_a_password_and_logs_in(client):
    imported = User.objects.create_user(email="new.student@example.edu", full_name="New Student", password=None)
    assert not imported.has_usable_password()
    form_url = reset_form_url(client, "New.Student@example.edu")
    response = client.post(form_url, {"new_password1": "First-Pass-2026", "new_password2": "First-Pass-2026"})
    assert response.status_code == 302
    imported.refresh_from_db()
    assert imported.has_usable_password()
    response = client.post(reverse("accounts:login"), {"username": imported.email, "password": "First-Pass-2026"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(imported.pk)


@pytest.mark.parametrize("usable_password", [True, False])
def test_an_inactive_account_gets_no_reset_mail(client, usable_password):
    user = User.objects.create_user(
        email="gone@example.edu", full_name="Gone", password=GOOD_PASSWORD if usable_password else None
    )
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = client.post(reverse("accounts:password_reset"), {"email": "gone@example.edu"})
    assert response.status_code == 302  # the same answer as for any address: nothing revealed
    assert mail.outbox == []


# --- profile: language -------------------------------------------------------------------------------


def test_profile_offers_the_languages_and_saves_a_known_one(client, ada):
    client.force_login(ada)
    url = reverse("accounts:profile")
    html = client.get(url).content.decode()
    assert '<select name="locale"' in html and '<option value="de">' in html
    response = client.post(url, {"full_name": "Ada Lovelace", "locale": "de", "time_zone": "Europe/Paris"})
    assert response.status_code == 302
    ada.refresh_from_db()
    assert (ada.locale, ada.time_zone) == ("de", "Europe/Paris")


@pytest.mark.parametrize("locale", ["klingon", "xx-YY", "<script>", "e" * 40])
def test_profile_with_an_unknown_language_is_a_field_error_and_writes_nothing(client, ada, locale):
    client.force_login(ada)
    response = client.post(reverse("accounts:profile"), {"full_name": "Augusta King", "locale": locale, "time_zone": "UTC"})
    assert response.status_code == 200
    assert response.context["form"].errors["locale"] == [UNKNOWN_LOCALE]
    html = response.content.decode()
    assert UNKNOWN_LOCALE in html
    assert ">Ada</a>" in html and ">Augusta</a>" not in html  # the navigation still shows the saved name
    ada.refresh_from_db()
    assert (ada.full_name, ada.locale) == ("Ada Lovelace", "en")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [({"locale": "klingon", "time_zone": "UTC"}, "locale", UNKNOWN_LOCALE),
     ({"locale": "de", "time_zone": "Mars/Olympus"}, "time_zone", UNKNOWN_TIME_ZONE)],
)
def test_profile_service_refuses_an_unknown_language_or_time_zone(ada, fields, field, message):
    with pytest.raises(ValidationError) as error:
        services.update_profile(actor=ada, full_name="Ada King", **fields)
    assert error.value.message_dict == {field: [message]}
    ada.refresh_from_db()
    assert (ada.full_name, ada.locale, ada.time_zone) == ("Ada Lovelace", "en", "UTC")


def test_staff_account_edit_refuses_an_unknown_language(ada):
    admin = User.objects.create_superuser(email="root@example.edu", password=GOOD_PASSWORD, full_name="Root")
    with pytest.raises(ValidationError) as error:
        services.update_account(actor=admin, user=ada, full_name="Ada King", locale="klingon")
    assert error.value.message_dict == {"locale": [UNKNOWN_LOCALE]}
    ada.refresh_from_db()
    assert (ada.full_name, ada.locale) == ("Ada Lovelace", "en")
