"""Discussions: who may read and post (404 for everyone else), anonymity, soft delete, removal, lock,
answers, endorsement, upvotes, follows and their notifications, the rate limit, bad input, query bounds."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from accounts.tests.factories import UserFactory
from learning.community import services
from learning.community.models import DiscussionPost, DiscussionThread, DiscussionThreadFollow, ThreadKind
from learning.community.selectors import get_offering_access
from learning.community.tests.conftest import access_for
from learning.enrollment.models import EnrollmentStatus
from learning.notifications.models import Notification, NotificationKind
from learning.tests.factories import CourseEnrollmentFactory


def _thread(
    user,
    offering,
    *,
    kind=ThreadKind.QUESTION,
    title="How do limits work?",
    body="Explain $\\lim$ please",
    anonymous=False,
    **extra,
):
    return services.create_thread(
        actor=user, access=access_for(user, offering), kind=kind, title=title, body=body, anonymous=anonymous, **extra
    )


def _reply(user, thread, body="Here is how", parent=None, anonymous=False):
    thread = DiscussionThread.objects.get(pk=thread.pk)
    return services.reply(
        actor=user,
        access=access_for(user, thread.course_offering),
        thread=thread,
        body=body,
        parent=parent,
        anonymous=anonymous,
    )


def _list_url(offering):
    return reverse("community:thread-list", kwargs={"offering_id": offering.pk})


def _thread_url(thread):
    return reverse("community:thread-detail", kwargs={"offering_id": thread.course_offering_id, "thread_id": thread.pk})


# --- who may read and post -------------------------------------------------------------------------------


def test_every_role_reads_or_gets_404(client, world, people):
    a, b = world.a, world.b
    thread = _thread(a.student, a.offering)
    allowed = [a.student, people.classmate, people.completed, a.instructor, a.ta]
    refused = [
        people.dropped,
        people.pending,
        a.department_admin,
        a.university_admin,
        b.student,
        b.instructor,
        UserFactory(),
    ]
    for user in allowed:
        client.force_login(user)
        assert client.get(_list_url(a.offering)).status_code == 200, user
        page = client.get(_thread_url(thread))
        assert page.status_code == 200 and "How do limits work?" in page.content.decode(), user
    for user in refused:
        client.force_login(user)
        assert client.get(_list_url(a.offering)).status_code == 404, user
        assert client.get(_thread_url(thread)).status_code == 404, user
        response = client.post(_thread_url(thread), {"body": "let me in"})
        assert response.status_code == 404, user
    assert DiscussionPost.objects.filter(thread=thread).count() == 1
    client.logout()
    response = client.get(_list_url(a.offering))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_ids_of_another_university_answer_404(client, world):
    a, b = world.a, world.b
    theirs = _thread(b.student, b.offering, title="Beta's own question")
    post = DiscussionPost.objects.get(thread=theirs)
    client.force_login(a.student)
    # B's thread under A's offering, and B's offering itself.
    assert (
        client.get(
            reverse("community:thread-detail", kwargs={"offering_id": a.offering.pk, "thread_id": theirs.pk})
        ).status_code
        == 404
    )
    assert client.get(_thread_url(theirs)).status_code == 404
    for action in ("delete", "upvote", "endorse"):
        url = reverse(
            "community:post-action", kwargs={"offering_id": a.offering.pk, "post_id": post.pk, "action": action}
        )
        assert client.post(url).status_code == 404
    url = reverse("community:post-edit", kwargs={"offering_id": a.offering.pk, "post_id": post.pk})
    assert client.get(url).status_code == 404
    assert client.post(url, {"body": "hijacked"}).status_code == 404
    assert DiscussionPost.objects.get(pk=post.pk).body != "hijacked"
    client.force_login(a.instructor)
    url = reverse("community:post-remove", kwargs={"offering_id": a.offering.pk, "post_id": post.pk})
    assert client.post(url, {"reason": "spam"}).status_code == 404
    assert DiscussionPost.objects.get(pk=post.pk).removed_at is None


def test_create_thread_through_the_page_about_an_item(client, world, tree):
    a = world.a
    client.force_login(a.student)
    url = reverse("community:thread-create", kwargs={"offering_id": a.offering.pk})
    form = client.get(url, {"item": tree.t1.pk}).content.decode()
    assert f'<option value="{tree.t1.pk}" selected>' in form
    response = client.post(
        url, {"kind": "question", "title": "  Why   the limit? ", "body": "**Because**", "item": tree.t1.pk}
    )
    thread = DiscussionThread.objects.get()
    assert response.status_code == 302 and response.url == _thread_url(thread)
    assert (thread.title, thread.content_item_id, thread.module_id) == ("Why the limit?", tree.t1.pk, tree.t1.module_id)
    post = DiscussionPost.objects.get(thread=thread)
    assert post.body_html.strip() == "<p><strong>Because</strong></p>" and post.path == [post.pk]
    assert DiscussionThreadFollow.objects.filter(thread=thread, user=a.student).exists()


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"title": "", "body": "x"}, "title", services.TITLE_REQUIRED),
        ({"title": "   ", "body": "x"}, "title", services.TITLE_REQUIRED),
        ({"title": "t" * 201, "body": "x"}, "title", services.TITLE_TOO_LONG),
        ({"title": "Fine", "body": ""}, "body", services.BODY_REQUIRED),
        ({"title": "Fine", "body": " \n "}, "body", services.BODY_REQUIRED),
        ({"title": "Fine", "body": "x" * 20_001}, "body", services.BODY_TOO_LONG),
        ({"title": "Fine", "body": "x", "kind": "poll"}, "kind", None),
        ({"title": "Fine", "body": "x", "item": "abc"}, "item", None),
        ({"title": "Fine", "body": "x", "item": "99999999999999999999"}, "item", None),
    ],
)
def test_thread_form_bad_input_is_a_field_error_and_writes_nothing(client, world, data, field, message):
    client.force_login(world.a.student)
    url = reverse("community:thread-create", kwargs={"offering_id": world.a.offering.pk})
    response = client.post(url, {"kind": "question", **data})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    if message:
        assert message in errors[field]
    assert DiscussionThread.objects.count() == 0


def test_an_item_of_another_course_is_refused(client, world, tree):
    other_item = tree.t1
    client.force_login(world.b.student)
    url = reverse("community:thread-create", kwargs={"offering_id": world.b.offering.pk})
    response = client.post(url, {"kind": "question", "title": "T", "body": "x", "item": other_item.pk})
    assert response.status_code == 200 and "item" in response.context["form"].errors
    with pytest.raises(ValidationError):
        _thread(world.b.student, world.b.offering, content_item=other_item)
    assert DiscussionThread.objects.count() == 0


def test_nul_in_a_post_is_refused_before_anything_is_written(client, world):
    thread = _thread(world.a.student, world.a.offering)
    client.force_login(world.a.student)
    response = client.post(_thread_url(thread), {"body": "evil\x00body"})
    assert response.status_code == 400
    assert DiscussionPost.objects.filter(thread=thread).count() == 1


def test_script_tags_and_javascript_links_are_sanitised(client, world):
    a = world.a
    thread = _thread(
        a.student,
        a.offering,
        title="<script>alert(1)</script>",
        body="<script>alert(1)</script> <img src=x onerror=alert(2)> [x](javascript:alert(3)) $x^2$",
    )
    client.force_login(world.a.ta)
    html = client.get(_thread_url(thread)).content.decode()
    assert "<script>alert(1)" not in html and "<img" not in html and 'href="javascript' not in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html  # shown as text, not markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<math" in html and "<msup>" in html


# --- anonymity ------------------------------------------------------------------------------------------


def test_anonymous_posts_hide_the_author_from_students_only(client, world, people):
    a = world.a
    with pytest.raises(ValidationError) as refused:
        _thread(a.student, a.offering, title="Secret", anonymous=True)
    assert services.ANONYMOUS_NOT_ALLOWED in str(refused.value)
    services.set_allow_anonymous(actor=a.instructor, access=access_for(a.instructor, a.offering), allow=True)

    client.force_login(a.student)
    form = client.get(reverse("community:thread-create", kwargs={"offering_id": a.offering.pk})).content.decode()
    assert "Your instructors and TAs always see who wrote it." in form
    client.post(
        reverse("community:thread-create", kwargs={"offering_id": a.offering.pk}),
        {"kind": "question", "title": "Am I lost?", "body": "Quietly asking", "anonymous": "on"},
    )
    thread = DiscussionThread.objects.get(title="Am I lost?")
    name = a.student.full_name

    client.force_login(people.classmate)
    html = client.get(_thread_url(thread)).content.decode()
    assert services.ANONYMOUS_NAME in html and name not in html
    client.force_login(a.ta)
    html = client.get(_thread_url(thread)).content.decode()
    assert name in html and "anonymous to classmates" in html
    client.force_login(a.student)
    assert name in client.get(_thread_url(thread)).content.decode()
    # Staff cannot post anonymously.
    with pytest.raises(ValidationError):
        _reply(a.ta, thread, anonymous=True)


# --- edit, soft delete, removal ---------------------------------------------------------------------------


def test_soft_delete_keeps_the_tree_and_the_text_is_gone_everywhere(client, world, people):
    a = world.a
    thread = _thread(a.student, a.offering, title="Tree", body="opening")
    middle = _reply(people.classmate, thread, body="zanzibarian middle words")
    child = _reply(a.student, thread, body="child of the middle", parent=middle)
    client.force_login(people.classmate)
    url = reverse(
        "community:post-action", kwargs={"offering_id": a.offering.pk, "post_id": middle.pk, "action": "delete"}
    )
    assert client.post(url).status_code == 302
    middle.refresh_from_db()
    assert middle.is_deleted and middle.body == "" and middle.body_html == ""
    assert DiscussionPost.objects.get(pk=child.pk).parent_post_id == middle.pk
    for viewer in (a.student, a.instructor, people.classmate):
        client.force_login(viewer)
        html = client.get(_thread_url(thread)).content.decode()
        assert "zanzibarian" not in html and "child of the middle" in html and "This post was deleted" in html
        search = client.get(_list_url(a.offering), {"q": "zanzibarian"}).content.decode()
        assert f'data-thread="{thread.pk}"' not in search
    # Someone else's post: not editable, not deletable.
    client.force_login(people.classmate)
    other = reverse(
        "community:post-action", kwargs={"offering_id": a.offering.pk, "post_id": child.pk, "action": "delete"}
    )
    assert client.post(other).status_code == 404
    assert not DiscussionPost.objects.get(pk=child.pk).is_deleted
    assert (
        client.get(
            reverse("community:post-edit", kwargs={"offering_id": a.offering.pk, "post_id": child.pk})
        ).status_code
        == 404
    )


def test_edit_own_post_and_bad_input(client, world):
    a = world.a
    thread = _thread(a.student, a.offering, body="first words")
    post = DiscussionPost.objects.get(thread=thread)
    client.force_login(a.student)
    url = reverse("community:post-edit", kwargs={"offering_id": a.offering.pk, "post_id": post.pk})
    for bad, message in (("", services.BODY_REQUIRED), ("x" * 20_001, services.BODY_TOO_LONG)):
        response = client.post(url, {"body": bad})
        assert response.status_code == 200 and message in response.context["form"].errors["body"]
    assert client.post(url, {"body": "better *words*"}).status_code == 302
    post.refresh_from_db()
    assert post.body == "better *words*" and "<em>words</em>" in post.body_html and post.edited_at
    assert "edited" in client.get(_thread_url(thread)).content.decode()


def test_staff_remove_with_a_reason_and_still_see_it(client, world, people):
    a = world.a
    thread = _thread(a.student, a.offering, title="Ok thread")
    rude = _reply(people.classmate, thread, body="something rude here")
    client.force_login(a.student)
    url = reverse("community:post-remove", kwargs={"offering_id": a.offering.pk, "post_id": rude.pk})
    assert client.post(url, {"reason": "No"}).status_code == 404  # students cannot remove
    client.force_login(a.ta)
    response = client.post(url, {"reason": "  "})
    assert response.status_code == 200 and services.REASON_REQUIRED in response.context["form"].errors["reason"]
    assert client.post(url, {"reason": "Be kind"}).status_code == 302
    html = client.get(_thread_url(thread)).content.decode()
    assert "something rude here" in html and "Be kind" in html
    client.force_login(a.student)
    html = client.get(_thread_url(thread)).content.decode()
    assert "something rude here" not in html and "Removed by staff" in html
    client.force_login(people.classmate)
    assert "Reason: Be kind" in client.get(_thread_url(thread)).content.decode()


def test_removing_an_opening_post_takes_the_thread_from_students(client, world):
    a = world.a
    thread = _thread(a.student, a.offering, title="Spam thread")
    opening = DiscussionPost.objects.get(thread=thread)
    services.remove_post(actor=a.instructor, access=access_for(a.instructor, a.offering), post=opening, reason="Spam")
    client.force_login(a.student)
    assert client.get(_thread_url(thread)).status_code == 404
    assert "Spam thread" not in client.get(_list_url(a.offering)).content.decode()
    client.force_login(a.instructor)
    assert client.get(_thread_url(thread)).status_code == 200


# --- lock, answers, endorsement, upvotes -------------------------------------------------------------------


def test_lock_refuses_new_posts(client, world, people):
    a = world.a
    thread = _thread(a.student, a.offering)
    client.force_login(a.student)
    lock = reverse(
        "community:thread-action", kwargs={"offering_id": a.offering.pk, "thread_id": thread.pk, "action": "lock"}
    )
    assert client.post(lock).status_code == 404  # not staff
    client.force_login(a.ta)
    assert client.post(lock).status_code == 302
    client.force_login(people.classmate)
    page = client.get(_thread_url(thread)).content.decode()
    assert "data-locked-note" in page and 'name="body"' not in page
    response = client.post(_thread_url(thread), {"body": "sneaking in"})
    assert response.status_code == 200 and services.THREAD_LOCKED in response.context["form"].errors["body"]
    assert DiscussionPost.objects.filter(thread=thread).count() == 1


def test_staff_answer_is_shown_apart_and_answers_the_question(client, world, people):
    a = world.a
    thread = _thread(a.student, a.offering)
    _reply(people.classmate, thread, body="A student guess")
    _reply(a.instructor, thread, body="The official answer")
    thread.refresh_from_db()
    assert thread.is_answered
    client.force_login(a.student)
    html = client.get(_thread_url(thread)).content.decode()
    box = html[html.index('id="staff-answers"') : html.index('id="posts"')]
    assert "The official answer" in box and "A student guess" not in box and "Staff answer" in box
    unanswered = client.get(_list_url(a.offering), {"unanswered": "on"}).content.decode()
    assert f'data-thread="{thread.pk}"' not in unanswered


def test_endorsement_marks_answered_and_notifies_the_author(client, world, people, django_capture_on_commit_callbacks):
    a = world.a
    thread = _thread(a.student, a.offering)
    answer = _reply(people.classmate, thread, body="I think it is 2")
    nested = _reply(a.student, thread, body="thanks", parent=answer)
    endorse = reverse(
        "community:post-action", kwargs={"offering_id": a.offering.pk, "post_id": answer.pk, "action": "endorse"}
    )
    client.force_login(a.student)
    assert client.post(endorse).status_code == 404
    client.force_login(a.instructor)
    nested_url = reverse(
        "community:post-action", kwargs={"offering_id": a.offering.pk, "post_id": nested.pk, "action": "endorse"}
    )
    response = client.post(nested_url)
    assert response.status_code == 400 and services.NOT_AN_ANSWER in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(endorse).status_code == 302
    answer.refresh_from_db()
    thread.refresh_from_db()
    assert answer.endorsed_by_id == a.instructor.pk and thread.is_answered
    note = Notification.objects.get(user=people.classmate, kind=NotificationKind.ENDORSEMENT)
    assert "endorsed" in note.text and note.url.endswith(f"#post-{answer.pk}")


def test_asker_marks_answered(client, world, people):
    a = world.a
    thread = _thread(a.student, a.offering)
    url = reverse(
        "community:thread-action", kwargs={"offering_id": a.offering.pk, "thread_id": thread.pk, "action": "answered"}
    )
    client.force_login(people.classmate)
    assert client.post(url).status_code == 404
    assert not DiscussionThread.objects.get(pk=thread.pk).is_answered
    client.force_login(a.student)
    assert client.post(url).status_code == 302
    assert DiscussionThread.objects.get(pk=thread.pk).is_answered
    discussion = _thread(a.student, a.offering, kind=ThreadKind.DISCUSSION, title="Chat")
    url = reverse(
        "community:thread-action",
        kwargs={"offering_id": a.offering.pk, "thread_id": discussion.pk, "action": "answered"},
    )
    assert client.post(url).status_code == 400


def test_upvotes(client, world, people):
    a = world.a
    thread = _thread(a.student, a.offering)
    answer = _reply(people.classmate, thread)
    url = reverse(
        "community:post-action", kwargs={"offering_id": a.offering.pk, "post_id": answer.pk, "action": "upvote"}
    )
    client.force_login(a.student)
    client.post(url)
    assert DiscussionPost.objects.get(pk=answer.pk).upvote_count == 1
    client.force_login(people.completed)
    client.post(url)
    assert DiscussionPost.objects.get(pk=answer.pk).upvote_count == 2
    client.post(url)  # again: takes it back
    assert DiscussionPost.objects.get(pk=answer.pk).upvote_count == 1
    client.force_login(people.classmate)
    response = client.post(url)
    assert response.status_code == 400 and services.OWN_POST_VOTE in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_concurrent_upvotes_leave_the_exact_count():
    from conftest import build_world

    world = build_world()
    a = world.a
    thread = _thread(a.student, a.offering)
    answer = _reply(a.instructor, thread)
    voters = [UserFactory() for _ in range(8)]
    for voter in voters:
        CourseEnrollmentFactory(user=voter, course_offering=a.offering, status=EnrollmentStatus.ACTIVE)
    barrier = threading.Barrier(len(voters))
    errors = []

    def vote(user):
        try:
            barrier.wait(timeout=30)
            services.toggle_upvote(
                actor=user,
                access=access_for(user, a.offering),
                post=DiscussionPost.objects.select_related("thread").get(pk=answer.pk),
            )
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=vote, args=(v,)) for v in voters]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert DiscussionPost.objects.get(pk=answer.pk).upvote_count == 8


# --- follows and notifications ------------------------------------------------------------------------------


def test_replies_notify_followers_after_commit(world, people, django_capture_on_commit_callbacks):
    a = world.a
    with django_capture_on_commit_callbacks(execute=True):
        thread = _thread(a.student, a.offering, title="Chain rule?")
        services.follow_everything(actor=a.ta, access=access_for(a.ta, a.offering), follow=True)
        _reply(people.classmate, thread, body="An answer")  # author follows; the TA follows everything
        assert Notification.objects.count() == 0
    notes = {n.user_id: n for n in Notification.objects.all()}
    assert set(notes) == {a.student.pk, a.ta.pk}
    assert notes[a.student.pk].kind == NotificationKind.ANSWER
    assert notes[a.student.pk].text == "Grace Hopper answered “Chain rule?”"
    assert notes[a.student.pk].university_id == a.university.pk
    Notification.objects.all().delete()
    # The replier now follows too; a nested reply is a "reply".
    with django_capture_on_commit_callbacks(execute=True):
        _reply(a.student, thread, body="thanks!", parent=DiscussionPost.objects.get(body="An answer"))
    assert {(n.user_id, n.kind) for n in Notification.objects.all()} == {
        (people.classmate.pk, NotificationKind.REPLY),
        (a.ta.pk, NotificationKind.REPLY),
    }


def test_unfollow_and_a_dropped_follower_hear_nothing(world, people, django_capture_on_commit_callbacks):
    a = world.a
    thread = _thread(a.student, a.offering)
    services.follow_thread(actor=a.student, access=access_for(a.student, a.offering), thread=thread, follow=False)
    DiscussionThreadFollow.objects.create(thread=thread, user=people.dropped)  # followed before dropping
    with django_capture_on_commit_callbacks(execute=True):
        _reply(people.classmate, thread)
    assert Notification.objects.count() == 0


def test_mentions_notify_members_only(world, people, django_capture_on_commit_callbacks):
    a = world.a
    outsider = UserFactory(full_name="Outside Person")
    with django_capture_on_commit_callbacks(execute=True):
        thread = _thread(a.student, a.offering, body="Hey @[grace hopper] and @[Outside Person]")
    post = DiscussionPost.objects.get(thread=thread)
    assert '<span class="mention">@Grace Hopper</span>' in post.body_html and "@[Outside Person]" in post.body_html
    assert list(Notification.objects.values_list("user_id", "kind")) == [
        (people.classmate.pk, NotificationKind.MENTION)
    ]
    assert outsider.notifications.count() == 0


def test_a_rolled_back_reply_notifies_nobody(world, people, django_capture_on_commit_callbacks):
    a = world.a
    thread = _thread(a.student, a.offering)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        _reply(people.classmate, thread, body="")
    assert Notification.objects.count() == 0


# --- rate limit ----------------------------------------------------------------------------------------------


def test_posting_rate_limit(world, people):
    a = world.a
    thread = _thread(a.student, a.offering)
    for _ in range(services.RATE_LIMIT_POSTS - 1):
        _reply(a.student, thread)
    with pytest.raises(ValidationError) as error:
        _reply(a.student, thread)
    assert services.RATE_LIMITED in str(error.value)
    _reply(people.classmate, thread)  # another user is not limited


@pytest.mark.django_db(transaction=True)
def test_the_rate_limit_holds_under_concurrent_posts():
    from conftest import build_world

    world = build_world()
    a = world.a
    thread = _thread(a.instructor, a.offering)
    attempts = services.RATE_LIMIT_POSTS + 5
    barrier = threading.Barrier(attempts)
    errors, refused = [], []

    def post():
        try:
            barrier.wait(timeout=30)
            _reply(a.student, thread)
        except ValidationError as exc:
            refused.append(exc)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=post) for _ in range(attempts)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    assert errors == []
    assert DiscussionPost.objects.filter(user=a.student).count() == services.RATE_LIMIT_POSTS
    assert len(refused) == 5
    assert DiscussionThread.objects.get(pk=thread.pk).post_count == services.RATE_LIMIT_POSTS


# --- lists and filters ----------------------------------------------------------------------------------------


def test_filters_and_search(client, world, people, tree):
    a = world.a
    mine = _thread(a.student, a.offering, title="Integrals puzzle", body="about antiderivatives")
    about_item = _thread(people.classmate, a.offering, title="Item question", content_item=tree.t1)
    answered = _thread(people.classmate, a.offering, title="Solved one")
    services.set_thread_answered(actor=a.ta, access=access_for(a.ta, a.offering), thread=answered, answered=True)
    chat = _thread(people.classmate, a.offering, kind=ThreadKind.DISCUSSION, title="Study group")
    _reply(a.instructor, chat, body="the eigenvalue trick")
    client.force_login(a.student)

    def shown(**params):
        html = client.get(_list_url(a.offering), params).content.decode()
        return {t.pk for t in (mine, about_item, answered, chat) if f'data-thread="{t.pk}"' in html}

    assert shown() == {mine.pk, about_item.pk, answered.pk, chat.pk}
    assert shown(mine="on") == {mine.pk}
    assert shown(item=tree.t1.pk) == {about_item.pk}
    assert shown(module=tree.t1.module_id) == {about_item.pk}
    assert shown(unanswered="on") == {mine.pk, about_item.pk}
    assert shown(followed="on") == {mine.pk}
    assert shown(q="integral") == {mine.pk}  # the title, stemmed
    assert shown(q="eigenvalue") == {chat.pk}  # a reply's text
    assert shown(q="antiderivatives") == {mine.pk}
    for garbage in ({"item": "abc"}, {"module": "-1"}, {"q": "x" * 5000}, {"page": "999999999999"}, {"q": "'\"&|!"}):
        assert client.get(_list_url(a.offering), garbage).status_code == 200
    # Pinned first.
    services.set_thread_flags(actor=a.ta, access=access_for(a.ta, a.offering), thread=chat, pinned=True)
    html = client.get(_list_url(a.offering)).content.decode()
    assert html.index(f'data-thread="{chat.pk}"') < html.index(f'data-thread="{mine.pk}"')


def test_item_page_panel_lists_its_threads(client, world, tree, people):
    a = world.a
    thread = _thread(a.student, a.offering, title="About t1", content_item=tree.t1)
    client.force_login(a.student)
    item_page = client.get(reverse("player:item", kwargs={"offering_id": a.offering.pk, "item_id": tree.t1.pk}))
    html = item_page.content.decode()
    panel = reverse("community:item-threads", kwargs={"offering_id": a.offering.pk, "item_id": tree.t1.pk})
    assert "Ask a question about this item" in html and f'hx-get="{panel}"' in html
    assert f"?item={tree.t1.pk}" in html
    assert f'data-item-thread="{thread.pk}"' in client.get(panel).content.decode()
    other = reverse("community:item-threads", kwargs={"offering_id": a.offering.pk, "item_id": tree.t2.pk})
    html = client.get(other).content.decode()
    assert f'data-item-thread="{thread.pk}"' not in html and "No questions about this item yet." in html
    client.force_login(people.dropped)
    assert client.get(panel).status_code == 404
    client.force_login(world.b.student)
    assert client.get(panel).status_code == 404


def test_service_refuses_a_stranger(world):
    a, b = world.a, world.b
    with pytest.raises(Exception):  # noqa: B017,PT011 - Http404 from the access selector
        get_offering_access(b.student, a.offering.pk)
    thread = _thread(a.student, a.offering)
    student_access = access_for(a.student, a.offering)
    with pytest.raises(PermissionDenied):
        services.set_thread_flags(actor=a.student, access=student_access, thread=thread, locked=True)
    with pytest.raises(PermissionDenied):
        services.remove_post(
            actor=a.student, access=student_access, post=DiscussionPost.objects.get(thread=thread), reason="x"
        )
