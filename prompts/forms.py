"""Forms of the prompt admin: they shape input; the rules live in ``prompts.services``."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from lms.json_input import NOT_JSON, JsonInputError, parse_json
from prompts import permissions
from prompts.models import COMMIT_MESSAGE_MAX_LENGTH, LABEL_MAX_LENGTH, NAME_MAX_LENGTH, PromptApiKey, PromptType
from prompts.services import API_KEY_FLAG_DENIED, NOT_FINITE, NUL_CHARACTER, unstorable

INVALID_JSON = "Enter valid JSON."
CONFIG_FIELD = "Config"
CHAT_NEEDS_MESSAGES = "A chat prompt needs at least one message."
TEXT_REQUIRED = "A text prompt needs some text."
MESSAGE_NEEDS_ROLE = "A message needs a role."
PLACEHOLDER_NEEDS_NAME = "A placeholder needs a name."
PLACEHOLDER_VALUE_INVALID = 'Give a JSON list of messages, e.g. [{"role": "user", "content": "Hi"}].'
SAME_VERSION = "Choose two different versions."


def split_list(value: str) -> list[str]:
    return [item.strip() for item in value.replace("\n", ",").split(",") if item.strip()]


class NewVersionForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX_LENGTH, help_text="Use '/' for folders, e.g. tutor/system.")
    type = forms.ChoiceField(choices=PromptType.choices, initial=PromptType.TEXT)
    text = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 10, "cols": 100}),
        help_text="For text prompts. {{variable}} placeholders; @@@langfusePrompt:name=X|label=Y@@@ references.",
    )
    labels = forms.CharField(required=False, help_text="Comma-separated, e.g. production, staging. 'latest' is added.")
    tags = forms.CharField(required=False, help_text="Comma-separated. Leave empty to keep the prompt's tags.")
    config = forms.CharField(
        required=False, initial="{}", widget=forms.Textarea(attrs={"rows": 4, "cols": 100}), help_text="Any JSON."
    )
    commit_message = forms.CharField(required=False, max_length=COMMIT_MESSAGE_MAX_LENGTH)

    def clean_labels(self) -> list[str]:
        return split_list(self.cleaned_data["labels"])

    def clean_tags(self) -> list[str] | None:
        tags = split_list(self.cleaned_data["tags"])
        return tags or None

    def clean_config(self) -> Any:
        raw = self.cleaned_data["config"].strip()
        if not raw:
            return {}
        try:
            # NaN and Infinity are not JSON, and PostgreSQL's JSONB refuses them.
            value = parse_json(raw, parse_constant=_refuse_constant)
        except JsonInputError as error:
            raise ValidationError(INVALID_JSON if error.message == NOT_JSON else error.message)
        except ValueError:  # NaN / Infinity
            raise ValidationError(INVALID_JSON)
        problem = unstorable(value)
        if problem:
            raise ValidationError((NUL_CHARACTER if problem == "nul" else NOT_FINITE).format(field=CONFIG_FIELD))
        return value


def _refuse_constant(constant: str) -> Any:
    raise ValueError(f"{constant} is not valid JSON")


class PromptListFilterForm(forms.Form):
    """Search and filters of the grouped prompt list (the list_filter and date drill-down of this admin)."""

    q = forms.CharField(required=False, label="Search names")
    label = forms.ChoiceField(required=False)
    tag = forms.ChoiceField(required=False)
    type = forms.ChoiceField(required=False, choices=[("", "Any type"), *PromptType.choices])
    updated_since = forms.DateField(
        required=False, label="Changed since", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args: Any, labels: list[str], tags: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["label"].choices = [("", "Any label"), *((label, label) for label in labels)]
        self.fields["tag"].choices = [("", "Any tag"), *((tag, tag) for tag in tags)]

    def filters(self) -> dict[str, Any]:
        """The selector's keyword arguments: empty fields are no filter."""
        data = self.cleaned_data
        since = data.get("updated_since")
        return {
            "search": data.get("q", "").strip() or None,
            "label": data.get("label") or None,
            "tag": data.get("tag") or None,
            "type": data.get("type") or None,
            "updated_since": (timezone.make_aware(datetime.combine(since, time.min)) if since is not None else None),
        }


class ChatMessageForm(forms.Form):
    KIND_CHOICES = [("message", "Message"), ("placeholder", "Placeholder")]

    kind = forms.ChoiceField(choices=KIND_CHOICES, initial="message", required=False)
    role = forms.CharField(required=False, max_length=100, widget=forms.TextInput(attrs={"size": 10}))
    content = forms.CharField(required=False, strip=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 80}))
    placeholder = forms.CharField(required=False, max_length=100, label="Placeholder name")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if (
            self.has_changed()
            and data.get("kind") != "placeholder"
            and (data.get("content") or "").strip()
            and not data.get("role")
        ):
            self.add_error("role", MESSAGE_NEEDS_ROLE)
        if data.get("kind") == "placeholder" and self.has_changed() and not data.get("placeholder"):
            self.add_error("placeholder", PLACEHOLDER_NEEDS_NAME)
        return data

    def entry(self) -> dict[str, str] | None:
        data = self.cleaned_data
        if data.get("kind") == "placeholder":
            return {"type": "placeholder", "name": data["placeholder"]} if data.get("placeholder") else None
        if data.get("role") or data.get("content"):
            return {"role": data.get("role", ""), "content": data.get("content", "")}
        return None


ChatMessageFormSet = forms.formset_factory(ChatMessageForm, extra=3)


class LabelForm(forms.Form):
    version = forms.IntegerField(min_value=1)
    label = forms.CharField(max_length=LABEL_MAX_LENGTH)
    action = forms.ChoiceField(choices=[("add", "Add"), ("remove", "Remove")])


class TagsForm(forms.Form):
    tags = forms.CharField(required=False, help_text="Comma-separated; shared by every version.")

    def clean_tags(self) -> list[str]:
        return split_list(self.cleaned_data["tags"])


class DiffForm(forms.Form):
    a = forms.TypedChoiceField(coerce=int, label="From version")
    b = forms.TypedChoiceField(coerce=int, label="To version")

    def __init__(self, *args: Any, versions: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(v, f"v{v}") for v in versions]
        self.fields["a"].choices = choices
        self.fields["b"].choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("a") is not None and data.get("a") == data.get("b"):
            raise ValidationError(SAME_VERSION)
        return data


class PlaygroundForm(forms.Form):
    """One text field per variable, one JSON field per chat placeholder, and strict mode."""

    strict = forms.BooleanField(required=False, help_text="Fail on variables left without a value.")

    def __init__(self, *args: Any, variables: list[str], placeholders: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.variable_names = variables
        self.placeholder_names = placeholders
        for name in variables:
            self.fields[f"var__{name}"] = forms.CharField(label=name, required=False, strip=False)
        for name in placeholders:
            self.fields[f"ph__{name}"] = forms.CharField(
                label=f"{name} (placeholder)",
                required=False,
                widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
                help_text="A JSON list of messages.",
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        values: dict[str, Any] = {}
        for name in self.variable_names:
            value = data.get(f"var__{name}")
            # An empty field means "not given", so strict mode and the SDK's leave-in-place both show.
            if value:
                values[name] = value
        for name in self.placeholder_names:
            raw = (data.get(f"ph__{name}") or "").strip()
            if not raw:
                continue
            try:
                parsed = parse_json(raw)
            except ValueError:  # JsonInputError included: too deep or too large
                self.add_error(f"ph__{name}", PLACEHOLDER_VALUE_INVALID)
                continue
            if not isinstance(parsed, list):
                self.add_error(f"ph__{name}", PLACEHOLDER_VALUE_INVALID)
                continue
            values[name] = parsed
        data["values"] = values
        return data


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(max_length=100)
    can_change_protected_labels = forms.BooleanField(required=False)


class ApiKeyChangeForm(forms.ModelForm):
    """The key's change form; ``actor`` (set by the admin) may only grant the protected-labels flag if the
    policy lets them, which shows as a form error rather than a 403 after the fact."""

    actor: Any = None

    class Meta:
        model = PromptApiKey
        fields = ["name", "is_active", "can_change_protected_labels"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        granting = data.get("can_change_protected_labels") and not self.instance.can_change_protected_labels
        if granting and not permissions.can_grant_protected_label_flag(self.actor):
            self.add_error("can_change_protected_labels", API_KEY_FLAG_DENIED)
        return data
