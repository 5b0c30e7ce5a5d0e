"""Learning's pieces of other apps' pages: the enroll panel (with the certificate of a completed offering) and
the syllabus outline of the catalog's course page (the catalog composes them in its template and never imports
learning)."""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from learning.enrollment.selectors import enroll_panel as build_enroll_panel
from learning.enrollment.selectors import prerequisite_links
from learning.gradebook.selectors import certificates_of
from learning.progress.structure import get_course_structure

register = template.Library()

OUTLINE_DEPTH = 2  # visitors see units and their chapters; deeper levels stay in the player


@register.simple_tag(takes_context=True)
def enroll_panel(context, course, offerings, invitation_code=None):
    """The per-user panel; the course's prerequisite links are the same for everyone, shared through the
    catalog's page cache when the course page read it (``request.catalog_parts``)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    parts = getattr(request, "catalog_parts", None)
    links = parts.get_or_set("prerequisites", lambda: list(prerequisite_links(course=course))) if parts else None
    panel = build_enroll_panel(
        user=user, course=course, offerings=offerings, invitation_code=invitation_code, links=links
    )
    completed = {state.offering.pk: state for state in panel.states if state.code == "completed"}
    if completed:  # the certificate of a completed offering (one query, only then)
        for certificate in certificates_of(user).filter(course_offering_id__in=list(completed)):
            completed[certificate.course_offering_id].certificate = certificate
    return panel


@register.simple_tag
def course_outline(course):
    """Published module titles only (cached per structure version by ``learning.progress.structure``)."""
    structure = get_course_structure(course_id=course.pk, structure_version=course.structure_version)
    if structure.root_id is None:
        return mark_safe('<p class="text-muted small">The syllabus is being prepared.</p>')
    children: dict[int, list[int]] = {}
    order = {mid: n for n, mid in enumerate(structure.module_title)}
    for mid, parent in structure.module_parent.items():
        if parent is not None:
            children.setdefault(parent, []).append(mid)

    def render(mid: int, level: int) -> str:
        kids = sorted(children.get(mid, []), key=order.get)
        if not kids or level > OUTLINE_DEPTH:
            return ""
        rows = "".join(
            f"<li>{escape(structure.module_title[k])}{render(k, level + 1)}</li>" for k in kids
        )
        return f'<ol class="{"mb-0" if level > 1 else "small"}">{rows}</ol>'

    html = render(structure.root_id, 1)
    # Every title went through escape() above.
    preparing = escape(gettext("The syllabus is being prepared."))
    return mark_safe(html or f'<p class="text-muted small">{preparing}</p>')  # noqa: S308
