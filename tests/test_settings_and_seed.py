import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from exemptions import audit, deadlines
from exemptions.models import Authority, Event, Filing, Membership

ROOT = Path(__file__).resolve().parent.parent
DEMO_LOGINS = [
    "applicant",
    "applicant2",
    "applicant-other",
    "reviewer-un",
    "staff-un",
    "reviewer-ofac",
    "staff-ofac",
    "admin",
]


def settings_in_subprocess(**env):
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "d = settings.DATABASES['default']; print(json.dumps([d['ENGINE'], str(d['NAME']), d.get('HOST', '')]))"
    )
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_settings_default_to_a_sqlite_file_without_database_url():
    engine, name, _ = settings_in_subprocess()
    assert engine == "django.db.backends.sqlite3" and name.endswith("db.sqlite3")


def test_settings_read_postgresql_from_database_url():
    engine, name, host = settings_in_subprocess(DATABASE_URL="postgres://someone@db.internal:5433/cases")
    assert (engine, name, host) == ("django.db.backends.postgresql", "cases", "db.internal")


def test_authorities_are_seeded_by_migration_with_their_calendars(db):
    codes = dict(Authority.objects.values_list("code", "holiday_calendar"))
    # UN1718 counts on the UN Headquarters' official holidays (kept as data), OFAC and BIS on the US federal ones.
    assert codes == {"UN1718": "UN-HQ", "OFAC": "US", "BIS": "US", "EU": "BE", "UK-OFSI": "GB-ENG", "UK-ECJU": "GB-ENG"}
    for authority in Authority.objects.all():
        authority.full_clean()  # calendars and zones resolve


@pytest.fixture
def seeded(db):
    call_command("seed_demo", force=True, verbosity=0)


def test_seed_demo_creates_exactly_the_demo_logins_with_password_demo(seeded, django_user_model):
    assert sorted(django_user_model.objects.values_list("username", flat=True)) == sorted(DEMO_LOGINS)
    for username in DEMO_LOGINS:
        assert authenticate(username=username, password="demo") is not None, username
    assert (
        Membership.objects.filter(user__username__in=["applicant", "applicant2"])
        .values("organization")
        .distinct()
        .count()
        == 1
    )


def test_seed_demo_reaches_every_state_of_every_workflow_through_real_events(seeded):
    for authority in Authority.objects.all():
        declared = {s.name for s in authority.procedure.states}
        reached = set(Filing.objects.filter(authority=authority).values_list("status", flat=True))
        assert reached == declared, authority.code
    assert Event.objects.count() > Filing.objects.exclude(status="draft").count()
    assert audit.first_broken_link(Event.objects.select_related("filing").order_by("filing_id", "sequence")) is None
    assert Filing.objects.overdue().exists()


def test_seed_demo_is_idempotent(seeded, django_user_model):
    counts = (django_user_model.objects.count(), Filing.objects.count(), Event.objects.count())
    call_command("seed_demo", force=True, verbosity=0)
    assert (django_user_model.objects.count(), Filing.objects.count(), Event.objects.count()) == counts


def test_demo_un_cases_come_through_every_channel_with_holds_and_an_expedited_extension(seeded):
    un = Authority.objects.get(code="UN1718")
    cases = Filing.objects.filter(authority=un).exclude(status="draft")
    assert set(cases.values_list("submission_channel", flat=True)) == set(Filing.Channel.values)
    assert cases.filter(submission_channel="member_state").exclude(channel_detail="").exists()
    assert (
        cases.filter(submission_channel="direct", urgent=True).exclude(urgent_reason="").count()
        == cases.filter(submission_channel="direct").count()
    )  # the demo NGOs file directly only when urgent
    assert {"on_hold", "hold_questions"} <= set(cases.values_list("status", flat=True))
    extension = cases.get(link=Filing.Link.EXTENSION)
    assert extension.follows.state.grants_validity and extension.is_expedited
    circulated = extension.events.get(action="circulate").created_at
    assert extension.due_at == deadlines.working_deadline(
        circulated, un.expedited_no_objection_working_days, un.holiday_calendar, un.time_zone
    )
    approvals = [f for f in cases if f.valid_from_on and f.link != Filing.Link.EXTENSION]
    assert approvals
    for approval in approvals:  # two to six weeks from filing to approval, as the Committee works now
        assert dt.timedelta(weeks=2) <= approval.decided_at - approval.submitted_at <= dt.timedelta(weeks=6)
        if approval.forwarded_at:
            assert approval.authority_time < approval.decided_at - approval.submitted_at


def test_seed_demo_loads_the_fixture_lists_and_screens_every_filed_case(seeded):
    from exemptions.models import SanctionsListVersion, ScreeningHit, ScreeningRun

    assert SanctionsListVersion.objects.count() == 5
    filed = Filing.objects.filter(submitted_at__isnull=False)
    assert ScreeningRun.objects.filter(filing__in=filed).count() == filed.count()
    listed = ScreeningHit.objects.filter(rule="", matched_name__icontains="hengtai")
    assert listed.exists() and not listed.exclude(disposition="").exists()  # a real hit awaits a reviewer
    decided = [f for f in filed if f.state.decided and not f.state.terminal]
    assert decided and not ScreeningHit.objects.filter(filing__in=decided, disposition="").exists()


@pytest.mark.django_db(transaction=True)
def test_seed_demo_runs_in_autocommit_as_scripts_run_calls_it():
    # Outside a test's transaction, as `./scripts/run` and the API fuzzing seed it: nothing may need one.
    call_command("seed_demo", force=True, verbosity=0)
    assert Filing.objects.filter(registration_number__gt="").exists()  # BIS registered some, outside a transaction
