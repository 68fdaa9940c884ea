"""Holiday calendars kept as data: an authority whose days off no country's calendar gives (UN Headquarters
observes the official holidays the Secretariat publishes each year) names one of these, and staff keep its
holidays in the admin.

Deadlines read the calendars through `stored_calendar()`, which `deadlines` calls for names the `holidays`
package does not know. Every process keeps the calendars it loaded for a minute: a holiday saved or deleted
here counts at once in this process and within `RELOAD_SECONDS` in the others (web workers, Celery).
"""

import threading
import time

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import post_delete, post_save

from .. import deadlines
from .people import Authority

RELOAD_SECONDS = 60


class HolidayCalendar(models.Model):
    code = models.CharField(
        max_length=20,
        unique=True,
        help_text="The name authorities give as their holiday calendar, e.g. UN-HQ. Not a country code: those "
        "name the `holidays` package's calendars.",
    )
    name = models.CharField(max_length=200)
    base = models.CharField(
        max_length=20,
        blank=True,
        help_text="Optional `holidays` package calendar whose holidays count too, e.g. US (the holidays below "
        "add one-off closures to it). Empty: only the holidays below and weekends are days off.",
    )
    notes = models.TextField(blank=True, help_text="Where the holidays come from, e.g. the circular that lists them")

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} — {self.name}"

    def clean(self):
        errors = {}
        if self.code and deadlines.is_package_calendar(self.code):
            errors["code"] = (
                f"'{self.code}' already names a country calendar of the `holidays` package; choose another."
            )
        if self.base and not deadlines.is_package_calendar(self.base):
            errors["base"] = f"'{self.base}' is not a `holidays` package calendar (e.g. US, US-NY)."
        if self.pk:
            old_code = HolidayCalendar.objects.filter(pk=self.pk).values_list("code", flat=True).first()
            users = self.authorities_using(old_code) if old_code != self.code else []
            if users:
                errors["code"] = (
                    f"{', '.join(users)} count their deadlines on {old_code}: name another calendar there first."
                )
        if errors:
            raise ValidationError(errors)

    @staticmethod
    def authorities_using(code: str) -> list[str]:
        return list(Authority.objects.filter(holiday_calendar=code).values_list("code", flat=True))

    @property
    def years(self) -> list[int]:
        return sorted({day.year for day in self.holidays.values_list("date", flat=True)})


class Holiday(models.Model):
    calendar = models.ForeignKey(HolidayCalendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=100)
    source = models.CharField(
        max_length=200, blank=True, help_text="Where this date comes from, e.g. the circular that lists it"
    )

    class Meta:
        ordering = ["calendar", "date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="holiday_once_per_calendar_day")]

    def __str__(self):
        return f"{self.date:%a %d %b %Y} — {self.name}"


# --- what deadlines read -------------------------------------------------------------------------

_loaded: dict[str, deadlines.Calendar] = {}
_loaded_at: float | None = None
_lock = threading.Lock()


def stored_calendar(code: str) -> deadlines.Calendar | None:
    """The calendar kept as data under `code`, or None; every stored calendar is read in one go, again once
    `RELOAD_SECONDS` have passed or a holiday has changed in this process."""
    global _loaded, _loaded_at
    with _lock:
        if _loaded_at is None or time.monotonic() - _loaded_at > RELOAD_SECONDS:
            _loaded, _loaded_at = _read_calendars(), time.monotonic()
        return _loaded.get(code)


def _read_calendars() -> dict[str, deadlines.Calendar]:
    days: dict[int, set] = {}
    for calendar_id, day in Holiday.objects.values_list("calendar_id", "date"):
        days.setdefault(calendar_id, set()).add(day)
    return {
        code: deadlines.Calendar(
            code,
            base=base,
            days_off=frozenset(days.get(pk, ())),
            years=frozenset(day.year for day in days.get(pk, ())),
        )
        for pk, code, base in HolidayCalendar.objects.values_list("pk", "code", "base")
    }


def forget_stored_calendars(**_signal) -> None:
    """Read the calendars anew at the next deadline (a holiday or calendar was saved or deleted)."""
    global _loaded_at
    with _lock:
        _loaded_at = None


for _model in (HolidayCalendar, Holiday):
    post_save.connect(forget_stored_calendars, sender=_model, dispatch_uid=f"forget-calendars-save-{_model.__name__}")
    post_delete.connect(forget_stored_calendars, sender=_model, dispatch_uid=f"forget-calendars-del-{_model.__name__}")
deadlines.use_stored_calendars(stored_calendar)
