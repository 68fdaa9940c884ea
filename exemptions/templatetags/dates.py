"""`{{ value|local_date:"j M Y, H:i T" }}`: Django's `date` filter, in the reader's zone, for pages and emails.

Django's own filter converts a datetime to the active zone before formatting it, and that conversion raises
for an instant the zone cannot express (9999-12-31 23:59:59 UTC east of UTC, 0001-01-01 UTC west of it):
one such row, forced past the engine's checks, would fail every page and email that lists it. This filter
shows a placeholder for that one value instead.
"""

import datetime as dt

from django import template
from django.template import defaultfilters
from django.utils import timezone

from exemptions import deadlines

register = template.Library()

OUT_OF_RANGE = "(date out of range)"
END_OF_DAY = dt.time(23, 59)  # a deadline from this minute on falls "by the end of the day"


@register.filter(is_safe=False)
def local_date(value, arg=None):
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = deadlines.in_zone(value, timezone.get_current_timezone())
        if value is None:
            return OUT_OF_RANGE
    return defaultfilters.date(value, arg)


@register.filter(is_safe=False)
def deadline(filing):
    """`{{ filing|deadline }}`: the filing's deadline as people read it (deadline_text)."""
    return deadline_text(filing) if filing is not None and getattr(filing, "due_at", None) else ""


def deadline_text(filing) -> str:
    """A deadline as a date: the authority's calendar day when it falls at the end of that day (as working-day
    deadlines do), so "15 Dec 2026" and not "16 Dec 2026, 05:59 CET"; with a time, in the reader's zone, only when
    it falls at another moment (e.g. a clock resumed mid-day)."""
    authority_zone = deadlines.zone_or_utc(filing.authority.time_zone)
    there = deadlines.in_zone(filing.due_at, authority_zone)
    if there is None:
        return OUT_OF_RANGE
    if there.time() >= END_OF_DAY:
        return f"{there.day} {there:%b %Y}"
    return local_date(filing.due_at, "j M Y, H:i T")
