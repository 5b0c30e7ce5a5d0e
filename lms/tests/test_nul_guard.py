"""Any NUL character in a request's path, query, cookies or form fields is a 400, never a 500."""

import pytest

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_admin_search_with_nul_is_a_400(superuser_client):
    response = superuser_client.get("/admin/accounts/user/", {"q": "ali\x00ce"})
    assert response.status_code == 400
    assert b"NUL" in response.content


def test_catalog_search_with_nul_is_a_400(client):
    response = client.get("/courses/", {"q": "calc\x00"})
    assert response.status_code == 400


def test_login_post_with_nul_is_a_400_and_logs_nobody_in(client):
    user = UserFactory(email="nul@example.edu")
    user.set_password("a-good-password-2026")
    user.save()
    response = client.post("/accounts/login/", {"username": "nul@example.edu\x00", "password": "x"})
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_session_cookie_with_nul_is_a_400(client, settings):
    client.cookies[settings.SESSION_COOKIE_NAME] = "abc\x00def"
    assert client.get("/courses/").status_code == 400


def test_ordinary_requests_pass(client):
    assert client.get("/courses/", {"q": "calculus"}).status_code == 200


def test_a_nul_in_a_cookie_on_the_api_is_a_json_400(client):
    client.cookies["sessionid"] = "abc\x00"
    response = client.get("/api/public/v2/prompts")
    assert response.status_code == 400
    assert response.json()["error"] == "InvalidRequestError"
