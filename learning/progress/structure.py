"""The published structure of a course, loaded flat and cached per structure version.

It lives in progress (not the player) because it *is* progress's definition of the required items; the
player reads it from here. The outline HTML is part of the cached structure so that it is built once
per version for every worker; the per-student overlay is the player's (:mod:`learning.player.outline`).

Contract:
- :func:`get_course_structure` returns a :class:`CourseStructure` for ``(course_id, structure_version)``:
  the *published tree* (the course root, and every module whose ``is_published`` is true and whose
  parent is in the published tree), its active content items in tree order (a module's own items,
  then its child modules, each by ``sequence_index``), the number of required items in every subtree,
  and the rendered outline HTML. Required items = active items in published-tree modules; the bulk
  rollup SQL in :mod:`learning.progress.rollups` applies the same definition.
- It is built from ONE flat query on ``course_id`` (modules LEFT JOIN active items) and cached twice:
  in Django's cache (shared by every worker) and in a small per-process memo. Both are keyed by the
  structure version, which every structural edit or publish bumps, so an entry is immutable: a new
  version is simply a new key and a stale entry can never be served.
- The outline HTML is the same for every student of every offering of the course: its links are
  relative to the page (two variants: item page and resume page), and the student's progress is
  overlaid with a small per-user ``<style>`` block (:func:`learning.player.outline.progress_overlay_css`), so a request does no
  template work and no string processing over the 2,000 rows: the cached string is sent as it is.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from threading import Lock

from django.core.cache import cache
from django.db import connection
from django.utils.html import escape

# Outline links are relative to the page, so the cached HTML serves every offering of the course.
ITEM_PAGE_PREFIX = "../"
RESUME_PAGE_PREFIX = "item/"
CACHE_PREFIX = "learning:structure:v3"  # v3: item_type_label
CACHE_TIMEOUT = 7 * 24 * 3600
_MEMO_SIZE = 32

_STRUCTURE_SQL = """
SELECT m.id, m.parent_module_id, m.title, m.sequence_index, m.is_published, m.module_type,
       ci.id, ci.title, ci.sequence_index, ct.name, ct.label
FROM modules m
LEFT JOIN content_items ci ON ci.module_id = m.id AND ci.is_active
LEFT JOIN content_types ct ON ct.id = ci.content_type_id
WHERE m.course_id = %s
"""


@dataclass
class CourseStructure:
    course_id: int
    version: int
    root_id: int | None = None
    # Published-tree modules only. parent of the root is None.
    module_parent: dict[int, int | None] = field(default_factory=dict)
    module_title: dict[int, str] = field(default_factory=dict)
    module_items: dict[int, tuple[int, ...]] = field(default_factory=dict)
    subtree_total: dict[int, int] = field(default_factory=dict)
    # Active items of published-tree modules, in course order.
    item_order: tuple[int, ...] = ()
    item_pos: dict[int, int] = field(default_factory=dict)
    item_module: dict[int, int] = field(default_factory=dict)
    item_title: dict[int, str] = field(default_factory=dict)
    item_type: dict[int, str] = field(default_factory=dict)
    # The content type's label, for people ("Engineering lab"); as of this structure version.
    item_type_label: dict[int, str] = field(default_factory=dict)
    # First item (in course order) of each module's subtree: where a module link leads.
    module_first_item: dict[int, int] = field(default_factory=dict)
    # The outline for an item page (/learn/<o>/item/<i>/) and for the resume page (/learn/<o>/).
    outline_html: str = ""
    outline_html_resume: str = ""

    def ancestors(self, module_id: int) -> list[int]:
        """``module_id`` and its ancestors, root first."""
        chain = []
        current: int | None = module_id
        while current is not None:
            chain.append(current)
            current = self.module_parent.get(current)
        chain.reverse()
        return chain

    def neighbours(self, item_id: int) -> tuple[int | None, int | None]:
        pos = self.item_pos[item_id]
        previous = self.item_order[pos - 1] if pos > 0 else None
        following = self.item_order[pos + 1] if pos + 1 < len(self.item_order) else None
        return previous, following

    @property
    def required_total(self) -> int:
        return len(self.item_order)


_memo: OrderedDict[tuple[int, int], CourseStructure] = OrderedDict()
_memo_lock = Lock()


def cache_key(course_id: int, version: int) -> str:
    return f"{CACHE_PREFIX}:{course_id}:{version}"


def clear_memo() -> None:
    """Forget the per-process copies (tests)."""
    with _memo_lock:
        _memo.clear()


def get_course_structure(*, course_id: int, structure_version: int) -> CourseStructure:
    key = (course_id, structure_version)
    with _memo_lock:
        found = _memo.get(key)
        if found is not None:
            _memo.move_to_end(key)
            return found
    found = cache.get(cache_key(course_id, structure_version))
    if found is None:
        found = build_course_structure(course_id=course_id, structure_version=structure_version)
        cache.set(cache_key(course_id, structure_version), found, CACHE_TIMEOUT)
    with _memo_lock:
        _memo[key] = found
        while len(_memo) > _MEMO_SIZE:
            _memo.popitem(last=False)
    return found


def build_course_structure(*, course_id: int, structure_version: int) -> CourseStructure:
    """One flat query, then the tree is assembled in Python (no query per node)."""
    with connection.cursor() as cursor:
        cursor.execute(_STRUCTURE_SQL, [course_id])
        rows = cursor.fetchall()

    modules: dict[int, tuple] = {}
    children: dict[int | None, list[tuple[int, int]]] = {}
    items: dict[int, list[tuple[int, int, str, str]]] = {}
    labels: dict[int, str] = {}
    for mid, parent, mtitle, mseq, published, mtype, iid, ititle, iseq, tname, tlabel in rows:
        if mid not in modules:
            modules[mid] = (parent, mtitle, published, mtype)
            children.setdefault(parent, []).append((mseq, mid))
        if iid is not None:
            items.setdefault(mid, []).append((iseq, iid, ititle, tname))
            labels[iid] = tlabel or tname

    structure = CourseStructure(course_id=course_id, version=structure_version)
    roots = sorted(children.get(None, []))
    if not roots:
        return structure
    root_id = roots[0][1]
    structure.root_id = root_id

    order: list[int] = []
    preorder: list[int] = []  # published-tree modules, parents before children
    stack = [root_id]
    while stack:
        mid = stack.pop()
        parent, mtitle, _published, _mtype = modules[mid]
        structure.module_parent[mid] = parent
        structure.module_title[mid] = mtitle
        preorder.append(mid)
        own = sorted(items.get(mid, []))
        structure.module_items[mid] = tuple(iid for _seq, iid, _t, _n in own)
        for _seq, iid, ititle, tname in own:
            structure.item_module[iid] = mid
            structure.item_title[iid] = ititle
            structure.item_type[iid] = tname
            structure.item_type_label[iid] = labels[iid]
            order.append(iid)
        kids = [kid for _seq, kid in sorted(children.get(mid, [])) if modules[kid][2]]
        stack.extend(reversed(kids))

    structure.item_order = tuple(order)
    structure.item_pos = {iid: pos for pos, iid in enumerate(order)}
    totals = {mid: len(structure.module_items[mid]) for mid in preorder}
    for mid in reversed(preorder):  # children before parents
        parent = structure.module_parent[mid]
        if parent is not None:
            totals[parent] += totals[mid]
    structure.subtree_total = totals
    structure.module_first_item = _first_item_ordered(structure, preorder)
    structure.outline_html = _render_outline(structure, preorder, ITEM_PAGE_PREFIX)
    structure.outline_html_resume = _render_outline(structure, preorder, RESUME_PAGE_PREFIX)
    return structure


def _render_outline(structure: CourseStructure, preorder: list[int], prefix: str) -> str:
    """The published tree as nested lists, without the root row. Built in Python, not with a template:
    it runs once per structure version and 2,000 template includes would take a noticeable while.

    Rows are kept short because every student downloads all of them on every page: a module row is
    ``<li id=m<id>><a href="<prefix><first item>/">title</a></li>`` with a link *relative* to the page
    (``prefix`` is ``../`` on an item page, ``item/`` on the resume page), so the markup names no
    offering and the same string serves every offering of the course. A module with no item in its
    subtree is ``<li id=m<id> class=e><span>title</span></li>``. The per-user CSS overlay
    (:func:`learning.player.outline.progress_overlay_css`) appends percent and completion marks to ``#m<id>>a``."""
    first = structure.module_first_item
    depth = {structure.root_id: 0}
    parts: list[str] = ['<ul class="po-tree">']
    current_depth = 1
    open_li = False
    for mid in preorder:
        if mid == structure.root_id:
            continue
        d = depth[structure.module_parent[mid]] + 1
        depth[mid] = d
        if d > current_depth:
            parts.append("<ul>" * (d - current_depth))
        elif open_li:
            parts.append("</li>")
            while current_depth > d:
                parts.append("</ul></li>")
                current_depth -= 1
        current_depth = d
        title = escape(structure.module_title[mid])
        target = first.get(mid)
        if target is not None:
            parts.append(f'<li id=m{mid}><a href="{prefix}{target}/">{title}</a>')
        else:
            parts.append(f"<li id=m{mid} class=e><span>{title}</span>")
        open_li = True
    if open_li:
        parts.append("</li>")
        while current_depth > 1:
            parts.append("</ul></li>")
            current_depth -= 1
    parts.append("</ul>")
    return "".join(parts)


def _first_item_ordered(structure: CourseStructure, preorder: list[int]) -> dict[int, int]:
    """The first item in course order within each module's subtree (its own items come first)."""
    first: dict[int, int] = {}
    for iid in reversed(structure.item_order):
        mid: int | None = structure.item_module[iid]
        while mid is not None:
            first[mid] = iid
            mid = structure.module_parent[mid]
    return first
