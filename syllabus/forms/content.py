"""Content item editors: one form per built-in type mapping its fields to ``data_json``, and a generic form
driven by the JSON Schema of admin-added types.

A form builds the payload (``build_data()``); the view hands it to the content service, which validates
it against the type's schema. The service's errors come keyed by JSON path (``$.blocks[2].latex``);
``add_service_errors`` puts each on the field (or the block of a list) the path points at, so the author
sees the error beside the input that caused it. Lists (text blocks, resources) are formsets with
order and delete columns: add, remove and reorder work without JavaScript.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms import formset_factory

from lms.json_input import JsonInputError, parse_json
from prompts.models import LABEL_MAX_LENGTH
from syllabus.assets import assets_for_university
from syllabus.content_schemas import SCHEMA_INVALID, schema_problem
from syllabus.mathml import latex_error
from syllabus.models import ContentItem, ContentType, QuestionPool
from syllabus.transcripts import TranscriptError, parse_transcript, to_srt

FIELD_REQUIRED = "This field is required."
LINKS_FORMAT = "One link per line: “Label | https://…”. Line {line} is not like that."
ENV_FORMAT = "One variable per line: “NAME=value”. Line {line} is not like that."
FILES_FORMAT = "One file per line: “path | role” (role: {roles}). Line {line} is not like that."
VIDEO_SOURCE_REQUIRED = "Give a video id, a URL or an uploaded asset."
DUE_EXACTLY_ONE = "Give either a due date or a number of days after the start, not both and not neither."
JSON_INVALID = "{error}"  # lms.json_input says what is wrong: not JSON, too deep, too large
PROMPT_DEFAULT = "— default tutor prompt —"
PROMPT_LABEL_UNKNOWN = "The prompt “{name}” has no version labelled “{label}”."
PROMPT_LABEL_WITHOUT_NAME = "Choose a tutor prompt before a label (without one, the default prompt's production)."

BLOCK_KINDS = [("paragraph", "Paragraph"), ("math", "Math (LaTeX)"), ("image", "Image"), ("link_list", "Link list")]
LAB_FILE_ROLES = ["student_visible", "hidden_test", "read_only", "solution"]
LAB_RUNTIME_LABELS = {"python": "Python 3", "python-datascience": "Python (data science, NumPy)", "matlab": "MATLAB"}
LAB_RUNTIME_UNSUPPORTED = (
    "This server cannot run “{runtime}” labs; it runs: {supported}. Other runtimes need a container engine "
    "(see docs/labs.md)."
)


def _lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


def _asset_choices(course) -> list[tuple[str, str]]:
    choices = [("", "— none —")]
    for asset in assets_for_university(university_id=course.university_id)[:500]:
        meta = asset.meta_json or {}
        choices.append((str(asset.pk), f"#{asset.pk} {meta.get('original_name') or asset.url} ({asset.asset_type})"))
    return choices


def _prompt_labels() -> dict[str, list[str]] | None:
    """Existing tutor prompt names with the labels their versions carry, through the prompts app's public
    selector (a leaf any app may read); None if the prompts tables are unavailable."""
    try:
        from prompts.selectors import list_prompts

        labels: dict[str, list[str]] = {}
        page_number = 1
        while True:
            page = list_prompts(page=page_number, limit=500)
            labels.update((item.name, list(item.labels)) for item in page.items)
            if page_number >= page.total_pages:
                return labels
            page_number += 1
    except Exception:  # the prompts tables may be missing in a partial deployment
        return None


# --- list items (formset forms) -------------------------------------------------------------------


class BlockForm(forms.Form):
    """One block of a text article or an assignment's instructions.

    Each kind has its own fields (``KIND_FIELDS``); the editor shows only the chosen kind's
    (``kind_groups``: the others are rendered ``hidden``, and static/js/block-editor.js or, without
    JavaScript, a CSS ``:has()`` rule in lms.css shows the right group when the kind changes).
    """

    kind = forms.ChoiceField(
        choices=BLOCK_KINDS, initial="paragraph", widget=forms.Select(attrs={"data-block-kind-select": ""})
    )
    text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Paragraph text")
    latex = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2, "class": "font-monospace"}), label="LaTeX"
    )
    asset = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Image")
    caption = forms.CharField(required=False)
    alt_text = forms.CharField(required=False, label="Alt text")
    links = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="One per line: Label | https://…"
    )
    SUBPATHS = {"type": "kind", "text": "text", "latex": "latex", "asset_id": "asset", "caption": "caption",
                "alt_text": "alt_text", "items": "links"}  # fmt: skip
    KIND_FIELDS = {"paragraph": ["text"], "math": ["latex"], "image": ["asset", "caption", "alt_text"],
                   "link_list": ["links"]}  # fmt: skip

    def __init__(self, *args, asset_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["asset"].choices = asset_choices or [("", "— none —")]

    def kind_groups(self) -> list[dict]:
        """The fields of each kind as ``{"kind", "fields", "shown"}``: shown for the chosen kind (as posted, or
        stored), and for any kind whose field carries an error so that no error is ever hidden."""
        chosen = self["kind"].value() or self.fields["kind"].initial
        groups = []
        for kind, names in self.KIND_FIELDS.items():
            fields = [self[name] for name in names]
            shown = kind == chosen or (self.is_bound and any(field.errors for field in fields))
            groups.append({"kind": kind, "fields": fields, "shown": shown})
        return groups

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == "paragraph" and not data.get("text", "").strip():
            self.add_error("text", FIELD_REQUIRED)
        elif kind == "math":
            latex = data.get("latex", "")
            error = latex_error(latex)
            if error:
                self.add_error("latex", error)
        elif kind == "image" and not data.get("asset"):
            self.add_error("asset", FIELD_REQUIRED)
        elif kind == "link_list":
            items = []
            for number, line in enumerate(_lines(data.get("links", "")), start=1):
                label, sep, url = line.partition("|")
                if not sep or not label.strip() or not url.strip():
                    self.add_error("links", LINKS_FORMAT.format(line=number))
                    break
                items.append({"label": label.strip(), "url": url.strip()})
            else:
                if not items:
                    self.add_error("links", FIELD_REQUIRED)
            data["link_items"] = items
        return data

    def to_block(self) -> dict:
        data = self.cleaned_data
        kind = data["kind"]
        if kind == "paragraph":
            return {"type": "paragraph", "text": data["text"]}
        if kind == "math":
            return {"type": "math", "latex": data["latex"].strip()}
        if kind == "image":
            block = {"type": "image", "asset_id": data["asset"]}
            if data.get("caption"):
                block["caption"] = data["caption"]
            if data.get("alt_text"):
                block["alt_text"] = data["alt_text"]
            return block
        return {"type": "link_list", "items": data.get("link_items", [])}

    @staticmethod
    def initial_from_block(block: dict) -> dict:
        kind = block.get("type", "paragraph")
        return {
            "kind": kind,
            "text": block.get("text", ""),
            "latex": block.get("latex", ""),
            "asset": block.get("asset_id"),
            "caption": block.get("caption", ""),
            "alt_text": block.get("alt_text", ""),
            "links": "\n".join(f"{i.get('label', '')} | {i.get('url', '')}" for i in block.get("items", [])),
        }


class ResourceLinkForm(forms.Form):
    label = forms.CharField()
    url = forms.URLField(assume_scheme="https", label="URL")
    # The initial is what the select shows first, so an untouched extra row posts it and counts as unchanged
    # (ignored) rather than as a link missing its label and URL.
    kind = forms.ChoiceField(choices=[("article", "Article"), ("pdf", "PDF"), ("video", "Video")], initial="article")
    SUBPATHS = {"label": "label", "url": "url", "kind": "kind"}


BlockFormSet = formset_factory(BlockForm, extra=1, can_order=True, can_delete=True)
ResourceFormSet = formset_factory(ResourceLinkForm, extra=1, can_order=True, can_delete=True)


# --- the common part ---------------------------------------------------------------------------------


class ContentItemForm(forms.Form):
    """Common fields of every content item; subclasses add the type's fields and ``build_data``."""

    title = forms.CharField(max_length=255)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    estimated_duration_seconds = forms.IntegerField(required=False, min_value=0, label="Estimated duration (seconds)")
    learning_objectives = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="One objective per line."
    )
    prompt_name = forms.CharField(required=False, max_length=255, label="Tutor prompt")
    prompt_label = forms.CharField(max_length=36, initial="production", label="Prompt label")
    is_active = forms.BooleanField(required=False, initial=True, label="Active")
    position = forms.IntegerField(required=False, min_value=1, label="Order within the module")

    # JSON path (prefix) → field name, for errors from the schema.
    PATHS: dict[str, str] = {}
    # name → (formset class, data key); formsets are bound with the same data.
    FORMSETS: dict[str, tuple[Any, str]] = {}
    TYPE_FIELDS: list[str] = []

    def __init__(self, *args, course, content_type: ContentType, item: ContentItem | None = None, **kwargs):
        self.course, self.content_type, self.item = course, content_type, item
        data = (item.data_json if item is not None else None) or {}
        if item is not None and not kwargs.get("initial"):
            kwargs["initial"] = {
                "title": item.title,
                "description": item.description,
                "estimated_duration_seconds": item.estimated_duration_seconds,
                "learning_objectives": "\n".join(str(o) for o in item.learning_objectives or []),
                "prompt_name": item.prompt_name or "",
                "prompt_label": item.prompt_label,
                "is_active": item.is_active,
                "position": item.sequence_index,
                **self.initial_from_data(data),
            }
        super().__init__(*args, **kwargs)
        self.prompt_labels = _prompt_labels()
        if self.prompt_labels is not None:
            self._prompt_fields(self.prompt_labels)
        self.formsets = {}
        for name, (formset_class, key) in self.FORMSETS.items():
            initial = self.formset_initial(key, data) if item is not None else None
            self.formsets[name] = formset_class(
                self.data if self.is_bound else None,
                prefix=name,
                initial=initial,
                form_kwargs=self.formset_form_kwargs(),
            )
        self._targets: list[tuple[str, forms.Form, dict[str, str]]] = []

    def _prompt_fields(self, prompt_labels: dict[str, list[str]]) -> None:
        """``prompt_name`` among the existing prompts; ``prompt_label`` among their labels, grouped by prompt
        (blank = production). A stored value that no longer exists is shown as such rather than dropped."""
        current = self.initial.get("prompt_name")
        names = [("", PROMPT_DEFAULT)] + [(name, name) for name in prompt_labels]
        if current and current not in prompt_labels:
            names.append((current, f"{current} (not found)"))
        self.fields["prompt_name"] = forms.ChoiceField(
            choices=names, required=False, label="Tutor prompt", initial=current
        )
        label = self.initial.get("prompt_label")
        label = "" if label == "production" else label
        groups: list[tuple[str, Any]] = [("", "production (default)")]
        groups += [(name, [(f"{name}|{value}", value) for value in values]) for name, values in prompt_labels.items()]
        # The options carry "name|label" so that one label under two prompts stays two options (labels never
        # contain "|", prompts.models.LABEL_PATTERN); ``clean_prompt_label`` keeps the label only.
        if label and not (current and label in prompt_labels.get(current, [])):
            groups.append((f"{current or ''}|{label}", f"{label} (not found)"))
        # A select whose value is checked in ``clean`` against the chosen prompt (a bare label is accepted too).
        self.fields["prompt_label"] = forms.CharField(
            required=False,
            widget=forms.Select(choices=groups),
            label="Prompt label",
            help_text="Which version of the tutor prompt to use; empty: the production version.",
        )
        self.initial["prompt_label"] = f"{current or ''}|{label}" if label else ""

    def clean_prompt_label(self) -> str:
        value = (self.cleaned_data.get("prompt_label") or "").rsplit("|", 1)[-1].strip()
        if len(value) > LABEL_MAX_LENGTH:
            raise ValidationError(PROMPT_LABEL_UNKNOWN.format(label=value[:LABEL_MAX_LENGTH] + "…", name=""))
        return value

    def clean(self):
        data = super().clean()
        if self.prompt_labels is None or "prompt_label" in self.errors or "prompt_name" in self.errors:
            return data
        name, label = data.get("prompt_name") or "", data.get("prompt_label") or ""
        if not label or (label == "production" and not name):
            return data
        if not name:
            self.add_error("prompt_label", PROMPT_LABEL_WITHOUT_NAME)
        elif label not in self.prompt_labels.get(name, []):
            self.add_error("prompt_label", PROMPT_LABEL_UNKNOWN.format(label=label, name=name))
        return data

    # hooks
    def initial_from_data(self, data: dict) -> dict:
        return {}

    def formset_initial(self, key: str, data: dict) -> list[dict]:
        return [BlockForm.initial_from_block(block) for block in data.get(key, [])]

    def formset_form_kwargs(self) -> dict:
        return {}

    def build_data(self) -> dict:
        raise NotImplementedError

    # validation
    def is_valid(self) -> bool:
        valid = super().is_valid()
        return all([formset.is_valid() for formset in self.formsets.values()]) and valid  # noqa: C419 -- validate every formset

    def clean_learning_objectives(self) -> list[str]:
        return _lines(self.cleaned_data.get("learning_objectives", ""))

    def common_values(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data.get("description") or None,
            "estimated_duration_seconds": data.get("estimated_duration_seconds"),
            "learning_objectives": data.get("learning_objectives") or [],
            "prompt_name": data.get("prompt_name") or None,
            "prompt_label": data.get("prompt_label") or "production",
            "is_active": data.get("is_active", False),
        }

    def list_from_formset(self, name: str, path: str) -> list[dict]:
        """The ordered, not deleted items of a formset; remembers which form each JSON index came from."""
        formset = self.formsets[name]
        result = []
        for form in formset.ordered_forms:
            if not form.has_changed() and form not in formset.initial_forms:
                continue
            result.append(form.to_block() if hasattr(form, "to_block") else self.item_from_form(form))
            self._targets.append((f"{path}[{len(result) - 1}]", form, form.SUBPATHS))
        return result

    def item_from_form(self, form) -> dict:
        return {key: form.cleaned_data[key] for key in form.SUBPATHS}

    def add_service_errors(self, error: ValidationError) -> None:
        """Put each error of a service ValidationError on the field its key (a JSON path or a field) names."""
        if not hasattr(error, "error_dict"):
            for message in error.messages:
                self.add_error(None, message)
            return
        for key, messages in error.message_dict.items():
            for message in messages:
                self._place(key, message)

    def _place(self, key: str, message: str) -> None:
        if key in self.fields:
            self.add_error(key, message)
            return
        if key == "__all__":
            self.add_error(None, message)
            return
        for prefix, form, subpaths in sorted(self._targets, key=lambda t: -len(t[0])):
            if key == prefix or key.startswith(prefix + ".") or key.startswith(prefix + "["):
                rest = key[len(prefix) :].lstrip(".").split(".")[0].split("[")[0]
                field = subpaths.get(rest)
                form.add_error(field if field in form.fields else None, message)
                return
        best = None
        for prefix in self.PATHS:
            if (key == prefix or key.startswith(prefix + ".") or key.startswith(prefix + "[")) and (
                best is None or len(prefix) > len(best)
            ):
                best = prefix
        if best is not None and self.PATHS[best] in self.fields:
            self.add_error(self.PATHS[best], message)
        else:
            self.add_error(None, f"{key}: {message}")

    @property
    def type_fields(self):
        return [self[name] for name in self.TYPE_FIELDS if name in self.fields]

    @property
    def common_fields(self):
        return [self[name] for name in self.fields if name not in self.TYPE_FIELDS]


# --- built-in types ---------------------------------------------------------------------------------


class TextForm(ContentItemForm):
    FORMSETS = {"blocks": (BlockFormSet, "blocks")}
    TYPE_FIELDS: list[str] = []

    def formset_form_kwargs(self) -> dict:
        return {"asset_choices": _asset_choices(self.course)}

    def build_data(self) -> dict:
        data = dict(self.item.data_json) if self.item is not None and isinstance(self.item.data_json, dict) else {}
        data.setdefault("layout", "rich_text_v1")
        data["blocks"] = self.list_from_formset("blocks", "$.blocks")
        return data


class VideoForm(ContentItemForm):
    provider = forms.ChoiceField(choices=[("youtube", "YouTube"), ("vimeo", "Vimeo"), ("internal", "Internal")])
    video_id = forms.CharField(required=False, label="Video id")
    url = forms.URLField(required=False, assume_scheme="https", label="URL")
    duration_seconds = forms.IntegerField(required=False, min_value=0, label="Duration (seconds)")
    thumbnail_url = forms.URLField(required=False, assume_scheme="https", label="Thumbnail URL")
    asset = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Uploaded file (asset)")
    transcript_language = forms.CharField(required=False, max_length=16, initial="en", label="Transcript language")
    transcript = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "class": "font-monospace"}),
        help_text="Timed segments in SRT or WebVTT: paste a file or edit the cues here.",
    )
    TYPE_FIELDS = ["provider", "video_id", "url", "duration_seconds", "thumbnail_url", "asset",
                   "transcript_language", "transcript"]  # fmt: skip
    PATHS = {"$.provider": "provider", "$.video_id": "video_id", "$.url": "url",
             "$.duration_seconds": "duration_seconds", "$.thumbnail_url": "thumbnail_url", "$.asset_id": "asset",
             "$.transcript": "transcript", "$.transcript.language": "transcript_language"}  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["asset"].choices = _asset_choices(self.course)

    def initial_from_data(self, data: dict) -> dict:
        transcript = data.get("transcript") or {}
        return {
            "provider": data.get("provider"),
            "video_id": data.get("video_id", ""),
            "url": data.get("url", ""),
            "duration_seconds": data.get("duration_seconds"),
            "thumbnail_url": data.get("thumbnail_url", ""),
            "asset": data.get("asset_id"),
            "transcript_language": transcript.get("language", "en"),
            "transcript": to_srt(transcript.get("segments", [])) if transcript.get("segments") else "",
        }

    def clean_transcript(self):
        text = self.cleaned_data.get("transcript", "")
        if not text.strip():
            return None
        try:
            return parse_transcript(text)
        except TranscriptError as exc:
            raise ValidationError(exc.errors) from exc

    def clean(self):
        data = super().clean()
        if not (data.get("video_id") or data.get("url") or data.get("asset")):
            self.add_error("video_id", VIDEO_SOURCE_REQUIRED)
        return data

    def build_data(self) -> dict:
        data = self.cleaned_data
        payload: dict[str, Any] = {"provider": data["provider"]}
        for key in ("video_id", "url", "duration_seconds", "thumbnail_url"):
            if data.get(key) not in (None, ""):
                payload[key] = data[key]
        if data.get("asset"):
            payload["asset_id"] = data["asset"]
        if data.get("transcript"):
            payload["transcript"] = {
                "language": data.get("transcript_language") or "en",
                "segments": data["transcript"],
            }
        return payload


class QuizForm(ContentItemForm):
    question_pool = forms.ModelChoiceField(queryset=QuestionPool.objects.none(), label="Question pool")
    quiz_mode = forms.ChoiceField(choices=[("practice", "Practice"), ("exam", "Exam")], label="Mode")
    num_questions_per_attempt = forms.IntegerField(required=False, min_value=1, label="Questions per attempt")
    randomize_order = forms.BooleanField(required=False, label="Randomize order")
    time_limit_seconds = forms.IntegerField(required=False, min_value=1, label="Time limit (seconds)")
    mastery_points = forms.IntegerField(required=False, min_value=0, label="Mastery points")
    mastery_threshold = forms.IntegerField(required=False, min_value=1, label="Mastery: correct in a row")
    mastery_max_attempts = forms.IntegerField(required=False, min_value=1, label="Max attempts")
    TYPE_FIELDS = ["question_pool", "quiz_mode", "num_questions_per_attempt", "randomize_order",
                   "time_limit_seconds", "mastery_points", "mastery_threshold", "mastery_max_attempts"]  # fmt: skip
    PATHS = {"$.question_pool_id": "question_pool", "$.quiz_mode": "quiz_mode",
             "$.num_questions_per_attempt": "num_questions_per_attempt", "$.randomize_order": "randomize_order",
             "$.time_limit_seconds": "time_limit_seconds", "$.mastery.points": "mastery_points",
             "$.mastery.threshold_correct_in_row": "mastery_threshold",
             "$.mastery.max_attempts": "mastery_max_attempts"}  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["question_pool"].queryset = QuestionPool.objects.filter(course=self.course).order_by("title")

    def initial_from_data(self, data: dict) -> dict:
        mastery = data.get("mastery") or {}
        return {
            "question_pool": data.get("question_pool_id"),
            "quiz_mode": data.get("quiz_mode", "practice"),
            "num_questions_per_attempt": data.get("num_questions_per_attempt"),
            "randomize_order": data.get("randomize_order", False),
            "time_limit_seconds": data.get("time_limit_seconds"),
            "mastery_points": mastery.get("points"),
            "mastery_threshold": mastery.get("threshold_correct_in_row"),
            "mastery_max_attempts": mastery.get("max_attempts"),
        }

    def build_data(self) -> dict:
        data = self.cleaned_data
        payload: dict[str, Any] = {
            "question_pool_id": data["question_pool"].pk,
            "quiz_mode": data["quiz_mode"],
            "randomize_order": bool(data.get("randomize_order")),
        }
        if data.get("num_questions_per_attempt") is not None:
            payload["num_questions_per_attempt"] = data["num_questions_per_attempt"]
        if data.get("time_limit_seconds") is not None:
            payload["time_limit_seconds"] = data["time_limit_seconds"]
        mastery = {
            key: data.get(field)
            for key, field in (("points", "mastery_points"), ("threshold_correct_in_row", "mastery_threshold"),
                               ("max_attempts", "mastery_max_attempts"))
            if data.get(field) is not None
        }  # fmt: skip
        if mastery:
            payload["mastery"] = mastery
        return payload


class EngineeringLabForm(ContentItemForm):
    runtime = forms.ChoiceField(choices=list(LAB_RUNTIME_LABELS.items()))
    container_image = forms.CharField(help_text="e.g. registry.example.edu/labs/python:3.11")
    cpu_limit = forms.CharField(required=False, help_text="e.g. 500m or 1")
    memory_limit = forms.CharField(required=False, help_text="e.g. 512Mi")
    timeout_seconds = forms.IntegerField(required=False, min_value=1)
    entrypoint = forms.CharField(required=False)
    env = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Environment variables",
        help_text="NAME=value per line",
    )
    files = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="path | role per line; role: " + ", ".join(LAB_FILE_ROLES),
    )  # fmt: skip
    grading_type = forms.ChoiceField(choices=[("unit_tests", "Unit tests"), ("manual", "Manual"), ("none", "None")])
    # Bounded like an assignment's points: "1e999" would become float infinity, which JSON cannot hold.
    max_points = forms.DecimalField(required=False, min_value=0, max_digits=8, decimal_places=2)
    pass_mark_percent = forms.DecimalField(
        required=False, min_value=0, max_value=100, max_digits=5, decimal_places=2, help_text="Default 50 %"
    )
    max_attempts = forms.IntegerField(required=False, min_value=1, help_text="Empty: unlimited")
    score_policy = forms.ChoiceField(
        required=False, initial="best", choices=[("best", "Best score counts"), ("latest", "Latest score counts")]
    )
    show_hidden_test_names = forms.BooleanField(required=False, label="Show hidden test names to students")
    TYPE_FIELDS = ["runtime", "container_image", "cpu_limit", "memory_limit", "timeout_seconds", "entrypoint", "env",
                   "files", "grading_type", "max_points", "pass_mark_percent", "max_attempts", "score_policy",
                   "show_hidden_test_names"]  # fmt: skip
    PATHS = {"$.runtime": "runtime", "$.container_image": "container_image", "$.cpu_limit": "cpu_limit",
             "$.memory_limit": "memory_limit", "$.timeout_seconds": "timeout_seconds", "$.entrypoint": "entrypoint",
             "$.env": "env", "$.files": "files", "$.grading": "grading_type", "$.grading.max_points": "max_points",
             "$.lab_type": "runtime", "$.pass_mark_percent": "pass_mark_percent", "$.max_attempts": "max_attempts",
             "$.score_policy": "score_policy", "$.show_hidden_test_names": "show_hidden_test_names"}  # fmt: skip

    def clean_runtime(self) -> str:
        runtime = self.cleaned_data["runtime"]
        supported = list(getattr(settings, "LAB_RUNTIMES", []))
        if runtime not in supported:
            raise ValidationError(
                LAB_RUNTIME_UNSUPPORTED.format(
                    runtime=LAB_RUNTIME_LABELS.get(runtime, runtime),
                    supported=", ".join(LAB_RUNTIME_LABELS.get(name, name) for name in supported) or "none",
                )
            )
        return runtime

    def initial_from_data(self, data: dict) -> dict:
        grading = data.get("grading") or {}
        return {
            "pass_mark_percent": data.get("pass_mark_percent"),
            "max_attempts": data.get("max_attempts"),
            "score_policy": data.get("score_policy", "best"),
            "show_hidden_test_names": data.get("show_hidden_test_names", False),
            "runtime": data.get("runtime"),
            "container_image": data.get("container_image", ""),
            "cpu_limit": data.get("cpu_limit", ""),
            "memory_limit": data.get("memory_limit", ""),
            "timeout_seconds": data.get("timeout_seconds"),
            "entrypoint": data.get("entrypoint", ""),
            "env": "\n".join(f"{k}={v}" for k, v in (data.get("env") or {}).items()),
            "files": "\n".join(f"{f.get('path')} | {f.get('role')}" for f in data.get("files") or []),
            "grading_type": grading.get("type", "unit_tests"),
            "max_points": grading.get("max_points"),
        }

    def clean_env(self) -> dict:
        env = {}
        for number, line in enumerate(_lines(self.cleaned_data.get("env", "")), start=1):
            name, sep, value = line.partition("=")
            if not sep or not name.strip():
                raise ValidationError(ENV_FORMAT.format(line=number))
            env[name.strip()] = value.strip()
        return env

    def clean_files(self) -> list[dict]:
        files = []
        for number, line in enumerate(_lines(self.cleaned_data.get("files", "")), start=1):
            path, sep, role = line.partition("|")
            if not sep or not path.strip() or role.strip() not in LAB_FILE_ROLES:
                raise ValidationError(FILES_FORMAT.format(line=number, roles=", ".join(LAB_FILE_ROLES)))
            files.append({"path": path.strip(), "role": role.strip()})
        return files

    def build_data(self) -> dict:
        data = self.cleaned_data
        payload: dict[str, Any] = {
            "lab_type": "code",
            "runtime": data["runtime"],
            "container_image": data["container_image"],
        }
        for key in ("cpu_limit", "memory_limit", "timeout_seconds", "entrypoint"):
            if data.get(key) not in (None, ""):
                payload[key] = data[key]
        if data.get("env"):
            payload["env"] = data["env"]
        if data.get("files"):
            # the form edits paths and roles; a file's content (starter code, hidden tests) is kept
            existing = {f.get("path"): f for f in ((self.item.data_json or {}).get("files") or [])} if self.item else {}
            payload["files"] = [
                {**file, "content": existing[file["path"]]["content"]}
                if "content" in existing.get(file["path"], {})
                else file
                for file in data["files"]
            ]
        if data.get("pass_mark_percent") is not None:
            payload["pass_mark_percent"] = float(data["pass_mark_percent"])
        if data.get("max_attempts"):
            payload["max_attempts"] = data["max_attempts"]
        payload["score_policy"] = data.get("score_policy") or "best"
        payload["show_hidden_test_names"] = bool(data.get("show_hidden_test_names"))
        grading: dict[str, Any] = {"type": data["grading_type"]}
        if data.get("max_points") is not None:
            grading["max_points"] = float(data["max_points"])
        payload["grading"] = grading
        return payload


class AssignmentForm(ContentItemForm):
    due_at = forms.DateTimeField(required=False, label="Due date (absolute)", help_text="YYYY-MM-DD HH:MM (UTC)")
    due_offset_days = forms.IntegerField(required=False, min_value=0, label="…or due days after the offering starts")
    max_points = forms.DecimalField(min_value=0, max_digits=8, decimal_places=2)
    submission_types = forms.MultipleChoiceField(
        choices=[("file_upload", "File upload"), ("text_entry", "Text entry"), ("url", "URL")],
        widget=forms.CheckboxSelectMultiple,
    )
    allowed_file_types = forms.CharField(required=False, help_text="Comma-separated, e.g. .pdf, .zip")
    accept_late = forms.BooleanField(required=False, label="Accept late submissions")
    penalty_percent_per_day = forms.DecimalField(required=False, min_value=0, max_value=100)
    max_late_days = forms.IntegerField(required=False, min_value=0)
    FORMSETS = {"instructions": (BlockFormSet, "instructions")}
    TYPE_FIELDS = ["due_at", "due_offset_days", "max_points", "submission_types", "allowed_file_types", "accept_late",
                   "penalty_percent_per_day", "max_late_days"]  # fmt: skip
    PATHS = {"$.due_at": "due_at", "$.due_offset_days": "due_offset_days", "$.max_points": "max_points",
             "$.submission_types": "submission_types", "$.allowed_file_types": "allowed_file_types",
             "$.late_policy": "accept_late", "$.late_policy.penalty_percent_per_day": "penalty_percent_per_day",
             "$.late_policy.max_late_days": "max_late_days"}  # fmt: skip

    def formset_form_kwargs(self) -> dict:
        return {"asset_choices": _asset_choices(self.course)}

    def initial_from_data(self, data: dict) -> dict:
        late = data.get("late_policy") or {}
        return {
            "due_at": data.get("due_at"),
            "due_offset_days": data.get("due_offset_days"),
            "max_points": data.get("max_points"),
            "submission_types": data.get("submission_types", []),
            "allowed_file_types": ", ".join(data.get("allowed_file_types", [])),
            "accept_late": late.get("accept_late", False),
            "penalty_percent_per_day": late.get("penalty_percent_per_day"),
            "max_late_days": late.get("max_late_days"),
        }

    def clean(self):
        data = super().clean()
        if (data.get("due_at") is None) == (data.get("due_offset_days") is None):
            self.add_error("due_at", DUE_EXACTLY_ONE)
        return data

    def build_data(self) -> dict:
        data = self.cleaned_data
        payload: dict[str, Any] = {
            "instructions": self.list_from_formset("instructions", "$.instructions"),
            "max_points": float(data["max_points"]),
            "submission_types": list(data["submission_types"]),
        }
        if data.get("due_at") is not None:
            payload["due_at"] = data["due_at"].isoformat().replace("+00:00", "Z")
        if data.get("due_offset_days") is not None:
            payload["due_offset_days"] = data["due_offset_days"]
        types = [t.strip() for t in (data.get("allowed_file_types") or "").split(",") if t.strip()]
        if types:
            payload["allowed_file_types"] = types
        late: dict[str, Any] = {"accept_late": bool(data.get("accept_late"))}
        if data.get("penalty_percent_per_day") is not None:
            late["penalty_percent_per_day"] = float(data["penalty_percent_per_day"])
        if data.get("max_late_days") is not None:
            late["max_late_days"] = data["max_late_days"]
        payload["late_policy"] = late
        return payload


class ResourceForm(ContentItemForm):
    FORMSETS = {"resources": (ResourceFormSet, "resources")}

    def formset_initial(self, key: str, data: dict) -> list[dict]:
        return [{"label": r.get("label"), "url": r.get("url"), "kind": r.get("kind")} for r in data.get(key, [])]

    def build_data(self) -> dict:
        return {"resources": self.list_from_formset("resources", "$.resources")}


# --- admin-added types ---------------------------------------------------------------------------------


class GenericSchemaForm(ContentItemForm):
    """Fields from the type's JSON Schema ``properties``: scalars get typed inputs, enums a select, lists of
    scalars one value per line, anything nested a JSON textarea for that property only."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        schema = self.content_type.json_schema or {}
        # A stored schema an admin broke (or wrote before the admin checked it) gives no type fields and a
        # form error, never a 500.
        self.schema_error = schema_problem(schema)
        if self.schema_error is not None:
            schema = {}
        required = set(schema.get("required", []))
        self.TYPE_FIELDS = []
        self.PATHS = {}
        self._kinds: dict[str, str] = {}
        data = (self.item.data_json if self.item is not None else None) or {}
        for name, spec in (schema.get("properties") or {}).items():
            field_name = f"f_{name}"
            spec = spec if isinstance(spec, dict) else {}  # ``true`` / ``false`` are schemas too
            field, kind = self._field_for(spec, name in required)
            field.label = spec.get("title") or name.replace("_", " ").capitalize()
            field.help_text = spec.get("description", "")
            self.fields[field_name] = field
            self._kinds[field_name] = kind
            self.TYPE_FIELDS.append(field_name)
            self.PATHS[f"$.{name}"] = field_name
            if name in data and not self.is_bound:
                value = data[name]
                if kind == "lines":
                    value = "\n".join(str(v) for v in value)
                elif kind == "json":
                    value = json.dumps(value, indent=2)
                self.initial[field_name] = value

    @staticmethod
    def _field_for(spec: dict, required: bool):
        types = spec.get("type")
        types = types if isinstance(types, list) else [types]
        if "enum" in spec:
            choices = [("", "—")] if not required else []
            return forms.ChoiceField(
                choices=choices + [(str(v), str(v)) for v in spec["enum"]], required=required
            ), "enum"
        if "boolean" in types:
            return forms.BooleanField(required=False), "boolean"
        if "integer" in types:
            return forms.IntegerField(
                required=required, min_value=spec.get("minimum"), max_value=spec.get("maximum")
            ), "integer"
        if "number" in types:
            return forms.FloatField(
                required=required, min_value=spec.get("minimum"), max_value=spec.get("maximum")
            ), "number"
        if "string" in types:
            widget = forms.Textarea(attrs={"rows": 3}) if (spec.get("maxLength") or 1000) > 255 else None
            return forms.CharField(required=required, widget=widget, max_length=spec.get("maxLength")), "string"
        items = spec.get("items") if isinstance(spec.get("items"), dict) else {}
        if "array" in types and items.get("type") in ("string", "integer", "number"):
            return forms.CharField(
                required=required, widget=forms.Textarea(attrs={"rows": 3}), help_text="One per line"
            ), "lines"
        return forms.CharField(
            required=required, widget=forms.Textarea(attrs={"rows": 4, "class": "font-monospace"})
        ), "json"

    def clean(self):
        data = super().clean()
        if self.schema_error is not None:
            raise ValidationError(SCHEMA_INVALID.format(error=self.schema_error))
        for field_name, kind in self._kinds.items():
            if kind == "json" and data.get(field_name):
                try:
                    data[field_name] = parse_json(data[field_name])
                except JsonInputError as exc:
                    self.add_error(field_name, JSON_INVALID.format(error=exc.message))
        return data

    def build_data(self) -> dict:
        payload: dict[str, Any] = {}
        for name, spec in (self.content_type.json_schema.get("properties") or {}).items():
            field_name = f"f_{name}"
            value = self.cleaned_data.get(field_name)
            kind = self._kinds[field_name]
            if kind == "boolean":
                payload[name] = bool(value)
            elif value in (None, ""):
                continue
            elif kind == "enum":
                match = [v for v in spec["enum"] if str(v) == value]
                payload[name] = match[0] if match else value
            elif kind == "lines":
                item_type = spec["items"]["type"]
                values = _lines(value)
                try:
                    payload[name] = [
                        int(v) if item_type == "integer" else float(v) if item_type == "number" else v for v in values
                    ]
                except ValueError:
                    payload[name] = values  # the schema reports the type error on this field
            else:
                payload[name] = value
        return payload


CONTENT_FORMS: dict[str, type[ContentItemForm]] = {
    "text": TextForm,
    "video": VideoForm,
    "quiz": QuizForm,
    "engineering_lab": EngineeringLabForm,
    "assignment": AssignmentForm,
    "resource": ResourceForm,
}


def content_form_class(content_type: ContentType) -> type[ContentItemForm]:
    """The editor of a type: the built-in form for the six built-ins, else the schema-driven one."""
    if content_type.is_builtin and content_type.name in CONTENT_FORMS:
        return CONTENT_FORMS[content_type.name]
    return CONTENT_FORMS.get(content_type.name, GenericSchemaForm)
