"""A reply as HTML: the discussions' markdown renderer (``learning.community.markdown.render_markdown``:
markdown-it-py with raw HTML off, $…$ and $$…$$ math as MathML, nh3), with citations checked against the
session's snapshot.

Citations: ``[mm:ss]`` / ``[h:mm:ss]`` becomes a link that seeks the video (``data-seek`` seconds) when
a transcript segment covers that moment; ``[block N]`` becomes a link to ``#block-N`` when the snapshot
has that block. Any other citation is dropped, never shown. ``valid_citations`` lists the kept ones.
"""

from __future__ import annotations

import re

from django.utils.safestring import SafeString, mark_safe

from learning.community.markdown import render_markdown
from tutoring.context import clock

_TIME_CITE = re.compile(r"\[(?:(\d{1,2}):)?(\d{1,2}):(\d{2})\]")
_BLOCK_CITE = re.compile(r"\[block (\d{1,4})\]", re.I)


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
    blocks = _block_numbers(snapshot)

    def citations(source: str, slot) -> str:
        def time_cite(match: re.Match) -> str:
            seconds = int(match.group(1) or 0) * 3600 + int(match.group(2)) * 60 + int(match.group(3))
            if not _segment_at(snapshot, seconds):
                return ""
            label = clock(seconds)
            return slot(
                f'<a class="tutor-cite" href="#t={seconds}" data-seek="{seconds}" '
                f'title="Play the video from {label}">[{label}]</a>'
            )

        def block_cite(match: re.Match) -> str:
            n = int(match.group(1))
            if n not in blocks:
                return ""
            return slot(f'<a class="tutor-cite" href="#block-{n}" data-block="{n}">[block {n}]</a>')

        return _BLOCK_CITE.sub(block_cite, _TIME_CITE.sub(time_cite, source))

    html = render_markdown((text or "").replace("\x00", ""), substitute=citations)
    return mark_safe(html)  # noqa: S308 - the shared renderer's nh3 output plus our own citation links
