"""Writes to prompts: versions, labels, tags, deletion, protected labels and API keys.

Contract:
- Keyword-only, typed functions; the acting user (or a ``PromptApiKey``) is passed as ``actor=``.
  ``actor=None`` means trusted code (a management command, a data migration, another app's service acting
  for the platform) and skips permission checks; views always pass ``request.user``.
- Permissions are re-checked here through ``prompts.permissions`` (the one policy): may the actor add,
  change (move unprotected labels, set tags) or delete prompts, may it change protected labels (create, move,
  add or remove one, or delete a version carrying one), may it manage API keys. The automatic ``latest``
  label is never treated as protected. A refusal is ``PermissionDenied``.
- Bad input is a ``ValidationError`` with one of the messages below; a missing version is
  ``PromptNotFoundError``. Nothing here ever lets an ``IntegrityError`` escape, and nothing reaches the
  database that PostgreSQL would refuse (NUL characters in text or JSON, NaN or infinite numbers in JSON).
- Every write to one prompt name takes a transaction-scoped advisory lock on that name, so concurrent
  creators get consecutive version numbers and concurrent label moves serialise; the unique constraints
  (``ux_prompts_name_version``, ``ux_prompt_labels_name_label``) are the backstop.
- Every write bumps the cache generation in ``transaction.on_commit`` (``prompts.cache``).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
import uuid
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from prompts import permissions
from prompts.cache import bump_generation_on_commit
from prompts.composition import GraphNode, parse_dependency_tags, resolve_graph
from prompts.exceptions import PromptNotFoundError, PromptResolutionError
from prompts.models import (
    COMMIT_MESSAGE_MAX_LENGTH,
    LABEL_PATTERN,
    LATEST_LABEL,
    NAME_MAX_LENGTH,
    Prompt,
    PromptApiKey,
    PromptDependency,
    PromptType,
    ProtectedLabel,
)
from prompts.templating import declared_variables

# --- Messages (tests import them) ---
NAME_EMPTY = "Prompt name must not be empty."
NAME_NOT_A_STRING = "Prompt name must be a string."
NAME_TOO_LONG = f"Prompt name must be at most {NAME_MAX_LENGTH} characters."
NAME_HTML = "Prompt name cannot contain HTML tags."
NAME_PIPE = "Prompt name cannot contain '|'."
NAME_SLASHES = "Prompt name cannot start or end with '/' or contain '//'."
NAME_RESERVED = "Prompt name cannot be 'new', 'metrics' or 'prompt-detail'."
NAME_VERSIONS_SUFFIX = "Prompt name cannot end with 'versions/<number>': the API path would be ambiguous."
TYPE_INVALID = "Prompt type must be 'text' or 'chat'."
TEXT_CONTENT_INVALID = "A text prompt must be a string."
CHAT_CONTENT_INVALID = (
    "A chat prompt must be a list of {role, content} messages and {type: 'placeholder', name} entries."
)
CHAT_MESSAGE_INVALID = "Chat message {index} must be a message with string 'role' and 'content' or a placeholder."
PLACEHOLDER_NAME_INVALID = (
    "Placeholder name '{name}' must start with a letter and contain only letters, digits and '_'."
)
VARIABLES_AND_PLACEHOLDERS_CLASH = "Variables and placeholders must be unique: {names}."
TYPE_CHANGED = "Previous versions have different prompt type. Create a new prompt with a different name."
LABEL_INVALID = "Label '{label}' is invalid: use 1 to 36 lower-case letters, digits, '_', '-' or '.'."
LABELS_NOT_A_LIST = "Labels must be a list of strings."
TAGS_INVALID = "Tags must be a list of non-empty strings."
COMMIT_MESSAGE_INVALID = "Commit message must be a string."
# PostgreSQL stores neither NUL in text or JSONB nor NaN/Infinity in JSONB: refused up front, never a 500.
NUL_CHARACTER = "{field} must not contain NUL characters."
NOT_FINITE = "{field} must not contain NaN or infinite numbers."
COMMIT_MESSAGE_TOO_LONG = f"Commit message must be at most {COMMIT_MESSAGE_MAX_LENGTH} characters."
LATEST_IS_RESERVED = "Label 'latest' is always assigned to the latest prompt version"
LABEL_ADDED_AND_REMOVED = "Label '{label}' cannot be both added and removed."
CONCURRENT_CREATION = (
    "Failed to create prompt '{name}' due to unique constraint failure. This may be caused by too many "
    "concurrent prompt creations for the same name; please retry after a short delay."
)
CONCURRENT_LABEL_CHANGE = "The labels of '{name}' were changed by someone else at the same time; please retry."
VERSION_NOT_FOUND = "Prompt '{name}' version {version} not found in project"
PROMPT_NOT_FOUND = "Prompt not found"
NAME_NOT_FOUND = "Prompt not found: '{name}'"
VERSION_AND_LABEL = "Specify either version or label, not both."
DEPENDANTS_BLOCK_DELETE = "Prompt cannot be deleted: other prompts depend on it: {dependants}"
DEPENDANTS_BLOCK_LABEL_REMOVAL = "Label cannot be removed: other prompts depend on it: {dependants}"
NOT_ALLOWED = "You do not have permission to {action} prompts."
PROTECTED_LABELS_DENIED = "Only users allowed to change protected labels may set or remove {labels}."
PROTECTED_DELETE_DENIED = "Only users allowed to change protected labels may delete a version labelled {labels}."
PROTECT_DENIED = "Only users allowed to change protected labels may manage the protected labels."
API_KEY_NAME_EMPTY = "An API key needs a name."
API_KEY_DENIED = "You do not have permission to manage prompt API keys."
API_KEY_FLAG_DENIED = "Only users allowed to change protected labels may give a key that right."

API_CREATOR = "API"
SYSTEM_CREATOR = "system"
# First key of the two-key advisory lock: "PRMT", so prompts' locks never meet another app's.
ADVISORY_LOCK_NAMESPACE = 0x50524D54
RESERVED_NAMES = {"new", "metrics", "prompt-detail"}
PLACEHOLDER_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
HTML_TAG = re.compile(r"<[^>]*>")
VERSIONS_SUFFIX = re.compile(r"(^|/)versions/\d+$")
LAST_USED_RESOLUTION = timedelta(minutes=1)

Actor = Any  # a user, a PromptApiKey, or None for trusted code


# --- Validation (also used by the forms and the API) ---


def unstorable(value: Any) -> str | None:
    """Why PostgreSQL would refuse ``value`` ("nul" or "not_finite"), walking strings, dict keys and values
    and lists; ``None`` when it can be stored."""
    if isinstance(value, str):
        return "nul" if "\x00" in value else None
    if isinstance(value, float):
        return None if math.isfinite(value) else "not_finite"
    if isinstance(value, dict):
        items: Iterable[Any] = [item for pair in value.items() for item in pair]
    elif isinstance(value, list | tuple):
        items = value
    else:
        return None
    for item in items:
        problem = unstorable(item)
        if problem is not None:
            return problem
    return None


def validate_storable(value: Any, *, field: str) -> None:
    """``ValidationError`` naming ``field`` if PostgreSQL would refuse ``value`` (see ``unstorable``)."""
    problem = unstorable(value)
    if problem == "nul":
        raise ValidationError(NUL_CHARACTER.format(field=field), code="nul_character")
    if problem == "not_finite":
        raise ValidationError(NOT_FINITE.format(field=field), code="not_finite")


def validate_name_lookup(name: Any) -> str:
    """A name used to find existing versions: a string PostgreSQL can compare (never stored, so not trimmed)."""
    if not isinstance(name, str):
        raise ValidationError(NAME_NOT_A_STRING, code="name_not_a_string")
    validate_storable(name, field="Prompt name")
    return name


def validate_prompt_name(name: Any) -> str:
    """The trimmed name, or ``ValidationError``."""
    if not isinstance(name, str):
        raise ValidationError(NAME_NOT_A_STRING, code="name_not_a_string")
    validate_storable(name, field="Prompt name")
    if not name.strip():
        raise ValidationError(NAME_EMPTY, code="name_empty")
    name = name.strip()
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(NAME_TOO_LONG, code="name_too_long")
    if HTML_TAG.search(name):
        raise ValidationError(NAME_HTML, code="name_html")
    if "|" in name:
        raise ValidationError(NAME_PIPE, code="name_pipe")
    if name.startswith("/") or name.endswith("/") or "//" in name:
        raise ValidationError(NAME_SLASHES, code="name_slashes")
    if name in RESERVED_NAMES:
        raise ValidationError(NAME_RESERVED, code="name_reserved")
    if VERSIONS_SUFFIX.search(name):
        raise ValidationError(NAME_VERSIONS_SUFFIX, code="name_versions_suffix")
    return name


def validate_labels(labels: Any) -> list[str]:
    """The labels deduplicated in order, each checked against the label rule."""
    if labels is None:
        return []
    if not isinstance(labels, list | tuple):
        raise ValidationError(LABELS_NOT_A_LIST, code="labels_not_a_list")
    result: list[str] = []
    for label in labels:
        if not isinstance(label, str) or not re.fullmatch(LABEL_PATTERN, label):
            raise ValidationError(LABEL_INVALID.format(label=label), code="label_invalid")
        if label not in result:
            result.append(label)
    return result


def validate_tags(tags: Any) -> list[str]:
    if not isinstance(tags, list | tuple):  # a dict or a string is not a list of tags
        raise ValidationError(TAGS_INVALID, code="tags_invalid")
    result: list[str] = []
    for tag in tags:
        if not isinstance(tag, str) or not tag.strip():
            raise ValidationError(TAGS_INVALID, code="tags_invalid")
        validate_storable(tag, field="Tags")
        if tag not in result:
            result.append(tag)
    return result


def validate_content(prompt_type: str, content: Any) -> str | list[dict[str, str]]:
    """Check a text or chat prompt; chat entries keep only ``role``/``content`` or ``type``/``name``."""
    if prompt_type == PromptType.TEXT:
        if not isinstance(content, str):
            raise ValidationError(TEXT_CONTENT_INVALID, code="text_content")
        validate_storable(content, field="Prompt")
        return content
    if not isinstance(content, list):
        raise ValidationError(CHAT_CONTENT_INVALID, code="chat_content")
    messages: list[dict[str, str]] = []
    for index, entry in enumerate(content):
        if isinstance(entry, dict) and entry.get("type") == "placeholder":
            name = entry.get("name")
            if not isinstance(name, str) or not PLACEHOLDER_NAME.fullmatch(name):
                raise ValidationError(PLACEHOLDER_NAME_INVALID.format(name=name), code="placeholder_name")
            messages.append({"type": "placeholder", "name": name})
        elif isinstance(entry, dict) and isinstance(entry.get("role"), str) and isinstance(entry.get("content"), str):
            # Unknown keys (the SDK's "type": "chatmessage" among them) are dropped, as Langfuse does.
            message = {"role": entry["role"], "content": entry["content"]}
            validate_storable(message, field=f"Chat message {index + 1}")
            messages.append(message)
        else:
            raise ValidationError(CHAT_MESSAGE_INVALID.format(index=index + 1), code="chat_message")
    placeholders = {m["name"] for m in messages if "name" in m}
    variables = set().union(*(declared_variables(m["content"]) for m in messages if "content" in m))
    clash = sorted(placeholders & variables)
    if clash:
        raise ValidationError(VARIABLES_AND_PLACEHOLDERS_CLASH.format(names=", ".join(clash)), code="clash")
    return messages


# --- Permissions and helpers ---


def _require(allowed: bool, action: str) -> None:
    if not allowed:
        raise PermissionDenied(NOT_ALLOWED.format(action=action))


def _check_protected(actor: Actor, labels: Iterable[str], message: str = PROTECTED_LABELS_DENIED) -> None:
    touched = set(labels) - {LATEST_LABEL}
    if not touched or permissions.can_change_protected_labels(actor):
        return
    protected = sorted(touched & set(ProtectedLabel.objects.filter(label__in=touched).values_list("label", flat=True)))
    if protected:
        raise PermissionDenied(message.format(labels=", ".join(f"'{label}'" for label in protected)))


def _creator(actor: Actor) -> str:
    if actor is None:
        return SYSTEM_CREATOR
    if isinstance(actor, PromptApiKey):
        return API_CREATOR
    return str(actor.pk)


def _lock_name(name: str) -> None:
    """Serialise every write to one prompt name until the transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [ADVISORY_LOCK_NAMESPACE, name])


def _describe_dependants(rows: Iterable[PromptDependency]) -> str:
    parts = []
    for row in rows:
        target = f"v{row.child_version}" if row.child_version is not None else row.child_label
        parts.append(f"{row.parent.name} v{row.parent.version} depends on {row.child_name} {target}")
    return "; ".join(parts)


def _take_labels_off_others(*, name: str, labels: Sequence[str], keep: Prompt | None = None) -> None:
    if not labels:
        return
    holders = Prompt.objects.select_for_update().filter(name=name, labels__overlap=list(labels))
    if keep is not None and keep.pk is not None:
        holders = holders.exclude(pk=keep.pk)
    for holder in holders:
        holder.labels = [label for label in holder.labels if label not in labels]
        holder.save(update_fields=["labels"])


# --- Versions ---


def create_prompt_version(
    *,
    actor: Actor,
    name: str,
    prompt: Any,
    type: str | None = None,  # noqa: A002 - Langfuse's field name
    labels: Sequence[str] | None = None,
    tags: Sequence[str] | None = None,
    config: Any = None,
    commit_message: str | None = None,
) -> Prompt:
    """Create the next version of ``name`` (1 for a new name).

    The version gets ``labels`` plus ``latest``, each taken off any older version. ``tags=None`` keeps the
    newest version's tags; a list replaces the tags of every version. Composition references are parsed,
    the whole graph resolved (400 on a missing or non-text child, a cycle, a self-reference or more than 5
    levels) and stored as ``prompt_dependencies`` rows in the same transaction.
    """
    _require(permissions.can_add_prompts(actor), "create")
    name = validate_prompt_name(name)
    prompt_type = type or PromptType.TEXT
    if not isinstance(prompt_type, str) or prompt_type not in PromptType.values:
        raise ValidationError(TYPE_INVALID, code="type_invalid")
    content = validate_content(prompt_type, prompt)
    final_labels = [label for label in validate_labels(labels) if label != LATEST_LABEL] + [LATEST_LABEL]
    if tags is not None:
        tags = validate_tags(tags)
    validate_storable(config, field="Config")
    if commit_message is not None:
        if not isinstance(commit_message, str):
            raise ValidationError(COMMIT_MESSAGE_INVALID, code="commit_message_invalid")
        validate_storable(commit_message, field="Commit message")
        if len(commit_message) > COMMIT_MESSAGE_MAX_LENGTH:
            raise ValidationError(COMMIT_MESSAGE_TOO_LONG, code="commit_message_too_long")
    _check_protected(actor, final_labels)
    refs = parse_dependency_tags(content)

    try:
        with transaction.atomic():
            _lock_name(name)
            newest = Prompt.objects.filter(name=name).order_by("-version").only("version", "type", "tags").first()
            if newest is not None and newest.type != prompt_type:
                raise ValidationError(TYPE_CHANGED, code="type_changed")
            version = newest.version + 1 if newest else 1
            if refs:
                try:
                    resolve_graph(GraphNode(None, name, version, prompt_type, content), refs)
                except PromptResolutionError as error:
                    raise ValidationError(error.message, code="dependency")
            _take_labels_off_others(name=name, labels=final_labels)
            if tags is None:
                tags = list(newest.tags) if newest else []
            elif newest is not None and sorted(tags) != sorted(newest.tags):
                Prompt.objects.filter(name=name).update(tags=tags)
            created = Prompt.objects.create(
                name=name,
                version=version,
                type=prompt_type,
                prompt=content,
                config={} if config is None else config,
                labels=final_labels,
                tags=tags,
                commit_message=commit_message,
                created_by=_creator(actor),
            )
            PromptDependency.objects.bulk_create(
                PromptDependency(parent=created, child_name=ref.name, child_version=ref.version, child_label=ref.label)
                for ref in refs
            )
            bump_generation_on_commit()
    except IntegrityError:
        # Only reachable when something bypasses the advisory lock; never a 500.
        raise ValidationError(CONCURRENT_CREATION.format(name=name), code="concurrent_creation")
    created.refresh_from_db()
    return created


def update_prompt_labels(
    *,
    actor: Actor,
    name: str,
    version: int,
    add: Sequence[str] = (),
    remove: Sequence[str] = (),
) -> Prompt:
    """Add labels to a version (moving each off any other version of the name) and/or remove labels from it.

    ``latest`` can be neither added nor removed. A label another prompt references by label cannot be
    removed (moving it is fine: it keeps existing).
    """
    _require(permissions.can_change_prompts(actor), "change")
    name = validate_name_lookup(name)
    add = validate_labels(add)
    remove = validate_labels(remove)
    if LATEST_LABEL in add or LATEST_LABEL in remove:
        raise ValidationError(LATEST_IS_RESERVED, code="latest_reserved")
    for label in add:
        if label in remove:
            raise ValidationError(LABEL_ADDED_AND_REMOVED.format(label=label), code="added_and_removed")
    try:
        changed = _change_labels(actor=actor, name=name, version=version, add=add, remove=remove)
    except IntegrityError:
        # Only reachable when a writer bypasses the advisory lock (raw SQL): the constraint held.
        raise ValidationError(CONCURRENT_LABEL_CHANGE.format(name=name), code="concurrent_label_change")
    changed.refresh_from_db()
    return changed


@transaction.atomic
def _change_labels(*, actor: Actor, name: str, version: int, add: list[str], remove: list[str]) -> Prompt:
    _lock_name(name)
    target = Prompt.objects.select_for_update().filter(name=name, version=version).first()
    if target is None:
        raise PromptNotFoundError(VERSION_NOT_FOUND.format(name=name, version=version))
    added = [label for label in add if label not in target.labels]
    removed = [label for label in remove if label in target.labels]
    _check_protected(actor, added + removed)
    if removed:
        dependants = list(
            PromptDependency.objects.filter(child_name=name, child_label__in=removed)
            .select_related("parent")
            .order_by("parent__name", "parent__version")
        )
        if dependants:
            raise ValidationError(
                DEPENDANTS_BLOCK_LABEL_REMOVAL.format(dependants=_describe_dependants(dependants)),
                code="label_has_dependants",
            )
    if added or removed:
        _take_labels_off_others(name=name, labels=added, keep=target)
        target.labels = [label for label in target.labels if label not in removed] + added
        target.save(update_fields=["labels"])
        bump_generation_on_commit()
    return target


def set_prompt_labels(*, actor: Actor, name: str, version: int, labels: Sequence[str]) -> Prompt:
    """Make ``labels`` (plus ``latest`` where it already is) the version's exact label set."""
    name = validate_name_lookup(name)
    wanted = validate_labels(labels)
    current = Prompt.objects.filter(name=name, version=version).values_list("labels", flat=True).first()
    if current is None:
        raise PromptNotFoundError(VERSION_NOT_FOUND.format(name=name, version=version))
    if LATEST_LABEL in wanted and LATEST_LABEL not in current:
        raise ValidationError(LATEST_IS_RESERVED, code="latest_reserved")
    add = [label for label in wanted if label not in current and label != LATEST_LABEL]
    remove = [label for label in current if label not in wanted and label != LATEST_LABEL]
    return update_prompt_labels(actor=actor, name=name, version=version, add=add, remove=remove)


def set_prompt_tags(*, actor: Actor, name: str, tags: Sequence[str]) -> list[str]:
    """Replace the tags of every version of ``name`` (tags belong to the name, not a version)."""
    _require(permissions.can_change_prompts(actor), "change")
    name = validate_name_lookup(name)
    tags = validate_tags(tags)
    with transaction.atomic():
        _lock_name(name)
        if not Prompt.objects.filter(name=name).update(tags=tags):
            raise PromptNotFoundError(NAME_NOT_FOUND.format(name=name))
        bump_generation_on_commit()
    return tags


def delete_prompt(*, actor: Actor, name: str, version: int | None = None, label: str | None = None) -> int:
    """Delete one version, the version holding ``label``, or (neither) every version of ``name``.

    Refused when another prompt references a deleted version or a label that would disappear, naming
    them. If the ``latest`` holder goes, ``latest`` moves to the highest remaining version. Answers the
    number of versions deleted.
    """
    _require(permissions.can_delete_prompts(actor), "delete")
    name = validate_name_lookup(name)
    if version is not None and label is not None:
        raise ValidationError(VERSION_AND_LABEL, code="version_and_label")
    if label is not None:
        validate_storable(label, field="Label")
    with transaction.atomic():
        _lock_name(name)
        versions = list(Prompt.objects.select_for_update().filter(name=name).order_by("version"))
        if version is not None:
            targets = [p for p in versions if p.version == version]
        elif label is not None:
            targets = [p for p in versions if label in p.labels]
        else:
            targets = versions
        if not targets:
            raise PromptNotFoundError(PROMPT_NOT_FOUND)
        _check_protected(actor, {lab for p in targets for lab in p.labels}, PROTECTED_DELETE_DENIED)
        target_ids = {p.pk for p in targets}
        remaining = [p for p in versions if p.pk not in target_ids]
        gone_labels = {lab for p in targets for lab in p.labels}
        if remaining:
            gone_labels.discard(LATEST_LABEL)  # it moves to the highest remaining version
        dependants = list(
            PromptDependency.objects.filter(child_name=name)
            .filter(Q(child_version__in=[p.version for p in targets]) | Q(child_label__in=gone_labels))
            .exclude(parent_id__in=target_ids)
            .select_related("parent")
            .order_by("parent__name", "parent__version")
        )
        if dependants:
            raise ValidationError(
                DEPENDANTS_BLOCK_DELETE.format(dependants=_describe_dependants(dependants)), code="has_dependants"
            )
        had_latest = any(LATEST_LABEL in p.labels for p in targets)
        Prompt.objects.filter(pk__in=target_ids).delete()
        if had_latest and remaining:
            newest = remaining[-1]
            if LATEST_LABEL not in newest.labels:
                newest.labels = [*newest.labels, LATEST_LABEL]
                newest.save(update_fields=["labels"])
        bump_generation_on_commit()
    return len(targets)


# --- Protected labels ---


def protect_label(*, actor: Actor, label: str) -> ProtectedLabel:
    if not permissions.can_change_protected_labels(actor):
        raise PermissionDenied(PROTECT_DENIED)
    (label,) = validate_labels([label])
    protected, _ = ProtectedLabel.objects.get_or_create(label=label)
    return protected


def unprotect_label(*, actor: Actor, label: str) -> None:
    if not permissions.can_change_protected_labels(actor):
        raise PermissionDenied(PROTECT_DENIED)
    validate_storable(label, field="Label")
    ProtectedLabel.objects.filter(label=label).delete()


# --- API keys ---


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(*, actor: Actor, name: str, can_change_protected_labels: bool = False) -> tuple[PromptApiKey, str]:
    """Create a key pair; answers the key and its secret, which is shown once and stored only hashed."""
    if not permissions.can_manage_api_keys(actor, "add"):
        raise PermissionDenied(API_KEY_DENIED)
    if can_change_protected_labels and not permissions.can_grant_protected_label_flag(actor):
        raise PermissionDenied(API_KEY_FLAG_DENIED)
    if not isinstance(name, str) or not name.strip():
        raise ValidationError(API_KEY_NAME_EMPTY, code="api_key_name")
    validate_storable(name, field="The key's name")
    secret = f"sk-lf-{secrets.token_urlsafe(32)}"
    key = PromptApiKey.objects.create(
        name=name.strip(),
        public_key=f"pk-lf-{uuid.uuid4()}",
        secret_hash=hash_secret(secret),
        secret_hint=secret[-4:],
        can_change_protected_labels=can_change_protected_labels,
    )
    return key, secret


def update_api_key(
    *, actor: Actor, key: PromptApiKey, name: str, is_active: bool, can_change_protected_labels: bool
) -> PromptApiKey:
    if not permissions.can_manage_api_keys(actor, "change"):
        raise PermissionDenied(API_KEY_DENIED)
    granting = can_change_protected_labels and not key.can_change_protected_labels
    if granting and not permissions.can_grant_protected_label_flag(actor):
        raise PermissionDenied(API_KEY_FLAG_DENIED)
    if not isinstance(name, str) or not name.strip():
        raise ValidationError(API_KEY_NAME_EMPTY, code="api_key_name")
    validate_storable(name, field="The key's name")
    key.name = name.strip()
    key.is_active = is_active
    key.can_change_protected_labels = can_change_protected_labels
    key.save(update_fields=["name", "is_active", "can_change_protected_labels"])
    return key


def delete_api_key(*, actor: Actor, key: PromptApiKey) -> None:
    if not permissions.can_manage_api_keys(actor, "delete"):
        raise PermissionDenied(API_KEY_DENIED)
    key.delete()


def authenticate_api_key(*, public_key: str, secret_key: str) -> PromptApiKey | None:
    """The active key matching the pair, or ``None``; records ``last_used_at`` at most once a minute.

    Runs for unauthenticated callers: anything that is not a storable string is simply "no such key".
    """
    if not isinstance(public_key, str) or not isinstance(secret_key, str):
        return None
    if unstorable(public_key) or unstorable(secret_key):
        return None
    key = PromptApiKey.objects.filter(public_key=public_key, is_active=True).first()
    if key is None or not hmac.compare_digest(key.secret_hash, hash_secret(secret_key)):
        return None
    if not permissions.api_key_may_act(key):
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        PromptApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key
