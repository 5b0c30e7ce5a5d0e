"""``{% staff_dashboard %}``: the per-tenant counts on the admin index (templates/admin/index.html)."""

from django import template

from learning.admin import staff_dashboard as dashboard_rows

register = template.Library()


@register.inclusion_tag("admin/_staff_dashboard.html", takes_context=True)
def staff_dashboard(context):
    request = context.get("request")
    return {"rows": dashboard_rows(request.user) if request is not None else []}
