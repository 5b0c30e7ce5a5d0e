"""Small display helpers of the catalog templates."""

from django import template
from django.utils import formats

from catalog import dates

register = template.Library()


@register.filter
def in_tz(value, zone_name):
    """A datetime's wall-clock time in the given time zone (the university's), for display
    (``catalog.dates.in_zone``: naive on purpose, so the ``date`` filter does not convert it back to UTC)."""
    return dates.in_zone(value, zone_name)


@register.filter
def offering_dates(offering, zone_name=None) -> str:
    """``{{ offering|offering_dates:tz }}``: "6 Mar 2027 – 24 Jun 2027" in the university's zone (``tz``, else
    ``offering.university.time_zone``), the one rule of ``catalog.dates``."""
    if zone_name is None:
        zone_name = offering.university.time_zone
    return dates.offering_dates(offering.starts_at, offering.ends_at, zone_name)


@register.simple_tag
def zone_note(*zone_names) -> str:
    """``{% zone_note tz %}`` or ``{% zone_note zones=... %}``: the sentence naming the page's time zone once."""
    names = []
    for name in zone_names:
        names.extend(name if isinstance(name, (list, tuple, set)) else [name])
    return dates.zone_note(names)


@register.filter
def time_zones(objects, path="university.time_zone") -> list[str]:
    """The distinct time zones of ``objects`` along ``path`` (loaded relations only), for ``zone_note``."""
    zones = []
    for obj in objects or []:
        value = obj
        for part in path.split("."):
            value = getattr(value, part, None)
        if value not in zones:
            zones.append(value)
    return zones


@register.simple_tag(takes_context=True)
def page_url(context, query_string, page):
    """``?<filters>&page=n``: pagination keeps every filter."""
    return f"?{query_string}&page={page}" if query_string else f"?page={page}"


@register.filter
def intcomma_plain(value):
    """``1000`` → ``1,000`` (``1.000`` in German: the active language's separator, without loading
    django.contrib.humanize)."""
    try:
        return formats.number_format(int(value), force_grouping=True)
    except (TypeError, ValueError):
        return value
