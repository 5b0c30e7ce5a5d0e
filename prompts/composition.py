"""Prompt composition: ``@@@langfusePrompt:name=X|version=N@@@`` / ``…|label=Y@@@`` references.

Parsing follows Langfuse exactly (reference §3.2): tags are searched in the JSON serialisation of the content
(so inside chat messages too, never in ``config``); a tag that is not exactly ``name=…`` followed by
``version=<int>`` or ``label=…`` is ignored and stays verbatim. Resolution (§3.5) is a depth-first walk: the
root is level 0 and a prompt at level 5 is refused (a chain of at most 5 prompts), a version already on the
current path or any other version of the root's own name is a cycle, and every child must be a text prompt.
A child's resolved text replaces its tag JSON-escaped, so chat messages stay valid.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from prompts.exceptions import PromptResolutionError
from prompts.models import Prompt, PromptDependency, PromptType

MAX_NESTING_DEPTH = 5
TAG_PATTERN = re.compile(r"@@@langfusePrompt:(.*?)@@@")

DEPENDENCY_NOT_FOUND_VERSION = "Prompt dependency not found: {name} - version {version}"
DEPENDENCY_NOT_FOUND_LABEL = "Prompt dependency not found: {name} - label {label}"
DEPENDENCY_NOT_TEXT = "Prompt dependency is not a text prompt: {name} - version {version}"
CIRCULAR_DEPENDENCY = "Circular dependency detected involving prompt '{name}' version {version}"
MAX_DEPTH_EXCEEDED = f"Maximum nesting depth exceeded ({MAX_NESTING_DEPTH})"


@dataclass(frozen=True)
class DependencyRef:
    """One parsed reference: a child by name and exactly one of version or label."""

    name: str
    version: int | None = None
    label: str | None = None

    def describe(self) -> str:
        return f"v{self.version}" if self.version is not None else self.label or ""

    def points_at(self, prompt: Prompt) -> bool:
        """Whether ``prompt`` is the version this reference points at (:func:`references_q`, in Python)."""
        if prompt.name != self.name:
            return False
        return prompt.version == self.version if self.version is not None else self.label in prompt.labels


def references_q(refs: list[DependencyRef]) -> Q:
    """The versions the references point at: each by number, or whichever version holds its label."""
    wanted = Q(pk__in=[])
    for ref in refs:
        if ref.version is not None:
            wanted |= Q(name=ref.name, version=ref.version)
        else:
            wanted |= Q(name=ref.name, labels__contains=[ref.label])
    return wanted


def _serialise(content: Any) -> str:
    return json.dumps(content, ensure_ascii=False)


def _parse_tag_body(body: str) -> DependencyRef | None:
    parts = body.split("|")
    if len(parts) != 2:
        return None
    name_key, _, name = parts[0].partition("=")
    if name_key != "name" or not name:
        return None
    name = name.split("=")[0]
    key, _, value = parts[1].partition("=")
    value = value.split("=")[0]
    if key == "version" and re.fullmatch(r"\d+", value):
        return DependencyRef(name=name, version=int(value))
    if key == "label" and value:
        return DependencyRef(name=name, label=value)
    return None


def parse_dependency_tags(content: Any) -> list[DependencyRef]:
    """The distinct valid references in ``content`` (a string or a list of chat messages), in order."""
    refs: list[DependencyRef] = []
    for match in TAG_PATTERN.finditer(_serialise(content)):
        ref = _parse_tag_body(match.group(1))
        if ref is not None and ref not in refs:
            refs.append(ref)
    return refs


def dependency_rows_to_refs(rows: list[PromptDependency]) -> list[DependencyRef]:
    return [DependencyRef(name=row.child_name, version=row.child_version, label=row.child_label) for row in rows]


@dataclass
class GraphNode:
    """What the resolver needs of a version; ``id`` is ``None`` for a version about to be created."""

    id: int | None
    name: str
    version: int
    type: str
    prompt: Any
    labels: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, prompt: Prompt) -> GraphNode:
        return cls(prompt.id, prompt.name, prompt.version, prompt.type, prompt.prompt, list(prompt.labels))

    def as_graph_entry(self) -> dict[str, Any]:
        return {"id": None if self.id is None else str(self.id), "name": self.name, "version": self.version}


@dataclass
class Resolution:
    content: Any
    graph: dict[str, Any] | None


class _Resolver:
    """Resolves from a graph loaded level by level: two queries per level (the versions the level's references
    point at, then their own references), whatever the number of nodes, so at most ``2 * MAX_NESTING_DEPTH``."""

    def __init__(self, root: GraphNode) -> None:
        self.root = root
        self.edges: dict[str, list[dict[str, Any]]] = {}
        self.found: dict[DependencyRef, Prompt] = {}
        self.refs_of: dict[int, list[DependencyRef]] = {}

    def load(self, refs: list[DependencyRef]) -> None:
        frontier = list(dict.fromkeys(refs))
        for _ in range(MAX_NESTING_DEPTH):
            if not frontier:
                return
            rows = list(Prompt.objects.filter(references_q(frontier)))
            for ref in frontier:
                for row in rows:
                    if ref.points_at(row):
                        self.found[ref] = row
            new_ids = [row.id for row in rows if row.id not in self.refs_of]
            for row_id in new_ids:
                self.refs_of[row_id] = []
            dependencies = list(PromptDependency.objects.filter(parent_id__in=new_ids).order_by("id"))
            for dependency, ref in zip(dependencies, dependency_rows_to_refs(dependencies), strict=True):
                self.refs_of[dependency.parent_id].append(ref)
            frontier = [
                ref for row_id in new_ids for ref in dict.fromkeys(self.refs_of[row_id]) if ref not in self.found
            ]

    def find(self, ref: DependencyRef) -> Prompt | None:
        return self.found.get(ref)

    def resolve(self, node: GraphNode, refs: list[DependencyRef], level: int, path: frozenset[int]) -> Any:
        if level >= MAX_NESTING_DEPTH:
            raise PromptResolutionError(MAX_DEPTH_EXCEEDED)
        if not refs:
            return node.prompt
        replacements: dict[DependencyRef, str] = {}
        for ref in refs:
            child = self.find(ref)
            if child is None:
                if ref.version is not None:
                    raise PromptResolutionError(DEPENDENCY_NOT_FOUND_VERSION.format(name=ref.name, version=ref.version))
                raise PromptResolutionError(DEPENDENCY_NOT_FOUND_LABEL.format(name=ref.name, label=ref.label))
            if child.id in path or (child.name == self.root.name and child.id != self.root.id):
                raise PromptResolutionError(CIRCULAR_DEPENDENCY.format(name=child.name, version=child.version))
            if child.type != PromptType.TEXT:
                raise PromptResolutionError(DEPENDENCY_NOT_TEXT.format(name=child.name, version=child.version))
            child_node = GraphNode.of(child)
            self.edges.setdefault(str(node.id), []).append(child_node.as_graph_entry())
            child_refs = self.refs_of.get(child.id, [])
            resolved = self.resolve(child_node, child_refs, level + 1, path | {child.id})
            replacements[ref] = _serialise(resolved)[1:-1]  # JSON-escaped, without the quotes

        def substitute(match: re.Match[str]) -> str:
            ref = _parse_tag_body(match.group(1))
            return replacements.get(ref, match.group(0)) if ref is not None else match.group(0)

        return json.loads(TAG_PATTERN.sub(substitute, _serialise(node.prompt)))


def resolve_graph(root: GraphNode, refs: list[DependencyRef]) -> Resolution:
    """Resolve ``root`` whose references are ``refs``; raises ``PromptResolutionError``.

    For a stored version ``refs`` are its ``prompt_dependencies`` rows; for a version being created, the
    freshly parsed tags (with ``root.id = None``).
    """
    path = frozenset() if root.id is None else frozenset({root.id})
    resolver = _Resolver(root)
    resolver.load(refs)
    content = resolver.resolve(root, refs, 0, path)
    graph = {"root": root.as_graph_entry(), "dependencies": resolver.edges} if refs else None
    return Resolution(content=content, graph=graph)


def resolve_stored(prompt: Prompt) -> Resolution:
    rows = list(prompt.dependencies.all())
    return resolve_graph(GraphNode.of(prompt), dependency_rows_to_refs(rows))
