"""The notification service, its pages, the bell, and the e-mail (immediate, digest, unsubscribe)."""

from __future__ import annotations

import io
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import NotificationEmail, User
from accounts.tests.factories import UserFactory
from learning.models import Notification, NotificationDigest, NotificationKind
from learning.notifications import services, tasks
from learning.notifications.tasks import send_notification_digest, unsubscribe_token
from learning.notifications.views import BAD_UNSUBSCRIBE_LINK, UNSUBSCRIBED


def _notify(users, *, kind=NotificationKind.REPLY, text="Ada replied to “Limits”", url="/learn/1/", university=None):
    services.notify(
        user_ids=[u.pk if u else None for u in users],
        kind=kind,
        text=text,
        url=url,
        university_id=university.pk if university else None,
    )


def _unread(user) -> int:
    return User.objects.get(pk=user.pk).unread_notification_count


def test_notify_writes_after_commit_only(world, django_capture_on_commit_callbacks):
    student, ta = world.a.student, world.a.ta
    with django_capture_on_commit_callbacks(execute=True):
        _notify([student, ta, student, None], university=world.a.university)
        # Nothing is written while the event's transaction is open.
        assert Notification.objects.count() == 0
    rows = Notification.objects.order_by("user_id")
    assert [r.user_id for r in rows] == sorted([student.pk, ta.pk])
    assert {r.university_id for r in rows} == {world.a.university.pk}
    assert _unread(student) == 1 and _unread(ta) == 1


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_event_notifies_nobody():
    user = UserFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        _notify([user])
        raise RuntimeError("the event failed")
    assert Notification.objects.count() == 0
    assert _unread(user) == 0
    with transaction.atomic():
        _notify([user])
    assert Notification.objects.filter(user=user).count() == 1
    assert _unread(user) == 1


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"kind": "gossip"}, services.UNKNOWN_KIND.format(kind="gossip")),
        ({"text": "  \x00 "}, services.EMPTY_TEXT),
        ({"url": "https://evil.example/"}, services.URL_NOT_A_PATH),
        ({"url": "//evil.example/"}, services.URL_NOT_A_PATH),
    ],
)
def test_bad_notifications_are_refused_at_call_time(world, django_capture_on_commit_callbacks, kwargs, message):
    arguments = {"user_ids": [world.a.student.pk], "kind": NotificationKind.REPLY, "text": "x", "url": "/", **kwargs}
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as error:
        services.notify(**arguments)
    assert error.value.messages == [message]
    assert Notification.objects.count() == 0


def test_long_text_is_cut_and_nul_dropped(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _notify([world.a.student], text="a\x00b " + "x" * 2000)
    text = Notification.objects.get().text
    assert text.startswith("ab x") and len(text) == 500 and text.endswith("…")


def test_inactive_users_are_skipped(world, django_capture_on_commit_callbacks):
    gone = UserFactory(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        _notify([gone, world.a.student])
    assert list(Notification.objects.values_list("user_id", flat=True)) == [world.a.student.pk]


def test_immediate_mail_is_sent_from_the_task_with_an_unsubscribe_link(world, django_capture_on_commit_callbacks):
    student = world.a.student
    User.objects.filter(pk=student.pk).update(notification_email=NotificationEmail.IMMEDIATE)
    daily = world.a.ta  # a daily digest: no mail now
    User.objects.filter(pk=daily.pk).update(notification_email=NotificationEmail.DAILY)
    with django_capture_on_commit_callbacks(execute=True):
        _notify([student, daily], text="Your answer was endorsed", url="/learn/7/")
        assert mail.outbox == []
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [student.email]
    assert "Your answer was endorsed" in message.subject and "http://127.0.0.1:8000/learn/7/" in message.body
    token = unsubscribe_token(student.pk)
    assert f"/notifications/unsubscribe/{token}/" in message.body
    assert token in message.extra_headers["List-Unsubscribe"]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert Notification.objects.get(user=student).emailed_at is not None
    assert Notification.objects.get(user=daily).emailed_at is None


def test_digest_groups_by_kind_one_mail_per_user_and_never_twice(world, django_capture_on_commit_callbacks):
    student, ta = world.a.student, world.a.ta
    User.objects.filter(pk__in=[student.pk, ta.pk]).update(notification_email=NotificationEmail.DAILY)
    with django_capture_on_commit_callbacks(execute=True):
        _notify([student], kind=NotificationKind.REPLY, text="First reply")
        _notify([student], kind=NotificationKind.GRADE_POSTED, text="Quiz 1 graded")
        _notify([student, ta], kind=NotificationKind.REPLY, text="Second reply")
    read = Notification.objects.create(
        user=student, kind=NotificationKind.MENTION, text="Already read", read_at=timezone.now()
    )
    old = Notification.objects.create(user=student, kind=NotificationKind.MENTION, text="Ancient")
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=5))
    mail.outbox.clear()

    call_command("send_notification_digests", stdout=open("/dev/null", "w"))  # noqa: SIM115

    by_user = {m.to[0]: m for m in mail.outbox}
    assert set(by_user) == {student.email, ta.email}
    body = by_user[student.email].body
    assert "3 unread notifications" in body
    replies, grades = body.index("== Reply in a followed thread (2) =="), body.index("== Grade posted (1) ==")
    assert replies < body.index("First reply") < body.index("Second reply") < grades < body.index("Quiz 1 graded")
    assert "Already read" not in body and "Ancient" not in body
    assert "/notifications/unsubscribe/" in body
    assert "1 unread notification." in by_user[ta.email].body

    mail.outbox.clear()
    call_command("send_notification_digests", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert mail.outbox == []
    assert send_notification_digest.call(student.pk) == 0
    assert Notification.objects.get(pk=read.pk).emailed_at is not None


def _daily(*users):
    User.objects.filter(pk__in=[u.pk for u in users]).update(notification_email=NotificationEmail.DAILY)


def test_one_digest_per_user_and_day_even_with_news_after_it(world, django_capture_on_commit_callbacks, settings):
    settings.NOTIFICATION_DIGEST_HOUR = 7
    student = world.a.student
    _daily(student)
    with django_capture_on_commit_callbacks(execute=True):
        _notify([student], text="Morning reply")
    before_hour = timezone.now().replace(hour=6, minute=59)
    at_hour = before_hour.replace(hour=7, minute=0)
    assert tasks.queue_due_digests(now=before_hour) == 0 and mail.outbox == []
    assert tasks.queue_due_digests(now=at_hour) == 1
    assert len(mail.outbox) == 1 and "Morning reply" in mail.outbox[0].body
    digest = NotificationDigest.objects.get(user=student)
    assert (digest.day, digest.notification_count) == (at_hour.date(), 1)

    # News after today's digest waits for tomorrow's, even if the task is run again by hand today.
    with django_capture_on_commit_callbacks(execute=True):
        _notify([student], text="Afternoon reply")
    assert tasks.queue_due_digests(now=at_hour.replace(hour=15)) == 0
    assert send_notification_digest.call(student.pk, at_hour.date().isoformat()) == 0
    assert len(mail.outbox) == 1
    tomorrow = at_hour + timedelta(days=1)
    assert tasks.queue_due_digests(now=tomorrow) == 1
    assert len(mail.outbox) == 2 and "Afternoon reply" in mail.outbox[1].body and "Morning" not in mail.outbox[1].body
    assert NotificationDigest.objects.filter(user=student).count() == 2


def test_nothing_to_list_leaves_no_digest_row_for_the_day(world):
    _daily(world.a.student)
    assert send_notification_digest.call(world.a.student.pk) == 0
    assert not NotificationDigest.objects.exists() and mail.outbox == []


def test_the_scheduler_queues_the_digests_without_a_cron(world, django_capture_on_commit_callbacks, settings):
    settings.NOTIFICATION_DIGEST_HOUR = 0  # any hour of the day is past it
    student, ta = world.a.student, world.a.ta
    _daily(student, ta)
    with django_capture_on_commit_callbacks(execute=True):
        _notify([student, ta], text="A reply")
    out = io.StringIO()
    call_command("run_scheduler", "--once", stdout=out)
    assert "notification digests: 2" in out.getvalue()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([student.email, ta.email])
    out = io.StringIO()
    call_command("run_scheduler", "--once", stdout=out)  # the next tick: nothing left to send today
    assert "notification digests: 0" in out.getvalue() and len(mail.outbox) == 2


def test_a_failing_scheduler_tick_is_logged_and_the_loop_goes_on(monkeypatch, caplog):
    from learning.management.commands import run_scheduler

    def broken():
        raise RuntimeError("database restarting")

    monkeypatch.setattr(run_scheduler, "JOBS", (("broken", broken), ("fine", lambda: 3)))
    assert run_scheduler.run_jobs() == {"broken": None, "fine": 3}
    assert "Scheduled job 'broken' failed" in caplog.text


def test_the_scheduler_refuses_a_bad_interval():
    err = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("run_scheduler", "--once", "--interval", "0", stderr=err)
    assert "--interval must be positive" in err.getvalue()


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_digest_send_one_mail():
    user = UserFactory(notification_email=NotificationEmail.DAILY)
    for n in range(3):
        Notification.objects.create(user=user, kind=NotificationKind.REPLY, text=f"Reply {n}")
    day = timezone.localdate().isoformat()
    workers = 6
    barrier = threading.Barrier(workers)
    results, errors = [], []

    def worker():
        try:
            barrier.wait(timeout=30)
            results.append(send_notification_digest.call(user.pk, day))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(results) == [0] * (workers - 1) + [3]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]
    assert list(NotificationDigest.objects.values_list("user_id", "notification_count")) == [(user.pk, 3)]
    # The constraint itself: a second row for the same user and day is refused by the database.
    with pytest.raises(IntegrityError), transaction.atomic():
        NotificationDigest.objects.create(user=user, day=timezone.localdate())


def test_no_mail_for_users_who_want_none(world, django_capture_on_commit_callbacks):
    User.objects.filter(pk=world.a.student.pk).update(notification_email=NotificationEmail.OFF)
    with django_capture_on_commit_callbacks(execute=True):
        _notify([world.a.student])
    call_command("send_notification_digests", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert mail.outbox == []
    assert Notification.objects.filter(user=world.a.student).count() == 1


def test_unsubscribe_link(client, world):
    student = world.a.student
    url = reverse("notifications:unsubscribe", args=[unsubscribe_token(student.pk)])
    page = client.get(url)
    assert page.status_code == 200 and b"Unsubscribe" in page.content
    assert _pref(student) == NotificationEmail.IMMEDIATE  # the default
    response = client.post(url)  # no session, no CSRF token: the one-click POST of a mail client
    assert response.status_code == 200 and UNSUBSCRIBED in response.content.decode()
    assert _pref(student) == NotificationEmail.OFF


@pytest.mark.parametrize("token", ["garbage", "a" * 300, "1", "%00"])
def test_a_forged_unsubscribe_link_changes_nothing(client, world, token):
    url = reverse("notifications:unsubscribe", args=[token])
    assert BAD_UNSUBSCRIBE_LINK in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 400
    assert _pref(world.a.student) == NotificationEmail.IMMEDIATE


def _pref(user):
    return User.objects.get(pk=user.pk).notification_email


def test_profile_sets_the_email_preference(client, world):
    student = world.a.student
    client.force_login(student)
    url = reverse("accounts:profile")
    assert b'name="notification_email"' in client.get(url).content
    base = {"full_name": student.full_name, "locale": "en", "time_zone": "UTC"}
    response = client.post(url, {**base, "notification_email": "weekly<script>"})
    assert response.status_code == 200
    assert response.context["form"].errors["notification_email"]
    assert _pref(student) == NotificationEmail.IMMEDIATE
    assert client.post(url, {**base, "notification_email": "daily"}).status_code == 302
    assert _pref(student) == NotificationEmail.DAILY
    # A post without the field (an older form) keeps the preference.
    assert client.post(url, base).status_code == 302
    assert _pref(student) == NotificationEmail.DAILY


# --- pages and the bell ----------------------------------------------------------------------------


def _make(user, n, **extra):
    return [
        Notification.objects.create(user=user, kind=NotificationKind.REPLY, text=f"Note {i}", url="/learn/", **extra)
        for i in range(n)
    ]


def test_bell_shows_the_unread_count_without_a_query_of_its_own(client, world, django_capture_on_commit_callbacks):
    student = world.a.student
    with django_capture_on_commit_callbacks(execute=True):
        _notify([student])
        _notify([student])
    client.force_login(student)
    html = client.get(reverse("catalog:course-list")).content.decode()
    assert 'aria-label="Notifications, 2 unread"' in html and "data-unread-count>2<" in html


def test_list_page_open_and_mark_all_read(client, world):
    student, other = world.a.student, world.b.student
    mine = _make(student, 3)
    theirs = _make(other, 1)[0]
    services._recount([student.pk, other.pk])
    client.force_login(student)
    html = client.get(reverse("notifications:list")).content.decode()
    assert html.count("data-notification=") == 3 and "Note 0" in html
    assert f'data-notification="{theirs.pk}"' not in html

    response = client.post(reverse("notifications:open", args=[mine[0].pk]))
    assert response.status_code == 302 and response.url == "/learn/"
    assert _unread(student) == 2
    # Another user's notification: 404, and it stays unread.
    assert client.post(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert client.get(reverse("notifications:open", args=[mine[1].pk])).status_code == 405

    assert client.post(reverse("notifications:read-all")).status_code == 302
    assert _unread(student) == 0 and _unread(other) == 1
    assert not Notification.objects.filter(user=student, read_at__isnull=True).exists()


def test_pages_need_a_signed_in_user(client):
    for name, args in (("notifications:list", []), ("notifications:read-all", []), ("notifications:open", [1])):
        response = client.post(reverse(name, args=args)) if name != "notifications:list" else client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response.url


def test_list_page_queries_do_not_grow_and_garbage_pages_are_fine(client, world, django_assert_max_num_queries):
    student = world.a.student
    _make(student, 5)
    client.force_login(student)
    with django_assert_max_num_queries(6):
        client.get(reverse("notifications:list"))
    _make(student, 80)
    with django_assert_max_num_queries(6):
        html = client.get(reverse("notifications:list")).content.decode()
    assert html.count("data-notification=") == 30
    for page in ("abc", "99999999999999999999", "-1"):
        assert client.get(reverse("notifications:list"), {"page": page}).status_code == 200
    assert client.get(reverse("notifications:list"), {"page": "\x00"}).status_code == 400  # the project's NUL guard


def test_the_list_pages_newest_first_with_newer_and_older_links(client, world):
    student = world.a.student
    _make(student, 31)  # one more than a page
    client.force_login(student)
    first = client.get(reverse("notifications:list")).content.decode()
    assert "Page 1 of 2" in first and 'href="?page=2">Older' in first and "Newer" not in first
    second = client.get(reverse("notifications:list"), {"page": 2}).content.decode()
    assert second.count("data-notification=") == 1
    assert "Page 2 of 2" in second and 'href="?page=1">Newer' in second and "Older" not in second


@pytest.mark.django_db(transaction=True)
def test_concurrent_fan_outs_and_mark_reads_leave_the_exact_count():
    user = UserFactory()
    _make(user, 5)
    services._recount([user.pk])
    barrier = threading.Barrier(8)
    errors = []

    def fan_out():
        try:
            barrier.wait(timeout=30)
            _notify([user])
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    def read_all():
        try:
            barrier.wait(timeout=30)
            services.mark_all_read(actor=user)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=fan_out) for _ in range(6)] + [
        threading.Thread(target=read_all) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert _unread(user) == Notification.objects.filter(user=user, read_at__isnull=True).count()
    assert Notification.objects.filter(user=user).count() == 11


# --- events of other sub-areas ----------------------------------------------------------------------------


def test_enrollment_approval_and_waitlist_promotion_notify_the_student(world, django_capture_on_commit_callbacks):
    from catalog.models import CourseOffering
    from learning.enrollment import services as enrollment_services
    from learning.enrollment.models import CourseEnrollment, EnrollmentStatus
    from learning.tests.factories import CourseEnrollmentFactory

    a = world.a
    CourseOffering.objects.filter(pk=a.offering.pk).update(capacity=1)
    pending = CourseEnrollmentFactory(course_offering=a.offering, status=EnrollmentStatus.PENDING)
    waiting = CourseEnrollmentFactory(
        course_offering=a.offering, status=EnrollmentStatus.WAITLISTED, waitlist_position=1
    )
    with django_capture_on_commit_callbacks(execute=True):
        enrollment_services.approve_enrollment(actor=a.instructor, enrollment=pending)
    note = Notification.objects.get(user=pending.user)
    assert note.kind == NotificationKind.ENROLLMENT_APPROVED and "waiting list" in note.text
    assert note.university_id == a.university.pk
    with django_capture_on_commit_callbacks(execute=True):
        enrollment_services.drop_enrollment(actor=a.student, enrollment=CourseEnrollment.objects.get(user=a.student))
    note = Notification.objects.get(user=waiting.user)
    assert note.kind == NotificationKind.WAITLIST_PROMOTED
    assert note.url == reverse("player:resume", kwargs={"offering_id": a.offering.pk})
    assert _unread(waiting.user) == 1
