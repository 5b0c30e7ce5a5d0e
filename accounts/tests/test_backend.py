"""The authentication backend: the per-request user read gives the same user as the ORM, and refuses
what ModelBackend refuses."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.backends import EmailBackend
from accounts.models import User
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_get_user_reads_every_field_as_the_orm_does():
    created = UserFactory(full_name="Ada Lovelace", locale="fr", time_zone="Europe/Paris", current_streak_days=4)
    loaded = EmailBackend().get_user(str(created.pk))
    expected = User.objects.get(pk=created.pk)
    for field in User._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(expected, field.attname), field.name
    assert loaded._state.adding is False and loaded._state.db == "default"
    loaded.full_name = "Ada King"
    loaded.save(update_fields=["full_name"])  # a normal model instance
    assert User.objects.get(pk=created.pk).full_name == "Ada King"


@pytest.mark.parametrize("user_id", ["not-a-number", "", "999999999"])
def test_get_user_answers_none_for_a_bad_or_unknown_id(user_id):
    assert EmailBackend().get_user(user_id) is None


def test_get_user_refuses_a_deactivated_account_so_its_sessions_end(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("accounts:profile")).status_code == 200
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert EmailBackend().get_user(str(user.pk)) is None
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_the_user_read_is_one_counted_query_run_as_a_prepared_statement():
    user = UserFactory()
    with CaptureQueriesContext(connection) as queries:
        EmailBackend().get_user(str(user.pk))
    assert len(queries) == 1 and 'FROM "users"' in queries.captured_queries[0]["sql"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ['%FROM "users" WHERE "id" = $1'])
        assert cursor.fetchone()[0] == 1
