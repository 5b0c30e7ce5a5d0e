"""Versioned LLM prompts, Langfuse-compatible (tables ``prompts`` and ``prompt_dependencies`` of seed 001).

A row of ``prompts`` is one immutable *version* of a prompt name. Only ``labels`` and ``tags`` change after
creation, and only through ``prompts.services``. Label uniqueness per name is a database guarantee: a
trigger (migration ``0002``) mirrors every row's ``labels`` array into ``prompt_labels``, whose unique
``(name, label)`` constraint rejects a second holder whatever wrote the array.

This app is a leaf: it imports no other project app (the user model is referenced through settings).
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models.functions import Now

NAME_MAX_LENGTH = 255
LABEL_MAX_LENGTH = 36
COMMIT_MESSAGE_MAX_LENGTH = 500

# Lower-case letters, digits, "_", "-" and "." (Langfuse's PromptLabelSchema).
LABEL_PATTERN = r"^[a-z0-9_.\-]{1,36}$"

LATEST_LABEL = "latest"
PRODUCTION_LABEL = "production"


class PromptType(models.TextChoices):
    TEXT = "text", "Text"
    CHAT = "chat", "Chat"


class Prompt(models.Model):
    """One version of a prompt. ``prompt`` is JSONB: a string for text prompts, a list of messages for chat."""

    name = models.CharField(max_length=NAME_MAX_LENGTH)
    version = models.IntegerField()
    type = models.CharField(max_length=20, choices=PromptType.choices, default=PromptType.TEXT, db_default="text")
    # Seed 001 says Text; JSONB holds both shapes without a second column (docs/prompts.md, "Storage").
    prompt = models.JSONField(null=True, blank=True)
    config = models.JSONField(default=dict, db_default=models.Value({}, output_field=models.JSONField()))
    labels = ArrayField(
        models.TextField(),
        default=list,
        blank=True,
        db_default=models.Value([], output_field=ArrayField(models.TextField())),
    )
    tags = ArrayField(
        models.TextField(),
        default=list,
        blank=True,
        db_default=models.Value([], output_field=ArrayField(models.TextField())),
    )
    commit_message = models.CharField(max_length=COMMIT_MESSAGE_MAX_LENGTH, null=True, blank=True)
    # The acting user's id, or "API" for an API key (Langfuse's convention); a string, as in the seed.
    created_by = models.CharField(max_length=255)
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    updated_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "prompts"
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="ux_prompts_name_version"),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="ck_prompts_version_positive"),
            models.CheckConstraint(condition=models.Q(type__in=PromptType.values), name="ck_prompts_type_valid"),
        ]
        indexes = [
            models.Index(fields=["name"], name="ix_prompts_name"),
            GinIndex(fields=["labels"], name="ix_prompts_labels"),
            GinIndex(fields=["tags"], name="ix_prompts_tags"),
            models.Index(fields=["created_at"], name="ix_prompts_created_at"),
        ]
        permissions = [("change_protected_labels", "Can create, move or remove protected prompt labels")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def is_active(self) -> bool:
        """Langfuse's deprecated ``isActive``: the version carries ``production``."""
        return PRODUCTION_LABEL in (self.labels or [])


class PromptLabel(models.Model):
    """Who holds a label: (prompt name, label) → version. Written only by the trigger that mirrors ``prompts.labels``."""

    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="label_rows", db_index=False)
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    label = models.TextField()
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    updated_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "prompt_labels"
        constraints = [
            # The database guarantee of "a label is unique per prompt name" (issue 3, decision table).
            models.UniqueConstraint(fields=["name", "label"], name="ux_prompt_labels_name_label"),
            models.CheckConstraint(
                condition=models.Q(label__regex=LABEL_PATTERN), name="ck_prompt_labels_label_format"
            ),
        ]
        indexes = [models.Index(fields=["prompt"], name="ix_prompt_labels_prompt")]

    def __str__(self) -> str:
        return f"{self.name}@{self.label}"


class PromptDependency(models.Model):
    """A composition reference ``@@@langfusePrompt:name=…|version=…@@@`` (or ``|label=…``) of a parent version."""

    parent = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="dependencies", db_index=False)
    child_name = models.CharField(max_length=NAME_MAX_LENGTH)
    child_version = models.IntegerField(null=True, blank=True)
    # Not checked against the label rules: the reference text is stored as written (Langfuse parity).
    child_label = models.CharField(max_length=LABEL_MAX_LENGTH, null=True, blank=True)
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    updated_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "prompt_dependencies"
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(child_version__isnull=False) & models.Q(child_label__isnull=True))
                | (models.Q(child_version__isnull=True) & models.Q(child_label__isnull=False)),
                name="ck_prompt_deps_version_xor_label",
            ),
        ]
        indexes = [
            models.Index(fields=["parent"], name="ix_prompt_deps_parent"),
            models.Index(fields=["child_name"], name="ix_prompt_deps_child"),
        ]

    def __str__(self) -> str:
        target = f"v{self.child_version}" if self.child_version is not None else f"label {self.child_label}"
        return f"{self.parent} → {self.child_name} {target}"


class ProtectedLabel(models.Model):
    """A label that only holders of ``prompts.change_protected_labels`` (or flagged API keys) may move."""

    label = models.CharField(max_length=LABEL_MAX_LENGTH)
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    updated_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "prompt_protected_labels"
        ordering = ["label"]
        constraints = [
            models.UniqueConstraint(fields=["label"], name="ux_prompt_protected_labels_label"),
            models.CheckConstraint(
                condition=models.Q(label__regex=LABEL_PATTERN), name="ck_prompt_protected_labels_format"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class PromptApiKey(models.Model):
    """A Langfuse-style key pair for the public API. Only a SHA-256 of the secret is stored."""

    name = models.CharField(max_length=100)
    public_key = models.CharField(max_length=64)
    # The secret is 256 random bits, so a fast hash is enough (no password stretching needed).
    secret_hash = models.CharField(max_length=64)
    secret_hint = models.CharField(max_length=16, help_text="The last characters of the secret, to recognise it.")
    is_active = models.BooleanField(default=True, db_default=True)
    can_change_protected_labels = models.BooleanField(default=False, db_default=False)
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        db_table = "prompt_api_keys"
        ordering = ["name"]
        verbose_name = "prompt API key"
        constraints = [models.UniqueConstraint(fields=["public_key"], name="ux_prompt_api_keys_public_key")]

    def __str__(self) -> str:
        return f"{self.name} ({self.public_key})"

    # The public API passes the key as the services' ``actor``; ``prompts.permissions`` decides what it may do.
    is_authenticated = True
