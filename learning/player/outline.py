"""The per-student overlay of the course outline.

The outline HTML itself is built once per structure version with the structure
(:mod:`learning.progress.structure`, which progress needs for its definition of required items): it
names no student and no offering. A page lays the student's progress over it with the ``<style>`` body
of :func:`progress_overlay_css`.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.translation import gettext as _

from learning.assessments.rules import LEVEL_LABELS, NOT_STARTED


def progress_overlay_css(*, completed_ids: list[int], percents: dict[int, int], current_module_ids: list[int]) -> str:
    """A per-user ``<style>`` body: completion marks of ``completed_ids``, the whole percent of the
    started modules in ``percents``, and the current module's path in bold. Only integers go into it:
    nothing to escape.

    The mark is a custom property (``--po``) that ``static/css/player.css`` shows after the link, so a
    completed module is named once, not once per rule: hundreds of completed modules are common."""
    rules: list[str] = []
    if completed_ids:
        rules.append("#m" + ">a,#m".join(map(str, completed_ids)) + '>a{--po:" \\2713";--pc:#198754;color:#198754}')
    rules.extend([f'#m{mid}>a{{--po:" {int(pct)}%"}}' for mid, pct in percents.items() if pct > 0])
    if current_module_ids:
        rules.append("#m" + ">a,#m".join(map(str, current_module_ids)) + ">a{font-weight:700}")
    return "\n".join(rules)


def mastery_badge(*, level: str, title: str) -> str:
    """A quiz's mastery as a small badge with its words (never colour only): the level is visible text, and a
    screen reader hears which quiz it is about. ``title`` is escaped here."""
    label = escape(_(LEVEL_LABELS[level]))
    context = escape(_("%(title)s mastery: ") % {"title": title})
    return (
        f'<span class="badge text-bg-light border po-mastery mastery-{level}">'
        f'<span class="visually-hidden">{context}</span>{label}</span>'
    )


def outline_with_mastery(outline_html: str, *, mastery: dict[int, str], item_module: dict, item_title: dict) -> str:
    """The cached outline with the student's quiz mastery badges after the link of each quiz's module.

    The outline string names no student, so the badges are spliced in per request: one ``find`` per module
    that has a started quiz, and one join; no query (the levels come with the page query). Quizzes outside
    the published tree (no module in the structure) and unknown levels are skipped."""
    badges: dict[int, list[str]] = {}
    for item_id, level in mastery.items():
        module_id = item_module.get(item_id)
        if module_id is None or level == NOT_STARTED or level not in LEVEL_LABELS:
            continue
        badges.setdefault(module_id, []).append(mastery_badge(level=level, title=item_title.get(item_id, "")))
    cuts: list[tuple[int, str]] = []
    for module_id, spans in badges.items():
        start = outline_html.find(f"<li id=m{module_id}><a ")
        if start < 0:
            continue
        end = outline_html.find("</a>", start) + len("</a>")
        cuts.append((end, " " + " ".join(spans)))
    if not cuts:
        return outline_html
    cuts.sort()
    pieces, last = [], 0
    for position, text in cuts:
        pieces += [outline_html[last:position], text]
        last = position
    pieces.append(outline_html[last:])
    return "".join(pieces)
