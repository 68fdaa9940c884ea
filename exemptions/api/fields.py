"""The API's field and serializer bases: dates checked for plausibility, datetimes in the reader's zone read once
per serializer and written in UTC when that zone cannot express them."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from rest_framework import serializers

from exemptions import deadlines
from exemptions.models import validate_plausible_date


def _date(**kwargs):
    return serializers.DateField(validators=[validate_plausible_date], **kwargs)


class DateTimeField(serializers.DateTimeField):
    """A datetime in the reader's zone, or in UTC when that zone cannot express it (a deadline forced to
    9999-12-31 23:59:59 UTC is in the year 10000 east of UTC): one such row must not fail a whole list."""

    def to_representation(self, value):
        zone = getattr(self, "timezone", None) or self.default_timezone()
        aware = isinstance(value, dt.datetime) and timezone.is_aware(value)
        if aware and zone is not None and deadlines.in_zone(value, zone) is None:
            return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
        return super().to_representation(value)


# DRF looks the active time zone up again for every datetime it writes, a context-local read each time: 100
# lookups for a page of 25 filings, about a sixth of serializing it. The zone does not change within a response,
# so the model serializers here read it once, when their fields are built; the output is the same. (Comments, not
# docstrings: drf-spectacular would publish a docstring as the description of every serializer built on this class.)
class ModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: DateTimeField,
    }

    def get_fields(self):
        fields = super().get_fields()
        zone = timezone.get_current_timezone() if settings.USE_TZ else None
        for field in fields.values():
            if isinstance(field, serializers.DateTimeField) and not hasattr(field, "timezone"):
                field.timezone = zone
        return fields
