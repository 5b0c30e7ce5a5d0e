"""Forms of the instructor gradebook: the grid's filter/sort/page parameters, an item-score override, the CSV
import of one item's scores."""

from __future__ import annotations

from django import forms

from learning.gradebook.grid import STATUS_CHOICES
from learning.gradebook.imports import FILE_TOO_LARGE, MAX_BYTES
from learning.gradebook.reasons import MAX_REASON

SORT_INVALID = "Sort by a column of the gradebook."


class GridForm(forms.Form):
    """The query string of the grid; the view falls back to the defaults for a field in error (and says so)."""

    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False, label="Enrollment status")
    sort = forms.RegexField(
        regex=r"^(name|email|status|current|final|cat-[\w:-]{1,40}|item-[0-9]{1,18})$",
        required=False,
        error_messages={"invalid": SORT_INVALID},
    )
    dir = forms.ChoiceField(choices=(("asc", "ascending"), ("desc", "descending")), required=False)
    page = forms.IntegerField(min_value=1, max_value=1_000_000, required=False)


class OverrideForm(forms.Form):
    score = forms.DecimalField(
        required=False, min_value=0, max_digits=7, decimal_places=2,
        help_text="In the item's points. Leave empty when you excuse the item.",
    )  # fmt: skip
    excused = forms.BooleanField(required=False, label="Excused (the item does not count for this student)")
    reason = forms.CharField(max_length=MAX_REASON, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="Kept in the grade's audit trail.")  # fmt: skip


class ClearOverrideForm(forms.Form):
    reason = forms.CharField(max_length=MAX_REASON, widget=forms.Textarea(attrs={"rows": 2}))


class ImportForm(forms.Form):
    item = forms.TypedChoiceField(coerce=int, label="Graded item")
    file = forms.FileField(
        label="CSV file",
        help_text=f"Columns email and score (EX excuses, empty leaves the score as it is); UTF-8; at most "
        f"{MAX_BYTES // (1024 * 1024)} MB.",
    )
    reason = forms.CharField(max_length=MAX_REASON, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="Kept in the audit trail of every score the file changes.")  # fmt: skip

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:  # refused unread
            raise forms.ValidationError(FILE_TOO_LARGE.format(max=MAX_BYTES // (1024 * 1024)), code="too_large")
        return upload

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [(item.id, f"{item.title} ({item.points_possible:g} pts)") for item in items]
