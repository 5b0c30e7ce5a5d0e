"""``{% load syllabus_authoring %}``: the "Teach" nav link check, for base.html, and ``math_text``."""

from django import template
from django.utils.safestring import mark_safe

from syllabus.mathml import render_math_text
from syllabus.permissions import anything_editable_by

register = template.Library()


@register.simple_tag(takes_context=True)
def can_teach(context) -> bool:
    """Whether the signed-in user may edit or view at least one syllabus (one query, memoised per request)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    if not hasattr(request, "_syllabus_can_teach"):
        request._syllabus_can_teach = anything_editable_by(user)
    return request._syllabus_can_teach


@register.filter
def math_text(text) -> str:
    """Text with ``$$…$$`` LaTeX as escaped HTML with inline MathML (``syllabus.mathml.render_math_text``)."""
    return mark_safe(render_math_text(str(text) if text is not None else ""))  # noqa: S308 -- escaped there
