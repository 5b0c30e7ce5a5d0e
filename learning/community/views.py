"""Discussion and review pages. Thin: every view gets the offering through
``selectors.get_offering_access`` (404 for anyone outside its discussions; anonymous visitors are sent to
log in), threads and posts through the selectors inside that offering, and writes through the services,
whose ``ValidationError`` goes back onto the form and whose ``PermissionDenied`` is a 403 page."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop
from django.views import View
from django.views.generic import FormView, TemplateView

from catalog.permissions import get_course_for_user
from learning.community import forms, permissions, selectors, services
from learning.community.models import CourseReview
from syllabus.models import ContentItem


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class OfferingAccessMixin(LoginRequiredMixin):
    """``self.access``: the viewer's standing in the offering's discussions (404 when none)."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.access = selectors.get_offering_access(request.user, kwargs["offering_id"])
        self.offering = self.access.offering
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(access=self.access, offering=self.offering, course=self.offering.course)
        return context

    def list_url(self) -> str:
        return reverse("community:thread-list", kwargs={"offering_id": self.offering.pk})


ITEM_THREADS_SHOWN = 5


def _item_choices(offering) -> list[tuple[int, str]]:
    items = (
        ContentItem.objects.filter(course_id=offering.course_id, is_active=True, module__is_published=True)
        .select_related("module")
        .order_by("module__depth", "module__sequence_index", "module_id", "sequence_index", "pk")
        .values_list("pk", "title", "module__title")[:500]
    )
    return [(pk, f"{module_title} · {title}") for pk, title, module_title in items]


class ThreadListView(OfferingAccessMixin, TemplateView):
    template_name = "learning/community/thread_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = forms.ThreadFilterForm(self.request.GET or None)
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        filters = selectors.ThreadFilters(
            module_id=data.get("module"),
            item_id=data.get("item"),
            unanswered=bool(data.get("unanswered")),
            mine=bool(data.get("mine")),
            followed=bool(data.get("followed")),
            q=data.get("q") or "",
        )
        page = selectors.page_of(
            selectors.thread_list(self.access, filters), self.request.GET.get("page"), selectors.THREADS_PER_PAGE
        )
        query = self.request.GET.copy()
        query.pop("page", None)
        settings = selectors.settings_for(self.offering) if self.access.is_staff else None
        context.update(
            form=form,
            filters=filters,
            page=page,
            threads=list(page.object_list),
            query_string=query.urlencode(),
            settings=settings,
            follows_everything=settings is not None and self.request.user.pk in settings.followers_of_everything,
        )
        return context


class ItemThreadsView(OfferingAccessMixin, TemplateView):
    """The item page's panel (loaded by htmx, so the player page itself runs no discussion query): the
    threads about one item, newest activity first."""

    template_name = "learning/community/_partials/item_threads.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        item_id = self.kwargs["item_id"]
        context.update(item_id=item_id, threads=selectors.item_threads(self.access, item_id, limit=ITEM_THREADS_SHOWN))
        return context


class ThreadCreateView(OfferingAccessMixin, FormView):
    template_name = "learning/community/thread_form.html"
    form_class = forms.ThreadForm

    def get_initial(self):
        item = self.request.GET.get("item", "")
        return {"item": int(item)} if item.isdigit() and len(item) < 19 else {}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["allow_anonymous"] = (
            self.access.is_learner
            and not self.access.is_staff
            and (selectors.settings_for(self.offering).allow_anonymous)
        )
        kwargs["item_choices"] = _item_choices(self.offering)
        return kwargs

    def form_valid(self, form):
        data = form.cleaned_data
        item = None
        if data.get("item"):
            item = (
                ContentItem.objects.filter(pk=data["item"], course_id=self.offering.course_id)
                .select_related("module")
                .first()
            )
        try:
            thread = services.create_thread(
                actor=self.request.user,
                access=self.access,
                kind=data["kind"],
                title=data["title"],
                body=data["body"],
                content_item=item,
                anonymous=bool(data.get("anonymous")),
            )
        except ValidationError as error:
            _add_errors(form, error)
            return self.form_invalid(form)
        return redirect(services.thread_url(thread))


class ThreadDetailView(OfferingAccessMixin, FormView):
    """The thread, a page of its posts in tree order, and the reply form (POST replies)."""

    template_name = "learning/community/thread_detail.html"
    form_class = forms.ReplyForm

    def setup_thread(self):
        self.thread = selectors.get_thread(self.access, self.kwargs["thread_id"])

    def get(self, request, *args, **kwargs):
        self.setup_thread()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.setup_thread()
        return super().post(request, *args, **kwargs)

    def get_initial(self):
        reply_to = self.request.GET.get("reply", "")
        return {"parent": int(reply_to)} if reply_to.isdigit() and len(reply_to) < 19 else {}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["allow_anonymous"] = (
            self.access.is_learner
            and not self.access.is_staff
            and selectors.settings_for(self.offering).allow_anonymous
        )
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        number = self.request.GET.get("page")
        post_id = self.request.GET.get("post", "")
        if post_id.isdigit() and len(post_id) < 19:
            number = selectors.page_number_of_post(self.thread, int(post_id)) or number
        view = selectors.thread_page(self.access, self.thread, number)
        context.update(
            thread=self.thread,
            view=view,
            rows=[_row(self.access, post, view.upvoted) for post in view.posts],
            staff_answers=[_row(self.access, post, view.upvoted) for post in view.staff_answers],
            moderator=self.access.is_staff,
            max_depth=selectors.MAX_SCREEN_DEPTH,
            can_reply=not self.thread.is_locked or self.access.is_staff,
        )
        return context

    def form_valid(self, form):
        parent = None
        if form.cleaned_data.get("parent"):
            parent = selectors.get_post(self.access, form.cleaned_data["parent"])
        try:
            post = services.reply(
                actor=self.request.user,
                access=self.access,
                thread=self.thread,
                body=form.cleaned_data["body"],
                parent=parent,
                anonymous=bool(form.cleaned_data.get("anonymous")),
            )
        except ValidationError as error:
            _add_errors(form, error)
            return self.form_invalid(form)
        return redirect(services.thread_url(self.thread, post.pk))


def _row(access, post, upvoted: set) -> dict:
    """What a template may show of a post to this viewer."""
    removed = post.removed_at is not None
    hidden = post.is_deleted or (removed and not access.is_staff)
    shows_author = permissions.can_see_author(access, post)
    return {
        "post": post,
        "depth": min(post.depth, selectors.MAX_SCREEN_DEPTH),
        "deep": post.depth > selectors.MAX_SCREEN_DEPTH,
        "author": (post.user.full_name if shows_author else gettext(services.ANONYMOUS_NAME)),
        "anonymous_note": post.is_anonymous and shows_author,
        "html": "" if hidden else post.body_html,
        "deleted": post.is_deleted,
        "removed": removed,
        "removed_reason": post.removed_reason if (access.is_staff or post.user_id == access.user.pk) else "",
        "mine": post.user_id == access.user.pk,
        "editable": permissions.can_edit_post(access.user, post),
        "upvoted": post.pk in upvoted,
        "is_answer": len(post.path) == 2,
    }


class PostEditView(OfferingAccessMixin, FormView):
    template_name = "learning/community/post_edit.html"
    form_class = forms.EditPostForm

    def get_post(self):
        post = selectors.get_post(self.access, self.kwargs["post_id"])
        if not permissions.can_edit_post(self.request.user, post):
            raise Http404
        return post

    def get_initial(self):
        return {"body": self.get_post().body}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["post"] = self.get_post()
        return context

    def form_valid(self, form):
        post = self.get_post()
        try:
            services.edit_post(actor=self.request.user, access=self.access, post=post, body=form.cleaned_data["body"])
        except ValidationError as error:
            _add_errors(form, error)
            return self.form_invalid(form)
        return redirect(services.thread_url(post.thread, post.pk))


class PostActionView(OfferingAccessMixin, View):
    """POST: delete (author), upvote (an answer), endorse/unendorse (staff)."""

    actions = ("delete", "upvote", "endorse", "unendorse")

    def post(self, request, offering_id: int, post_id: int, action: str):
        if action not in self.actions:
            raise Http404
        post = selectors.get_post(self.access, post_id)
        try:
            if action == "delete":
                services.delete_post(actor=request.user, post=post)
                messages.success(request, gettext("Your post was deleted."))
            elif action == "upvote":
                services.toggle_upvote(actor=request.user, access=self.access, post=post)
            else:
                services.endorse_post(actor=request.user, access=self.access, post=post, endorsed=action == "endorse")
        except ValidationError as error:
            return HttpResponseBadRequest(" ".join(error.messages))
        except PermissionDenied:
            raise Http404 from None
        return redirect(services.thread_url(post.thread, post.pk))


class PostRemoveView(OfferingAccessMixin, FormView):
    """Staff: remove a post with a reason."""

    template_name = "learning/community/post_remove.html"
    form_class = forms.ReasonForm

    def get_post(self):
        if not self.access.is_staff:
            raise Http404
        return selectors.get_post(self.access, self.kwargs["post_id"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["post"] = self.get_post()
        return context

    def form_valid(self, form):
        post = self.get_post()
        services.remove_post(actor=self.request.user, access=self.access, post=post, reason=form.cleaned_data["reason"])
        messages.success(self.request, gettext("The post was removed; students no longer see it."))
        return redirect(services.thread_url(post.thread, post.pk))


class ThreadActionView(OfferingAccessMixin, View):
    """POST: follow/unfollow (anyone in the discussion); answered/unanswered (asker, staff); lock/unlock,
    pin/unpin (staff)."""

    def post(self, request, offering_id: int, thread_id: int, action: str):
        thread = selectors.get_thread(self.access, thread_id)
        actor, access = request.user, self.access
        try:
            if action in ("follow", "unfollow"):
                services.follow_thread(actor=actor, access=access, thread=thread, follow=action == "follow")
            elif action in ("answered", "unanswered"):
                services.set_thread_answered(actor=actor, access=access, thread=thread, answered=action == "answered")
            elif action in ("lock", "unlock"):
                services.set_thread_flags(actor=actor, access=access, thread=thread, locked=action == "lock")
            elif action in ("pin", "unpin"):
                services.set_thread_flags(actor=actor, access=access, thread=thread, pinned=action == "pin")
            else:
                raise Http404
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            return HttpResponseBadRequest(" ".join(error.messages))
        return redirect(services.thread_url(thread))


class OfferingActionView(OfferingAccessMixin, View):
    """POST, staff: follow everything, allow anonymous posts."""

    def post(self, request, offering_id: int, action: str):
        if not self.access.is_staff:
            raise Http404
        if action in ("follow-all", "unfollow-all"):
            services.follow_everything(actor=request.user, access=self.access, follow=action == "follow-all")
        elif action in ("anonymous-on", "anonymous-off"):
            services.set_allow_anonymous(actor=request.user, access=self.access, allow=action == "anonymous-on")
        else:
            raise Http404
        return redirect(self.list_url())


# --- reviews -----------------------------------------------------------------------------------------


class ReviewEditView(OfferingAccessMixin, FormView):
    """The "Review the course" form: create or edit the student's review of this offering."""

    template_name = "learning/community/review_form.html"
    form_class = forms.ReviewForm

    def get_initial(self):
        review = selectors.own_review(self.request.user, self.offering.pk)
        return {"rating": review.rating, "review_text": review.review_text or ""} if review else {}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["review"] = selectors.own_review(self.request.user, self.offering.pk)
        context["eligible"] = permissions.review_eligibility(self.request.user, self.offering)
        context["share"] = permissions.REVIEW_SHARE
        return context

    def form_valid(self, form):
        try:
            services.save_review(
                actor=self.request.user,
                offering=self.offering,
                rating=form.cleaned_data["rating"],
                text=form.cleaned_data["review_text"],
            )
        except ValidationError as error:
            _add_errors(form, error)
            return self.form_invalid(form)
        except PermissionDenied as error:
            form.add_error(None, str(error))
            response = self.form_invalid(form)
            response.status_code = 403
            return response
        messages.success(self.request, gettext("Thank you: your review is saved."))
        course = self.offering.course
        return redirect(reverse("community:course-reviews", args=[course.university.short_code, course.code]))


class _ReviewModerationView(LoginRequiredMixin, FormView):
    """Hide or un-hide a review, with a reason: the offering's instructors and the admins over it
    (``permissions.can_hide_review``); anyone else, and a review of another offering, gets 404."""

    form_class = forms.ReasonForm
    hide: bool

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.review = (
            CourseReview.objects.select_related("course_offering__course__university", "user", "hidden_by")
            .filter(pk=kwargs["review_id"], course_offering_id=kwargs["offering_id"])
            .first()
        )
        if self.review is None or not permissions.can_hide_review(request.user, self.review.course_offering):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def _reviews_url(self, **params) -> str:
        course = self.review.course_offering.course
        url = reverse("community:course-reviews", args=[course.university.short_code, course.code])
        return url + ("?" + urlencode(params) if params else "")

    def get(self, request, *args, **kwargs):
        if (self.review.hidden_at is not None) == self.hide:  # nothing to do: back to the list, saying so
            messages.info(request, gettext(self.unchanged_message))
            return redirect(self._reviews_url())
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["review"] = self.review
        return context

    def form_valid(self, form):
        moderate = services.hide_review if self.hide else services.unhide_review
        changed = moderate(actor=self.request.user, review=self.review, reason=form.cleaned_data["reason"])
        if changed:
            messages.success(self.request, gettext(self.done_message))
        else:  # someone else got there first (a second tab, a colleague)
            messages.info(self.request, gettext(self.unchanged_message))
        return redirect(self._reviews_url())


class ReviewHideView(_ReviewModerationView):
    template_name = "learning/community/review_hide.html"
    hide = True
    done_message = gettext_noop("The review is hidden and no longer counts in the rating.")
    unchanged_message = gettext_noop("The review is already hidden.")


class ReviewUnhideView(_ReviewModerationView):
    template_name = "learning/community/review_unhide.html"
    hide = False
    done_message = gettext_noop("The review is shown again and counts in the rating.")
    unchanged_message = gettext_noop("The review is not hidden.")


class CourseReviewsView(TemplateView):
    """Every visible review of a course, paged (anyone who may see the course in the catalog)."""

    template_name = "learning/community/course_reviews.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        course = get_course_for_user(self.request.user, self.kwargs["short_code"], self.kwargs["code"])
        managed = set(
            permissions.reviews_moderated_by(self.request.user).filter(course_id=course.pk).values_list("pk", flat=True)
        )
        # Staff of an offering also see its hidden reviews (marked, with "Un-hide…"); ?hidden=1 lists only those.
        only_hidden = bool(managed) and self.request.GET.get("hidden") == "1"
        page = selectors.reviews_page(
            course.pk, self.request.GET.get("page"), hidden_in_offerings=managed, only_hidden=only_hidden
        )
        context.update(
            course=course,
            page=page,
            reviews=list(page.object_list),
            histogram=selectors.rating_histogram(course.pk),
            managed_offering_ids=managed,
            only_hidden=only_hidden,
        )
        return context
