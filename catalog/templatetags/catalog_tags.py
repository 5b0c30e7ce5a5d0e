"""Small display helpers of the catalog templates."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def in_tz(value, zone_name):
    """A datetime's wall-clock time in the given time zone (the university's), for display.

    Naive on purpose: Django's ``date`` filter converts an aware datetime back to the active time zone
    (UTC here) before formatting, so ``{{ t|in_tz:zone|date:"H:i" }}`` would print UTC."""
    if not value:
        return value
    try:
        zone = ZoneInfo(zone_name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return timezone.make_naive(value, zone)


@register.simple_tag(takes_context=True)
def page_url(context, query_string, page):
    """``?<filters>&page=n``: pagination keeps every filter."""
    return f"?{query_string}&page={page}" if query_string else f"?page={page}"


@register.filter
def intcomma_plain(value):
    """``1000`` → ``1,000`` (a thousands separator without loading django.contrib.humanize)."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return value
