"""An offering's dates as every page shows them: in its university's time zone.

One rule for every page (catalog, rosters, dashboards, the staff console): an offering's start and end,
its enrollment window and the roster's timestamps are shown as the wall-clock date in the university's
``time_zone``, and the page names that zone once (``zone_note``). The stored values are instants (UTC);
an offering starting "6 Mar" at midnight in New York is 05:00 UTC on 6 Mar, and showing it in UTC on
one page and in New York on another made the same term read "5 Mar" and "6 Mar".
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.translation import gettext, gettext_noop

DATE_FORMAT = "SHORT_DATE_FORMAT"  # the active language's short date (lms/formats: "6 Mar 2027", "6. März 2027")
# English; said through gettext (the German catalog has them).
SELF_PACED = gettext_noop("Self-paced")
EACH_UNIVERSITYS_ZONE = gettext_noop("Dates and times are in each university's time zone.")
ZONE_NOTE = gettext_noop("Dates and times are in {zone} time.")


def university_zone(zone_name: str | None) -> ZoneInfo:
    """The zone of a university's ``time_zone`` (UTC if it is empty or unknown)."""
    try:
        return ZoneInfo(zone_name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def in_zone(value: datetime | None, zone_name: str | None) -> datetime | None:
    """The wall-clock time of ``value`` in the zone, naive (Django's ``date`` filter would convert an aware
    datetime back to the active zone before formatting)."""
    if not value:
        return value
    if timezone.is_naive(value):
        value = timezone.make_aware(value, ZoneInfo("UTC"))
    return timezone.make_naive(value, university_zone(zone_name))


def format_date(value: datetime | None, zone_name: str | None, fmt: str = DATE_FORMAT) -> str:
    local = in_zone(value, zone_name)
    return dateformat.format(local, get_format(fmt)) if local else ""


def offering_dates(starts_at: datetime | None, ends_at: datetime | None, zone_name: str | None) -> str:
    """ "6 Mar 2027 – 24 Jun 2027", "from 6 Mar 2027", "until 24 Jun 2027" or "Self-paced"."""
    start, end = format_date(starts_at, zone_name), format_date(ends_at, zone_name)
    if start and end:
        return f"{start} – {end}"
    if start:
        return gettext("from %(date)s") % {"date": start}
    if end:
        return gettext("until %(date)s") % {"date": end}
    return gettext(SELF_PACED)


def zone_note(zone_names: Iterable[str | None]) -> str:
    """The sentence that names the zone once on a page: the one zone of its offerings, or "each
    university's" when they are in several ("" when there are none)."""
    zones = {university_zone(name).key for name in zone_names}
    if not zones:
        return ""
    return gettext(ZONE_NOTE).format(zone=zones.pop()) if len(zones) == 1 else gettext(EACH_UNIVERSITYS_ZONE)
