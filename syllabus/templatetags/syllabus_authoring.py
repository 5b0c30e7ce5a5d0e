"""``{% load syllabus_authoring %}``: the "Teach" nav link check, for base.html."""

from django import template

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
