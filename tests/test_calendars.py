"""Holiday calendars: UN Headquarters' official holidays kept as data (seeded for 2025-2027, edited in the
admin), the US federal calendar for OFAC and BIS, and deadlines that follow an edit at once."""

import datetime as dt
import logging
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from exemptions import deadlines, engine
from exemptions.models import Authority, Holiday, HolidayCalendar
from tests import factories

NEW_YORK = ZoneInfo("America/New_York")


def ny(*args):
    return dt.datetime(*args, tzinfo=NEW_YORK)


@pytest.fixture
def admin_client_(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.org", "pw"))
    return client


def test_un_headquarters_holidays_are_seeded_for_2025_to_2027_with_their_source(db):
    un_hq = HolidayCalendar.objects.get(code="UN-HQ")
    assert un_hq.years == [2025, 2026, 2027]
    for year in (2025, 2026, 2027):
        names = list(un_hq.holidays.filter(date__year=year).values_list("name", flat=True))
        assert len(names) == 9, year  # nine fixed official holidays; the tenth is a floating one
        for holiday in ("New Year", "Good Friday", "Eid al-Fitr", "Eid al-Adha", "Thanksgiving", "Christmas"):
            assert any(name.startswith(holiday) for name in names), (year, holiday)
    assert not un_hq.holidays.filter(source="").exists()
    assert not any(day.weekday() >= 5 for day in un_hq.holidays.values_list("date", flat=True))


@pytest.mark.parametrize(
    ("day", "works"),
    [
        (dt.date(2026, 4, 3), False),  # Good Friday: UN HQ closed, US federal offices open
        (dt.date(2026, 3, 20), False),  # Eid al-Fitr
        (dt.date(2026, 5, 27), False),  # Eid al-Adha
        (dt.date(2026, 2, 12), True),  # Lincoln's Birthday: New York State only
        (dt.date(2026, 10, 12), True),  # Columbus Day
        (dt.date(2026, 11, 3), True),  # Election Day
        (dt.date(2026, 11, 11), True),  # Veterans Day
        (dt.date(2026, 1, 19), True),  # Martin Luther King Jr. Day: not on the UN HQ list
        (dt.date(2026, 11, 26), False),  # Thanksgiving Day
    ],
)
def test_un1718_counts_working_days_on_the_un_headquarters_calendar(db, day, works):
    calendar = Authority.objects.get(code="UN1718").holiday_calendar
    assert deadlines.is_working_day(day, calendar) is works


def test_ofac_and_bis_count_on_the_us_federal_calendar_not_dcs(db):
    for code in ("OFAC", "BIS"):
        calendar = Authority.objects.get(code=code).holiday_calendar
        assert deadlines.is_working_day(dt.date(2026, 4, 16), calendar)  # DC Emancipation Day: DC only
        assert not deadlines.is_working_day(dt.date(2026, 11, 11), calendar)  # Veterans Day: federal
        assert deadlines.is_working_day(dt.date(2026, 4, 3), calendar)  # Good Friday: not federal
        assert not deadlines.is_working_day(dt.date(2026, 6, 19), calendar)  # Juneteenth: federal


def test_a_holiday_added_in_the_admin_moves_the_deadline_computed_next(admin_client_, dossier, applicant):
    # UN1718 review: 10 working days from Friday 30 Oct 2026 end on Friday 13 Nov on the seeded calendar.
    first = factories.filing(dossier, "UN1718", applicant)
    engine.apply(first, "submit", applicant, "", ny(2026, 10, 30, 11, 0))
    assert first.due_at == ny(2026, 11, 13, 23, 59, 59)
    engine.apply(first, "withdraw", applicant, "Refiled after the Secretariat closed a day.")

    un_hq = HolidayCalendar.objects.get(code="UN-HQ")
    response = admin_client_.post(
        reverse("admin:exemptions_holiday_add"),
        {"calendar": un_hq.pk, "date": "2026-11-05", "name": "Closure (storm)", "source": "ST/IC notice"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    second = factories.filing(dossier, "UN1718", applicant)
    engine.apply(second, "submit", applicant, "", ny(2026, 10, 30, 11, 0))
    assert second.due_at == ny(2026, 11, 16, 23, 59, 59)  # the closure pushed it past the weekend

    holiday = Holiday.objects.get(calendar=un_hq, date=dt.date(2026, 11, 5))
    response = admin_client_.post(reverse("admin:exemptions_holiday_delete", args=[holiday.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert deadlines.add_working_days(dt.date(2026, 10, 30), 10, "UN-HQ") == dt.date(2026, 11, 13)


def test_holidays_are_edited_on_their_calendars_page(admin_client_, db):
    un_hq = HolidayCalendar.objects.get(code="UN-HQ")
    url = reverse("admin:exemptions_holidaycalendar_change", args=[un_hq.pk])
    page = admin_client_.get(url)
    assert page.status_code == 200 and "Eid al-Adha" in page.content.decode()
    listing = admin_client_.get(reverse("admin:exemptions_holidaycalendar_changelist")).content.decode()
    assert "2025, 2026, 2027" in listing and "UN1718" in listing
    rows = list(un_hq.holidays.all())
    form = {
        "code": un_hq.code,
        "name": un_hq.name,
        "base": "",
        "notes": un_hq.notes,
        "holidays-TOTAL_FORMS": len(rows) + 1,
        "holidays-INITIAL_FORMS": len(rows),
        "holidays-MIN_NUM_FORMS": 0,
        "holidays-MAX_NUM_FORMS": 1000,
    }
    for n, row in enumerate(rows):
        form.update({f"holidays-{n}-id": row.pk, f"holidays-{n}-calendar": un_hq.pk, f"holidays-{n}-date": row.date,
                     f"holidays-{n}-name": row.name, f"holidays-{n}-source": row.source})  # fmt: skip
    # The Secretariat's circular moves Eid al-Fitr 2027 by a day, and adds 2028's New Year's Day.
    eid = next(n for n, row in enumerate(rows) if row.date == dt.date(2027, 3, 9))
    form[f"holidays-{eid}-date"] = "2027-03-10"
    form.update({f"holidays-{len(rows)}-date": "2028-01-03", f"holidays-{len(rows)}-name": "New Year's Day (observed)"})
    response = admin_client_.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert deadlines.is_working_day(dt.date(2027, 3, 9), "UN-HQ")
    assert not deadlines.is_working_day(dt.date(2027, 3, 10), "UN-HQ")
    assert not deadlines.is_working_day(dt.date(2028, 1, 3), "UN-HQ")


def test_a_calendar_code_may_not_hide_a_country_calendar(admin_client_, db):
    response = admin_client_.post(reverse("admin:exemptions_holidaycalendar_add"), {
        "code": "US", "name": "Not the federal one", "base": "XX",
        "holidays-TOTAL_FORMS": 0, "holidays-INITIAL_FORMS": 0, "holidays-MIN_NUM_FORMS": 0, "holidays-MAX_NUM_FORMS": 1000,
    })  # fmt: skip
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "already names a country calendar" in errors["code"][0]
    assert "not a `holidays` package calendar" in errors["base"][0]
    assert not HolidayCalendar.objects.filter(code="US").exists()


def test_an_authority_must_name_a_calendar_that_exists(db):
    authority = Authority.objects.get(code="UN1718")
    authority.full_clean()
    authority.holiday_calendar = "UN-GVA"
    with pytest.raises(Exception, match="Unknown holiday calendar 'UN-GVA'"):
        authority.full_clean()
    HolidayCalendar.objects.create(code="UN-GVA", name="UN Office at Geneva")
    authority.full_clean()


def test_a_stored_calendar_may_add_closures_to_a_country_calendar(db):
    closures = HolidayCalendar.objects.create(code="US-FED-CLOSURES", name="US federal with closures", base="US")
    Holiday.objects.create(calendar=closures, date=dt.date(2025, 1, 9), name="National Day of Mourning")
    assert not deadlines.is_working_day(dt.date(2025, 1, 9), "US-FED-CLOSURES")
    assert not deadlines.is_working_day(dt.date(2025, 1, 20), "US-FED-CLOSURES")  # MLK Day, from the base
    assert deadlines.is_working_day(dt.date(2025, 1, 9), "US")


def test_a_year_without_holidays_entered_counts_only_weekends_and_says_so(db, caplog):
    deadlines._warn_no_holidays.cache_clear()  # warned once per process and year
    with caplog.at_level(logging.WARNING, logger="exemptions.deadlines"):
        assert deadlines.is_working_day(dt.date(2031, 12, 25), "UN-HQ")
    assert "UN-HQ has no holidays entered for 2031" in caplog.text


def test_a_calendar_in_use_can_be_neither_deleted_nor_renamed(admin_client_, db):
    un_hq = HolidayCalendar.objects.get(code="UN-HQ")
    page = admin_client_.post(reverse("admin:exemptions_holidaycalendar_delete", args=[un_hq.pk]), {"post": "yes"})
    assert page.status_code == 200 and "UN1718, whose deadlines count on UN-HQ" in page.content.decode()
    bulk = admin_client_.post(
        reverse("admin:exemptions_holidaycalendar_changelist"),
        {"action": "delete_selected", "_selected_action": [un_hq.pk], "post": "yes"},
    )
    assert bulk.status_code == 200
    assert HolidayCalendar.objects.filter(code="UN-HQ").exists()
    un_hq.code = "UN-NY"
    with pytest.raises(Exception, match="UN1718 count their deadlines on UN-HQ"):
        un_hq.full_clean()
    spare = HolidayCalendar.objects.create(code="UN-GVA", name="UN Office at Geneva")
    admin_client_.post(reverse("admin:exemptions_holidaycalendar_delete", args=[spare.pk]), {"post": "yes"})
    assert not HolidayCalendar.objects.filter(code="UN-GVA").exists()
