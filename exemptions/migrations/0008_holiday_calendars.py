"""Holiday calendars kept as data, seeded with the UN Headquarters' official holidays for 2025-2027; UN1718
counts working days on it, OFAC and BIS on the US federal calendar (not New York State's or DC's).

UN Headquarters observes nine fixed official holidays a year (a tenth is a floating holiday each staff member
picks, which does not close the Secretariat): New Year's Day, Good Friday, Eid al-Fitr, Memorial Day, Eid
al-Adha, Independence Day, Labour Day, Thanksgiving Day and Christmas Day, a day falling on a weekend being
observed on the nearest weekday (DOMAIN.md; the Secretariat's yearly ST/IC information circulars). Each row
says where its date comes from; staff correct them in the admin when the Secretariat's circular says otherwise.
"""

import django.db.models.deletion
from django.db import migrations, models


UN_HQ = "UN-HQ"
CIRCULAR_2025 = "UN HQ official holidays for 2025 (ST/IC information circular)"
RULE = "UN HQ standing list (DOMAIN.md): date by its fixed rule; check against the year's ST/IC circular"
ESTIMATE = "Lunar date estimated from the Islamic calendar; confirm against the year's ST/IC circular"
UN_HQ_HOLIDAYS = [
    ("2025-01-01", "New Year's Day", CIRCULAR_2025),
    ("2025-03-31", "Eid al-Fitr", CIRCULAR_2025),
    ("2025-04-18", "Good Friday", CIRCULAR_2025),
    ("2025-05-26", "Memorial Day", CIRCULAR_2025),
    ("2025-06-06", "Eid al-Adha", CIRCULAR_2025),
    ("2025-07-04", "Independence Day", CIRCULAR_2025),
    ("2025-09-01", "Labour Day", CIRCULAR_2025),
    ("2025-11-27", "Thanksgiving Day", CIRCULAR_2025),
    ("2025-12-25", "Christmas Day", CIRCULAR_2025),
    ("2026-01-01", "New Year's Day", RULE),
    ("2026-03-20", "Eid al-Fitr", ESTIMATE),
    ("2026-04-03", "Good Friday", RULE),
    ("2026-05-25", "Memorial Day", RULE),
    ("2026-05-27", "Eid al-Adha", ESTIMATE),
    ("2026-07-03", "Independence Day (observed)", RULE),
    ("2026-09-07", "Labour Day", RULE),
    ("2026-11-26", "Thanksgiving Day", RULE),
    ("2026-12-25", "Christmas Day", RULE),
    ("2027-01-01", "New Year's Day", RULE),
    ("2027-03-09", "Eid al-Fitr", ESTIMATE),
    ("2027-03-26", "Good Friday", RULE),
    ("2027-05-17", "Eid al-Adha (observed)", ESTIMATE),
    ("2027-05-31", "Memorial Day", RULE),
    ("2027-07-05", "Independence Day (observed)", RULE),
    ("2027-09-06", "Labour Day", RULE),
    ("2027-11-25", "Thanksgiving Day", RULE),
    ("2027-12-24", "Christmas Day (observed)", RULE),
]
# Before this migration: UN1718 on New York State's calendar, OFAC and BIS on Washington DC's.
CALENDARS = {"UN1718": (UN_HQ, "US-NY"), "OFAC": ("US", "US-DC"), "BIS": ("US", "US-DC")}


def seed(apps, schema_editor):
    HolidayCalendar = apps.get_model("exemptions", "HolidayCalendar")
    Holiday = apps.get_model("exemptions", "Holiday")
    Authority = apps.get_model("exemptions", "Authority")
    calendar, _ = HolidayCalendar.objects.get_or_create(
        code=UN_HQ,
        defaults={
            "name": "UN Headquarters, New York: official holidays",
            "notes": "The official holidays the UN Secretariat publishes each year for Headquarters (ST/IC "
            "information circulars). Floating holidays are left out: the Secretariat works on them.",
        },
    )
    for day, name, source in UN_HQ_HOLIDAYS:
        Holiday.objects.get_or_create(calendar=calendar, date=day, defaults={"name": name, "source": source})
    for code, (new, old) in CALENDARS.items():
        Authority.objects.filter(code=code, holiday_calendar=old).update(holiday_calendar=new)


def unseed(apps, schema_editor):
    Authority = apps.get_model("exemptions", "Authority")
    for code, (new, old) in CALENDARS.items():
        Authority.objects.filter(code=code, holiday_calendar=new).update(holiday_calendar=old)


class Migration(migrations.Migration):
    dependencies = [
        ("exemptions", "0007_linked_filings"),
    ]

    operations = [
        migrations.CreateModel(
            name="HolidayCalendar",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "code",
                    models.CharField(
                        help_text="The name authorities give as their holiday calendar, e.g. UN-HQ. Not a country code: those name the `holidays` package's calendars.",
                        max_length=20,
                        unique=True,
                    ),
                ),
                ("name", models.CharField(max_length=200)),
                (
                    "base",
                    models.CharField(
                        blank=True,
                        help_text="Optional `holidays` package calendar whose holidays count too, e.g. US (the holidays below add one-off closures to it). Empty: only the holidays below and weekends are days off.",
                        max_length=20,
                    ),
                ),
                (
                    "notes",
                    models.TextField(
                        blank=True, help_text="Where the holidays come from, e.g. the circular that lists them"
                    ),
                ),
            ],
            options={
                "ordering": ["code"],
            },
        ),
        migrations.AlterField(
            model_name="authority",
            name="holiday_calendar",
            field=models.CharField(
                help_text="The calendar whose working days deadlines count: a holiday calendar kept in the admin (UN-HQ: the UN Headquarters' official holidays) or a country and optional subdivision of the `holidays` package (US: the US federal holidays; GB-ENG, BE)",
                max_length=20,
            ),
        ),
        migrations.CreateModel(
            name="Holiday",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("date", models.DateField()),
                ("name", models.CharField(max_length=100)),
                (
                    "source",
                    models.CharField(
                        blank=True,
                        help_text="Where this date comes from, e.g. the circular that lists it",
                        max_length=200,
                    ),
                ),
                (
                    "calendar",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="holidays",
                        to="exemptions.holidaycalendar",
                    ),
                ),
            ],
            options={
                "ordering": ["calendar", "date"],
                "constraints": [
                    models.UniqueConstraint(fields=("calendar", "date"), name="holiday_once_per_calendar_day")
                ],
            },
        ),
        migrations.RunPython(seed, unseed),
    ]
