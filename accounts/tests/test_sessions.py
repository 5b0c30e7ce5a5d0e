"""Sessions in user_sessions, read with their user in one query; Django's session rules unchanged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User, UserSession
from accounts.services import end_sessions, set_account_active
from accounts.sessions import SessionStore
from accounts.tests.factories import UserSessionFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-Horse-battery-42"


@pytest.fixture
def ada():
    return User.objects.create_user(email="ada@example.edu", password=PASSWORD, full_name="Ada Lovelace")


def _log_in(client, user=None, password=PASSWORD):
    response = client.post(reverse("accounts:login"), {"username": "ada@example.edu", "password": password})
    assert response.status_code == 302, response.content[:500]
    return response


def test_a_login_stores_whose_session_it_is_and_logout_ends_it(client, ada):
    _log_in(client)
    session = UserSession.objects.get()
    assert session.user_id == ada.pk
    assert session.session_key == client.cookies["sessionid"].value
    client.post(reverse("accounts:logout"))
    assert not UserSession.objects.filter(user=ada).exists()


def test_a_stored_session_decodes_with_the_configured_store(client, ada):
    """``UserSession.get_decoded`` (the admin and ``clearsessions`` path) finds the store through the
    SESSION_ENGINE setting: the model does not import ``accounts.sessions``, which imports the model."""
    _log_in(client)
    session = UserSession.objects.get()
    assert session.get_session_store_class() is SessionStore
    assert session.get_decoded()["_auth_user_id"] == str(ada.pk)


def test_a_signed_in_page_reads_session_and_user_in_one_query(client, ada):
    _log_in(client)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("accounts:profile"))
    assert response.status_code == 200 and b"Ada Lovelace" in response.content
    first = queries.captured_queries[0]["sql"]
    assert '"user_sessions"' in first and '"users"' in first
    assert not any('FROM "users" WHERE "id"' in q["sql"] for q in queries.captured_queries), queries.captured_queries


def test_an_expired_session_is_signed_out(client, ada):
    _log_in(client)
    UserSession.objects.update(expire_date=UserSession.objects.get().expire_date - timedelta(days=365))
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_a_password_change_signs_out_the_other_browsers_but_not_this_one(ada):
    here, elsewhere = Client(), Client()
    _log_in(here)
    _log_in(elsewhere)
    assert UserSession.objects.filter(user=ada).count() == 2
    response = here.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "N3w-password-ok", "new_password2": "N3w-password-ok"},
    )
    assert response.status_code == 302
    assert here.get(reverse("accounts:profile")).status_code == 200
    response = elsewhere.get(reverse("accounts:profile"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_a_deactivated_account_is_signed_out_and_a_deleted_one_loses_its_sessions(client, ada):
    _log_in(client)
    User.objects.filter(pk=ada.pk).update(is_active=False)
    assert client.get(reverse("accounts:profile")).status_code == 302
    User.objects.filter(pk=ada.pk).update(is_active=True)
    _log_in(client)
    ada.delete()
    assert not UserSession.objects.exists()


def test_anonymous_sessions_have_no_user(client, ada):
    client.post(reverse("accounts:login"), {"username": "ada@example.edu", "password": "wrong"})
    session = client.session
    session["seen"] = True
    session.save()
    assert UserSession.objects.get(session_key=session.session_key).user_id is None


def test_a_forged_session_user_id_does_not_sign_in(client, ada):
    """The user read with the session is only used for the user id the session itself names."""
    other = User.objects.create_user(email="eve@example.edu", password=PASSWORD)
    _log_in(client)
    UserSession.objects.update(user=other)  # the row's user column disagrees with the signed data
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 200
    assert response.context["user"].pk == ada.pk


# --- ending sessions (staff) -------------------------------------------------------------------


def test_a_platform_admin_signs_an_account_out_of_every_browser(client, world):
    student = world.a.student
    browser = Client()
    browser.force_login(student)
    UserSessionFactory(user=student)
    other = UserSessionFactory(user=world.b.student)
    client.force_login(world.platform_admin)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "sign_out_everywhere", "_selected_action": [student.pk]},
        follow=True,
    )
    assert "Signed 1 account(s) out of every browser." in response.content.decode()
    assert not UserSession.objects.filter(user=student).exists()
    assert UserSession.objects.filter(pk=other.pk).exists()
    assert browser.get(reverse("accounts:profile")).status_code == 302


def test_university_admins_cannot_sign_accounts_out(client, world):
    client.force_login(world.a.university_admin)
    changelist = client.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert "sign_out_everywhere" not in changelist
    UserSessionFactory(user=world.a.student)
    with pytest.raises(PermissionDenied, match="Only platform admins"):
        end_sessions(actor=world.a.university_admin, user=world.a.student)
    with pytest.raises(PermissionDenied):
        end_sessions(actor=world.platform_admin, user=world.platform_admin)  # not their own
    assert UserSession.objects.filter(user=world.a.student).count() == 1


def test_deactivating_an_account_ends_its_sessions(world):
    UserSessionFactory(user=world.a.student)
    set_account_active(actor=world.platform_admin, user=world.a.student, is_active=False)
    assert not UserSession.objects.filter(user=world.a.student).exists()
