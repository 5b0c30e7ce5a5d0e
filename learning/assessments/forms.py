"""Forms of the quiz pages: the attempt's answers, the instructors' filters, re-grade and accommodations.

The answer form is built from the attempt's frozen questions (one field ``q<position>`` each); it only
shapes input, the service reads and refuses answers (``grading.clean_answer``).
"""

from __future__ import annotations

from decimal import Decimal

from django import forms

from learning.assessments import selectors

MULTIPLIERS = (("1", "1× (none)"), ("1.25", "1.25×"), ("1.5", "1.5×"), ("2", "2×"))


def _bootstrap(form: forms.Form) -> None:
    """Bootstrap classes on the widgets (the templates render fields one by one)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple):
            continue
        widget.attrs.setdefault(
            "class",
            "form-select form-select-sm" if isinstance(widget, forms.Select) else "form-control form-control-sm",
        )


def answers_from_post(post, questions) -> dict[int, object]:
    """``{position: raw answer}`` for the questions present in the POST (a multiple-select question
    with no box ticked arrives as nothing: the hidden ``q<n>-present`` marker says it was on the page)."""
    answers: dict[int, object] = {}
    for row in questions:
        name = f"q{row.position}"
        if row.snapshot.get("type") == "multiple_select":
            if name in post or f"{name}-present" in post:
                answers[row.position] = post.getlist(name)
        elif name in post:
            answers[row.position] = post.get(name)
    return answers


class AttemptFilterForm(forms.Form):
    student = forms.CharField(required=False, max_length=100, label="Student (name or e-mail)")
    status = forms.ChoiceField(
        required=False, choices=[("", "Any")] + list(selectors.ATTEMPT_STATUSES.items()), label="Status"
    )
    number = forms.IntegerField(required=False, min_value=1, max_value=10_000, label="Attempt no.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)

    def clean_student(self):
        value = self.cleaned_data["student"]
        if "\x00" in value:
            raise forms.ValidationError("Remove the NUL character.")
        return value.strip()


class RegradeForm(forms.Form):
    reason = forms.CharField(max_length=500, widget=forms.TextInput, label="Reason (kept in the audit line)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)

    def clean_reason(self):
        value = self.cleaned_data["reason"]
        if "\x00" in value:
            raise forms.ValidationError("Remove the NUL character.")
        return value.strip()


class AllowAttemptForm(RegradeForm):
    reason = forms.CharField(max_length=500, required=False, widget=forms.TextInput, label="Reason")


class AccommodationForm(forms.Form):
    """One accommodation for many students at once (Canvas has no bulk form; this is it)."""

    students = forms.TypedMultipleChoiceField(coerce=int, label="Students", widget=forms.CheckboxSelectMultiple)
    content_item = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label="For")
    time_multiplier = forms.TypedChoiceField(choices=MULTIPLIERS, coerce=Decimal, initial="1", label="Extra time")
    extra_attempts = forms.IntegerField(min_value=0, max_value=100, initial=0, label="Extra attempts")
    extended_until = forms.DateTimeField(
        required=False,
        label="Later close date",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )
    reason = forms.CharField(max_length=500, required=False, label="Reason (shown to the student)")

    def __init__(self, *args, students, quizzes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["students"].choices = [(user.pk, f"{user.full_name} <{user.email}>") for user in students]
        self.fields["content_item"].choices = [("", "Every quiz, lab and assignment of the offering")] + [
            (item.pk, item.title) for item in quizzes
        ]
        _bootstrap(self)

    def clean_reason(self):
        value = self.cleaned_data["reason"]
        if "\x00" in value:
            raise forms.ValidationError("Remove the NUL character.")
        return value.strip()
