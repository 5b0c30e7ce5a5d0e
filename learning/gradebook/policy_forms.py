"""Forms of the grading pages: the policy (settings, a formset of categories, a formset of items), the
course-grade override, revoking a certificate, a university's grading scale."""

from __future__ import annotations

from django import forms

from learning.gradebook.models import CertificateRule, GradingScale, ItemKind
from learning.gradebook.policy_services import CategoryDraft, ItemDraft, PolicyDraft
from learning.gradebook.reasons import MAX_REASON
from learning.gradebook.scores import PLATFORM_SCALE_NAME

NAME_WITHOUT_WEIGHT = "Give the category a weight (0 to 100)."
WEIGHT_WITHOUT_NAME = "Give the category a name."


class PolicySettingsForm(forms.Form):
    grading_scale = forms.ModelChoiceField(
        queryset=GradingScale.objects.none(), required=False, empty_label=PLATFORM_SCALE_NAME, label="Grading scale"
    )
    pass_mark = forms.DecimalField(min_value=0, max_value=100, decimal_places=2, label="Pass mark (%)")
    certificate_rule = forms.ChoiceField(
        choices=CertificateRule.choices, widget=forms.RadioSelect, label="Certificates are issued on"
    )
    certificate_valid_months = forms.IntegerField(
        min_value=1, max_value=1200, required=False, label="Certificates valid for (months)",
        help_text="Empty: they never expire.",
    )  # fmt: skip

    def __init__(self, *args, university, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grading_scale"].queryset = GradingScale.objects.filter(university=university).order_by("name")
        for name in ("pass_mark", "certificate_valid_months"):
            self.fields[name].widget.attrs["class"] = "form-control form-control-sm"
        self.fields["grading_scale"].widget.attrs["class"] = "form-select form-select-sm"


class CategoryForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(max_length=100, required=False)
    weight = forms.DecimalField(min_value=0, max_value=100, decimal_places=2, required=False)
    drop_lowest = forms.IntegerField(min_value=0, max_value=1000, required=False)
    default_kind = forms.ChoiceField(choices=[("", "—"), *ItemKind.choices], required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name != "id":
                field.widget.attrs["class"] = (
                    "form-select form-select-sm" if name == "default_kind" else ("form-control form-control-sm")
                )

    def clean(self):
        data = super().clean()
        name = (data.get("name") or "").strip()
        if name and data.get("weight") is None and "weight" not in self.errors:
            self.add_error("weight", NAME_WITHOUT_WEIGHT)
        if not name and data.get("weight") is not None and not data.get("DELETE"):
            self.add_error("name", WEIGHT_WITHOUT_NAME)
        return data

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not (data.get("name") or "").strip() and data.get("weight") is None


CategoryFormSet = forms.formset_factory(CategoryForm, extra=2, can_delete=True, max_num=50, validate_max=True)


class ItemForm(forms.Form):
    item_id = forms.IntegerField(widget=forms.HiddenInput)
    category = forms.CharField(max_length=100)
    never_drop = forms.BooleanField(required=False)
    extra_credit = forms.BooleanField(required=False)


ItemFormSet = forms.formset_factory(ItemForm, extra=0, max_num=2000, validate_max=True)


def draft_from(settings_form, categories, items) -> PolicyDraft:
    """The service's draft from three valid forms (empty and deleted category rows left out)."""
    data = settings_form.cleaned_data
    scale = data.get("grading_scale")
    return PolicyDraft(
        categories=[
            CategoryDraft(
                id=form.cleaned_data.get("id"),
                name=form.cleaned_data["name"].strip(),
                weight=form.cleaned_data["weight"],
                drop_lowest=form.cleaned_data.get("drop_lowest") or 0,
                default_kind=form.cleaned_data.get("default_kind") or None,
            )
            for form in categories.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and not form.is_blank
        ],
        items=[
            ItemDraft(
                item_id=form.cleaned_data["item_id"],
                category=form.cleaned_data["category"],
                never_drop=form.cleaned_data.get("never_drop", False),
                extra_credit=form.cleaned_data.get("extra_credit", False),
            )
            for form in items.forms
        ],
        scale_id=scale.pk if scale is not None else None,
        pass_mark=data["pass_mark"],
        certificate_rule=data["certificate_rule"],
        certificate_valid_months=data.get("certificate_valid_months"),
    )


class CourseGradeOverrideForm(forms.Form):
    score = forms.CharField(max_length=20, label="Final course grade (%)")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=MAX_REASON, label="Reason")


class RemoveOverrideForm(forms.Form):
    prefix = "remove"  # on the override page next to the override form's own reason
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=MAX_REASON, label="Reason")


class RevokeCertificateForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=MAX_REASON, label="Reason")


def _rows_field() -> forms.CharField:
    return forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=2000,
        label="Rows",
        help_text="One per line: the letter, then its lower bound in percent (e.g. “A 94”). One row must be 0.",
    )


class GradingScaleForm(forms.Form):
    name = forms.CharField(max_length=100)
    rows = _rows_field()


class ScaleRowsForm(forms.Form):
    """An existing scale's rows (its name stays)."""

    rows = _rows_field()


def scale_rows_text(scale: GradingScale) -> str:
    """The scale's rows as the form shows them, best first (``A 94`` per line)."""
    rows = sorted(scale.rows.all(), key=lambda row: -row.lower_bound)
    return "\n".join(f"{row.letter} {row.lower_bound.normalize():f}" for row in rows)
