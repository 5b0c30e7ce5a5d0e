"""A reply as HTML: Markdown (markdown-it-py, CommonMark, raw HTML off), math ($…$ and $$…$$) through
the syllabus's LaTeX → MathML renderer, everything through nh3, and citations checked against the
session's snapshot.

Citations: ``[mm:ss]`` / ``[h:mm:ss]`` becomes a link that seeks the video (``data-seek`` seconds) when
a transcript segment covers that moment; ``[block N]`` becomes a link to ``#block-N`` when the snapshot
has that block. Any other citation is dropped, never shown. ``valid_citations`` lists the kept ones.
"""

from __future__ import annotations

import re

import nh3
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

from syllabus.mathml import LatexError, render_latex
from tutoring.context import clock

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False}).disable(["image"])
_TIME_CITE = re.compile(r"\[(?:(\d{1,2}):)?(\d{1,2}):(\d{2})\]")
_BLOCK_CITE = re.compile(r"\[block (\d{1,4})\]", re.I)
_DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.S)
_INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\s)([^$\n]+?)(?<!\s)\$")
_SLOT = "\ue000{}\ue001"
TAGS = {"p", "br", "strong", "em", "code", "pre", "ul", "ol", "li", "blockquote", "a", "h3", "h4", "h5", "h6"}
ATTRIBUTES = {"a": {"href"}}


def _segment_at(snapshot: dict, seconds: int) -> bool:
    for segment in snapshot.get("segments") or []:
        start = int(segment.get("start") or 0)
        end = max(float(segment.get("end") or 0), start)
        if start <= seconds <= end:
            return True
    return False


def _block_numbers(snapshot: dict) -> set[int]:
    return {int(b["n"]) for b in snapshot.get("blocks") or []}


def valid_citations(text: str, snapshot: dict) -> tuple[list[str], list[str]]:
    """(kept, dropped) citation tokens of ``text``."""
    kept, dropped = [], []
    for match in _TIME_CITE.finditer(text or ""):
        seconds = int(match.group(1) or 0) * 3600 + int(match.group(2)) * 60 + int(match.group(3))
        (kept if _segment_at(snapshot, seconds) else dropped).append(match.group(0))
    blocks = _block_numbers(snapshot)
    for match in _BLOCK_CITE.finditer(text or ""):
        (kept if int(match.group(1)) in blocks else dropped).append(match.group(0))
    return kept, dropped


def render_reply(text: str, snapshot: dict | None) -> SafeString:
    snapshot = snapshot or {}
    slots: list[str] = []

    def stash(html: str) -> str:
        slots.append(html)
        return _SLOT.format(len(slots) - 1)

    def math(match: re.Match, display: bool) -> str:
        try:
            return stash(render_latex(match.group(1).strip(), display=display))
        except LatexError:
            return stash(f'<code class="math-error">{escape(match.group(1))}</code>')

    def time_cite(match: re.Match) -> str:
        seconds = int(match.group(1) or 0) * 3600 + int(match.group(2)) * 60 + int(match.group(3))
        if not _segment_at(snapshot, seconds):
            return ""
        label = clock(seconds)
        return stash(
            f'<a class="tutor-cite" href="#t={seconds}" data-seek="{seconds}" title="Play the video from {label}">[{label}]</a>'
        )

    blocks = _block_numbers(snapshot)

    def block_cite(match: re.Match) -> str:
        n = int(match.group(1))
        if n not in blocks:
            return ""
        return stash(f'<a class="tutor-cite" href="#block-{n}" data-block="{n}">[block {n}]</a>')

    text = (text or "").replace("\x00", "").replace("\ue000", "").replace("\ue001", "")
    text = _DISPLAY_MATH.sub(lambda m: math(m, True), text)
    text = _INLINE_MATH.sub(lambda m: math(m, False), text)
    text = _TIME_CITE.sub(time_cite, text)
    text = _BLOCK_CITE.sub(block_cite, text)
    html = nh3.clean(
        _MD.render(text),
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    for index, fragment in enumerate(slots):
        html = html.replace(_SLOT.format(index), fragment)
    return mark_safe(html)  # noqa: S308 - nh3 output plus our own escaped links and generated MathML
