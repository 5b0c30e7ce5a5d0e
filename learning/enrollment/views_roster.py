"""The instructors' side of enrollment: an offering's roster (pending requests to approve or decline, the
waitlist to promote from, the students) and the "Teaching" list of the offerings a user teaches or manages.

Who: everyone who teaches the offering (instructors and TAs) and the admins whose scope covers it may read a
roster (``learning.enrollment.permissions.rosters_visible_to``); only instructors and admins act on it
(``can_manage_enrollments``; a TA's POST is a 403). Everyone else gets a 404 for the page and its actions.
Every change goes through ``learning.enrollment.services``; a refusal is a message on the roster, never a 500.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import TemplateView

from catalog.browse import share_path
from catalog.models import OfferingVisibility
from learning.enrollment import forms, services
from learning.enrollment.models import CourseEnrollment, EnrollmentStatus
from learning.enrollment.permissions import can_manage_enrollments
from learning.enrollment.roster import get_offering_for_roster, get_roster, teaching_offerings
from learning.enrollment.views import _error_text, course_url

APPROVED = "{name} is enrolled."
APPROVED_WAITLISTED = "{name} was approved; the offering is full, so they are number {position} on the waiting list."
DECLINED = "{name}'s request was declined."
PROMOTED = "{name} moved from the waiting list into the offering."
BAD_ACTION = "That action could not be understood; use the buttons on this page."
NOT_YOURS_TO_CHANGE = "Only the offering's instructors and admins can change enrollments; teaching assistants can view them."

ACTIONS = {
    "approve": services.approve_enrollment,
    "decline": services.decline_enrollment,
    "promote": services.promote_from_waitlist,
}
TEACHING_PAGE_SIZE = 50


def _done_message(action: str, enrollment: CourseEnrollment, name: str) -> str:
    if action == "approve" and enrollment.status == EnrollmentStatus.WAITLISTED:
        return APPROVED_WAITLISTED.format(name=name, position=enrollment.waitlist_position)
    return {"approve": APPROVED, "decline": DECLINED, "promote": PROMOTED}[action].format(name=name)


class RosterView(LoginRequiredMixin, TemplateView):
    template_name = "learning/roster.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.offering = get_offering_for_roster(request.user, kwargs["offering_id"])
            self.can_manage = can_manage_enrollments(request.user, self.offering)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        offering = self.offering
        roster = get_roster(offering)
        context.update(
            offering=offering,
            roster=roster,
            can_manage=self.can_manage,
            course_url=course_url(offering),
            free_seats=None if offering.capacity is None else max(offering.capacity - offering.enrolled_count, 0),
        )
        if offering.visibility == OfferingVisibility.UNLISTED:
            context["share_url"] = self.request.build_absolute_uri(share_path(offering))
        return context

    def post(self, request, offering_id: int):
        form = forms.RosterActionForm(request.POST)
        if not form.is_valid():
            messages.error(request, BAD_ACTION)
            return self.render_to_response(self.get_context_data(), status=400)
        enrollment = (
            CourseEnrollment.objects.select_related("user")
            .filter(pk=form.cleaned_data["enrollment"], course_offering_id=self.offering.pk)
            .first()
        )
        if enrollment is None:
            raise Http404("No such enrollment in this offering.")
        if not self.can_manage:
            raise PermissionDenied(NOT_YOURS_TO_CHANGE)
        action = form.cleaned_data["action"]
        name = enrollment.user.full_name or enrollment.user.email
        try:
            enrollment = ACTIONS[action](actor=request.user, enrollment=enrollment)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, f"{name}: {_error_text(error)}")
        else:
            messages.success(request, _done_message(action, enrollment, name))
        return redirect("learning:roster", offering_id=self.offering.pk)


class TeachingView(LoginRequiredMixin, TemplateView):
    """The offerings whose roster the user may see, requests waiting first (one query per page)."""

    template_name = "learning/teaching.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        raw = self.request.GET.get("page", "1")
        page = int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) < 10**6 else 1
        start = (page - 1) * TEACHING_PAGE_SIZE
        # One row more than a page tells whether there is a next page without a COUNT query.
        rows = list(teaching_offerings(self.request.user)[start : start + TEACHING_PAGE_SIZE + 1])
        context.update(
            offerings=rows[:TEACHING_PAGE_SIZE],
            page=page,
            has_next=len(rows) > TEACHING_PAGE_SIZE,
        )
        return context
