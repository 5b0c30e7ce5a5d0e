"""Quiz pages. Students: start, the attempt page (all questions on one page: autosaved by
``static/js/quiz.js``, or saved by posting the page without JavaScript), submit, result. Instructors
and TAs: the quizzes of an offering, every attempt of a quiz (filters, per-attempt review, re-grade,
allow a new attempt), item analysis, a streamed CSV export, and accommodations.

Thin views: objects come through ``selectors`` (404 for a stranger, another student's attempt or
another university's rows), writes through ``services``; a refusal is a message or a 4xx, never a 500.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.views import View
from django.views.generic import TemplateView

from catalog.models import CourseOffering
from learning.assessments import forms, grading, permissions, rendering, rules, selectors, services
from learning.enrollment.imports import neutralise_formula
from learning.enrollment.models import CourseEnrollment
from learning.enrollment.permissions import LEARNER_STATUSES

SAVED = gettext_noop("Your answers are saved.")
SUBMITTED = gettext_noop("Your attempt is submitted.")
STARTED_ALREADY = gettext_noop("You already have an attempt in progress: here it is.")
REGRADED = "Re-graded: {old} → {new}."
REGRADE_UNCHANGED = gettext_noop("Re-graded: the score did not change.")
REGRADED_ITEM = gettext_noop("Re-graded {count} attempt(s) whose score changed.")
NEW_ATTEMPT_ALLOWED = gettext_noop("{name} may start one more attempt.")
ACCOMMODATIONS_SAVED = gettext_noop("Accommodation saved for {count} student(s).")
ACCOMMODATION_DELETED = gettext_noop("Accommodation removed.")
FIX_ERRORS = gettext_noop("Some answers could not be read; nothing was saved. Fix them and save again.")
BAD_POSITION = gettext_noop("Say which question this answer is for.")
ATTEMPTS_PAGE_SIZE = 50


def _message(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or gettext("You may not do that.")


# --- students ------------------------------------------------------------------------------------------


def _learner_offering(user, offering_id: int) -> CourseOffering:
    """The offering when ``user`` is its student (active or completed), else 404."""
    enrollment = (
        CourseEnrollment.objects.select_related("course_offering__course")
        .filter(user_id=user.pk, course_offering_id=offering_id, status__in=LEARNER_STATUSES)
        .first()
    )
    if enrollment is None:
        raise Http404
    return enrollment.course_offering


def _item_url(offering_id: int, item_id: int) -> str:
    return reverse("player:item", kwargs={"offering_id": offering_id, "item_id": item_id})


def _attempt_url(attempt) -> str:
    return reverse(
        "assessments:attempt",
        kwargs={
            "offering_id": attempt.course_offering_id,
            "item_id": attempt.content_item_id,
            "attempt_id": attempt.pk,
        },
    )


def _result_url(attempt) -> str:
    return reverse(
        "assessments:attempt-result",
        kwargs={
            "offering_id": attempt.course_offering_id,
            "item_id": attempt.content_item_id,
            "attempt_id": attempt.pk,
        },
    )


class StartAttemptView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, offering_id: int, item_id: int):
        offering = _learner_offering(request.user, offering_id)
        try:
            attempt = services.start_attempt(actor=request.user, offering=offering, item_id=item_id)
        except ValidationError as error:
            code = getattr(error, "code", None)
            if code == "not_a_quiz":
                raise Http404 from None
            if code == "open" and error.params and error.params.get("attempt_id"):
                messages.info(request, gettext(STARTED_ALREADY))
                attempt = selectors.get_own_attempt(user=request.user, attempt_id=error.params["attempt_id"])
                return HttpResponseRedirect(_attempt_url(attempt))
            messages.error(request, _message(error))
            return HttpResponseRedirect(_item_url(offering_id, item_id))
        return HttpResponseRedirect(_attempt_url(attempt))


class OwnAttemptMixin(LoginRequiredMixin):
    """``self.attempt``: the user's own attempt named by the URL (offering and item must match), else 404."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            attempt = selectors.get_own_attempt(user=request.user, attempt_id=kwargs["attempt_id"])
            if attempt.course_offering_id != kwargs["offering_id"] or attempt.content_item_id != kwargs["item_id"]:
                raise Http404
            self.attempt = attempt
        return super().dispatch(request, *args, **kwargs)


def _attempt_context(attempt, questions, *, errors=None, posted=None) -> dict:
    practice = attempt.mode == rules.PRACTICE
    shown = []
    for row in questions:
        value = posted.get(row.position, row.answer) if posted is not None and row.position in posted else row.answer
        outcome = grading.grade(row.snapshot, row.answer) if practice and row.answer is not None else None
        shown.append(
            {
                "row": row,
                "name": f"q{row.position}",
                "kind": row.snapshot.get("type"),
                "prompt": row.snapshot.get("prompt", ""),
                "choices": row.snapshot.get("choices") or [],
                "value": value,
                "values": value if isinstance(value, list) else [],
                "error": (errors or {}).get(f"q{row.position}"),
                "feedback": outcome,
                "explanation": row.snapshot.get("explanation", "") if outcome is not None else "",
            }
        )
        shown[-1]["html"] = rendering.question_html(shown[-1])
    now = timezone.now()
    return {
        "attempt": attempt,
        "item": attempt.content_item,
        "offering": attempt.course_offering,
        "questions": shown,
        "practice": practice,
        "deadline": attempt.deadline_at,
        "seconds_left": max(0, int((attempt.deadline_at - now).total_seconds())) if attempt.deadline_at else None,
        "answer_url": reverse(
            "assessments:attempt-answer",
            kwargs={
                "offering_id": attempt.course_offering_id,
                "item_id": attempt.content_item_id,
                "attempt_id": attempt.pk,
            },
        ),
        "item_url": _item_url(attempt.course_offering_id, attempt.content_item_id),
    }


class AttemptView(OwnAttemptMixin, View):
    template_name = "learning/assessments/attempt.html"

    def _closed_redirect(self, request):
        attempt = self.attempt
        if attempt.submitted_at is None and attempt.deadline_at is not None and attempt.deadline_at <= timezone.now():
            services.close_expired_attempt(attempt_id=attempt.pk)
            messages.warning(request, gettext(services.AFTER_DEADLINE))
            return HttpResponseRedirect(_result_url(attempt))
        if attempt.submitted_at is not None:
            return HttpResponseRedirect(_result_url(attempt))
        return None

    def get(self, request, **kwargs):
        closed = self._closed_redirect(request)
        if closed:
            return closed
        questions = selectors.attempt_questions(attempt=self.attempt)
        return render(request, self.template_name, _attempt_context(self.attempt, questions))

    def post(self, request, **kwargs):
        questions = selectors.attempt_questions(attempt=self.attempt)
        answers = forms.answers_from_post(request.POST, questions)
        try:
            services.save_answers(actor=request.user, attempt=self.attempt, answers=answers)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                errors = error.message_dict
                messages.error(request, gettext(FIX_ERRORS))
                context = _attempt_context(self.attempt, questions, errors=errors, posted=answers)
                return render(request, self.template_name, context, status=400)
            messages.error(request, _message(error))
            return HttpResponseRedirect(_result_url(self.attempt))
        if request.POST.get("action") == "submit":
            services.submit_attempt(actor=request.user, attempt=self.attempt)
            messages.success(request, gettext(SUBMITTED))
            return HttpResponseRedirect(_result_url(self.attempt))
        messages.success(request, gettext(SAVED))
        return HttpResponseRedirect(_attempt_url(self.attempt))


class AnswerView(OwnAttemptMixin, View):
    """Autosave of one answer (``quiz.js``): JSON in, JSON out. 400 for an unreadable answer or position,
    409 when the attempt is closed or time is up."""

    http_method_names = ["post"]

    def post(self, request, **kwargs):
        raw = request.POST.get("position", "")
        if not (raw.isascii() and raw.isdigit() and 0 < int(raw) < 10_000):
            return JsonResponse({"error": gettext(BAD_POSITION)}, status=400)
        position = int(raw)
        name = f"q{position}"
        value = request.POST.getlist(name) if request.POST.get("multiple") == "1" else request.POST.get(name)
        try:
            feedback = services.save_answers(actor=request.user, attempt=self.attempt, answers={position: value})
        except ValidationError as error:
            status = 409 if getattr(error, "code", None) in ("closed", "after_deadline") else 400
            return JsonResponse({"error": " ".join(error.messages)}, status=status)
        body = {"saved": True, "position": position}
        if feedback:
            body["feedback"] = {
                "correct": feedback[0].correct,
                "score": str(feedback[0].score),
                "explanation": feedback[0].explanation,
            }
        return JsonResponse(body)


class SubmitView(OwnAttemptMixin, View):
    http_method_names = ["post"]

    def post(self, request, **kwargs):
        services.submit_attempt(actor=request.user, attempt=self.attempt)
        messages.success(request, gettext(SUBMITTED))
        return HttpResponseRedirect(_result_url(self.attempt))


class ResultView(OwnAttemptMixin, TemplateView):
    template_name = "learning/assessments/result.html"

    def get(self, request, *args, **kwargs):
        attempt = self.attempt
        if attempt.submitted_at is None:
            if attempt.deadline_at is not None and attempt.deadline_at <= timezone.now():
                self.attempt = services.close_expired_attempt(attempt_id=attempt.pk) or attempt
                self.attempt.refresh_from_db()
            else:
                return HttpResponseRedirect(_attempt_url(attempt))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        attempt = self.attempt
        offering = attempt.course_offering
        item = attempt.content_item
        latest_close = selectors.latest_close_date(offering=offering, item_id=item.pk)
        review = selectors.review_allowed(attempt=attempt, latest_close=latest_close)
        card = selectors.quiz_card(user=self.request.user, offering=offering, item=item)
        context.update(
            attempt=attempt,
            offering=offering,
            item=item,
            percent=selectors.attempt_percent(attempt),
            review=review,
            review_setting=(attempt.raw_response_json or {}).get("review", rules.REVIEW_IMMEDIATELY),
            latest_close=latest_close,
            questions=selectors.attempt_questions(attempt=attempt) if review else [],
            card=card,
            best_percent=selectors.attempt_percent(card.best),
            latest_percent=selectors.attempt_percent(card.latest),
            item_url=_item_url(offering.pk, item.pk),
            closed_by=(attempt.raw_response_json or {}).get("closed_by"),
        )
        return context


# --- instructors ---------------------------------------------------------------------------------------


class StaffOfferingMixin(LoginRequiredMixin):
    """``self.offering`` if the user may see its attempts (404 otherwise); ``self.item`` when the URL names a quiz."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.offering = selectors.get_offering_for_staff(user=request.user, offering_id=kwargs["offering_id"])
            self.item = None
            if "item_id" in kwargs:
                self.item = selectors.get_quiz_item_for_staff(offering=self.offering, item_id=kwargs["item_id"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            offering=self.offering,
            item=self.item,
            can_grade=permissions.can_grade_quiz(self.request.user, self.offering),
        )
        return context


class QuizListView(StaffOfferingMixin, TemplateView):
    template_name = "learning/assessments/staff_quizzes.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["quizzes"] = selectors.quizzes_of_offering(offering=self.offering)
        return context


class AttemptsListView(StaffOfferingMixin, TemplateView):
    template_name = "learning/assessments/staff_attempts.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = forms.AttemptFilterForm(self.request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        attempts = selectors.attempts_for_item(
            offering=self.offering,
            item=self.item,
            student=filters.get("student") or "",
            status=filters.get("status") or "",
            number=filters.get("number"),
        )
        paginator = Paginator(attempts, ATTEMPTS_PAGE_SIZE)
        page = paginator.get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(form=form, page=page, query=query.urlencode(), regrade_form=forms.RegradeForm())
        return context

    def render_to_response(self, context, **kwargs):
        if context["form"].is_bound and not context["form"].is_valid():
            kwargs["status"] = 400
        return super().render_to_response(context, **kwargs)


class StaffAttemptView(StaffOfferingMixin, TemplateView):
    """One attempt with every answer, the right answers, the audit lines; re-grade and allow a new attempt."""

    template_name = "learning/assessments/staff_attempt.html"

    def _attempt(self):
        return selectors.get_attempt_for_staff(
            offering=self.offering, item=self.item, attempt_id=self.kwargs["attempt_id"]
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        attempt = kwargs.get("attempt") or self._attempt()
        context.update(
            attempt=attempt,
            percent=selectors.attempt_percent(attempt),
            questions=selectors.attempt_questions(attempt=attempt),
            regrades=list(attempt.regrades.select_related("actor")),
            regrade_form=kwargs.get("regrade_form") or forms.RegradeForm(),
            allow_form=kwargs.get("allow_form") or forms.AllowAttemptForm(),
        )
        return context

    def post(self, request, **kwargs):
        attempt = self._attempt()
        if not permissions.can_grade_quiz(request.user, self.offering):
            raise PermissionDenied
        action = request.POST.get("action")
        if action == "regrade":
            form = forms.RegradeForm(request.POST)
            if not form.is_valid():
                return self.render_to_response(self.get_context_data(attempt=attempt, regrade_form=form), status=400)
            try:
                audit = services.regrade_attempt(
                    actor=request.user, attempt=attempt, reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                form.add_error(None, _message(error))
                return self.render_to_response(self.get_context_data(attempt=attempt, regrade_form=form), status=400)
            messages.success(
                request, REGRADED.format(old=audit.old_score, new=audit.new_score) if audit else gettext(REGRADE_UNCHANGED)
            )
        elif action == "allow":
            form = forms.AllowAttemptForm(request.POST)
            if not form.is_valid():
                return self.render_to_response(self.get_context_data(attempt=attempt, allow_form=form), status=400)
            try:
                services.allow_new_attempt(
                    actor=request.user,
                    offering=self.offering,
                    item_id=self.item.pk,
                    student_id=attempt.user_id,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                form.add_error(None, _message(error))
                return self.render_to_response(self.get_context_data(attempt=attempt, allow_form=form), status=400)
            messages.success(request, gettext(NEW_ATTEMPT_ALLOWED).format(name=attempt.user.full_name or attempt.user.email))
        else:
            return self.render_to_response(self.get_context_data(attempt=attempt), status=400)
        return redirect(
            "assessments:staff-attempt", offering_id=self.offering.pk, item_id=self.item.pk, attempt_id=attempt.pk
        )


class RegradeItemView(StaffOfferingMixin, View):
    http_method_names = ["post"]

    def post(self, request, **kwargs):
        if not permissions.can_grade_quiz(request.user, self.offering):
            raise PermissionDenied
        form = forms.RegradeForm(request.POST)
        target = reverse(
            "assessments:staff-attempts", kwargs={"offering_id": self.offering.pk, "item_id": self.item.pk}
        )
        if not form.is_valid():
            messages.error(request, gettext(services.REASON_REQUIRED))
            return HttpResponseRedirect(target)
        count = services.regrade_item(
            actor=request.user, offering=self.offering, item_id=self.item.pk, reason=form.cleaned_data["reason"]
        )
        messages.success(request, gettext(REGRADED_ITEM).format(count=count))
        return HttpResponseRedirect(target)


class ItemAnalysisView(StaffOfferingMixin, TemplateView):
    template_name = "learning/assessments/staff_analysis.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["stats"] = selectors.item_analysis(offering=self.offering, item=self.item)
        return context


class _Echo:
    def write(self, value):
        return value


def _csv_lines(rows) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(selectors.CSV_HEADER)
    for row in rows:
        yield writer.writerow([neutralise_formula(value) for value in row])


class AttemptsCsvView(StaffOfferingMixin, View):
    def get(self, request, **kwargs):
        rows = selectors.attempts_csv_rows(offering=self.offering, item=self.item)
        response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="quiz-{self.item.pk}-attempts.csv"'
        return response


class AccommodationsView(StaffOfferingMixin, TemplateView):
    template_name = "learning/assessments/accommodations.html"

    def _form(self, data=None):
        return forms.AccommodationForm(
            data,
            students=selectors.offering_students(offering=self.offering),
            quizzes=selectors.assessment_items(offering=self.offering),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            form=kwargs.get("form") or self._form(),
            accommodations=selectors.accommodations_for_offering(offering=self.offering),
            can_manage=permissions.can_manage_accommodations(self.request.user, self.offering),
        )
        return context

    def post(self, request, **kwargs):
        if not permissions.can_manage_accommodations(request.user, self.offering):
            raise PermissionDenied
        form = self._form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                count = services.set_accommodations(
                    actor=request.user,
                    offering=self.offering,
                    student_ids=data["students"],
                    item_id=data["content_item"],
                    time_multiplier=data["time_multiplier"],
                    extra_attempts=data["extra_attempts"],
                    extended_until=data["extended_until"],
                    reason=data["reason"],
                )
            except ValidationError as error:
                if not hasattr(error, "error_dict"):
                    form.add_error(None, error.messages)
                else:
                    for field, errors in error.message_dict.items():
                        form.add_error(None if field not in form.fields else field, errors)
            else:
                messages.success(request, gettext(ACCOMMODATIONS_SAVED).format(count=count))
                return redirect("assessments:accommodations", offering_id=self.offering.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class DeleteAccommodationView(StaffOfferingMixin, View):
    http_method_names = ["post"]

    def post(self, request, offering_id: int, accommodation_id: int):
        accommodation = selectors.get_accommodation(offering=self.offering, accommodation_id=accommodation_id)
        services.delete_accommodation(actor=request.user, accommodation=accommodation)
        messages.success(request, gettext(ACCOMMODATION_DELETED))
        return redirect("assessments:accommodations", offering_id=self.offering.pk)
