"""Post bodies: markdown (markdown-it-py, CommonMark with tables and strikethrough, raw HTML off) sanitised
with nh3, ``$…$`` / ``$$…$$`` LaTeX as MathML through the syllabus editor's renderer
(``syllabus.mathml.render_latex``), and ``@[Full Name]`` mentions of course members.

``render_markdown(text, substitute=...)`` is the one markdown renderer of posts and tutor replies
(``tutoring.rendering``): nh3's output with our own MathML, and whatever trusted HTML ``substitute`` puts in
(mention spans, citation links), added after sanitising in slots nh3 cannot forge (the slot marker is a
random token per call). ``render_post(text, resolve_mentions=...)`` returns ``(html, mentioned_user_ids)``;
the HTML is stored with the post (``body_html``).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

import nh3
from django.utils.html import escape
from markdown_it import MarkdownIt

from syllabus.mathml import LatexError, render_latex

_md = MarkdownIt("commonmark", {"html": False}).enable("table").enable("strikethrough")

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "em",
    "strong",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}

# $$display$$ first, then $inline$ (not across blank lines; "\$" is a literal dollar).
_DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.S)
_INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\s)([^$\n]+?)(?<!\s)\$(?!\$)")
_MENTION = re.compile(r"@\[([^\[\]\n]{1,120})\]")


def render_markdown(text: str, *, substitute: Callable[[str, Callable[[str], str]], str] | None = None) -> str:
    """Sanitised HTML for markdown ``text``, with ``$…$`` / ``$$…$$`` LaTeX as MathML.

    ``substitute(source, slot)`` may replace parts of the source with trusted HTML of its own (the posts'
    mentions, the tutor's citations): ``slot(html)`` answers a marker that survives markdown and nh3 and is
    swapped for ``html`` after sanitising. The answer is safe to mark safe."""
    token = secrets.token_hex(8)
    slots: list[str] = []

    def slot(html: str) -> str:
        slots.append(html)
        return f"MSLOT{token}N{len(slots) - 1}E"

    def math(match: re.Match, display: bool) -> str:
        latex = match.group(1)
        try:
            return slot(render_latex(latex, display=display))
        except LatexError:
            return slot(f"<code>{escape(match.group(0))}</code>")

    source = _DISPLAY_MATH.sub(lambda m: math(m, True), text)
    source = _INLINE_MATH.sub(lambda m: math(m, False), source)
    if substitute is not None:
        source = substitute(source, slot)
    html = nh3.clean(
        _md.render(source),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
    for index, piece in enumerate(slots):
        html = html.replace(f"MSLOT{token}N{index}E", piece)
    return html


def render_post(text: str, *, resolve_mentions: Callable[[list[str]], dict[str, tuple[int, str]]] | None = None):
    """``(html, mentioned_user_ids)`` for a post's markdown ``text``.

    ``resolve_mentions(names)`` maps lower-cased names to ``(user_id, full_name)`` of course members; a
    name it does not resolve stays plain text."""
    mentioned: list[int] = []

    def mentions(source: str, slot: Callable[[str], str]) -> str:
        names = [m.group(1).strip() for m in _MENTION.finditer(source)]
        resolved = resolve_mentions([n.lower() for n in names]) if (names and resolve_mentions) else {}

        def mention(match: re.Match) -> str:
            hit = resolved.get(match.group(1).strip().lower())
            if hit is None:
                return match.group(0)
            user_id, full_name = hit
            if user_id not in mentioned:
                mentioned.append(user_id)
            return slot(f'<span class="mention">@{escape(full_name)}</span>')

        return _MENTION.sub(mention, source)

    return render_markdown(text, substitute=mentions), mentioned
