"""Enrollment pages: enroll/drop (POST, back to the course page with the service's message; drop has a GET
confirmation page), redeeming an invitation code, onboarding after sign-up, and the instructors'
invitations page (the roster and "Teaching" pages are in :mod:`learning.enrollment.views_roster`; "My
learning" is the player's, :mod:`learning.player.views_learner`).

Thin views: objects come through access selectors (404 for what the user may not reach), every rule is
the service's, and a service refusal becomes a message or a form error, never a 500.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop
from django.views import View
from django.views.generic import FormView

from accounts.models import UserProfile
from catalog.models import CourseOffering
from catalog.permissions import can_view_offering
from learning.enrollment import forms, invitations, onboarding, selectors, services
from learning.enrollment.models import CourseEnrollment, EnrollmentStatus
from learning.enrollment.permissions import offerings_managed_by

ENROLLED_MESSAGE = gettext_noop("You are enrolled in {course}. Happy learning!")
PENDING_MESSAGE = gettext_noop("Your request to join {course} was sent; an instructor will approve it.")
WAITLISTED_MESSAGE = gettext_noop("{course} is full: you are number {position} on the waiting list.")
DROPPED_MESSAGE = gettext_noop("You left {course}.")
ONBOARDING_SAVED = gettext_noop("Thanks! Your preferences are saved.")
INVITATION_CREATED = "Invitation created: {code}"


def course_url(offering: CourseOffering, *, link: str | None = None, invite: str | None = None) -> str:
    url = reverse("catalog:course-detail", args=[offering.university.short_code, offering.course.code])
    params = {k: v for k, v in (("link", link), ("invite", invite)) if v}
    return f"{url}?{urlencode(params)}" if params else url


def _error_text(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or gettext(services.NOT_ALLOWED)


class EnrollView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, offering_id: int):
        form = forms.EnrollForm(request.POST)
        data = form.cleaned_data if form.is_valid() else {}
        code, link = data.get("invitation_code") or None, data.get("link") or None
        offering = (
            CourseOffering.objects.select_related("course", "university")
            .filter(pk=offering_id, course__is_published=True)
            .first()
        )
        # An invite-only offering the user cannot see otherwise is reachable with one of its own codes,
        # usable or not (an expired or used-up one gets the service's message). Any other code, like
        # anything else the user may not see, answers as a missing offering: probing ids with made-up
        # codes tells nothing.
        if offering is None or (
            not can_view_offering(request.user, offering, link_token=link, invitation_code=code)
            and not (
                offering.visibility == "invite_only"
                and code
                and selectors.is_invitation_to(offering_id=offering.pk, code=code)
            )
        ):
            raise Http404("No such offering.")
        back = course_url(offering, link=link, invite=code)
        if code and not can_view_offering(request.user, offering, link_token=link):
            # Only the code opened this offering: if it is wrong, the course page would be a 404, so the
            # message goes to the invitation page, where the student can type the code again.
            back = reverse("learning:invitation-redeem")
        if not form.is_valid():
            messages.error(request, gettext("Please check the invitation code."))
            return HttpResponseRedirect(back)
        try:
            enrollment = services.request_enrollment(
                actor=request.user, offering=offering, invitation_code=code, link_token=link
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, _error_text(error))
            return HttpResponseRedirect(back)
        label = f"{offering.course.code} {offering.course.title}"
        if enrollment.status == EnrollmentStatus.ACTIVE:
            messages.success(request, gettext(ENROLLED_MESSAGE).format(course=label))
        elif enrollment.status == EnrollmentStatus.PENDING:
            messages.info(request, gettext(PENDING_MESSAGE).format(course=label))
        else:
            messages.info(request, gettext(WAITLISTED_MESSAGE).format(course=label, position=enrollment.waitlist_position))
        for warning in enrollment.warnings:
            messages.warning(request, warning)
        return HttpResponseRedirect(course_url(offering, link=link))


class DropView(LoginRequiredMixin, View):
    """GET: "Leave this course?" with what leaving means (the seat goes to the waiting list); POST: leave."""

    http_method_names = ["get", "post"]

    def _enrollment(self, request, offering_id: int) -> CourseEnrollment:
        enrollment = (
            CourseEnrollment.objects.select_related("course_offering__course", "course_offering__university")
            .filter(user_id=request.user.pk, course_offering_id=offering_id)
            .first()
        )
        if enrollment is None:
            raise Http404("No such enrollment.")
        return enrollment

    def get(self, request, offering_id: int):
        enrollment = self._enrollment(request, offering_id)
        offering = enrollment.course_offering
        if enrollment.status not in services.DROPPABLE_STATUSES:
            messages.error(request, gettext(services.NOT_DROPPABLE))
            return HttpResponseRedirect(course_url(offering))
        return TemplateResponse(
            request,
            "learning/drop_confirm.html",
            {"enrollment": enrollment, "offering": offering, "course_url": course_url(offering)},
        )

    def post(self, request, offering_id: int):
        enrollment = self._enrollment(request, offering_id)
        offering = enrollment.course_offering
        try:
            services.drop_enrollment(actor=request.user, enrollment=enrollment)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, gettext(DROPPED_MESSAGE).format(course=f"{offering.course.code} {offering.course.title}"))
        return HttpResponseRedirect(course_url(offering))


class RedeemInvitationView(LoginRequiredMixin, FormView):
    form_class = forms.RedeemInvitationForm
    template_name = "learning/redeem.html"

    def form_valid(self, form):
        try:
            enrollment = invitations.redeem_invitation(actor=self.request.user, code=form.cleaned_data["code"])
        except (ValidationError, PermissionDenied) as error:
            form.add_error("code", _error_text(error))
            return self.form_invalid(form)
        offering = CourseOffering.objects.select_related("course", "university").get(pk=enrollment.course_offering_id)
        messages.success(
            self.request, gettext(ENROLLED_MESSAGE).format(course=f"{offering.course.code} {offering.course.title}")
        )
        return redirect(course_url(offering))


class OnboardingView(LoginRequiredMixin, FormView):
    template_name = "learning/onboarding.html"
    form_class = forms.OnboardingForm

    def get_initial(self):
        profile = UserProfile.objects.filter(user_id=self.request.user.pk).first()
        initial = {"subjects": list(self.request.user.subject_preferences.values_list("subject_id", flat=True))}
        if profile is not None:
            initial.update(
                learning_goal=profile.learning_goal or "",
                study_level=profile.study_level or "",
                grade=profile.grade or "",
                date_of_birth=profile.date_of_birth,
            )
        return initial

    def form_valid(self, form):
        try:
            onboarding.save_onboarding(actor=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
            return self.form_invalid(form)
        messages.success(self.request, gettext(ONBOARDING_SAVED))
        return redirect("learning:dashboard")


class InvitationsView(LoginRequiredMixin, FormView):
    """Instructors (and admins in scope) create and list an offering's invitations."""

    template_name = "learning/invitations.html"
    form_class = forms.InvitationForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.offering = (
                offerings_managed_by(request.user)
                .select_related("course", "university")
                .filter(pk=kwargs["offering_id"])
                .first()
            )
            if self.offering is None:
                raise Http404("No such offering.")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["offering"] = self.offering
        context["invitations"] = list(selectors.offering_invitations(offering=self.offering))
        context["course_url"] = course_url(self.offering)
        return context

    def form_valid(self, form):
        try:
            invitation = invitations.create_invitation(
                actor=self.request.user, offering=self.offering, **form.cleaned_data
            )
        except (ValidationError, PermissionDenied) as error:
            if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    for message in errors:
                        form.add_error(field if field in form.fields else None, message)
            else:
                form.add_error(None, _error_text(error))
            return self.form_invalid(form)
        messages.success(self.request, INVITATION_CREATED.format(code=invitation.code))
        return redirect("learning:invitations", offering_id=self.offering.pk)
