"""Party screening against the sanctions lists, on fixture files shaped like the published ones: lists load as
versions, parties are matched across spellings, runs are frozen on the filing, hits are disposed of through
the engine and block cleared-to-ship, and a new list version rescreens and emails each new hit once."""

import datetime as dt
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from bench.sanctions_files import FILES, entries_for, imo, write_un
from exemptions import engine, procedures
from exemptions.clearance import cleared_to_ship
from exemptions.models import (
    Application,
    Authority,
    Event,
    OutgoingEmail,
    SanctionsListVersion,
    ScreeningHit,
    ScreeningRun,
)
from exemptions.outbox import deliver_pending
from exemptions.screening import formats, store
from exemptions.screening.matching import DPRK_PUBLIC_BODY, TRANSSHIPMENT_INTERMEDIARY, VESSEL_WITHOUT_IMO
from exemptions.screening.records import ENTITY, Alias, ListedEntry
from tests import factories

FIXTURES = Path(__file__).parent / "fixtures" / "sanctions"
DISPOSE = procedures.GENERIC.action_with_effect(procedures.RECORD_DISPOSITION)
TAKE = "take"


def load_all():
    for source, filename in FILES.items():
        store.load(source, (FIXTURES / filename).read_bytes(), origin=filename)


@pytest.fixture
def lists(db):
    load_all()


def screened(org, applicant, parties, code="OFAC"):
    application = factories.complete_dossier(org, applicant, parties=parties)
    application.required_authorities.set(Authority.objects.filter(code=code))
    return factories.submitted_filing(application, code, applicant)


def party(name, country, role="supplier", **more):
    return dict(role=role, name=name, country=country, address=more.pop("address", ""), **more)


# --- the published formats -----------------------------------------------------------------------


@pytest.mark.parametrize("source", sorted(FILES))
def test_each_fixture_file_reads_as_its_source_with_every_kind_of_entry(source):
    parsed = formats.parse(source, (FIXTURES / FILES[source]).read_bytes())
    assert parsed.published_on == dt.date(2026, 11, 2)
    assert len(parsed.entries) == 33
    kinds = {e.kind for e in parsed.entries}
    assert kinds == {"individual", "entity", "vessel"}
    vessel = next(e for e in parsed.entries if e.name == "SONG MYONG 3")
    assert any(i.kind == "imo" and "8913629" in i.value for i in vessel.identifiers)
    jongsong = next(e for e in parsed.entries if "JONGSONG" in e.name)
    assert "KP" in jongsong.countries and jongsong.programmes and jongsong.aliases


def test_an_xml_bomb_or_external_entity_is_refused_not_expanded():
    bomb = b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><CONSOLIDATED_LIST>&b;</CONSOLIDATED_LIST>'
    with pytest.raises(formats.FormatError, match="refused"):
        formats.parse("un", bomb)
    xxe = b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY x SYSTEM "file:///etc/passwd">]><sdnList>&x;</sdnList>'
    with pytest.raises(formats.FormatError):
        formats.parse("ofac_sdn", xxe)


def test_a_file_of_another_format_is_refused_with_its_reason():
    with pytest.raises(formats.FormatError, match="expected sdnList"):
        formats.parse("ofac_sdn", (FIXTURES / FILES["un"]).read_bytes())


# --- versions --------------------------------------------------------------------------------------


def test_loading_stores_a_version_with_its_sha256_and_entries(db):
    data = (FIXTURES / FILES["un"]).read_bytes()
    loaded = store.load("un", data)
    version = loaded.version
    assert loaded.created and version.record_count == 33 == version.entries.count()
    assert len(version.sha256) == 64 and version.published_on == dt.date(2026, 11, 2)
    entry = version.entries.get(name="RI CHOL-JIN")
    assert entry.dates_of_birth == ["1968-04-12"] and entry.programmes == ["DPRK"] and entry.reference == "KPi.091"


def test_reloading_the_same_file_is_a_no_op(db):
    data = (FIXTURES / FILES["eu"]).read_bytes()
    first = store.load("eu", data)
    again = store.load("eu", data)
    assert not again.created and again.version == first.version
    assert SanctionsListVersion.objects.count() == 1 and first.version.entries.count() == 33


def test_the_command_loads_a_file_and_refuses_a_wrong_one(db, capsys):
    call_command("load_sanctions_list", "uk", "--file", str(FIXTURES / FILES["uk"]))
    assert "33 entries" in capsys.readouterr().out
    call_command("load_sanctions_list", "uk", "--file", str(FIXTURES / FILES["uk"]))
    assert "unchanged" in capsys.readouterr().out
    with pytest.raises(CommandError, match="Not a"):
        call_command("load_sanctions_list", "eu", "--file", str(FIXTURES / FILES["uk"]))
    assert SanctionsListVersion.objects.count() == 1


# --- matching on filing --------------------------------------------------------------------------


def test_another_romanization_a_dropped_company_form_and_swapped_words_are_found(lists, org, applicant):
    filing = screened(org, applicant, [party("Jungsung Trading of Korea", "KP", "consignee")])
    hits = list(ScreeningHit.objects.filter(filing=filing, rule=""))
    assert {h.matched_name for h in hits} == {"KOREA JONGSONG GENERAL TRADING CORPORATION"}
    assert len({h.entry.version.source for h in hits}) == 5  # every list names it
    assert all(h.score >= 88 for h in hits) and any("country KP" in r for r in hits[0].reasons)


def test_an_alias_is_found(lists, org, applicant):
    filing = screened(org, applicant, [party("Puhung Machinery Co.", "KP")])
    hit = ScreeningHit.objects.filter(filing=filing).first()
    assert hit.matched_name == "PUHUNG MACHINERY COMPANY"
    assert hit.entry.name == "KOREA PUHUNG MACHINE-TOOL GENERAL CORPORATION"


def test_a_korean_name_is_found_in_another_romanization(lists, org, applicant):
    filing = screened(org, applicant, [party("Lee Chul-Jin", "CN", "freight_forwarder")])
    hit = ScreeningHit.objects.filter(filing=filing, rule="").first()
    assert hit.entry.name in {"RI CHOL-JIN", "CHOL-JIN RI"} and any("lee~ri" in r for r in hit.reasons)


def test_a_vessel_is_found_by_its_imo_number_whatever_its_name(lists, org, applicant):
    filing = screened(org, applicant, [party("Ocean Pearl", "PA", "vessel", identifier=f"IMO {imo('891362')}")])
    hits = ScreeningHit.objects.filter(filing=filing)
    assert {h.matched_name for h in hits} == {"SONG MYONG 3"} and hits.count() == 5
    assert all(h.score == 100 and h.reasons[0].startswith("Same IMO number") for h in hits)


@pytest.mark.parametrize(
    "clean",
    [
        party("Nordic Pharma Supplies AB", "SE"),
        party("World Food Programme", "KP", "consignee"),
        party("UNICEF Supply Division", "DK", "end_user"),
        party("International Trading Company", "FR"),
    ],
    ids=["european supplier", "UN agency", "UNICEF", "common words only"],
)
def test_clean_parties_produce_no_hit(lists, org, applicant, clean):
    filing = screened(org, applicant, [clean])
    assert not ScreeningHit.objects.filter(filing=filing).exists()
    run = ScreeningRun.objects.get(filing=filing)
    assert run.list_versions.count() == 5 and run.occasion == ScreeningRun.Occasion.FILING


def test_a_dprk_ministry_on_no_list_is_flagged_by_rule(lists, org, applicant):
    filing = screened(org, applicant, [party("Ministry of Public Health", "KP", "end_user")])
    (hit,) = ScreeningHit.objects.filter(filing=filing)
    assert hit.rule == DPRK_PUBLIC_BODY and hit.entry is None and "13722" in hit.get_rule_display()


def test_a_vessel_without_imo_and_a_forwarder_in_dandong_are_flagged(lists, org, applicant):
    parties = [
        party("Morning Star", "PA", "vessel"),
        party("Northern Lights Logistics", "CN", "freight_forwarder", address="12 Binjiang Road, Dandong"),
    ]
    filing = screened(org, applicant, parties)
    assert set(ScreeningHit.objects.filter(filing=filing).values_list("rule", flat=True)) == {
        VESSEL_WITHOUT_IMO,
        TRANSSHIPMENT_INTERMEDIARY,
    }


def test_the_run_is_frozen_on_the_filing_with_the_list_versions_and_the_submit_event(lists, org, applicant):
    filing = screened(org, applicant, [party("Kumsong Bank", "KP", "bank")])
    run = ScreeningRun.objects.get(filing=filing)
    assert run.event == Event.objects.get(filing=filing, sequence=1)
    assert run.parties == filing.snapshot["parties"]
    assert set(run.list_versions.all()) == set(SanctionsListVersion.objects.all())


def test_no_list_loaded_still_records_an_empty_run(db, org, applicant):
    filing = screened(org, applicant, [party("Kumsong Bank", "KP", "bank")])
    run = ScreeningRun.objects.get(filing=filing)
    assert run.list_versions.count() == 0 and not run.hits.filter(rule="").exists()


# --- dispositions ----------------------------------------------------------------------------------


def test_a_disposition_is_an_audited_event_that_leaves_the_status(lists, org, applicant, reviewer_ofac):
    filing = screened(org, applicant, [party("Kumsong Bank", "KP", "bank")])
    engine.apply(filing, TAKE, reviewer_ofac)
    status = filing.status
    hit = ScreeningHit.objects.filter(filing=filing).first()
    event = engine.apply(filing, DISPOSE, reviewer_ofac, "Same bank: confirmed.", hit=str(hit.pk), verdict="confirmed")
    hit.refresh_from_db()
    assert hit.disposition == "confirmed" and hit.disposition_event == event and hit.disposed_by == reviewer_ofac
    assert event.from_status == event.to_status == status and filing.status == status
    assert event.payload["hit"] == hit.pk and event.payload["verdict"] == "confirmed"
    call_command("verify_audit")  # the trail holds


def test_an_applicant_may_not_dispose_and_a_bad_verdict_is_a_field_error(lists, org, applicant, reviewer_ofac):
    filing = screened(org, applicant, [party("Kumsong Bank", "KP", "bank")])
    hit = ScreeningHit.objects.filter(filing=filing).first()
    with pytest.raises(engine.ActionNotAllowed):
        engine.apply(filing, DISPOSE, applicant, "Not them.", hit=str(hit.pk), verdict="false_positive")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        engine.apply(filing, DISPOSE, reviewer_ofac, "Hmm.", hit=str(hit.pk), verdict="maybe")
    assert "verdict" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        engine.apply(filing, DISPOSE, reviewer_ofac, "Hmm.", hit="999999", verdict="confirmed")
    assert "hit" in error.value.message_dict


def test_undisposed_and_confirmed_hits_block_cleared_to_ship(lists, org, applicant, reviewer_ofac):
    application = factories.complete_dossier(
        org, applicant, parties=[party("Kumsong Bank", "KP", "bank")], ship_from_on=dt.date(2027, 3, 1)
    )
    application.required_authorities.set(Authority.objects.filter(code="OFAC"))
    filing = factories.approved_filing(application, "OFAC", applicant, dt.date(2027, 1, 1), dt.date(2028, 1, 1))

    def verdict():
        fresh = Application.objects.prefetch_related("filings__authority", "required_authorities").get(
            pk=application.pk
        )
        return cleared_to_ship(fresh, today=dt.date(2027, 1, 15))

    hits = list(ScreeningHit.objects.filter(filing=filing))
    assert any("await a reviewer's verdict" in b for b in verdict().blockers)
    for hit in hits[1:]:
        engine.apply(filing, DISPOSE, reviewer_ofac, "Other bank.", hit=str(hit.pk), verdict="false_positive")
    engine.apply(filing, DISPOSE, reviewer_ofac, "Same bank.", hit=str(hits[0].pk), verdict="confirmed")
    assert verdict().blockers == ["OFAC: screening confirmed a sanctioned party (Kumsong Bank)."]
    engine.apply(
        filing, DISPOSE, reviewer_ofac, "Checked again: other bank.", hit=str(hits[0].pk), verdict="false_positive"
    )
    assert verdict().cleared


# --- rescreening -----------------------------------------------------------------------------------


def test_a_new_version_with_one_added_entry_rescreens_and_notifies_once(
    lists, org, applicant, reviewer_ofac, settings, eager_celery
):
    filing = screened(
        org, applicant, [party("Haeju Ocean Star Trading", "KP", "consignee"), party("Kumsong Bank", "KP", "bank")]
    )
    engine.apply(filing, TAKE, reviewer_ofac)
    earlier = set(ScreeningHit.objects.filter(filing=filing).values_list("pk", flat=True))
    before = len(earlier)
    mail.outbox.clear()
    entries = entries_for("un")
    added = ListedEntry(
        "6909999", ENTITY, "HAEJU OCEAN STAR TRADING COMPANY", [Alias("OCEAN STAR HAEJU")], ["DPRK"], countries=["KP"]
    )
    path = Path(settings.MEDIA_ROOT) / "un_new.xml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(write_un([*entries, added], dt.date(2026, 11, 20)))

    call_command("load_sanctions_list", "un", "--file", str(path))  # queues the rescreen (eager in tests)
    version = SanctionsListVersion.objects.filter(source="un").order_by("-id").first()
    assert version.changed_count == 1 and version.rescreened_at is not None
    new = ScreeningHit.objects.filter(filing=filing).exclude(pk__in=earlier)
    assert [h.matched_name for h in new] == ["HAEJU OCEAN STAR TRADING COMPANY"]
    assert new[0].run.occasion == ScreeningRun.Occasion.RESCREEN

    deliver_pending(timezone.now() + dt.timedelta(seconds=1))
    recipients = sorted(m.to[0] for m in mail.outbox if "screening hit" in m.subject)
    assert recipients == sorted([reviewer_ofac.email, applicant.email])

    from exemptions.screening import rescreening

    rescreening.rescreen(version.pk)  # again: nothing new, nobody emailed twice
    deliver_pending(timezone.now() + dt.timedelta(seconds=2))
    assert ScreeningHit.objects.filter(filing=filing).count() == before + 1
    assert OutgoingEmail.objects.filter(family=OutgoingEmail.Family.SCREENING_HIT).count() == 2
    assert len([m for m in mail.outbox if "screening hit" in m.subject]) == 2


# --- the API -------------------------------------------------------------------------------------


def test_api_lists_the_screening_of_a_filing_and_takes_a_verdict(lists, org, applicant, reviewer_ofac):
    filing = screened(org, applicant, [party("Kumsong Bank", "KP", "bank"), party("Nordic Pharma AB", "SE")])
    engine.apply(filing, TAKE, reviewer_ofac)
    url = f"/api/v1/filings/{filing.reference}/screening/"
    body = factories.api_client(applicant).get(url).json()
    assert body["blocks_shipping"] is True and len(body["runs"]) == 1 and len(body["runs"][0]["list_versions"]) == 5
    hit = body["hits"][0]
    assert hit["party_name"] == "Kumsong Bank" and hit["matched_name"] and "DPRK" in hit["list"] + "PRK"
    reviewer = factories.api_client(reviewer_ofac)
    target = f"{url}hits/{hit['id']}/disposition/"
    assert factories.api_client(applicant).post(target, {"verdict": "confirmed", "note": "x"}).status_code == 403
    assert reviewer.post(target, {"verdict": "maybe", "note": "x"}).status_code == 400
    assert reviewer.post(f"{url}hits/999999/disposition/", {"verdict": "confirmed", "note": "x"}).status_code == 404
    response = reviewer.post(target, {"verdict": "false_positive", "note": "A branch in Lyon, not the listed bank."})
    assert response.status_code == 200 and response.json()["disposition"] == "false_positive"
    stale = reviewer.post(target, {"verdict": "confirmed", "note": "again", "expected_version": 1})
    assert stale.status_code == 409


def test_api_lists_the_loaded_list_versions_to_signed_in_users_only(lists, applicant):
    body = factories.api_client(applicant).get("/api/v1/sanctions-lists/").json()
    rows = body["results"] if isinstance(body, dict) else body
    assert {r["source"] for r in rows} == set(FILES) and all(len(r["sha256"]) == 64 for r in rows)
    assert factories.api_client(None).get("/api/v1/sanctions-lists/").status_code in (401, 403)


# --- the web -------------------------------------------------------------------------------------


def test_the_reviewer_sees_hits_gives_a_verdict_and_the_queue_flags_the_case(lists, org, applicant, reviewer_ofac):
    filing = screened(org, applicant, [party("Kumsong Bank", "KP", "bank")])
    engine.apply(filing, TAKE, reviewer_ofac)
    client = factories.web_client(reviewer_ofac)
    queue = client.get("/review/").content.decode()
    assert "Hit to review" in queue
    page = client.get(f"/filings/{filing.reference}/").content.decode()
    assert "Sanctions screening" in page and "KUMSONG COMMERCIAL BANK" in page and "Give a verdict" in page
    for hit in ScreeningHit.objects.filter(filing=filing):
        filing.refresh_from_db()
        response = client.post(
            f"/filings/{filing.reference}/actions/{DISPOSE}/",
            {
                f"{DISPOSE}-version": filing.version,
                f"{DISPOSE}-hit": hit.pk,
                f"{DISPOSE}-verdict": "false_positive",
                f"{DISPOSE}-note": "Another bank of the same name in Seoul.",
            },
        )
        assert response.status_code == 302
    assert not ScreeningHit.objects.filter(filing=filing, disposition="").exists()
    assert "Hit to review" not in client.get("/review/").content.decode()


def test_the_applicant_sees_hits_without_a_verdict_form_and_screens_a_draft(lists, org, applicant):
    filing = screened(org, applicant, [party("Kumsong Bank", "KP", "bank")])
    client = factories.web_client(applicant)
    page = client.get(f"/filings/{filing.reference}/").content.decode()
    assert "KUMSONG COMMERCIAL BANK" in page and "Awaiting a reviewer" in page and "Give a verdict" not in page
    draft = factories.complete_dossier(org, applicant, parties=[party("Park Yong Soo", "KP", "end_user")])
    response = client.post(f"/applications/{draft.reference}/screen/", follow=True)
    assert "possible match" in response.content.decode() and "PAK YONG-SU" in response.content.decode()
    assert ScreeningRun.objects.get(application=draft).occasion == ScreeningRun.Occasion.ON_DEMAND


def test_the_retention_policy_redacts_the_parties_screening_runs_hold(lists, org, applicant, reviewer_ofac):
    from exemptions import retention

    filing = screened(org, applicant, [party("Kumsong Bank", "KP", "bank")])
    from exemptions.screening import runs

    runs.screen_draft(filing.application, applicant)
    engine.apply(filing, "withdraw", applicant, "Funding fell through.")
    retention.anonymize_application(filing.application)
    for run in ScreeningRun.objects.filter(application=filing.application):
        assert "Kumsong" not in str(run.parties) and run.parties[0]["name"] == "Redacted bank 1"
    assert set(
        ScreeningHit.objects.filter(run__application=filing.application).values_list("party_name", flat=True)
    ) == {"Redacted bank 1"}
    call_command("verify_audit")
