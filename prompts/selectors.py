"""Reads of prompts, for the public API, the admin and every other app of the LMS.

Contract:
- Keyword-only, typed functions; nothing here writes.
- ``get_prompt`` is how the LMS fetches a prompt: by ``version`` or ``label`` (neither means ``production``,
  both is a ``ValidationError``), resolved by default (composition references replaced, label-linked
  children following their label) and served from the shared cache on a warm hit without touching the
  database. ``resolve=False`` returns the raw stored content and skips the cache.
- A missing prompt raises ``PromptNotFoundError`` with Langfuse's message; there is never a fallback to
  another version. A composition that no longer resolves raises ``PromptResolutionError`` (409 in the API).
- ``compile_prompt`` fetches and compiles with ``{{variable}}`` semantics of the Python SDK (see
  ``prompts.templating``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.postgres.aggregates import ArrayAgg
from django.core.exceptions import ValidationError
from django.db.models import F, Func, Max, Q, QuerySet

from prompts import cache as prompt_cache
from prompts.composition import dependency_rows_to_refs, parse_dependency_tags, references_q, resolve_stored
from prompts.exceptions import PromptNotFoundError
from prompts.models import PRODUCTION_LABEL, Prompt, PromptApiKey, PromptDependency, ProtectedLabel
from prompts.templating import compile_content

NOT_FOUND_WITH_VERSION = "Prompt not found: '{name}' with version {version}"
NOT_FOUND_WITH_LABEL = "Prompt not found: '{name}' with label '{label}'"
VERSION_AND_LABEL = "Cannot specify both version and label at the same time."


@dataclass(frozen=True)
class ResolvedPrompt:
    """A version as served: the row with ``prompt`` resolved (or raw) and the resolution graph."""

    id: int
    name: str
    version: int
    type: str
    prompt: Any
    config: Any
    labels: list[str]
    tags: list[str]
    commit_message: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    resolution_graph: dict[str, Any] | None = None

    @property
    def is_active(self) -> bool:
        return PRODUCTION_LABEL in self.labels

    @classmethod
    def of(cls, prompt: Prompt, *, content: Any = None, graph: dict[str, Any] | None = None) -> ResolvedPrompt:
        return cls(
            id=prompt.id,
            name=prompt.name,
            version=prompt.version,
            type=prompt.type,
            prompt=prompt.prompt if content is None else content,
            config=prompt.config,
            labels=list(prompt.labels),
            tags=list(prompt.tags),
            commit_message=prompt.commit_message,
            created_by=prompt.created_by,
            created_at=prompt.created_at,
            updated_at=prompt.updated_at,
            resolution_graph=graph,
        )


def find_version(*, name: str, version: int | None = None, label: str | None = None) -> Prompt:
    """The stored version by number or label (neither: ``production``); ``PromptNotFoundError`` if none."""
    if version is not None and label is not None:
        raise ValidationError(VERSION_AND_LABEL, code="version_and_label")
    versions = Prompt.objects.filter(name=name)
    if version is not None:
        found = versions.filter(version=version).first()
        if found is None:
            raise PromptNotFoundError(NOT_FOUND_WITH_VERSION.format(name=name, version=version))
        return found
    label = label or PRODUCTION_LABEL
    found = versions.filter(labels__contains=[label]).first()
    if found is None:
        raise PromptNotFoundError(NOT_FOUND_WITH_LABEL.format(name=name, label=label))
    return found


def get_prompt(
    *, name: str, version: int | None = None, label: str | None = None, resolve: bool = True
) -> ResolvedPrompt:
    """Fetch a version, resolved through the cache unless ``resolve=False``."""
    if version is not None and label is not None:
        raise ValidationError(VERSION_AND_LABEL, code="version_and_label")
    if version is None and label is None:
        label = PRODUCTION_LABEL
    if not resolve:
        return ResolvedPrompt.of(find_version(name=name, version=version, label=label))
    # The generation is read before the database: see prompts.cache.
    key = prompt_cache.resolved_key(prompt_cache.current_generation(), name=name, version=version, label=label)
    cached = prompt_cache.get(key)
    if cached is not None:
        return cached
    stored = find_version(name=name, version=version, label=label)
    resolution = resolve_stored(stored)
    result = ResolvedPrompt.of(stored, content=resolution.content, graph=resolution.graph)
    prompt_cache.put(key, result)
    return result


def compile_prompt(
    *,
    name: str,
    variables: Mapping[str, Any] | None = None,
    version: int | None = None,
    label: str | None = None,
    strict: bool = False,
) -> str | list[dict[str, Any]]:
    """Fetch (resolved) and compile; ``strict`` raises ``ValidationError`` on missing variables."""
    prompt = get_prompt(name=name, version=version, label=label)
    return compile_content(prompt.type, prompt.prompt, variables, strict=strict)


def find_api_key(*, public_key: str) -> PromptApiKey | None:
    """The key with this public key, or ``None`` (also for a value PostgreSQL could not compare, e.g. a NUL)."""
    if not isinstance(public_key, str) or "\x00" in public_key:
        return None
    return PromptApiKey.objects.filter(public_key=public_key).first()


def prompt_versions(*, name: str) -> QuerySet[Prompt]:
    return Prompt.objects.filter(name=name).order_by("-version")


def protected_labels() -> set[str]:
    return set(ProtectedLabel.objects.values_list("label", flat=True))


@dataclass
class DependencyEdge:
    name: str
    version: int | None
    label: str | None
    target: Prompt | None = None  # the version the reference resolves to now, if any


@dataclass
class DependencyGraph:
    uses: list[DependencyEdge] = field(default_factory=list)
    used_by: list[PromptDependency] = field(default_factory=list)


def dependency_graph(*, prompt: Prompt) -> DependencyGraph:
    """What ``prompt`` references (with the version each reference points at today) and what references it.

    Three queries whatever the number of references: its references, the versions they point at, what uses it.
    """
    graph = DependencyGraph()
    rows = list(prompt.dependencies.order_by("child_name", "child_version", "child_label"))
    refs = dependency_rows_to_refs(rows)
    candidates = list(Prompt.objects.filter(references_q(refs)).defer("prompt", "config")) if refs else []
    for ref in refs:
        target = next((candidate for candidate in candidates if ref.points_at(candidate)), None)
        graph.uses.append(DependencyEdge(ref.name, ref.version, ref.label, target))
    graph.used_by = list(
        PromptDependency.objects.filter(child_name=prompt.name)
        .filter(Q(child_version=prompt.version) | Q(child_label__in=prompt.labels))
        .select_related("parent")
        .order_by("parent__name", "parent__version")
    )
    return graph


def referenced_prompts(*, content: Any) -> list[str]:
    """Human-readable references in some content, for previews."""
    return [f"{ref.name} {ref.describe()}" for ref in parse_dependency_tags(content)]


# --- The list of prompt names (public API and admin) ---------------------------------------------------


@dataclass
class PromptSummary:
    name: str
    type: str
    versions: list[int]
    labels: list[str]
    tags: list[str]
    last_updated_at: datetime
    last_config: Any


@dataclass
class PromptPage:
    items: list[PromptSummary]
    page: int
    limit: int
    total_items: int

    @property
    def total_pages(self) -> int:
        return (self.total_items + self.limit - 1) // self.limit if self.limit else 0


def list_prompts(
    *,
    name: str | None = None,
    label: str | None = None,
    tag: str | None = None,
    version: int | None = None,
    from_updated_at: datetime | None = None,
    to_updated_at: datetime | None = None,
    search: str | None = None,
    type: str | None = None,  # noqa: A002 - the field's name
    page: int = 1,
    limit: int = 10,
) -> PromptPage:
    """Prompt names with their matching versions, ordered by name; a fixed number of queries per page.

    Filters apply to versions before grouping (Langfuse): with ``label=dev`` an item lists only the version
    holding ``dev``. ``type``, ``tags`` and ``last_config`` come from the highest matching version.
    """
    rows = Prompt.objects.all()
    if name is not None:
        rows = rows.filter(name=name)
    if search:
        rows = rows.filter(name__icontains=search)
    if label is not None:
        rows = rows.filter(labels__contains=[label])
    if tag is not None:
        rows = rows.filter(tags__contains=[tag])
    if version is not None:
        rows = rows.filter(version=version)
    if type is not None:
        rows = rows.filter(type=type)
    if from_updated_at is not None:
        rows = rows.filter(updated_at__gte=from_updated_at)
    if to_updated_at is not None:
        rows = rows.filter(updated_at__lt=to_updated_at)

    total = rows.values("name").distinct().count()
    offset = (page - 1) * limit
    groups = list(
        rows.values("name")
        .annotate(
            versions=ArrayAgg("version", order_by="version"),
            last_version=Max("version"),
            last_updated_at=Max("updated_at"),
        )
        .order_by("name")[offset : offset + limit]
    )
    if not groups:
        return PromptPage(items=[], page=page, limit=limit, total_items=total)
    names = [group["name"] for group in groups]
    labels: dict[str, set[str]] = {}
    for row in (
        rows.filter(name__in=names)
        .annotate(label=Func(F("labels"), function="unnest"))
        .values("name", "label")
        .distinct()
    ):
        labels.setdefault(row["name"], set()).add(row["label"])
    newest_filter = Q()
    for group in groups:
        newest_filter |= Q(name=group["name"], version=group["last_version"])
    newest = {row.name: row for row in Prompt.objects.filter(newest_filter).only("name", "type", "config", "tags")}
    items = [
        PromptSummary(
            name=group["name"],
            type=newest[group["name"]].type,
            versions=group["versions"],
            labels=sorted(labels.get(group["name"], set())),
            tags=sorted(newest[group["name"]].tags),
            last_updated_at=group["last_updated_at"],
            last_config=newest[group["name"]].config,
        )
        for group in groups
    ]
    return PromptPage(items=items, page=page, limit=limit, total_items=total)


# --- The admin's grouped list ----------------------------------------------------------------------------


@dataclass
class PromptGroup:
    summary: PromptSummary
    versions: list[Prompt]


def prompt_groups(
    *,
    search: str | None = None,
    label: str | None = None,
    tag: str | None = None,
    type: str | None = None,  # noqa: A002 - the field's name
    updated_since: datetime | None = None,
    page: int = 1,
    per_page: int = 20,
) -> tuple[list[PromptGroup], PromptPage]:
    """A page of prompt names, each with all its versions (without content): a fixed number of queries.

    The filters select names (a name with a version carrying ``label``, of ``type``, changed since
    ``updated_since``); every version of a selected name is listed.
    """
    result = list_prompts(
        search=search, label=label, tag=tag, type=type, from_updated_at=updated_since, page=page, limit=per_page
    )
    names = [item.name for item in result.items]
    versions: dict[str, list[Prompt]] = {}
    for row in Prompt.objects.filter(name__in=names).defer("prompt", "config").order_by("name", "-version"):
        versions.setdefault(row.name, []).append(row)
    return [PromptGroup(item, versions.get(item.name, [])) for item in result.items], result


def label_and_tag_choices() -> tuple[list[str], list[str]]:
    """Every label and every tag in use, sorted (the filters of the admin's list): two queries."""

    def distinct(field: str) -> list[str]:
        unnested = Prompt.objects.annotate(value=Func(F(field), function="unnest")).values_list("value", flat=True)
        return list(unnested.order_by("value").distinct())

    return distinct("labels"), distinct("tags")


def creator_names(*, created_by: set[str]) -> dict[str, str]:
    """Display names for ``created_by`` values: user ids become the user's name, others stay as they are."""
    names = {value: value for value in created_by}
    ids = [int(value) for value in created_by if value.isdigit()]
    if ids:
        for user in get_user_model().objects.filter(pk__in=ids):
            names[str(user.pk)] = user.get_full_name() or user.get_username()
    return names
