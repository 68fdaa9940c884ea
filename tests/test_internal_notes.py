"""Visibility as data: every authority action's note is internal unless its declaration shares it, and an
internal note reaches no face the applicant reads (web pages, API responses, emails, the public register)
while the authority still reads it."""

import uuid

import pytest
from django.core import mail
from django.utils import timezone

from exemptions import demo, engine, notifications, procedures, services
from exemptions.models import Authority, Role
from tests import factories

# One authority per procedure: the UK's OFSI runs the generic licence review.
AUTHORITY_OF = {
    "UN1718": procedures.UN1718,
    "OFAC": procedures.OFAC,
    "BIS": procedures.BIS,
    "UK-OFSI": procedures.GENERIC,
}
AUTHORITY_ACTIONS = [
    (code, transition.name, transition.sources[0])
    for code, procedure in AUTHORITY_OF.items()
    for transition in {t.name: t for t in procedure.transitions if t.roles & procedures.AUTHORITY_ROLES}.values()
]


def test_every_authority_note_is_internal_unless_it_is_the_request_the_applicant_must_answer():
    shared = {
        t.name
        for procedure in AUTHORITY_OF.values()
        for t in procedure.transitions
        if t.roles & procedures.AUTHORITY_ROLES and not t.note_is_internal
    }
    # A question the applicant must answer (the reviewer's, or a Committee member's relayed by staff), and the
    # forwarding body's transmittal, which the applicant may record as well.
    assert shared == {"request_information", "relay_member_questions", "record_transmission"}
    request = procedures.GENERIC.transition("request_information", "in_review")
    assert procedures.POST_INFORMATION_REQUEST in request.effects  # the note is the question in the thread


def applicant_faces(applicant, filing) -> str:
    """Everything the applicant's organization and the public can read about the case, as one text."""
    web, api, anonymous = factories.web_client(applicant), factories.api_client(applicant), factories.web_client()
    ref, dossier = filing.reference, filing.application.reference
    pages = [
        web.get(f"/filings/{ref}/"),
        web.get(f"/applications/{dossier}/"),
        web.get("/"),
        api.get(f"/api/v1/filings/{ref}/"),
        api.get("/api/v1/filings/"),
        api.get(f"/api/v1/filings/{ref}/events/"),
        api.get(f"/api/v1/filings/{ref}/messages/"),
        api.get(f"/api/v1/filings/{ref}/documents/"),
        api.get(f"/api/v1/applications/{dossier}/"),
        anonymous.get("/register/"),
        anonymous.get(f"/register/?search={filing.authority_reference or ref}"),
        factories.api_client().get("/api/v1/register/"),
    ]
    assert all(page.status_code == 200 for page in pages), [(p.request["PATH_INFO"], p.status_code) for p in pages]
    emails = [m for m in mail.outbox if applicant.email in m.to]
    texts = [page.content.decode() for page in pages]
    texts += [m.subject + m.body + "".join(body for body, _ in m.alternatives) for m in emails]
    return "\n".join(texts)


@pytest.mark.parametrize(("code", "action", "source"), AUTHORITY_ACTIONS)
def test_an_internal_note_reaches_no_face_the_applicant_reads(org, applicant, code, action, source):
    Authority.objects.filter(code=code).update(publishes_register=True)  # the register shows every decision here
    reviewer = factories.member_of(code, Role.REVIEWER)
    staff = factories.member_of(code, Role.STAFF)
    # A verdict needs a hit: a DPRK ministry is flagged by rule on filing, with or without lists loaded.
    disposes = action == AUTHORITY_OF[code].action_with_effect(procedures.RECORD_DISPOSITION)
    parties = [dict(role="end_user", name="Ministry of Public Health", country="KP", address="Pyongyang")]
    dossier = factories.complete_dossier(org, applicant, **({"parties": parties} if disposes else {}))
    # A request waits with a forwarding body only when it was sent through one.
    channel = {"submission_channel": "resident_coordinator"} if source == "with_forwarder" else None
    filing = services.create_filing(dossier, Authority.objects.get(code=code), applicant, channel=channel)
    demo.drive(filing, source, applicant=applicant, reviewer=reviewer, staff=staff)
    transition = filing.procedure.transition(action, filing.status)
    actor = demo.actor_for(transition, applicant=applicant, reviewer=reviewer, staff=staff)
    marker = f"INTERNAL-{uuid.uuid4().hex}"
    payload = demo.payload_for(transition, filing, timezone.now(), reviewer=reviewer)
    event = engine.apply(filing, action, actor, f"Do not disclose: {marker}", **payload)
    mail.outbox.clear()
    notifications.send_event_notices(event.pk)

    seen_by_applicant = applicant_faces(applicant, filing)
    if transition.note_is_internal:
        assert marker not in seen_by_applicant
    else:  # the declaration shares it: the applicant must read it
        assert marker in seen_by_applicant

    authority_page = factories.web_client(actor).get(f"/filings/{filing.reference}/").content.decode()
    authority_events = factories.api_client(actor).get(f"/api/v1/filings/{filing.reference}/events/").json()
    assert marker in authority_page
    assert any(marker in e["note"] for e in authority_events["results"])


def test_the_applicant_reads_the_reasons_of_a_refused_extension_but_not_the_internal_note(org, applicant):
    reviewer, staff = factories.member_of("OFAC", Role.REVIEWER), factories.member_of("OFAC", Role.STAFF)
    filing = factories.filing(factories.complete_dossier(org, applicant), "OFAC", applicant)
    demo.drive(filing, "extension_requested", applicant=applicant, reviewer=reviewer, staff=staff)
    engine.apply(filing, "deny_extension", reviewer, "Panel flagged the consignee", reasons="Shipments are complete.")
    page = factories.web_client(applicant).get(f"/filings/{filing.reference}/").content.decode()
    assert "Shipments are complete." in page
    assert "Panel flagged the consignee" not in page
    events = factories.api_client(applicant).get(f"/api/v1/filings/{filing.reference}/events/").json()["results"]
    assert events[-1]["note"] == "" and events[-1]["payload"] == {"reasons": "Shipments are complete."}


def test_a_refusal_without_reasons_never_takes_the_internal_note_as_its_reasons(org, applicant):
    filing = factories.submitted_filing(factories.complete_dossier(org, applicant), "OFAC", applicant)
    reviewer = factories.member_of("OFAC", Role.REVIEWER)
    engine.apply(filing, "take", reviewer)
    plan_transition = filing.procedure.transition("deny", filing.status)
    assert plan_transition.note_is_internal
    engine.apply(filing, "deny", reviewer, "INTERNAL: do not disclose", reasons="Incomplete end-use assurances.")
    filing.refresh_from_db()
    assert filing.decision_reasons == "Incomplete end-use assurances."


def test_the_applicant_timeline_names_the_authority_not_the_member_who_recorded_a_hold(org, applicant, staff_un):
    reviewer = factories.member_of("UN1718", Role.REVIEWER)
    filing = factories.filing(factories.complete_dossier(org, applicant), "UN1718", applicant)
    demo.drive(filing, "no_objection_period", applicant=applicant, reviewer=reviewer, staff=staff_un)
    engine.apply(filing, "place_hold", staff_un, "Hold placed by the delegation of Ruritania")
    page = factories.web_client(applicant).get(f"/filings/{filing.reference}/").content.decode()
    assert "Ruritania" not in page
    assert staff_un.get_username() not in page.split('id="timeline-title"')[1]
    assert "On hold by a Committee member" in page
