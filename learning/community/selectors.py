"""Reads of discussions and reviews. Every read of an offering's threads starts from
``get_offering_access`` (404 unless ``permissions.discussion_offerings_visible_to`` has the offering) and
every thread and post is looked up inside that offering, so another course's or university's ids answer 404.

Query budget (asserted in the tests, independent of the data's size): the thread list is the access query,
one page query and one count; a thread page is the access query, the thread, one page of posts in tree
order (``ORDER BY path`` on ``ix_discussion_posts_thread_path``), the staff/endorsed answers, the viewer's
upvotes on the page and whether the viewer follows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from catalog.models import CourseOffering
from learning.community.models import (
    SEARCH_CONFIG,
    CourseReview,
    DiscussionPost,
    DiscussionPostUpvote,
    DiscussionSettings,
    DiscussionThread,
    DiscussionThreadFollow,
    ThreadKind,
)
from learning.community.permissions import OfferingAccess, _signed_in, learner_exists, staff_exists

THREADS_PER_PAGE = 25
POSTS_PER_PAGE = 50
STAFF_ANSWERS_SHOWN = 10
REVIEWS_PER_PAGE = 10
# Deeper replies are drawn at this indentation (with "in reply to …").
MAX_SCREEN_DEPTH = 4
SEARCH_MAX_LENGTH = 200


def get_offering_access(user, offering_id) -> OfferingAccess:
    """The offering with the user's standing in its discussions, in one query; 404 for anyone who may not
    read them (and for a missing offering)."""
    if not _signed_in(user):
        raise Http404
    offering = (
        CourseOffering.objects.select_related("course", "course__university")
        .filter(pk=offering_id)
        .annotate(viewer_is_staff=staff_exists(user), viewer_is_learner=learner_exists(user))
        .first()
    )
    if offering is None or not (offering.viewer_is_staff or offering.viewer_is_learner):
        raise Http404
    return OfferingAccess(
        user=user, offering=offering, is_staff=offering.viewer_is_staff, is_learner=offering.viewer_is_learner
    )


def settings_for(offering: CourseOffering) -> DiscussionSettings:
    """The offering's discussion settings (unsaved defaults when it has none)."""
    found = DiscussionSettings.objects.filter(course_offering_id=offering.pk).first()
    return found or DiscussionSettings(course_offering_id=offering.pk)


# --- thread lists ----------------------------------------------------------------------------------


@dataclass
class ThreadFilters:
    module_id: int | None = None
    item_id: int | None = None
    unanswered: bool = False
    mine: bool = False
    followed: bool = False
    q: str = ""


def threads_visible(access: OfferingAccess) -> QuerySet[DiscussionThread]:
    threads = DiscussionThread.objects.filter(course_offering_id=access.offering.pk)
    if not access.is_staff:
        threads = threads.filter(is_removed=False)
    return threads


def thread_list(access: OfferingAccess, filters: ThreadFilters) -> QuerySet[DiscussionThread]:
    """The offering's threads, pinned first then latest activity; each filter has its own index."""
    threads = threads_visible(access)
    if filters.item_id:
        threads = threads.filter(content_item_id=filters.item_id)
    elif filters.module_id:
        threads = threads.filter(module_id=filters.module_id)
    if filters.unanswered:
        threads = threads.filter(kind=ThreadKind.QUESTION, is_answered=False)
    if filters.mine:
        threads = threads.filter(created_by_user_id=access.user.pk)
    if filters.followed:
        threads = threads.filter(
            Exists(DiscussionThreadFollow.objects.filter(thread_id=OuterRef("pk"), user_id=access.user.pk))
        )
    if filters.q:
        query = SearchQuery(filters.q[:SEARCH_MAX_LENGTH], config=SEARCH_CONFIG, search_type="websearch")
        posts = DiscussionPost.objects.filter(
            thread_id=OuterRef("pk"), search_vector=query, is_deleted=False, removed_at__isnull=True
        )
        threads = threads.filter(Q(search_vector=query) | Q(Exists(posts)))
    return threads.select_related("created_by_user", "content_item", "module").order_by(
        "-is_pinned", "-last_activity_at", "-id"
    )


def page_of(queryset, number, per_page: int):
    return Paginator(queryset, per_page).get_page(number)


# --- one thread --------------------------------------------------------------------------------------


def get_thread(access: OfferingAccess, thread_id) -> DiscussionThread:
    thread = (
        threads_visible(access).select_related("created_by_user", "content_item", "module").filter(pk=thread_id).first()
    )
    if thread is None:
        raise Http404
    return thread


def get_post(access: OfferingAccess, post_id) -> DiscussionPost:
    """A post of the offering (its thread visible to the user); 404 otherwise."""
    post = (
        DiscussionPost.objects.select_related("thread", "user")
        .filter(pk=post_id, thread__in=threads_visible(access))
        .first()
    )
    if post is None:
        raise Http404
    post.thread.course_offering = access.offering
    return post


@dataclass
class ThreadPage:
    thread: DiscussionThread
    page: object
    posts: list
    staff_answers: list
    upvoted: set = field(default_factory=set)
    following: bool = False


def page_number_of_post(thread: DiscussionThread, post_id) -> int | None:
    """The page a post sits on in tree order (one query), or None when it is not in the thread."""
    row = DiscussionPost.objects.filter(thread_id=thread.pk, pk=post_id).values_list("path", flat=True).first()
    if row is None:
        return None
    before = DiscussionPost.objects.filter(thread_id=thread.pk, path__lt=row).count()
    return before // POSTS_PER_PAGE + 1


def thread_page(access: OfferingAccess, thread: DiscussionThread, number) -> ThreadPage:
    posts = DiscussionPost.objects.filter(thread_id=thread.pk).select_related("user").order_by("path")
    # The count is the thread's own counter (replies + the opening post): no COUNT over a large thread.
    paginator = Paginator(posts, POSTS_PER_PAGE)
    paginator.count = thread.post_count + 1
    page = paginator.get_page(number)
    rows = list(page.object_list)
    answers = []
    if thread.kind == ThreadKind.QUESTION:
        answers = list(
            DiscussionPost.objects.filter(
                Q(by_staff=True) | Q(endorsed_at__isnull=False),
                thread_id=thread.pk,
                parent_post__isnull=False,
                parent_post__parent_post__isnull=True,
                is_deleted=False,
                removed_at__isnull=True,
            )
            .select_related("user")
            .order_by("-by_staff", "created_at", "id")[:STAFF_ANSWERS_SHOWN]
        )
    ids = [p.pk for p in rows]
    upvoted = set(
        DiscussionPostUpvote.objects.filter(user_id=access.user.pk, post_id__in=ids).values_list("post_id", flat=True)
    )
    following = DiscussionThreadFollow.objects.filter(thread_id=thread.pk, user_id=access.user.pk).exists()
    return ThreadPage(thread=thread, page=page, posts=rows, staff_answers=answers, upvoted=upvoted, following=following)


def item_threads(access: OfferingAccess, item_id: int, limit: int = 10) -> list[DiscussionThread]:
    """The threads about one content item (the item page's panel), newest activity first."""
    return list(
        threads_visible(access)
        .filter(content_item_id=item_id)
        .select_related("created_by_user")
        .order_by("-is_pinned", "-last_activity_at", "-id")[:limit]
    )


# --- reviews -------------------------------------------------------------------------------------------


def visible_reviews(course_id: int) -> QuerySet[CourseReview]:
    return CourseReview.objects.filter(course_offering__course_id=course_id, hidden_at__isnull=True)


def rating_histogram(course_id: int) -> list[dict]:
    """``[{"rating": 5, "count": n, "percent": p}, …]`` from 5 down to 1 (one query)."""
    counts = dict(visible_reviews(course_id).values("rating").annotate(n=Count("id")).values_list("rating", "n"))
    total = sum(counts.values())
    return [
        {"rating": r, "count": counts.get(r, 0), "percent": round(100 * counts.get(r, 0) / total) if total else 0}
        for r in range(5, 0, -1)
    ]


def reviews_page(
    course_id: int,
    number,
    *,
    hidden_in_offerings: Iterable[int] = (),
    only_hidden: bool = False,
    per_page: int = REVIEWS_PER_PAGE,
):
    """A page of the course's reviews, newest first: the visible ones, plus the hidden ones of
    ``hidden_in_offerings`` (the offerings the viewer moderates); ``only_hidden``: just those."""
    offering_ids = list(hidden_in_offerings)
    reviews = CourseReview.objects.filter(course_offering__course_id=course_id)
    hidden_here = Q(hidden_at__isnull=False, course_offering_id__in=offering_ids)
    reviews = reviews.filter(hidden_here if only_hidden else Q(hidden_at__isnull=True) | hidden_here)
    reviews = reviews.select_related("user", "course_offering", "hidden_by").order_by("-created_at", "-id")
    return Paginator(reviews, per_page).get_page(number)


def own_review(user, offering_id: int) -> CourseReview | None:
    if not _signed_in(user):
        return None
    return CourseReview.objects.filter(user_id=user.pk, course_offering_id=offering_id).first()
