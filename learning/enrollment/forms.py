"""Forms of the learning pages: enroll (invitation code / link), invitations, onboarding, roster actions."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Grade, LearningGoal, StudyLevel
from catalog.models import Subject


class EnrollForm(forms.Form):
    invitation_code = forms.CharField(required=False, max_length=64, strip=True)
    link = forms.CharField(required=False, max_length=500)


class RedeemInvitationForm(forms.Form):
    code = forms.CharField(max_length=64, strip=True, label=_("Invitation code"))


class InvitationForm(forms.Form):
    email = forms.EmailField(required=False, max_length=255, help_text="Empty: anyone with the code.")
    max_uses = forms.IntegerField(required=False, min_value=1, max_value=100000, help_text="Empty: unlimited.")
    expires_at = forms.DateTimeField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Empty: never.",
    )


class OnboardingForm(forms.Form):
    learning_goal = forms.ChoiceField(choices=[("", "—")] + LearningGoal.choices, required=False, label=_("Learning goal"))
    study_level = forms.ChoiceField(choices=[("", "—")] + StudyLevel.choices, required=False, label=_("Study level"))
    grade = forms.ChoiceField(choices=[("", "—")] + Grade.choices, required=False, label=_("Year of study"))
    date_of_birth = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), label=_("Date of birth")
    )
    subjects = forms.ModelMultipleChoiceField(
        queryset=Subject.objects.select_related("domain").order_by("domain__name", "depth", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Subjects"),
        help_text=_("We suggest courses in these subjects."),
    )


class RosterActionForm(forms.Form):
    """One button of the roster page: what to do with which enrollment (both posted by the button)."""

    ACTIONS = [("approve", "Approve"), ("decline", "Decline"), ("promote", "Promote")]

    action = forms.ChoiceField(choices=ACTIONS)
    enrollment = forms.IntegerField(min_value=1, max_value=2**63 - 1)
