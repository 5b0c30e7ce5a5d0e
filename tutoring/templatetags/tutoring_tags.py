"""``{% tutor_panel offering item %}``: the tutor beside a player item (learning's player includes it;
a lower app's page shows a higher app's part through the higher app's tag). It costs the player no
query: the panel itself is loaded when the student opens it (``static/js/tutor.js``), and without
JavaScript the link opens the panel as a page."""

from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def tutor_panel(context, offering, item):
    if offering is None or item is None:
        return ""
    url = reverse("tutoring:panel", args=[offering.pk, item.pk])
    request = context.get("request")
    back = quote(request.get_full_path(), safe="/") if request is not None else ""
    return format_html(
        '<details class="tutor-dock mt-3" data-panel-url="{}?fragment=1&amp;next={}">'
        '<summary class="btn btn-outline-primary btn-sm">Ask the AI tutor</summary>'
        '<div class="tutor-dock-body"><a href="{}?next={}">Open the tutor</a></div></details>',
        url,
        back,
        url,
        back,
    )
