"""Learning's pieces of other apps' pages: the enroll panel (with the certificate of a completed offering) and
the syllabus outline of the catalog's course page (the catalog composes them in its template and never imports
learning)."""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from learning.community.permissions import REVIEW_SHARE
from learning.enrollment.selectors import _signed_in, course_page_student, prerequisite_links
from learning.enrollment.selectors import enroll_panel as build_enroll_panel
from learning.gradebook.selectors import certificates_of
from learning.progress.structure import get_course_structure

register = template.Library()

OUTLINE_DEPTH = 2  # visitors see units and their chapters; deeper levels stay in the player


def course_page_student_of(request, course, links=None):
    """The signed-in student's side of the course page (:func:`course_page_student`: one query), read once per
    request and course: the enroll panel and the review button (``community_tags``) both use it. ``None``
    for a visitor who is not signed in."""
    user = getattr(request, "user", None)
    if request is None or not _signed_in(user):
        return None
    memo = request.__dict__.setdefault("_course_page_student", {})
    if course.pk not in memo:
        if links is None:
            parts = getattr(request, "catalog_parts", None)
            links = (
                parts.get_or_set("prerequisites", lambda: list(prerequisite_links(course=course)))
                if parts
                else list(prerequisite_links(course=course))
            )
        memo[course.pk] = course_page_student(user=user, course=course, links=links, review_share=REVIEW_SHARE)
    return memo[course.pk]


@register.simple_tag(takes_context=True)
def enroll_panel(context, course, offerings, invitation_code=None):
    """The per-user panel; the course's prerequisite links are the same for everyone, shared through the
    catalog's page cache when the course page read it (``request.catalog_parts``); the student's own rows
    are one query (:func:`course_page_student_of`)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    parts = getattr(request, "catalog_parts", None)
    links = parts.get_or_set("prerequisites", lambda: list(prerequisite_links(course=course))) if parts else None
    if links is None and _signed_in(user):
        links = list(prerequisite_links(course=course))
    panel = build_enroll_panel(
        user=user,
        course=course,
        offerings=offerings,
        invitation_code=invitation_code,
        links=links,
        student=course_page_student_of(request, course, links),
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
        rows = "".join(f"<li>{escape(structure.module_title[k])}{render(k, level + 1)}</li>" for k in kids)
        return f'<ol class="{"mb-0" if level > 1 else "small"}">{rows}</ol>'

    html = render(structure.root_id, 1)
    # Every title went through escape() above.
    preparing = escape(gettext("The syllabus is being prepared."))
    return mark_safe(html or f'<p class="text-muted small">{preparing}</p>')  # noqa: S308
