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


@register.filter(is_safe=False)
def local_date(value, arg=None):
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = deadlines.in_zone(value, timezone.get_current_timezone())
        if value is None:
            return OUT_OF_RANGE
    return defaultfilters.date(value, arg)
