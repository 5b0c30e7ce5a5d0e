"""Reviews: eligibility, one per student per offering, the course's aggregate kept right (also under
concurrent reviews), hiding with a reason, the course page and catalog cards, bad input."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse

from accounts.tests.factories import UserFactory
from catalog.models import Course
from learning.community import services
from learning.community.models import CourseReview, CourseReviewModeration
from learning.enrollment.models import EnrollmentStatus
from learning.notifications.models import Notification, NotificationKind
from learning.progress.models import UserModuleProgress
from learning.tests.factories import CourseEnrollmentFactory


def _halfway(user, tenant, percent=50):
    UserModuleProgress.objects.update_or_create(
        user=user,
        course_offering=tenant.offering,
        module=tenant.root_module,
        defaults={"progress_percent": Decimal(percent)},
    )


def _course(tenant):
    return Course.objects.get(pk=tenant.course.pk)


def _edit_url(tenant):
    return reverse("community:review-edit", kwargs={"offering_id": tenant.offering.pk})


def test_eligibility_half_the_course_or_completed(client, world, people):
    a = world.a
    client.force_login(a.student)
    page = client.get(_edit_url(a)).content.decode()
    assert "once you have completed 50% of it" in page
    response = client.post(_edit_url(a), {"rating": "5", "review_text": "Great"})
    assert response.status_code == 403 and not CourseReview.objects.exists()
    _halfway(a.student, a, 49)
    assert client.post(_edit_url(a), {"rating": "5"}).status_code == 403
    _halfway(a.student, a, 50)
    assert client.post(_edit_url(a), {"rating": "5", "review_text": "Great"}).status_code == 302
    client.force_login(people.completed)  # a completed enrollment needs no progress rows
    assert client.post(_edit_url(a), {"rating": "3"}).status_code == 302
    client.force_login(people.dropped)
    assert client.post(_edit_url(a), {"rating": "1"}).status_code == 404
    client.force_login(world.b.student)
    assert client.post(_edit_url(a), {"rating": "1"}).status_code == 404
    assert CourseReview.objects.count() == 2
    course = _course(a)
    assert (course.rating_avg, course.rating_count) == (Decimal("4.00"), 2)


@pytest.mark.parametrize(
    "data",
    [
        {"rating": ""},
        {"rating": "0"},
        {"rating": "6"},
        {"rating": "abc"},
        {"rating": "4.5"},
        {"rating": "5", "review_text": "x" * 5001},
    ],
)
def test_review_bad_input_is_a_form_error(client, world, data):
    a = world.a
    _halfway(a.student, a)
    client.force_login(a.student)
    response = client.post(_edit_url(a), data)
    assert response.status_code == 200 and response.context["form"].errors
    assert not CourseReview.objects.exists()


def test_edit_keeps_one_review_and_recomputes(client, world, people):
    a = world.a
    _halfway(a.student, a)
    client.force_login(a.student)
    client.post(_edit_url(a), {"rating": "2", "review_text": "<script>alert(1)</script>meh"})
    client.post(_edit_url(a), {"rating": "4", "review_text": "Better after week 3"})
    review = CourseReview.objects.get()
    assert (review.rating, review.review_text) == (4, "Better after week 3")
    assert _course(a).rating_avg == Decimal("4.00")
    client.force_login(people.completed)
    client.post(_edit_url(a), {"rating": "1", "review_text": "<script>alert(1)</script>"})
    html = client.get(
        reverse("community:course-reviews", args=[a.university.short_code, a.course.code])
    ).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert (_course(a).rating_avg, _course(a).rating_count) == (Decimal("2.50"), 2)


def test_hide_with_a_reason_stops_counting_and_tells_the_author(
    client, world, people, django_capture_on_commit_callbacks
):
    a = world.a
    _halfway(a.student, a)
    good = services.save_review(actor=a.student, offering=a.offering, rating=5, text="Lovely")
    bad = services.save_review(actor=people.completed, offering=a.offering, rating=1, text="abusive words")
    url = reverse("community:review-hide", kwargs={"offering_id": a.offering.pk, "review_id": bad.pk})
    for outsider in (a.student, a.ta, world.b.instructor, world.b.university_admin):
        client.force_login(outsider)
        assert client.post(url, {"reason": "abuse"}).status_code == 404
    client.force_login(a.instructor)
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200 and response.context["form"].errors["reason"]
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"reason": "Insults another student"}).status_code == 302
    course = _course(a)
    assert (course.rating_avg, course.rating_count) == (Decimal("5.00"), 1)
    note = Notification.objects.get(user=people.completed)
    assert note.kind == NotificationKind.REVIEW_HIDDEN and "Insults another student" in note.text
    reviews_url = reverse("community:course-reviews", args=[a.university.short_code, a.course.code])
    html = client.get(reviews_url).content.decode()  # the instructor still sees it, marked, to un-hide it
    assert "abusive words" in html and "Hidden by" in html and "Insults another student" in html
    client.force_login(a.student)
    html = client.get(reviews_url).content.decode()
    assert "abusive words" not in html and "Lovely" in html
    # University admins of A may hide too.
    with pytest.raises(PermissionDenied):
        services.hide_review(actor=a.ta, review=good, reason="no")
    services.hide_review(actor=a.university_admin, review=good, reason="test")
    course = _course(a)
    assert (course.rating_avg, course.rating_count) == (None, 0)


def test_course_page_and_catalog_cards_show_the_ratings(client, world, people):
    a = world.a
    _halfway(a.student, a)
    services.save_review(actor=a.student, offering=a.offering, rating=5, text="Five stars text")
    services.save_review(actor=people.completed, offering=a.offering, rating=2, text="Two stars text")
    course_url = reverse("catalog:course-detail", args=[a.university.short_code, a.course.code])
    html = client.get(course_url).content.decode()  # anonymous visitor
    assert "★ 3.5" in html and 'data-histogram="5"' in html and "Five stars text" in html
    assert "Review the course" not in html
    client.force_login(a.student)
    html = client.get(course_url).content.decode()
    assert "Review the course" in html and _edit_url(a) in html
    client.force_login(people.classmate)  # enrolled, not far enough
    assert "Review the course" not in client.get(course_url).content.decode()
    cards = client.get(reverse("catalog:course-list"), {"sort": "rating"}).content.decode()
    assert "★ 3.5" in cards and "(2 ratings)" in cards


def test_course_reviews_page_pages_and_hides_other_universities_private_courses(client, world):
    a = world.a
    for n in range(23):
        user = UserFactory()
        CourseEnrollmentFactory(user=user, course_offering=a.offering, status=EnrollmentStatus.COMPLETED)
        services.save_review(actor=user, offering=a.offering, rating=1 + n % 5, text=f"Review number {n}")
    url = reverse("community:course-reviews", args=[a.university.short_code, a.course.code])
    first = client.get(url).content.decode()
    assert first.count("data-review=") == 10 and "Page 1 of 3" in first
    assert client.get(url, {"page": "3"}).content.decode().count("data-review=") == 3
    assert client.get(url, {"page": "abc"}).status_code == 200
    assert client.get(reverse("community:course-reviews", args=[a.university.short_code, "NOPE"])).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_concurrent_reviews_leave_the_exact_aggregate():
    from conftest import build_world

    world = build_world()
    a = world.a
    students = [UserFactory() for _ in range(10)]
    for student in students:
        CourseEnrollmentFactory(user=student, course_offering=a.offering, status=EnrollmentStatus.COMPLETED)
    ratings = [1, 2, 3, 4, 5, 5, 4, 3, 5, 5]
    barrier = threading.Barrier(len(students) + 1)
    errors = []

    def review(student, rating):
        try:
            barrier.wait(timeout=30)
            services.save_review(actor=student, offering=a.offering, rating=rating, text="")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    def edit_and_hide():
        try:
            barrier.wait(timeout=30)
            services.save_review(actor=students[0], offering=a.offering, rating=2, text="changed")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=review, args=pair) for pair in zip(students, ratings, strict=True)]
    workers.append(threading.Thread(target=edit_and_hide))
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=90)
    assert errors == []
    reviews = list(CourseReview.objects.filter(course_offering=a.offering).values_list("rating", flat=True))
    assert len(reviews) == 10
    course = Course.objects.get(pk=a.course.pk)
    assert course.rating_count == 10
    assert course.rating_avg == (Decimal(sum(reviews)) / 10).quantize(Decimal("0.01"))


# --- un-hiding --------------------------------------------------------------------------------------------


def _unhide_url(tenant, review):
    return reverse("community:review-unhide", kwargs={"offering_id": tenant.offering.pk, "review_id": review.pk})


def _reviews_url(tenant):
    return reverse("community:course-reviews", args=[tenant.university.short_code, tenant.course.code])


def test_unhide_counts_again_tells_the_author_and_is_audited(client, world, people, django_capture_on_commit_callbacks):
    a = world.a
    _halfway(a.student, a)
    services.save_review(actor=a.student, offering=a.offering, rating=5, text="Lovely")
    review = services.save_review(actor=people.completed, offering=a.offering, rating=1, text="Harsh but fair")
    assert services.hide_review(actor=a.instructor, review=review, reason="Looked like abuse") is True
    assert (_course(a).rating_avg, _course(a).rating_count) == (Decimal("5.00"), 1)
    url = _unhide_url(a, review)

    assert client.get(url).status_code == 302  # anonymous: to the log-in page
    for outsider in (a.student, people.completed, a.ta, world.b.instructor, world.b.university_admin):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
        assert client.post(url, {"reason": "fine"}).status_code == 404
    client.force_login(a.instructor)
    foreign = reverse("community:review-unhide", kwargs={"offering_id": world.b.offering.pk, "review_id": review.pk})
    assert client.post(foreign, {"reason": "fine"}).status_code == 404
    page = client.get(url).content.decode()
    assert "Looked like abuse" in page and "Harsh but fair" in page
    for bad in ("", "   ", "x" * 501):
        response = client.post(url, {"reason": bad})
        assert response.status_code == 200 and response.context["form"].errors["reason"]
    assert client.post(url, {"reason": "ok\x00"}).status_code == 400  # NUL: refused before the view
    assert CourseReview.objects.get(pk=review.pk).hidden_at is not None
    assert _course(a).rating_count == 1

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "Re-read it: criticism, not abuse"})
    assert response.status_code == 302 and response.url == _reviews_url(a)
    review.refresh_from_db()
    assert (review.hidden_at, review.hidden_by_id, review.hidden_reason) == (None, None, "")
    assert (_course(a).rating_avg, _course(a).rating_count) == (Decimal("3.00"), 2)
    note = Notification.objects.get(user=people.completed, kind=NotificationKind.REVIEW_UNHIDDEN)
    assert "shown again" in note.text and "criticism, not abuse" in note.text
    log = list(
        CourseReviewModeration.objects.filter(review=review).order_by("id").values_list("action", "actor_id", "reason")
    )
    assert log == [
        ("hide", a.instructor.pk, "Looked like abuse"),
        ("unhide", a.instructor.pk, "Re-read it: criticism, not abuse"),
    ]
    assert "Harsh but fair" in client.get(_reviews_url(a)).content.decode()

    # Twice (a second tab): nothing changes, nobody is told again, and the page says so.
    response = client.post(url, {"reason": "again"}, follow=True)
    assert "The review is not hidden." in response.content.decode()
    assert CourseReviewModeration.objects.filter(review=review).count() == 2
    assert Notification.objects.filter(user=people.completed, kind=NotificationKind.REVIEW_UNHIDDEN).count() == 1
    assert client.get(url).status_code == 302
    # The service re-checks the policy.
    services.hide_review(actor=a.university_admin, review=review, reason="Again")
    with pytest.raises(PermissionDenied):
        services.unhide_review(actor=a.ta, review=review, reason="no")
    assert services.unhide_review(actor=a.university_admin, review=review, reason="Admin says fine") is True


def test_staff_see_their_offerings_hidden_reviews_marked_students_do_not(
    client, world, people, django_assert_num_queries
):
    a = world.a
    services.save_review(actor=people.completed, offering=a.offering, rating=4, text="Visible review")
    hidden = []
    for n in range(12):
        user = UserFactory()
        CourseEnrollmentFactory(user=user, course_offering=a.offering, status=EnrollmentStatus.COMPLETED)
        review = services.save_review(actor=user, offering=a.offering, rating=1, text=f"Hidden review {n}")
        services.hide_review(actor=a.instructor, review=review, reason=f"Reason {n}")
        hidden.append(review)
    url = _reviews_url(a)

    client.force_login(a.student)
    html = client.get(url).content.decode()
    assert "Visible review" in html and "Hidden review" not in html and "Un-hide" not in html
    assert "Hidden review" not in client.get(url, {"hidden": "1"}).content.decode()

    client.force_login(a.instructor)
    html = client.get(url).content.decode()
    assert html.count("data-hidden-review") == 10 and "Visible review" not in html  # page 1: the 10 newest
    assert "Reason 11" in html and _unhide_url(a, hidden[11]) in html
    html = client.get(url, {"hidden": "1"}).content.decode()
    assert html.count("data-hidden-review") == 10 and "Page 1 of 2" in html and "Visible review" not in html
    # One page, whatever the number of hidden reviews on it: no query per row (their hider included).
    with django_assert_num_queries(_queries(client, url, {"hidden": "1", "page": "2"})):
        client.get(url, {"hidden": "1", "page": "1"})


def _queries(client, url, params) -> int:
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(conn) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.django_db(transaction=True)
def test_concurrent_hides_unhides_and_reviews_leave_the_exact_aggregate_and_log():
    from conftest import build_world

    world = build_world()
    a = world.a
    students = [UserFactory() for _ in range(12)]
    for student in students:
        CourseEnrollmentFactory(user=student, course_offering=a.offering, status=EnrollmentStatus.COMPLETED)
    existing = [
        services.save_review(actor=student, offering=a.offering, rating=1 + n % 5, text="")
        for n, student in enumerate(students[:6])
    ]
    for review in existing[:3]:
        services.hide_review(actor=a.instructor, review=review, reason="start hidden")
    moderators = (a.instructor, a.university_admin)
    threads_per_review = 2
    barrier = threading.Barrier(len(existing) * threads_per_review + 6)
    errors = []

    def toggle(review, moderator, rounds=3):
        try:
            barrier.wait(timeout=30)
            for n in range(rounds):
                if n % 2 == 0:
                    services.unhide_review(actor=moderator, review=review, reason=f"show {n}")
                else:
                    services.hide_review(actor=moderator, review=review, reason=f"hide {n}")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    def review(student, rating):
        try:
            barrier.wait(timeout=30)
            services.save_review(actor=student, offering=a.offering, rating=rating, text="")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    workers = [
        threading.Thread(target=toggle, args=(r, moderators[i])) for r in existing for i in range(threads_per_review)
    ]
    workers += [threading.Thread(target=review, args=(s, 5)) for s in students[6:]]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert errors == []
    visible = list(
        CourseReview.objects.filter(course_offering=a.offering, hidden_at__isnull=True).values_list("rating", flat=True)
    )
    course = Course.objects.get(pk=a.course.pk)
    assert course.rating_count == len(visible)
    expected = (Decimal(sum(visible)) / len(visible)).quantize(Decimal("0.01")) if visible else None
    assert course.rating_avg == expected
    # The log alternates for every review (each entry is a change that took effect) and ends in its state.
    for r in CourseReview.objects.filter(pk__in=[x.pk for x in existing]):
        actions = list(CourseReviewModeration.objects.filter(review=r).order_by("id").values_list("action", flat=True))
        assert all(x != y for x, y in zip(actions, actions[1:], strict=False))
        assert actions[-1] == ("hide" if r.hidden_at else "unhide") if actions else r.hidden_at is None
