"""Forms for the module tree, publishing, the question bank, assets and the module library."""

from __future__ import annotations

import json
import math
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from syllabus.library import COPY_CODE_REQUIRED, COPY_TITLE_REQUIRED
from syllabus.mathml import latex_error, math_spans
from syllabus.models import Module, ModuleType, QuestionType, ToleranceMode

CHOICES_FORMAT = "One choice per line: “key = text” (e.g. “a = 42”). Line {line} is not like that."
ANSWER_REQUIRED = "Give the correct answer."
ANSWER_NOT_A_NUMBER = "The answer must be a number."
ANSWER_NOT_BOOLEAN = "Choose true or false."

_CREATABLE_TYPES = [(value, label) for value, label in ModuleType.choices if value != ModuleType.COURSE_ROOT]


class ModuleForm(forms.Form):
    title = forms.CharField(max_length=255)
    module_type = forms.ChoiceField(choices=_CREATABLE_TYPES, initial=ModuleType.LESSON, label="Type")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, is_root: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if is_root:
            # The root's type is fixed (course_root); only its title and description change.
            del self.fields["module_type"]


class MoveModuleForm(forms.Form):
    """The new parent, from the course's modules outside the moved subtree (indented by depth)."""

    new_parent = forms.TypedChoiceField(coerce=int, label="New parent")
    position = forms.IntegerField(required=False, min_value=1, help_text="Empty: last.")

    def __init__(self, *args, modules: list[Module], excluded_ids: set[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_parent"].choices = [
            (m.pk, "\u00a0\u00a0" * m.depth + f"{m.title} ({m.get_module_type_display()})")
            for m in modules
            if m.pk not in excluded_ids
        ]


class PublishForm(forms.Form):
    include_subtree = forms.BooleanField(required=False, label="Also every module below it")


class QuestionPoolForm(forms.Form):
    title = forms.CharField(max_length=255)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class QuestionForm(forms.Form):
    """Every question type in one form; fields that a type does not use are ignored for it."""

    question_type = forms.ChoiceField(choices=QuestionType.choices, label="Type")
    prompt = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Math between $…$ (or $$…$$) is LaTeX and is checked here; \\$ is a dollar sign.",
    )
    choices = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Multiple choice / select: one per line, “key = text”.",
    )
    correct_answer = forms.CharField(
        required=False,
        help_text=(
            "Multiple choice: the key. Multiple select: keys separated by commas. True/false: true or false. "
            "Numeric: the number. Short text: accepted answers separated by “|”."
        ),
    )
    numeric_tolerance = forms.DecimalField(required=False, min_value=0, label="Tolerance (numeric)")
    # Optional: only numeric questions read it, and a form posted without it (an older page, a script) means
    # the absolute tolerance every question had before the option existed.
    tolerance_mode = forms.ChoiceField(
        choices=ToleranceMode.choices,
        initial=ToleranceMode.ABSOLUTE,
        required=False,
        label="Tolerance is (numeric)",
    )
    partial_credit = forms.BooleanField(
        required=False, label="Partial credit (multiple select): per correct tick, minus wrong ticks, never below 0"
    )
    exact_match = forms.BooleanField(required=False, label="Exact match (short text): case and spaces count")
    points = forms.DecimalField(min_value=0, initial=1, max_digits=6, decimal_places=2)
    explanation = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    @staticmethod
    def initial_from_question(question) -> dict:
        answer = question.correct_answer
        if question.question_type == QuestionType.MULTIPLE_SELECT:
            answer = ", ".join(answer or [])
        elif question.question_type == QuestionType.SHORT_TEXT:
            answer = " | ".join(answer or [])
        elif question.question_type == QuestionType.TRUE_FALSE:
            answer = "true" if answer else "false"
        return {
            "question_type": question.question_type,
            "prompt": question.prompt,
            "choices": "\n".join(f"{c['key']} = {c['text']}" for c in question.choices or []),
            "correct_answer": "" if answer is None else str(answer),
            "numeric_tolerance": question.numeric_tolerance,
            "tolerance_mode": question.tolerance_mode,
            "partial_credit": question.partial_credit,
            "exact_match": question.exact_match,
            "points": question.points,
            "explanation": question.explanation or "",
        }

    def clean_prompt(self) -> str:
        prompt = self.cleaned_data["prompt"]
        for latex in math_spans(prompt):
            error = latex_error(latex)
            if error:
                raise ValidationError(error)
        return prompt

    def clean(self):
        data = super().clean()
        qtype = data.get("question_type")
        raw = (data.get("correct_answer") or "").strip()
        choices = []
        if qtype in (QuestionType.MULTIPLE_CHOICE, QuestionType.MULTIPLE_SELECT):
            for number, line in enumerate([x for x in (data.get("choices") or "").splitlines() if x.strip()], 1):
                key, sep, text = line.partition("=")
                if not sep or not key.strip() or not text.strip():
                    self.add_error("choices", CHOICES_FORMAT.format(line=number))
                    break
                choices.append({"key": key.strip(), "text": text.strip()})
        data["parsed_choices"] = choices
        if not raw:
            self.add_error("correct_answer", ANSWER_REQUIRED)
            return data
        if qtype == QuestionType.MULTIPLE_SELECT:
            data["parsed_answer"] = [k.strip() for k in raw.split(",") if k.strip()]
        elif qtype == QuestionType.TRUE_FALSE:
            if raw.lower() not in ("true", "false"):
                self.add_error("correct_answer", ANSWER_NOT_BOOLEAN)
            data["parsed_answer"] = raw.lower() == "true"
        elif qtype == QuestionType.NUMERIC:
            try:
                number = Decimal(raw)
                # Finite as a decimal is not enough: "1e400" overflows the double every answer is compared as.
                if not number.is_finite() or not math.isfinite(float(number)):
                    raise ValueError
                data["parsed_answer"] = (
                    int(number) if number == number.to_integral_value() and "." not in raw else float(number)
                )
            except (ArithmeticError, ValueError):
                self.add_error("correct_answer", ANSWER_NOT_A_NUMBER)
        elif qtype == QuestionType.SHORT_TEXT:
            data["parsed_answer"] = [a.strip() for a in raw.split("|") if a.strip()]
        else:
            data["parsed_answer"] = raw
        return data

    def service_values(self) -> dict:
        data = self.cleaned_data
        numeric = data["question_type"] == QuestionType.NUMERIC
        return {
            "question_type": data["question_type"],
            "prompt": data["prompt"],
            "choices": data["parsed_choices"],
            "correct_answer": data["parsed_answer"],
            "numeric_tolerance": (data.get("numeric_tolerance") or Decimal(0)) if numeric else None,
            "tolerance_mode": data.get("tolerance_mode") or ToleranceMode.ABSOLUTE,
            "partial_credit": bool(data.get("partial_credit"))
            and data["question_type"] == QuestionType.MULTIPLE_SELECT,
            "exact_match": bool(data.get("exact_match")) and data["question_type"] == QuestionType.SHORT_TEXT,
            "points": data["points"],
            "explanation": data.get("explanation") or None,
        }


class QuestionImportForm(forms.Form):
    format = forms.ChoiceField(choices=[("csv", "CSV"), ("gift", "GIFT-like text")])
    file = forms.FileField(required=False, help_text="A .csv or .txt file (or paste below).")
    text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 8, "class": "font-monospace"}))

    MAX_BYTES = 2 * 1024 * 1024
    NOTHING = "Upload a file or paste the questions."
    TOO_LARGE = "The file is larger than 2 MB."
    NOT_TEXT = "The file is not UTF-8 text."

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload:
            if upload.size > self.MAX_BYTES:
                self.add_error("file", self.TOO_LARGE)
                return data
            try:
                data["content"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error("file", self.NOT_TEXT)
                return data
        else:
            data["content"] = data.get("text") or ""
        if not data["content"].strip():
            self.add_error(None, self.NOTHING)
        return data


class AssetUploadForm(forms.Form):
    file = forms.FileField()
    alt_text = forms.CharField(required=False, max_length=500, help_text="Describe the image for screen readers.")


class AltTextForm(forms.Form):
    alt_text = forms.CharField(required=False, max_length=500)


class SaveTemplateForm(forms.Form):
    title = forms.CharField(max_length=255)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    platform_wide = forms.BooleanField(required=False, label="Platform-wide library (platform admins)")

    def __init__(self, *args, allow_platform: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not allow_platform:
            del self.fields["platform_wide"]


class InstantiateTemplateForm(forms.Form):
    template = forms.ModelChoiceField(queryset=None)
    parent = forms.TypedChoiceField(coerce=int, label="Insert under")

    def __init__(self, *args, templates, modules: list[Module], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates
        self.fields["template"].label_from_instance = lambda t: (
            f"{t.title} ({t.get_template_type_display()}, {'platform' if t.university_id is None else 'university'})"
        )
        self.fields["parent"].choices = [(m.pk, "\u00a0\u00a0" * m.depth + m.title) for m in modules]


class CopyCourseForm(forms.Form):
    """Where the copy goes: a new course (the next edition: code and title) or an existing course."""

    NEW, EXISTING = "new", "existing"
    DESTINATION_REQUIRED = "Choose the course to copy into."
    CODE_REQUIRED = COPY_CODE_REQUIRED
    TITLE_REQUIRED = COPY_TITLE_REQUIRED

    destination = forms.ChoiceField(
        choices=[(NEW, "A new course (e.g. the next edition)"), (EXISTING, "An existing course")],
        widget=forms.RadioSelect,
        initial=NEW,
        required=False,  # a post that names only ``target`` means an existing course
        label="Copy into",
    )
    code = forms.CharField(
        required=False, max_length=128, label="New course code", help_text="Unique in the university, e.g. MATH101-2027"
    )
    title = forms.CharField(required=False, max_length=255, label="New course title")
    target = forms.ModelChoiceField(queryset=None, required=False, label="Existing course")
    confirm = forms.BooleanField(label="Copy every module, content item and question pool (unpublished)")

    def __init__(self, *args, targets, allow_new: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = targets
        self.fields["target"].label_from_instance = lambda c: f"{c.code} — {c.title}"
        if not allow_new:
            # May not create courses from this one (a TA): only existing courses they may edit.
            for name in ("code", "title"):
                del self.fields[name]
            self.fields["destination"].choices = [(self.EXISTING, "An existing course")]
            self.fields["destination"].initial = self.EXISTING

    def clean(self):
        data = super().clean()
        if not data.get("destination"):
            data["destination"] = self.EXISTING if data.get("target") or "code" not in self.fields else self.NEW
        if data["destination"] == self.NEW and "code" not in self.fields:
            self.add_error("destination", self.DESTINATION_REQUIRED)
        elif data.get("destination") == self.EXISTING:
            if not data.get("target") and "target" not in self.errors:
                self.add_error("target", self.DESTINATION_REQUIRED)
        elif data.get("destination") == self.NEW:
            if not (data.get("code") or "").strip() and "code" not in self.errors:
                self.add_error("code", self.CODE_REQUIRED)
            if not (data.get("title") or "").strip() and "title" not in self.errors:
                self.add_error("title", self.TITLE_REQUIRED)
        return data


def pretty_json(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)
