"""A whole case through the API alone: dossier, two authorities, an information request, two approvals,
cleared to ship, and an audit trail whose hash chain the client verifies itself."""

import datetime as dt
import hashlib
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from rest_framework.test import APIClient

from exemptions import engine
from exemptions.models import Event, Filing
from tests import factories
from tests.api.test_applications import DOSSIER

GENESIS = "0" * 64


def signed_in(username):
    client = APIClient()
    token = client.post("/api/v1/auth/token/", {"username": username, "password": "pw"}, format="json").json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def act(client, reference, action, **body):
    response = client.post(f"/api/v1/filings/{reference}/actions/{action}/", body, format="json")
    assert response.status_code == 200, (action, response.content)
    return response.json()


def all_pages(client, path):
    rows, url = [], path
    while url:
        page = client.get(url).json()
        rows += page["results"]
        url = page["next"]
    return rows


def verify_chain(reference, events):
    """Recompute every hash from what the API returned; the chain must link from the genesis hash."""
    previous = GENESIS
    for expected_sequence, event in enumerate(events, start=1):
        assert event["sequence"] == expected_sequence and event["prev_hash"] == previous
        content = {
            "filing": reference,
            "sequence": event["sequence"],
            "action": event["action"],
            "from": event["from_status"],
            "to": event["to_status"],
            "actor": event["actor"],
            "note": event["note"],
            "payload": event["payload"],
            "created_at": dt.datetime.fromisoformat(event["created_at"]).astimezone(dt.UTC).isoformat(),
        }
        canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert hashlib.sha256((previous + canonical).encode()).hexdigest() == event["hash"], event
        previous = event["hash"]


def test_full_lifecycle_through_the_api(applicant, reviewer_un, staff_un, reviewer_ofac):
    aid_worker = signed_in("applicant")
    dossier = aid_worker.post("/api/v1/applications/", DOSSIER, format="json").json()
    app_ref = dossier["reference"]
    assert dossier["cleared_to_ship"]["cleared"] is False

    refs = {}
    # The UN request goes through a Member State, which transmits it to the Committee; OFAC's comes directly.
    channels = {"UN1718": {"submission_channel": "member_state", "channel_detail": "Switzerland"}, "OFAC": {}}
    after_submit = {"UN1718": "with_forwarder", "OFAC": "submitted"}
    for code in ("UN1718", "OFAC"):
        created = aid_worker.post(
            f"/api/v1/applications/{app_ref}/filings/", {"authority": code, **channels[code]}, format="json"
        )
        assert created.status_code == 201
        refs[code] = created.json()["reference"]
        assert act(aid_worker, refs[code], "submit")["status"] == after_submit[code]
    assert aid_worker.get(f"/api/v1/applications/{app_ref}/").json()["editable"] is False
    today = dt.datetime.now(dt.UTC).astimezone(ZoneInfo("America/New_York")).date().isoformat()
    transmitted = act(aid_worker, refs["UN1718"], "record_transmission", transmitted_on=today)
    assert transmitted["status"] == "submitted" and transmitted["forwarded_at"]

    un, ofac = signed_in("reviewer-un"), signed_in("reviewer-ofac")
    act(un, refs["UN1718"], "take")
    asked = act(un, refs["UN1718"], "request_information", note="Which county hospitals, and their cold chain?")
    assert asked["status"] == "information_requested"
    assert [a["name"] for a in aid_worker.get(f"/api/v1/filings/{refs['UN1718']}/").json()["allowed_actions"]] == [
        "respond",
        "withdraw",
    ]
    act(aid_worker, refs["UN1718"], "respond", note="Sariwon and Haeju hospitals; both have solar fridges.")
    thread = all_pages(aid_worker, f"/api/v1/filings/{refs['UN1718']}/messages/")
    assert [m["kind"] for m in thread] == ["information_request", "response"]

    validity = {"valid_from_on": "2027-02-01", "valid_until_on": "2027-10-31"}
    act(un, refs["UN1718"], "circulate")
    # The clock, not a person, ends the no-objection period (the reminder sweep does this in production).
    engine.apply(Filing.objects.get(reference=refs["UN1718"]), "propose_approval", engine.SYSTEM)
    longer = {
        "validity_months": 9,
        "validity_justification": "Winter closes the rail route for three months.",
        "authority_reference": "S/AC.49/2026/OC.45",
    }
    confirmed = act(signed_in("staff-un"), refs["UN1718"], "confirm_approval", **longer)
    valid_from = dt.date.fromisoformat(confirmed["valid_from_on"])
    assert confirmed["authority_reference"] == "S/AC.49/2026/OC.45"
    assert (
        confirmed["status"] == "approved"
        and confirmed["valid_until_on"] == (valid_from + relativedelta(months=9)).isoformat()
    )

    act(ofac, refs["OFAC"], "take")
    licence = act(ofac, refs["OFAC"], "approve", **validity, authority_reference="DPRK-2026-1234")
    assert licence["status"] == "approved" and licence["authority_reference"] == "DPRK-2026-1234"

    application = aid_worker.get(f"/api/v1/applications/{app_ref}/").json()
    assert application["cleared_to_ship"] == {"cleared": True, "blockers": []}
    assert {f["status"] for f in application["filings"]} == {"approved"}

    for code, reviewer in (("UN1718", un), ("OFAC", ofac)):
        events = all_pages(reviewer, f"/api/v1/filings/{refs[code]}/events/")
        verify_chain(refs[code], events)
    un_actions = [e["action"] for e in all_pages(aid_worker, f"/api/v1/filings/{refs['UN1718']}/events/")]
    assert un_actions == [
        "submit",
        "record_transmission",
        "take",
        "request_information",
        "respond",
        "circulate",
        "propose_approval",
        "confirm_approval",
    ]

    with time_machine.travel(dt.datetime(2027, 6, 1, 12, tzinfo=dt.UTC)):  # within the approvals' validity
        register = {e["reference"] for e in APIClient().get("/api/v1/register/").json()["results"]}
    assert register == {refs["UN1718"]}  # OFAC does not publish its licences


def test_a_tampered_event_fails_the_clients_chain_check(client_for, applicant, reviewer_ofac, dossier):
    filing = factories.submitted_filing(dossier, "OFAC", applicant)
    engine.apply(filing, "take", reviewer_ofac)
    with factories.behind_the_engines_back():
        Event.objects.filter(filing=filing, sequence=1).update(note="edited later")
    events = client_for(applicant).get(f"/api/v1/filings/{filing.reference}/events/").json()["results"]
    with pytest.raises(AssertionError):
        verify_chain(filing.reference, events)
