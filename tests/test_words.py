"""Words and times: flash messages say what happened and what comes next (never a state's name); people appear
by their names; deadlines read as dates, labelled by whose move it is; overdue means late on the viewer's side;
every aria-describedby names an element of the page; the email settings take a city such as Geneva; a favicon."""

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from exemptions import deadlines, engine, procedures
from exemptions.demo import actor_for, drive, payload_for
from exemptions.models import Authority, Filing, Profile, Role
from exemptions.templatetags.dates import deadline_text
from tests import factories

STATE_NAMES = {name for name in procedures.ALL_STATES if "_" in name}  # identifiers no sentence contains


def flashes(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def people(code):
    return {
        "reviewer": factories.member_of(code, Role.REVIEWER),
        "staff": factories.member_of(code, Role.STAFF),
    }


AUTHORITY_KEYS = {"UN1718": "un1718", "OFAC": "ofac", "UK-OFSI": "generic"}


def human_transitions():
    """(authority code, transition) for every action a person runs from a filed state, in every procedure."""
    for code, key in AUTHORITY_KEYS.items():
        procedure = procedures.procedure_for(key)
        seen = set()
        for t in procedure.transitions:
            # A screening verdict is given per hit on the screening part of the page, not as an action form.
            on_its_own_page = any(f.kind == procedures.SCREENING_HIT for f in t.payload)
            if t.is_system or t.name in seen or set(t.sources) == {procedures.INITIAL} or on_its_own_page:
                continue
            seen.add(t.name)
            yield pytest.param(code, t.name, id=f"{code}-{t.name}")


@pytest.mark.parametrize("code, action", list(human_transitions()))
def test_every_action_says_what_happened_and_what_next_without_state_names(dossier, applicant, code, action):
    helpers = people(code)
    transition = next(t for t in procedures.procedure_for(AUTHORITY_KEYS[code]).transitions if t.name == action)
    source = next(s for s in transition.sources if s != procedures.INITIAL)
    # A request waits with a forwarding body only when one forwards it (UN 1718: a Member State here).
    forwarded = {"submission_channel": "member_state", "channel_detail": "Norway"}
    filing = factories.filing(
        dossier, code, applicant, **({"channel": forwarded} if source == "with_forwarder" else {})
    )
    drive(filing, source, applicant=applicant, **helpers)
    filing.refresh_from_db()
    actor = actor_for(transition, applicant=applicant, **helpers)
    payload = payload_for(transition, filing, timezone.now(), reviewer=helpers["reviewer"])
    form = {f"{action}-{k}": (v.isoformat() if isinstance(v, dt.date) else v) for k, v in payload.items()}
    form[f"{action}-version"] = filing.version
    form[f"{action}-note"] = transition.example_note or "Because."
    response = factories.web_client(actor).post(
        reverse("filing_action", args=[filing.reference, action]), form, follow=True
    )
    said = " ".join(flashes(response))
    assert procedures.done_sentence(transition) in said, said
    assert said.startswith(filing.reference)
    assert ": done" not in said and " is now " not in said
    assert not [name for name in STATE_NAMES if name in said]
    filing.refresh_from_db()
    if filing.due_at and not filing.state.terminal:
        assert deadline_text(filing) in said  # the next step comes with its date


def test_every_action_of_every_procedure_has_its_own_sentence():
    assert set(procedures.DONE) <= procedures.ALL_ACTIONS
    humans = {t.name for p in procedures.PROCEDURES.values() for t in p.transitions if not t.is_system}
    assert humans <= set(procedures.DONE)


# --- names ---------------------------------------------------------------------------------------


def test_people_appear_by_full_name_and_username_only_as_fallback(dossier, applicant, reviewer_un, staff_un):
    reviewer_un.first_name, reviewer_un.last_name = "Amara", "Okafor"
    reviewer_un.save()
    filing = factories.submitted_filing(dossier, "UN1718", applicant)
    engine.apply(filing, "take", reviewer_un)
    page = factories.web_client(staff_un).get(reverse("filing_detail", args=[filing.reference])).content.decode()
    timeline = re.search(r'<ol class="timeline">(.*?)</ol>', page, re.S).group(1)
    assert "Amara Okafor" in timeline and "reviewer-un" not in timeline
    assert applicant.username in timeline  # no full name on record: the username stands in
    queue = factories.web_client(staff_un).get(reverse("review_queue")).content.decode()
    assert "Amara Okafor" in queue and "reviewer-un" not in queue
    factories.web_client(reviewer_un).get(reverse("filing_detail", args=[filing.reference]))
    opened = factories.web_client(staff_un).get(reverse("filing_detail", args=[filing.reference])).content.decode()
    assert "Amara Okafor" in re.search(r'id="views-title">.*?</ul>', opened, re.S).group(0)


# --- deadlines: dates, labels by side, overdue by side -------------------------------------------


@pytest.fixture
def asked(dossier, applicant, reviewer_un):
    """A UN1718 filing waiting on the applicant's reply."""
    filing = factories.submitted_filing(dossier, "UN1718", applicant)
    engine.apply(filing, "take", reviewer_un)
    engine.apply(filing, "request_information", reviewer_un, "Which hospitals?")
    return filing


def summary_of(user, filing):
    page = factories.web_client(user).get(reverse("filing_detail", args=[filing.reference])).content.decode()
    return re.sub(r"\s+", " ", re.search(r'<div id="deadline">(.*?)</div>', page, re.S).group(1))


def test_the_deadline_is_labelled_by_whose_move_it_is(asked, applicant, reviewer_un):
    date = deadline_text(asked)
    home = factories.web_client(applicant).get(reverse("home")).content.decode()
    assert f"Your reply is due {date}" in re.sub(r"\s+", " ", home)
    assert "Your reply is due" in summary_of(applicant, asked) and date in summary_of(applicant, asked)
    assert "Applicant&#x27;s reply due" in summary_of(reviewer_un, asked)
    engine.apply(asked, "respond", applicant, "Sanatoria 3 and 7.")
    assert "Authority&#x27;s target date" in summary_of(applicant, asked)
    assert "Review due" in summary_of(reviewer_un, asked)


def test_an_end_of_day_deadline_reads_as_the_authoritys_date_without_a_time(asked, applicant):
    Profile.objects.update_or_create(user=applicant, defaults={"time_zone": "Europe/Zurich"})
    new_york_day = asked.due_at.astimezone(deadlines.zone(asked.authority.time_zone)).date()
    text = deadline_text(asked)
    assert text == f"{new_york_day.day} {new_york_day:%b %Y}" and ":" not in text
    shown = summary_of(applicant, asked)
    assert text in shown and "CET" not in shown and "05:59" not in shown


def test_a_deadline_at_another_moment_shows_its_time_in_the_readers_zone(asked):
    Filing.objects.filter(pk=asked.pk).update(due_at=dt.datetime(2027, 3, 4, 14, 30, tzinfo=dt.UTC))
    asked.refresh_from_db()
    with timezone.override("Asia/Seoul"):
        assert deadline_text(asked) == "4 Mar 2027, 23:30 KST"


def test_overdue_means_late_on_the_viewers_side(asked, dossier, org, applicant, reviewer_un, staff_un):
    reviewing = factories.submitted_filing(
        factories.complete_dossier(org, applicant, title="Other"), "UN1718", applicant
    )
    engine.apply(reviewing, "take", reviewer_un)
    with time_machine.travel(timezone.now() + dt.timedelta(days=120), tick=False):
        overdue_queue = factories.web_client(reviewer_un).get(reverse("review_queue"), {"overdue": "true"})
        listed = overdue_queue.content.decode()
        assert reviewing.reference in listed and asked.reference not in listed
        dashboard = factories.web_client(staff_un).get(reverse("staff_dashboard")).context["overdue"]
        assert [f.reference for f in dashboard] == [reviewing.reference]
        assert "Overdue" in summary_of(applicant, asked) and "Overdue" in summary_of(reviewer_un, reviewing)
        assert "Overdue" not in summary_of(reviewer_un, asked)
        assert "Overdue" not in summary_of(applicant, reviewing)
        home = factories.web_client(applicant).get(reverse("home")).content.decode()
        assert "Overdue since" in home
        assert "Overdue on our side" in listed  # the filter says which side it counts


# --- help texts ----------------------------------------------------------------------------------


class Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.references = set(), []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        for name in ("aria-describedby", "aria-labelledby"):
            self.references += [(tag, name, ref) for ref in (attributes.get(name) or "").split()]


def test_every_aria_reference_names_an_element_of_its_page(dossier, org, applicant, reviewer_un, staff_un):
    draft = factories.complete_dossier(org, applicant, title="A draft")
    filing = factories.submitted_filing(dossier, "UN1718", applicant)
    engine.apply(filing, "take", reviewer_un)
    pages = {
        applicant: [
            reverse("home"),
            reverse("application_new"),
            reverse("application_detail", args=[draft.reference]),
            reverse("application_file", args=[draft.reference]) + f"?authorities={Authority.objects.get(code='OFAC').pk}",
            *[reverse("application_edit", args=[draft.reference, s]) for s in
              ("basics", "beneficiaries", "items", "parties", "shipment", "monitoring", "documents")],
            reverse("filing_detail", args=[filing.reference]),
            reverse("email_preferences"),
            reverse("api_tokens"),
            reverse("password_change"),
        ],
        reviewer_un: [reverse("review_queue"), reverse("filing_detail", args=[filing.reference])],
        staff_un: [reverse("staff_dashboard"), reverse("email_preferences")],
        None: [reverse("login"), reverse("password_reset"), reverse("register"), reverse("workflow_list")],
    }  # fmt: skip
    broken = []
    for user, addresses in pages.items():
        client = factories.web_client(user)
        for address in addresses:
            response = client.get(address)
            assert response.status_code == 200, address
            parsed = Ids()
            parsed.feed(response.content.decode())
            broken += [f"{address}: <{t} {a}={r}>" for t, a, r in parsed.references if r not in parsed.ids]
    assert broken == []


# --- email settings and favicon ------------------------------------------------------------------


def test_the_time_zone_picker_offers_cities_and_accepts_geneva(applicant):
    client = factories.web_client(applicant)
    page = client.get(reverse("email_preferences")).content.decode()
    assert re.search(r'<select name="time_zone"[^>]*>', page)
    assert '<option value="Europe/Zurich">Geneva (Europe/Zurich)</option>' in page
    assert "wants_digest" not in page  # the digest is for authority staff
    assert client.post(reverse("email_preferences"), {"time_zone": "Geneva"}).status_code == 302
    assert Profile.objects.get(user=applicant).time_zone == "Europe/Zurich"
    client.post(reverse("email_preferences"), {"time_zone": "new york"})
    assert Profile.objects.get(user=applicant).time_zone == "America/New_York"


def test_the_digest_option_is_offered_to_authority_staff(staff_un, reviewer_un):
    assert "wants_digest" in factories.web_client(staff_un).get(reverse("email_preferences")).content.decode()
    assert "wants_digest" not in factories.web_client(reviewer_un).get(reverse("email_preferences")).content.decode()


def test_every_page_names_a_favicon_that_exists(client):
    page = client.get(reverse("login")).content.decode()
    icon = re.search(r'<link rel="icon" href="([^"]+)"', page).group(1)
    assert icon.startswith(settings.STATIC_URL)
    name = icon[len(settings.STATIC_URL) :].split("?")[0]
    assert (Path(settings.BASE_DIR) / "exemptions" / "static" / name).is_file() or "favicon" in name
    assert client.get("/favicon.ico").status_code == 301
