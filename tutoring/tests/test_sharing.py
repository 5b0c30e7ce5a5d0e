"""Sharing a tutor chat: the services make and clear an unguessable token, re-check who may, and the staff
console's "Share enabled" goes through them (it was a 500: ck_chat_sessions_shared_has_token)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from syllabus.tests.factories import ContentItemFactory, ModuleFactory
from tutoring import services
from tutoring.models import ChatSession
from tutoring.tests.factories import ChatSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(world):
    item = ContentItemFactory(module=ModuleFactory(course=world.a.course, parent_module=world.a.root_module))
    return ChatSessionFactory(user=world.a.student, content_item=item)


def stored(session) -> tuple[bool, str | None]:
    return ChatSession.objects.filter(pk=session.pk).values_list("share_enabled", "share_token").get()


def test_enabling_makes_a_256_bit_url_safe_token_and_disabling_clears_it(world, session):
    services.enable_session_sharing(actor=world.a.student, session=session)
    enabled, token = stored(session)
    assert enabled and len(token) >= 43 and token.replace("-", "").replace("_", "").isalnum()
    assert session.share_token == token
    services.disable_session_sharing(actor=world.a.student, session=session)
    assert stored(session) == (False, None)  # old links die with the token
    services.enable_session_sharing(actor=world.a.student, session=session)
    assert stored(session)[1] not in (None, token)  # a new link, not the old one back


def test_enabling_twice_keeps_the_link(world, session):
    services.enable_session_sharing(actor=world.a.student, session=session)
    first = stored(session)[1]
    services.enable_session_sharing(actor=None, session=session)
    assert stored(session) == (True, first)


def test_tokens_differ_between_sessions(world, session):
    # One session per (student, item) (ux_chat_sessions_user_item): the other chat is about another item.
    other = ChatSessionFactory(
        user=world.a.student, content_item=ContentItemFactory(module=session.content_item.module)
    )
    services.enable_session_sharing(actor=None, session=session)
    services.enable_session_sharing(actor=None, session=other)
    assert stored(session)[1] != stored(other)[1]


@pytest.mark.parametrize("who", ["b.student", "a.instructor", "b.university_admin", "a.ta"])
def test_others_may_not_share_someone_elses_chat(world, session, who):
    tenant, role = who.split(".")
    with pytest.raises(PermissionDenied, match=services.SHARE_NOT_ALLOWED):
        services.enable_session_sharing(actor=getattr(getattr(world, tenant), role), session=session)
    assert stored(session) == (False, None)


@pytest.mark.parametrize("who", ["a.university_admin", "platform_admin"])
def test_staff_of_the_chats_university_may_share_it(world, session, who):
    actor = world.platform_admin if who == "platform_admin" else world.a.university_admin
    services.enable_session_sharing(actor=actor, session=session)
    assert stored(session)[0] is True


def change_form(session, *, share: bool) -> dict:
    data = {
        "user": session.user_id,
        "content_item": session.content_item_id,
        "content_context": '{"title": "Linear equations"}',
        "messages-TOTAL_FORMS": "0",
        "messages-INITIAL_FORMS": "0",
        "messages-MIN_NUM_FORMS": "0",
        "messages-MAX_NUM_FORMS": "1000",
    }
    if share:
        data["share_enabled"] = "on"
    return data


@pytest.mark.parametrize("who", ["platform_admin", "university_admin"])
def test_the_console_switches_sharing_through_the_service(client, world, session, who):
    client.force_login(world.platform_admin if who == "platform_admin" else world.a.university_admin)
    url = reverse("admin:tutoring_chatsession_change", args=[session.pk])
    response = client.post(url, change_form(session, share=True))
    assert response.status_code == 302, response.content[:2000]
    enabled, token = stored(session)
    assert enabled and len(token) >= 43
    response = client.post(url, change_form(session, share=False))
    assert response.status_code == 302
    assert stored(session) == (False, None)


def test_the_university_admin_of_another_university_cannot_reach_the_chat(client, world, session):
    client.force_login(world.b.university_admin)
    url = reverse("admin:tutoring_chatsession_change", args=[session.pk])
    assert client.post(url, change_form(session, share=True)).status_code == 404
    assert stored(session) == (False, None)
