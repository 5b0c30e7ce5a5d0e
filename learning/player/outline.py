"""The per-student overlay of the course outline.

The outline HTML itself is built once per structure version with the structure
(:mod:`learning.progress.structure`, which progress needs for its definition of required items): it
names no student and no offering. A page lays the student's progress over it with the ``<style>`` body
of :func:`progress_overlay_css`.
"""

from __future__ import annotations


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
