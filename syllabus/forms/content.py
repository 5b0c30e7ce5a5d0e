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
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms import formset_factory

from lms.json_input import JsonInputError, parse_json
from lms.numbers import plain_number
from prompts.models import LABEL_MAX_LENGTH
from syllabus.assets import assets_for_university
from syllabus.content_schemas import SCHEMA_INVALID, schema_problem
from syllabus.mathml import latex_error
from syllabus.models import ContentItem, ContentType, QuestionPool
from syllabus.transcripts import TranscriptError, parse_transcript, to_srt

FIELD_REQUIRED = "This field is required."
LINKS_FORMAT = "One link per line: “Label | https://…”. Line {line} is not like that."
ENV_FORMAT = "One variable per line: “NAME=value”. Line {line} is not like that."
RUBRIC_FORMAT = "Line {line}: write “Criterion | Level = points | Level = points …” (a title and at least one level)."
RUBRIC_POINTS = "Line {line}: “{level}” is not “Level title = points” with points a number from 0."
RUBRIC_OVER_MAX = "The rubric's best levels add up to {total} points, more than the assignment's {max}."
RUBRIC_TOO_MANY = "A rubric has at most {criteria} criteria of at most {levels} levels each."
RUBRIC_TITLE_TOO_LONG = "Line {line}: a criterion or level title has at most {max} characters."
RUBRIC_MAX_CRITERIA = 30
RUBRIC_MAX_LEVELS = 10
RUBRIC_TITLE_MAX = 200
AVAILABLE_AFTER_DUE = "The assignment must open before it is due."
VIDEO_SOURCE_REQUIRED = "Give a video id, a URL or an uploaded asset."
DUE_EXACTLY_ONE = "Give either a due date or a number of days after the start, not both and not neither."
JSON_INVALID = "{error}"  # lms.json_input says what is wrong: not JSON, too deep, too large
PROMPT_DEFAULT = "— default tutor prompt —"
PROMPT_LABEL_UNKNOWN = "The prompt “{name}” has no version labelled “{label}”."
PROMPT_LABEL_WITHOUT_NAME = "Choose a tutor prompt before a label (without one, the default prompt's production)."

BLOCK_KINDS = [("paragraph", "Paragraph"), ("math", "Math (LaTeX)"), ("image", "Image"), ("link_list", "Link list")]
LAB_FILE_ROLES = ["student_visible", "hidden_test", "read_only", "solution"]
LAB_FILE_ROLE_LABELS = {
    "student_visible": "Starter file (students download and edit it)",
    "hidden_test": "Hidden test (never leaves the server)",
    "read_only": "Read-only file (given to students and to the run)",
    "solution": "Solution (staff only)",
}
LAB_PATH_MAX = 255
LAB_MAX_FILES = 30
LAB_FILE_MAX_CHARS = 262_144  # the schema's maxLength of a file's content
LAB_FILES_MAX_TOTAL_CHARS = 1_048_576
LAB_FILE_PATH_INVALID = (
    "“{path}” is not a safe file path: use a relative path inside the lab (like src/main.py), without “..”, "
    "a leading “/”, backslashes or empty parts, at most 8 levels."
)
LAB_FILE_DUPLICATE = "Two files are named “{path}”."
LAB_FILE_TOO_LARGE = "A file can hold at most {size} KiB of text."
LAB_FILES_TOO_LARGE = "The lab's files can hold at most {size} KiB of text together."
LAB_TOO_MANY_FILES = "A lab has at most {count} files."
LAB_RUNTIME_LABELS = {"python": "Python 3", "python-datascience": "Python (data science, NumPy)", "matlab": "MATLAB"}
LAB_RUNTIME_UNSUPPORTED = (
    "This server cannot run “{runtime}” labs; it runs: {supported}. Other runtimes need a container engine "
    "(see docs/labs.md)."
)


def _iso(value) -> str:
    return value.isoformat().replace("+00:00", "Z")


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


def lab_file_path(path: str) -> str:
    """A lab file's path, normalised: relative, inside the lab's work directory (no ``..``, no absolute path, no
    backslash or NUL, at most 8 levels, 255 characters). ValidationError otherwise. The sandbox checks again
    when it writes the files (``learning.assessments.sandbox.safe_relative_path``)."""
    path = (path or "").strip()
    parts = path.split("/")
    if (
        not path or len(path) > LAB_PATH_MAX or "\x00" in path or "\\" in path or path.startswith("/")
        or any(part in ("", ".", "..") for part in parts) or len(parts) > 8
        or any(ord(ch) < 32 for ch in path)
    ):  # fmt: skip
        raise ValidationError(LAB_FILE_PATH_INVALID.format(path=path[:80]))
    return path


class LabFileForm(forms.Form):
    """One file of a lab: its path, role and text (starter code, read-only data, hidden tests, solution)."""

    path = forms.CharField(max_length=LAB_PATH_MAX, label="File path", help_text="e.g. src/solver.py")
    # The initial is what the select shows first, so an untouched extra row counts as unchanged (ignored).
    role = forms.ChoiceField(
        choices=[(r, LAB_FILE_ROLE_LABELS[r]) for r in LAB_FILE_ROLES], initial="student_visible", label="Role"
    )
    content = forms.CharField(
        required=False, strip=False, label="Content",
        widget=forms.Textarea(attrs={"rows": 8, "class": "font-monospace", "spellcheck": "false"}),
    )  # fmt: skip
    SUBPATHS = {"path": "path", "role": "role", "content": "content"}

    def clean_path(self) -> str:
        return lab_file_path(self.cleaned_data.get("path", ""))

    def clean_content(self) -> str:
        content = (self.cleaned_data.get("content") or "").replace("\r\n", "\n")  # browsers post CRLF
        if len(content) > LAB_FILE_MAX_CHARS:
            raise ValidationError(LAB_FILE_TOO_LARGE.format(size=LAB_FILE_MAX_CHARS // 1024))
        return content


class BaseLabFileFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        seen: set[str] = set()
        total = count = 0
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE") or not form.has_changed() and (
                form not in self.initial_forms
            ):  # fmt: skip
                continue
            path = form.cleaned_data["path"]
            if path in seen:
                form.add_error("path", LAB_FILE_DUPLICATE.format(path=path))
            seen.add(path)
            count += 1
            total += len(form.cleaned_data.get("content") or "")
        if count > LAB_MAX_FILES:
            raise ValidationError(LAB_TOO_MANY_FILES.format(count=LAB_MAX_FILES))
        if total > LAB_FILES_MAX_TOTAL_CHARS:
            raise ValidationError(LAB_FILES_TOO_LARGE.format(size=LAB_FILES_MAX_TOTAL_CHARS // 1024))


BlockFormSet = formset_factory(BlockForm, extra=1, can_order=True, can_delete=True)
ResourceFormSet = formset_factory(ResourceLinkForm, extra=1, can_order=True, can_delete=True)
LabFileFormSet = formset_factory(LabFileForm, formset=BaseLabFileFormSet, extra=1, can_delete=True)


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

    # Top-level payload keys this form builds; every other key of the stored payload is kept on save
    # (``keep_unmanaged``), so options a newer feature added survive an editor that does not show them.
    MANAGED_KEYS: frozenset[str] = frozenset()
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

    def stored_data(self) -> dict:
        data = self.item.data_json if self.item is not None else None
        return dict(data) if isinstance(data, dict) else {}

    def managed_keys(self) -> frozenset[str]:
        return self.MANAGED_KEYS

    def keep_unmanaged(self, payload: dict) -> dict:
        """``payload`` over the stored payload's keys this form does not manage."""
        managed = self.managed_keys()
        return {**{k: v for k, v in self.stored_data().items() if k not in managed}, **payload}

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
        if formset.can_order:
            forms_in_order = formset.ordered_forms
        else:
            forms_in_order = [form for form in formset.forms if not formset._should_delete_form(form)]
        for form in forms_in_order:
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
    pass_mark_percent = forms.DecimalField(
        required=False, min_value=0, max_value=100, max_digits=5, decimal_places=2, label="Pass mark (%)",
        help_text="Default 50 %",
    )  # fmt: skip
    review = forms.ChoiceField(
        required=False, initial="immediately", label="Exam review",
        choices=[("immediately", "Answers shown after submitting"), ("after_due", "After the due date"),
                 ("never", "Never")],
    )  # fmt: skip
    TYPE_FIELDS = ["question_pool", "quiz_mode", "num_questions_per_attempt", "randomize_order",
                   "time_limit_seconds", "mastery_points", "mastery_threshold", "mastery_max_attempts",
                   "pass_mark_percent", "review"]  # fmt: skip
    MANAGED_KEYS = frozenset({"question_pool_id", "quiz_mode", "num_questions_per_attempt", "randomize_order",
                              "time_limit_seconds", "mastery", "pass_mark_percent", "review"})  # fmt: skip
    PATHS = {"$.question_pool_id": "question_pool", "$.quiz_mode": "quiz_mode",
             "$.num_questions_per_attempt": "num_questions_per_attempt", "$.randomize_order": "randomize_order",
             "$.time_limit_seconds": "time_limit_seconds", "$.mastery.points": "mastery_points",
             "$.mastery.threshold_correct_in_row": "mastery_threshold",
             "$.mastery.max_attempts": "mastery_max_attempts", "$.pass_mark_percent": "pass_mark_percent",
             "$.review": "review"}  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["question_pool"].queryset = QuestionPool.objects.filter(course=self.course).order_by("title")

    def managed_keys(self) -> frozenset[str]:
        # an editor page from before these fields (they are not in the POST at all) keeps the stored values
        return self.MANAGED_KEYS - {key for key in ("pass_mark_percent", "review") if key not in self.data}

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
            "pass_mark_percent": data.get("pass_mark_percent"),
            "review": data.get("review", "immediately"),
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
        if data.get("pass_mark_percent") is not None:
            payload["pass_mark_percent"] = float(data["pass_mark_percent"])
        if data.get("review"):
            payload["review"] = data["review"]
        return self.keep_unmanaged(payload)


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
    FORMSETS = {"files": (LabFileFormSet, "files")}
    MANAGED_KEYS = frozenset({"lab_type", "runtime", "container_image", "cpu_limit", "memory_limit", "timeout_seconds",
                              "entrypoint", "env", "files", "grading", "pass_mark_percent", "max_attempts",
                              "score_policy", "show_hidden_test_names"})  # fmt: skip
    TYPE_FIELDS = ["runtime", "container_image", "cpu_limit", "memory_limit", "timeout_seconds", "entrypoint", "env",
                   "grading_type", "max_points", "pass_mark_percent", "max_attempts", "score_policy",
                   "show_hidden_test_names"]  # fmt: skip
    PATHS = {"$.runtime": "runtime", "$.container_image": "container_image", "$.cpu_limit": "cpu_limit",
             "$.memory_limit": "memory_limit", "$.timeout_seconds": "timeout_seconds", "$.entrypoint": "entrypoint",
             "$.env": "env", "$.grading": "grading_type", "$.grading.max_points": "max_points",
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound and "files-TOTAL_FORMS" not in self.data:
            # a POST without the files (an older editor page, a script): the stored files are kept as they are
            self.formsets.pop("files")

    def managed_keys(self) -> frozenset[str]:
        return self.MANAGED_KEYS if "files" in self.formsets else self.MANAGED_KEYS - {"files"}

    def formset_initial(self, key: str, data: dict) -> list[dict]:
        return [
            {"path": f.get("path", ""), "role": f.get("role", "student_visible"), "content": f.get("content", "")}
            for f in data.get(key) or []
            if isinstance(f, dict)
        ]

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
        files = self.list_from_formset("files", "$.files") if "files" in self.formsets else []
        if files:
            payload["files"] = files
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
        return self.keep_unmanaged(payload)


def parse_rubric(text: str, *, max_points=None) -> dict | None:
    """The rubric textarea: one criterion per line, ``Criterion | Level = points | Level = points …``.
    None for an empty text; ValidationError naming the line for anything else that is not like that, and
    when the best levels add up to more than ``max_points`` (the grader could not give full marks)."""
    criteria = []
    lines = _lines(text)
    if len(lines) > RUBRIC_MAX_CRITERIA:
        raise ValidationError(RUBRIC_TOO_MANY.format(criteria=RUBRIC_MAX_CRITERIA, levels=RUBRIC_MAX_LEVELS))
    for number, line in enumerate(lines, start=1):
        title, *levels = (part.strip() for part in line.split("|"))
        if not title or not levels or not all(levels):
            raise ValidationError(RUBRIC_FORMAT.format(line=number))
        if len(levels) > RUBRIC_MAX_LEVELS:
            raise ValidationError(RUBRIC_TOO_MANY.format(criteria=RUBRIC_MAX_CRITERIA, levels=RUBRIC_MAX_LEVELS))
        parsed = []
        for level in levels:
            name, sep, points = level.rpartition("=")
            try:
                value = Decimal(points.strip())
            except InvalidOperation:
                value = None
            if not sep or not name.strip() or value is None or not value.is_finite() or value < 0 or value > 10**6:
                raise ValidationError(RUBRIC_POINTS.format(line=number, level=level))
            parsed.append({"title": name.strip(), "points": int(value) if value == int(value) else float(value)})
        if max(len(title), *(len(level["title"]) for level in parsed)) > RUBRIC_TITLE_MAX:
            raise ValidationError(RUBRIC_TITLE_TOO_LONG.format(line=number, max=RUBRIC_TITLE_MAX))
        criteria.append({"title": title, "levels": parsed})
    if not criteria:
        return None
    best = sum(max(Decimal(str(level["points"])) for level in c["levels"]) for c in criteria)
    if max_points is not None and best > max_points:
        raise ValidationError(RUBRIC_OVER_MAX.format(total=plain_number(best), max=plain_number(max_points)))
    return {"criteria": criteria}


def rubric_text(rubric: dict | None) -> str:
    return "\n".join(
        " | ".join([str(c.get("title", ""))] + [f"{lv.get('title', '')} = {plain_number(lv.get('points', 0))}"
                                                 for lv in c.get("levels") or []])
        for c in (rubric or {}).get("criteria") or []
        if isinstance(c, dict)
    )  # fmt: skip


class AssignmentForm(ContentItemForm):
    """The assignment's payload (docs/assignments.md): dates, points, submission types, the late policy, the
    grading options and the rubric (a structured textarea, see ``parse_rubric``). The hidden
    ``assignment_options`` marker tells a page with these fields from an older editor page without them:
    only with the marker are the options rebuilt from the POST; without it the stored options are kept."""

    due_at = forms.DateTimeField(required=False, label="Due date (absolute)", help_text="YYYY-MM-DD HH:MM (UTC)")
    due_offset_days = forms.IntegerField(required=False, min_value=0, label="…or due days after the offering starts")
    available_from = forms.DateTimeField(
        required=False, label="Available from", help_text="YYYY-MM-DD HH:MM (UTC); empty: open now"
    )
    max_points = forms.DecimalField(min_value=0, max_digits=8, decimal_places=2)
    submission_types = forms.MultipleChoiceField(
        choices=[("file_upload", "File upload"), ("text_entry", "Text entry"), ("url", "URL")],
        widget=forms.CheckboxSelectMultiple,
    )
    allowed_file_types = forms.CharField(required=False, help_text="Comma-separated, e.g. .pdf, .zip")
    allow_resubmission = forms.BooleanField(required=False, label="Allow resubmission until the cut-off")
    accept_late = forms.BooleanField(required=False, label="Accept late submissions")
    penalty_percent_per_day = forms.DecimalField(
        required=False, min_value=0, max_value=100, max_digits=5, decimal_places=2, label="Late deduction (%)",
        help_text="Of the points, per started interval late",
    )  # fmt: skip
    penalty_interval = forms.ChoiceField(
        choices=[("day", "per day late"), ("hour", "per hour late")], initial="day", label="Deduction interval"
    )
    max_late_days = forms.IntegerField(required=False, min_value=0, help_text="Cut-off = due + this many days")
    floor_percent = forms.DecimalField(
        required=False, min_value=0, max_value=100, max_digits=5, decimal_places=2, label="Late floor (%)",
        help_text="The deduction never takes a grade below this share of the points",
    )  # fmt: skip
    missing_score_percent = forms.DecimalField(
        required=False, min_value=0, max_value=100, max_digits=5, decimal_places=2, label="Missing score (%)",
        help_text="Given after the cut-off to a student with nothing handed in; empty: none",
    )  # fmt: skip
    completion = forms.ChoiceField(
        choices=[("graded", "When a grade is posted"), ("submitted", "When submitted")], initial="graded",
        label="The item completes",
    )  # fmt: skip
    grade_posting = forms.ChoiceField(
        choices=[("automatic", "Automatically, when saved"), ("manual", "Manually, by a grader")],
        initial="automatic", label="Grades are posted",
    )  # fmt: skip
    anonymous_grading = forms.BooleanField(required=False, label="Anonymous grading (no names until posted)")
    rubric = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "class": "font-monospace"}),
        help_text="One criterion per line: “Criterion | Level = points | Level = points …”, e.g. "
        "“Working shown | Missing = 0 | Partial = 10 | Complete = 20”. Empty: a plain score.",
    )
    assignment_options = forms.CharField(required=False, widget=forms.HiddenInput, initial="1")
    FORMSETS = {"instructions": (BlockFormSet, "instructions")}
    TYPE_FIELDS = ["due_at", "due_offset_days", "available_from", "max_points", "submission_types",
                   "allowed_file_types", "allow_resubmission", "accept_late", "penalty_percent_per_day",
                   "penalty_interval", "max_late_days", "floor_percent", "missing_score_percent", "completion",
                   "grade_posting", "anonymous_grading", "rubric", "assignment_options"]  # fmt: skip
    PATHS = {"$.due_at": "due_at", "$.due_offset_days": "due_offset_days", "$.max_points": "max_points",
             "$.submission_types": "submission_types", "$.allowed_file_types": "allowed_file_types",
             "$.late_policy": "accept_late", "$.late_policy.penalty_percent_per_day": "penalty_percent_per_day",
             "$.late_policy.penalty_percent_per_hour": "penalty_percent_per_day",
             "$.late_policy.max_late_days": "max_late_days", "$.late_policy.floor_percent": "floor_percent",
             "$.late_policy.missing_score_percent": "missing_score_percent", "$.available_from": "available_from",
             "$.allow_resubmission": "allow_resubmission", "$.completion": "completion",
             "$.grade_posting": "grade_posting", "$.anonymous_grading": "anonymous_grading",
             "$.rubric": "rubric"}  # fmt: skip
    BASE_KEYS = frozenset({"instructions", "due_at", "due_offset_days", "max_points", "submission_types",
                           "allowed_file_types", "late_policy"})  # fmt: skip
    OPTION_KEYS = frozenset({"available_from", "allow_resubmission", "completion", "grade_posting",
                             "anonymous_grading", "rubric"})  # fmt: skip
    LATE_OPTION_KEYS = ("floor_percent", "missing_score_percent", "penalty_percent_per_hour")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound and "assignment_options" not in self.data:
            # an editor page from before the options: they are kept as stored, not read from the POST
            for name in (
                "available_from",
                "allow_resubmission",
                "floor_percent",
                "missing_score_percent",
                "completion",
                "grade_posting",
                "anonymous_grading",
                "rubric",
                "penalty_interval",
            ):
                self.fields[name].required = False  # fmt: skip

    @property
    def has_options(self) -> bool:
        return not self.is_bound or "assignment_options" in self.data

    def managed_keys(self) -> frozenset[str]:
        return self.BASE_KEYS | self.OPTION_KEYS if self.has_options else self.BASE_KEYS

    def formset_form_kwargs(self) -> dict:
        return {"asset_choices": _asset_choices(self.course)}

    def initial_from_data(self, data: dict) -> dict:
        late = data.get("late_policy") or {}
        per_hour = late.get("penalty_percent_per_hour")
        return {
            "due_at": data.get("due_at"),
            "due_offset_days": data.get("due_offset_days"),
            "available_from": data.get("available_from"),
            "max_points": data.get("max_points"),
            "submission_types": data.get("submission_types", []),
            "allowed_file_types": ", ".join(data.get("allowed_file_types", [])),
            "allow_resubmission": data.get("allow_resubmission", False),
            "accept_late": late.get("accept_late", False),
            "penalty_percent_per_day": per_hour if per_hour is not None else late.get("penalty_percent_per_day"),
            "penalty_interval": "hour" if per_hour is not None else "day",
            "max_late_days": late.get("max_late_days"),
            "floor_percent": late.get("floor_percent"),
            "missing_score_percent": late.get("missing_score_percent"),
            "completion": data.get("completion", "graded"),
            "grade_posting": data.get("grade_posting", "automatic"),
            "anonymous_grading": data.get("anonymous_grading", False),
            "rubric": rubric_text(data.get("rubric")),
        }

    def clean(self):
        data = super().clean()
        if (data.get("due_at") is None) == (data.get("due_offset_days") is None):
            self.add_error("due_at", DUE_EXACTLY_ONE)
        if self.has_options:
            opens, due = data.get("available_from"), data.get("due_at")
            if opens is not None and due is not None and opens >= due:
                self.add_error("available_from", AVAILABLE_AFTER_DUE)
            if "rubric" not in self.errors and "max_points" not in self.errors:
                try:
                    data["rubric"] = parse_rubric(data.get("rubric") or "", max_points=data.get("max_points"))
                except ValidationError as error:
                    self.add_error("rubric", error)
        return data

    def build_data(self) -> dict:
        data = self.cleaned_data
        payload: dict[str, Any] = {
            "instructions": self.list_from_formset("instructions", "$.instructions"),
            "max_points": float(data["max_points"]),
            "submission_types": list(data["submission_types"]),
        }
        if data.get("due_at") is not None:
            payload["due_at"] = _iso(data["due_at"])
        if data.get("due_offset_days") is not None:
            payload["due_offset_days"] = data["due_offset_days"]
        types = [t.strip() for t in (data.get("allowed_file_types") or "").split(",") if t.strip()]
        if types:
            payload["allowed_file_types"] = types
        late: dict[str, Any] = {"accept_late": bool(data.get("accept_late"))}
        deduction = data.get("penalty_percent_per_day")
        if self.has_options:
            if deduction is not None:
                key = (
                    "penalty_percent_per_hour" if data.get("penalty_interval") == "hour" else "penalty_percent_per_day"
                )
                late[key] = float(deduction)
            for key in ("floor_percent", "missing_score_percent"):
                if data.get(key) is not None:
                    late[key] = float(data[key])
            if data.get("available_from") is not None:
                payload["available_from"] = _iso(data["available_from"])
            payload["allow_resubmission"] = bool(data.get("allow_resubmission"))
            payload["completion"] = data.get("completion") or "graded"
            payload["grade_posting"] = data.get("grade_posting") or "automatic"
            payload["anonymous_grading"] = bool(data.get("anonymous_grading"))
            if data.get("rubric"):
                payload["rubric"] = data["rubric"]
        else:  # an older editor page: its three late fields over the stored policy's others
            stored = self.stored_data().get("late_policy") or {}
            late.update({key: stored[key] for key in self.LATE_OPTION_KEYS if key in stored})
            if deduction is not None:
                late.pop("penalty_percent_per_hour", None)
                late["penalty_percent_per_day"] = float(deduction)
        if data.get("max_late_days") is not None:
            late["max_late_days"] = data["max_late_days"]
        payload["late_policy"] = late
        return self.keep_unmanaged(payload)


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
