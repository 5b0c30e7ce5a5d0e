"""Writes of discussions and reviews. Keyword-only, the acting user as ``actor``, permissions re-checked
against ``learning.community.permissions`` (so the admin and commands are as safe as the views).

Contract:
- Posting (``create_thread``, ``reply``) takes a row lock on the thread (a locked thread refuses the post
  under that lock), a per-user advisory lock for the rate limit (at most ``RATE_LIMIT_POSTS`` posts per
  ``RATE_LIMIT_WINDOW`` across all courses), and keeps the thread's ``post_count``/``last_activity_at`` and
  the post's ``path`` right. The author and every replier follow the thread.
- Bodies are markdown (``learning.community.markdown``) rendered once and stored; bad input (empty after
  removing NUL and whitespace, longer than ``BODY_MAX_LENGTH``) raises ``ValidationError`` on ``body`` and
  writes nothing. ``@[Full Name]`` mentions resolve to the offering's members only.
- ``delete_post`` (the author) blanks the text (and an opening post's title) and keeps the row, so the
  tree stays; ``remove_post`` (staff) hides it from students with a reason; staff still read it.
- Notifications go through ``learning.notifications.services.notify`` (after commit): replies and answers
  to the thread's followers and to staff who follow everything, mentions, endorsements, a hidden review.
- Reviews: one per student per offering (``ux_course_reviews_unique``); every create, edit, hide and
  un-hide locks the course row and recomputes ``courses.rating_avg``/``rating_count`` from the visible
  reviews through ``catalog.services.set_course_rating`` in the same transaction. A hide or un-hide that
  takes effect writes a ``course_review_moderations`` row (the audit trail) and tells the author.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Avg, Count, F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from catalog import services as catalog_services
from catalog.models import Course, CourseOffering, CourseOfferingInstructor
from learning.community.markdown import render_post
from learning.community.models import (
    CourseReview,
    CourseReviewModeration,
    DiscussionPost,
    DiscussionPostUpvote,
    DiscussionSettings,
    DiscussionThread,
    DiscussionThreadFollow,
    ReviewModerationAction,
    ThreadKind,
)
from learning.community.permissions import (
    LEARNER_STATUSES,
    OfferingAccess,
    can_edit_post,
    can_hide_review,
    can_moderate_discussions,
    review_eligibility,
)
from learning.enrollment.models import CourseEnrollment
from learning.notifications.models import NotificationKind
from learning.notifications.services import notify
from lms.db import violated_constraint
from syllabus.models import ContentItem, Module

BODY_MAX_LENGTH = 20_000
TITLE_MAX_LENGTH = 200
REASON_MAX_LENGTH = 500
REVIEW_MAX_LENGTH = 5_000
RATE_LIMIT_POSTS = 10
RATE_LIMIT_WINDOW = timedelta(minutes=1)

BODY_REQUIRED = gettext_noop("Write something first.")
BODY_TOO_LONG = f"A post is at most {BODY_MAX_LENGTH:,} characters."
TITLE_REQUIRED = gettext_noop("Give the thread a title.")
TITLE_TOO_LONG = f"A title is at most {TITLE_MAX_LENGTH} characters."
BAD_KIND = gettext_noop("Choose question or discussion.")
ITEM_NOT_IN_COURSE = gettext_noop("That module or item is not part of this course.")
THREAD_LOCKED = gettext_noop("This thread is locked: staff closed it to new posts.")
RATE_LIMITED = f"You are posting too fast: at most {RATE_LIMIT_POSTS} posts a minute. Wait a moment and try again."
PARENT_GONE = gettext_noop("That post was deleted or removed; reply to the thread instead.")
ANONYMOUS_NOT_ALLOWED = gettext_noop("Anonymous posts are not enabled in this course.")
NOT_YOURS = gettext_noop("You can only change your own posts.")
NOT_MODERATOR = gettext_noop("Only the course's instructors and TAs may do this.")
REASON_REQUIRED = gettext_noop("Give a reason (the author sees it).")
REASON_TOO_LONG = f"A reason is at most {REASON_MAX_LENGTH} characters."
NOT_AN_ANSWER = gettext_noop("Only answers to a question (direct replies to it) can be endorsed or upvoted.")
OWN_POST_VOTE = gettext_noop("You cannot upvote your own post.")
NOT_A_QUESTION = gettext_noop("Only questions can be marked answered.")
ENDORSE_STAFF_ANSWER = gettext_noop("Staff answers are shown apart already; endorse a student's answer.")
REVIEW_NOT_ELIGIBLE = gettext_noop("You can review this course once you have completed half of it (or all of it).")
RATING_RANGE = gettext_noop("Choose a rating from 1 to 5 stars.")
REVIEW_TOO_LONG = f"A review is at most {REVIEW_MAX_LENGTH:,} characters."
REVIEW_NOT_ALLOWED = gettext_noop("Only the course's instructors and admins may hide or un-hide reviews.")
# Notification text and a name shown to others: said through gettext where shown on a page.
ANONYMOUS_NAME = gettext_noop("An anonymous classmate")


def _clean_text(value: str | None, *, required: str, max_length: int, too_long: str, field: str) -> str:
    text = (value or "").replace("\x00", "")
    if not text.strip():
        raise ValidationError({field: [ValidationError(required, code="required")]})
    if len(text) > max_length:
        raise ValidationError({field: [ValidationError(too_long, code="max_length")]})
    return text.strip()


def _clean_body(body: str | None) -> str:
    return _clean_text(
        body, required=gettext(BODY_REQUIRED), max_length=BODY_MAX_LENGTH, too_long=BODY_TOO_LONG, field="body"
    )


def _clean_reason(reason: str | None) -> str:
    return _clean_text(
        reason,
        required=gettext(REASON_REQUIRED),
        max_length=REASON_MAX_LENGTH,
        too_long=REASON_TOO_LONG,
        field="reason",
    )


def _members_resolver(offering: CourseOffering):
    """Mentions resolve to active members of the offering: learners (active/completed) and teaching staff."""
    from accounts.models import User

    def resolve(names: list[str]) -> dict[str, tuple[int, str]]:
        wanted = set(names)
        members = (
            User.objects.filter(is_active=True)
            .filter(
                Q(
                    pk__in=CourseEnrollment.objects.filter(
                        course_offering_id=offering.pk, status__in=LEARNER_STATUSES
                    ).values("user_id")
                )
                | Q(pk__in=CourseOfferingInstructor.objects.filter(course_offering_id=offering.pk).values("user_id"))
            )
            .annotate(lower_name=Lower("full_name"))
            .filter(lower_name__in=wanted)
            .values_list("pk", "full_name")
        )
        found: dict[str, tuple[int, str]] = {}
        ambiguous = set()
        for pk, full_name in members:
            key = full_name.lower()
            if key in found:
                ambiguous.add(key)
            found[key] = (pk, full_name)
        return {k: v for k, v in found.items() if k not in ambiguous}

    return resolve


def _render(body: str, offering: CourseOffering) -> tuple[str, list[int]]:
    return render_post(body, resolve_mentions=_members_resolver(offering))


def _check_rate(actor) -> None:
    """Under a per-user transaction lock: refuse a post past the rate limit (the count and the insert
    that follows cannot interleave with another request of the same user)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended('discussion-post', %s))", [actor.pk])
    since = timezone.now() - RATE_LIMIT_WINDOW
    if DiscussionPost.objects.filter(user_id=actor.pk, created_at__gte=since).count() >= RATE_LIMIT_POSTS:
        raise ValidationError({"body": [ValidationError(RATE_LIMITED, code="rate_limited")]})


def _check_anonymous(access: OfferingAccess, anonymous: bool) -> None:
    if not anonymous:
        return
    settings = DiscussionSettings.objects.filter(course_offering_id=access.offering.pk).first()
    if access.is_staff or settings is None or not settings.allow_anonymous:
        raise ValidationError({"anonymous": [ValidationError(gettext(ANONYMOUS_NOT_ALLOWED), code="anonymous")]})


def _next_post_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('discussion_posts', 'id'))")
        return cursor.fetchone()[0]


def _follow(thread_id: int, user_id: int) -> None:
    DiscussionThreadFollow.objects.bulk_create(
        [DiscussionThreadFollow(thread_id=thread_id, user_id=user_id)], ignore_conflicts=True
    )


def thread_url(thread: DiscussionThread, post_id: int | None = None) -> str:
    url = reverse("community:thread-detail", kwargs={"offering_id": thread.course_offering_id, "thread_id": thread.pk})
    return f"{url}?post={post_id}#post-{post_id}" if post_id else url


def _author_name(post: DiscussionPost, actor) -> str:
    # Notification text (stored, read by other people in their own language): kept in English.
    return ANONYMOUS_NAME if post.is_anonymous else (actor.full_name or "Someone")


def create_thread(
    *,
    actor,
    access: OfferingAccess,
    kind: str,
    title: str,
    body: str,
    module: Module | None = None,
    content_item: ContentItem | None = None,
    anonymous: bool = False,
) -> DiscussionThread:
    """Open a thread (its opening post holds ``body``) in ``access.offering``."""
    if not access.may_read or access.user.pk != actor.pk:
        raise PermissionDenied(gettext(NOT_MODERATOR))
    if kind not in ThreadKind.values:
        raise ValidationError({"kind": [ValidationError(gettext(BAD_KIND), code="invalid")]})
    title = " ".join(
        _clean_text(
            title, required=gettext(TITLE_REQUIRED), max_length=TITLE_MAX_LENGTH, too_long=TITLE_TOO_LONG, field="title"
        ).split()
    )
    body = _clean_body(body)
    offering = access.offering
    if content_item is not None:
        if content_item.course_id != offering.course_id or not content_item.is_active:
            raise ValidationError({"content_item": [ValidationError(gettext(ITEM_NOT_IN_COURSE), code="invalid")]})
        module = content_item.module
    if module is not None and module.course_id != offering.course_id:
        raise ValidationError({"module": [ValidationError(gettext(ITEM_NOT_IN_COURSE), code="invalid")]})
    _check_anonymous(access, anonymous)
    html, mentioned = _render(body, offering)
    with transaction.atomic():
        _check_rate(actor)
        thread = DiscussionThread.objects.create(
            course_offering=offering,
            module=module,
            content_item=content_item,
            created_by_user=actor,
            title=title,
            kind=kind,
            last_activity_at=timezone.now(),
        )
        post_id = _next_post_id()
        post = DiscussionPost.objects.create(
            pk=post_id,
            thread=thread,
            user=actor,
            body=body,
            body_html=html,
            path=[post_id],
            is_anonymous=anonymous,
            by_staff=access.is_staff,
        )
        _follow(thread.pk, actor.pk)
        _notify_mentions(post, thread, actor, mentioned, offering)
    return thread


def _notify_mentions(post, thread, actor, mentioned: list[int], offering) -> None:
    recipients = [user_id for user_id in mentioned if user_id != actor.pk]
    if recipients:
        notify(
            user_ids=recipients,
            kind=NotificationKind.MENTION,
            text=f"{_author_name(post, actor)} mentioned you in “{thread.title or 'a thread'}”",
            url=thread_url(thread, post.pk),
            university_id=offering.course.university_id,
        )


def _lock_thread(thread: DiscussionThread) -> DiscussionThread:
    return DiscussionThread.objects.select_for_update().get(pk=thread.pk)


def reply(
    *,
    actor,
    access: OfferingAccess,
    thread: DiscussionThread,
    body: str,
    parent: DiscussionPost | None = None,
    anonymous: bool = False,
) -> DiscussionPost:
    """Reply to ``parent`` (the opening post when None) in ``thread``."""
    if not access.may_read or access.user.pk != actor.pk or thread.course_offering_id != access.offering.pk:
        raise PermissionDenied(gettext(NOT_MODERATOR))
    body = _clean_body(body)
    _check_anonymous(access, anonymous)
    html, mentioned = _render(body, access.offering)
    with transaction.atomic():
        locked = _lock_thread(thread)
        if locked.is_locked and not access.is_staff:
            raise ValidationError({"body": [ValidationError(gettext(THREAD_LOCKED), code="locked")]})
        if locked.is_removed and not access.is_staff:
            raise PermissionDenied(gettext(THREAD_LOCKED))
        if parent is None:
            parent = DiscussionPost.objects.get(thread_id=thread.pk, parent_post__isnull=True)
        elif parent.thread_id != thread.pk:
            raise ValidationError({"body": [ValidationError(gettext(PARENT_GONE), code="parent")]})
        parent = DiscussionPost.objects.get(pk=parent.pk)
        if (parent.is_deleted or parent.removed_at is not None) and parent.parent_post_id is not None:
            raise ValidationError({"body": [ValidationError(gettext(PARENT_GONE), code="parent")]})
        _check_rate(actor)
        post_id = _next_post_id()
        post = DiscussionPost.objects.create(
            pk=post_id,
            thread_id=thread.pk,
            parent_post=parent,
            user=actor,
            body=body,
            body_html=html,
            path=[*parent.path, post_id],
            is_anonymous=anonymous,
            by_staff=access.is_staff,
        )
        is_answer = locked.kind == ThreadKind.QUESTION and parent.parent_post_id is None
        updates = {"post_count": F("post_count") + 1, "last_activity_at": timezone.now()}
        if is_answer and access.is_staff:
            updates["is_answered"] = True
        DiscussionThread.objects.filter(pk=thread.pk).update(**updates)
        recipients = _followers(locked, access.offering) - {actor.pk} - set(mentioned)
        _follow(thread.pk, actor.pk)
        who = _author_name(post, actor)
        title = locked.title or "a thread"
        if is_answer:
            kind, text = (
                NotificationKind.ANSWER,
                f"{who} answered “{title}”" + (" (staff answer)" if access.is_staff else ""),
            )
        else:
            kind, text = NotificationKind.REPLY, f"{who} replied in “{title}”"
        if recipients:
            notify(
                user_ids=recipients,
                kind=kind,
                text=text,
                url=thread_url(locked, post.pk),
                university_id=access.offering.course.university_id,
            )
        _notify_mentions(post, locked, actor, mentioned, access.offering)
    return post


def _followers(thread: DiscussionThread, offering: CourseOffering) -> set[int]:
    """The thread's followers who may still read it, and staff following everything."""
    followers = set(DiscussionThreadFollow.objects.filter(thread_id=thread.pk).values_list("user_id", flat=True))
    settings = DiscussionSettings.objects.filter(course_offering_id=offering.pk).first()
    staff = set(
        CourseOfferingInstructor.objects.filter(course_offering_id=offering.pk).values_list("user_id", flat=True)
    )
    if settings is not None:
        followers |= set(settings.followers_of_everything) & staff
    learners = set(
        CourseEnrollment.objects.filter(
            course_offering_id=offering.pk, status__in=LEARNER_STATUSES, user_id__in=followers
        ).values_list("user_id", flat=True)
    )
    return followers & (learners | staff)


def edit_post(*, actor, access: OfferingAccess, post: DiscussionPost, body: str) -> DiscussionPost:
    if not can_edit_post(actor, post):
        raise PermissionDenied(gettext(NOT_YOURS))
    body = _clean_body(body)
    html, mentioned = _render(body, access.offering)
    with transaction.atomic():
        now = timezone.now()
        DiscussionPost.objects.filter(pk=post.pk).update(body=body, body_html=html, edited_at=now, updated_at=now)
        post.refresh_from_db()
    return post


def delete_post(*, actor, post: DiscussionPost) -> None:
    """The author's soft delete: the text goes (from every page and the search), the row and its replies stay."""
    if not can_edit_post(actor, post):
        raise PermissionDenied(gettext(NOT_YOURS))
    with transaction.atomic():
        DiscussionPost.objects.filter(pk=post.pk).update(
            is_deleted=True, body="", body_html="", updated_at=timezone.now()
        )
        if post.parent_post_id is None:
            DiscussionThread.objects.filter(pk=post.thread_id).update(title=None)


def _require_moderator(access: OfferingAccess, actor) -> None:
    if access.user.pk != actor.pk or not can_moderate_discussions(access):
        raise PermissionDenied(gettext(NOT_MODERATOR))


def remove_post(*, actor, access: OfferingAccess, post: DiscussionPost, reason: str) -> None:
    """Staff: hide a post from students with a reason (its author sees the reason); an opening post takes
    its thread off students' lists."""
    _require_moderator(access, actor)
    reason = _clean_reason(reason)
    with transaction.atomic():
        DiscussionPost.objects.filter(pk=post.pk).update(
            removed_at=timezone.now(), removed_by=actor, removed_reason=reason
        )
        if post.parent_post_id is None:
            DiscussionThread.objects.filter(pk=post.thread_id).update(is_removed=True)


def set_thread_flags(
    *, actor, access: OfferingAccess, thread: DiscussionThread, locked: bool | None = None, pinned: bool | None = None
) -> None:
    _require_moderator(access, actor)
    updates = {}
    if locked is not None:
        updates["is_locked"] = locked
    if pinned is not None:
        updates["is_pinned"] = pinned
    if updates:
        DiscussionThread.objects.filter(pk=thread.pk, course_offering_id=access.offering.pk).update(**updates)


def set_thread_answered(*, actor, access: OfferingAccess, thread: DiscussionThread, answered: bool) -> None:
    """The asker or staff mark a question answered (or not)."""
    if thread.created_by_user_id != actor.pk and not can_moderate_discussions(access):
        raise PermissionDenied(gettext(NOT_MODERATOR))
    if thread.kind != ThreadKind.QUESTION:
        raise ValidationError(gettext(NOT_A_QUESTION), code="not_question")
    DiscussionThread.objects.filter(pk=thread.pk).update(is_answered=answered)


def _is_answer(post: DiscussionPost, thread: DiscussionThread) -> bool:
    return thread.kind == ThreadKind.QUESTION and len(post.path) == 2


def endorse_post(*, actor, access: OfferingAccess, post: DiscussionPost, endorsed: bool = True) -> None:
    """Staff endorse a student's answer: the question counts as answered and the author hears about it."""
    _require_moderator(access, actor)
    thread = post.thread
    if not _is_answer(post, thread) or post.is_deleted or post.removed_at is not None:
        raise ValidationError(gettext(NOT_AN_ANSWER), code="not_answer")
    if post.by_staff:
        raise ValidationError(gettext(ENDORSE_STAFF_ANSWER), code="staff_answer")
    with transaction.atomic():
        if endorsed:
            changed = DiscussionPost.objects.filter(pk=post.pk, endorsed_at__isnull=True).update(
                endorsed_by=actor, endorsed_at=timezone.now()
            )
            DiscussionThread.objects.filter(pk=thread.pk).update(is_answered=True)
            if changed:
                notify(
                    user_ids=[post.user_id],
                    kind=NotificationKind.ENDORSEMENT,
                    text=f"Your answer in “{thread.title or 'a question'}” was endorsed by {actor.full_name or 'staff'}",
                    url=thread_url(thread, post.pk),
                    university_id=access.offering.course.university_id,
                )
        else:
            DiscussionPost.objects.filter(pk=post.pk).update(endorsed_by=None, endorsed_at=None)


def toggle_upvote(*, actor, access: OfferingAccess, post: DiscussionPost) -> bool:
    """Upvote an answer (or take the upvote back); answers whether the actor now upvotes it. The post row
    is locked while its counter is recomputed, so concurrent votes leave the exact count."""
    if not access.may_read or access.user.pk != actor.pk:
        raise PermissionDenied(gettext(NOT_MODERATOR))
    if not _is_answer(post, post.thread) or post.is_deleted or post.removed_at is not None:
        raise ValidationError(gettext(NOT_AN_ANSWER), code="not_answer")
    if post.user_id == actor.pk:
        raise ValidationError(gettext(OWN_POST_VOTE), code="own_post")
    with transaction.atomic():
        DiscussionPost.objects.select_for_update().filter(pk=post.pk).values_list("pk").get()
        deleted, _ = DiscussionPostUpvote.objects.filter(post_id=post.pk, user_id=actor.pk).delete()
        if not deleted:
            DiscussionPostUpvote.objects.create(post_id=post.pk, user_id=actor.pk)
        count = DiscussionPostUpvote.objects.filter(post_id=post.pk).count()
        DiscussionPost.objects.filter(pk=post.pk).update(upvote_count=count)
    return not deleted


def follow_thread(*, actor, access: OfferingAccess, thread: DiscussionThread, follow: bool) -> None:
    if not access.may_read or access.user.pk != actor.pk:
        raise PermissionDenied(gettext(NOT_MODERATOR))
    if follow:
        _follow(thread.pk, actor.pk)
    else:
        DiscussionThreadFollow.objects.filter(thread_id=thread.pk, user_id=actor.pk).delete()


def _settings_locked(offering: CourseOffering) -> DiscussionSettings:
    DiscussionSettings.objects.bulk_create([DiscussionSettings(course_offering=offering)], ignore_conflicts=True)
    return DiscussionSettings.objects.select_for_update().get(course_offering_id=offering.pk)


def follow_everything(*, actor, access: OfferingAccess, follow: bool) -> None:
    """Staff: hear about every new post in the offering."""
    _require_moderator(access, actor)
    with transaction.atomic():
        settings = _settings_locked(access.offering)
        ids = [user_id for user_id in settings.followers_of_everything if user_id != actor.pk]
        settings.followers_of_everything = ids + [actor.pk] if follow else ids
        settings.save(update_fields=["followers_of_everything"])


def set_allow_anonymous(*, actor, access: OfferingAccess, allow: bool) -> None:
    _require_moderator(access, actor)
    with transaction.atomic():
        settings = _settings_locked(access.offering)
        settings.allow_anonymous = allow
        settings.save(update_fields=["allow_anonymous"])


# --- reviews -----------------------------------------------------------------------------------------


def _recompute_course_rating(course_id: int) -> None:
    """Inside the review's transaction, with the course row locked: write the visible reviews' average."""
    Course.objects.select_for_update().filter(pk=course_id).values_list("pk").get()
    summary = CourseReview.objects.filter(course_offering__course_id=course_id, hidden_at__isnull=True).aggregate(
        avg=Avg("rating"), n=Count("id")
    )
    average = None
    if summary["n"]:
        average = Decimal(str(summary["avg"])).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    catalog_services.set_course_rating(course_id=course_id, rating_avg=average, rating_count=summary["n"])


def save_review(*, actor, offering: CourseOffering, rating, text: str | None) -> CourseReview:
    """Create or edit the actor's review of ``offering`` (eligible students only)."""
    if not review_eligibility(actor, offering):
        raise PermissionDenied(gettext(REVIEW_NOT_ELIGIBLE))
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationError({"rating": [ValidationError(gettext(RATING_RANGE), code="range")]})
    text = (text or "").replace("\x00", "").strip()
    if len(text) > REVIEW_MAX_LENGTH:
        raise ValidationError({"review_text": [ValidationError(REVIEW_TOO_LONG, code="max_length")]})
    with transaction.atomic():
        # The course lock first: concurrent reviews of one course queue here, and each recompute sees the
        # others' committed rows.
        Course.objects.select_for_update().filter(pk=offering.course_id).values_list("pk").get()
        try:
            with transaction.atomic():
                review, created = CourseReview.objects.get_or_create(
                    user=actor, course_offering=offering, defaults={"rating": rating, "review_text": text or None}
                )
        except IntegrityError as error:  # a double submit raced us past get_or_create
            if violated_constraint(error) != "ux_course_reviews_unique":
                raise
            review, created = CourseReview.objects.get(user=actor, course_offering=offering), False
        if not created:
            CourseReview.objects.filter(pk=review.pk).update(
                rating=rating, review_text=text or None, updated_at=timezone.now()
            )
            review.refresh_from_db()
        _recompute_course_rating(offering.course_id)
    return review


def hide_review(*, actor, review: CourseReview, reason: str) -> bool:
    """Staff hide an abusive review: it stops counting in the course's rating, and its author is told why.
    Answer whether it changed anything (a review already hidden stays as it was)."""
    return _moderate_review(actor=actor, review=review, reason=reason, hide=True)


def unhide_review(*, actor, review: CourseReview, reason: str) -> bool:
    """Staff show a hidden review again: it counts in the course's rating again, and its author is told.
    Answer whether it changed anything (a visible review stays as it was)."""
    return _moderate_review(actor=actor, review=review, reason=reason, hide=False)


def _moderate_review(*, actor, review: CourseReview, reason: str, hide: bool) -> bool:
    offering = review.course_offering
    if not can_hide_review(actor, offering):
        raise PermissionDenied(gettext(REVIEW_NOT_ALLOWED))
    reason = _clean_reason(reason)
    with transaction.atomic():
        # The course lock: hides, un-hides and reviews of one course queue here, so each recompute (and the
        # state each conditional UPDATE below sees) includes the others' committed changes.
        Course.objects.select_for_update().filter(pk=offering.course_id).values_list("pk").get()
        rows = CourseReview.objects.filter(pk=review.pk, hidden_at__isnull=hide)
        if hide:
            changed = rows.update(hidden_at=timezone.now(), hidden_by=actor, hidden_reason=reason)
        else:
            changed = rows.update(hidden_at=None, hidden_by=None, hidden_reason="")
        _recompute_course_rating(offering.course_id)
        if not changed:
            return False
        CourseReviewModeration.objects.create(
            review_id=review.pk,
            actor=actor,
            action=ReviewModerationAction.HIDE if hide else ReviewModerationAction.UNHIDE,
            reason=reason,
        )
        code = offering.course.code
        notify(
            user_ids=[review.user_id],
            kind=NotificationKind.REVIEW_HIDDEN if hide else NotificationKind.REVIEW_UNHIDDEN,
            text=(
                f"Your review of {code} was hidden by staff: {reason}"
                if hide
                else f"Your review of {code} is shown again and counts in the rating: {reason}"
            ),
            url=reverse("community:review-edit", kwargs={"offering_id": offering.pk}),
            university_id=offering.course.university_id,
        )
    return True
