import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from exemptions import engine, procedures
from exemptions.models import Filing
from tests import factories
from tests.api.conftest import assert_error


@pytest.fixture
def un_filing(dossier, applicant):
    return factories.submitted_filing(dossier, "UN1718", applicant)


@pytest.fixture
def ofac_filing(dossier, applicant):
    return factories.submitted_filing(dossier, "OFAC", applicant)


def url(filing, suffix=""):
    return f"/api/v1/filings/{filing.reference}/{suffix}"


def test_detail_shows_allowed_actions_deadline_and_snapshot_hash(client_for, un_filing, reviewer_un):
    body = client_for(reviewer_un).get(url(un_filing)).json()
    assert body["status"] == "submitted"
    assert body["due_at"] is not None
    assert body["snapshot_sha256"] == un_filing.snapshot_sha256 and len(body["snapshot_sha256"]) == 64
    assert body["snapshot"]["reference"] == un_filing.application.reference
    dispose = procedures.UN1718.action_with_effect(procedures.RECORD_DISPOSITION)  # a verdict on a screening hit
    assert [a["name"] for a in body["allowed_actions"]] == ["take", "return_incomplete", dispose]
    assert body["status_label"] == "Submitted — unassigned"


def test_applicant_sees_applicant_labels_and_their_own_actions(client_for, un_filing, applicant):
    body = client_for(applicant).get(url(un_filing)).json()
    assert body["status_label"] == "Filed"
    withdraw = next(a for a in body["allowed_actions"] if a["name"] == "withdraw")
    assert withdraw["note_required"] is True


def test_action_runs_the_transition_and_returns_the_filing(client_for, un_filing, reviewer_un):
    response = client_for(reviewer_un).post(url(un_filing, "actions/take/"), {}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "in_review" and body["assigned_to"] == "reviewer-un"
    assert {a["name"] for a in body["allowed_actions"]} >= {"request_information", "circulate", "return_incomplete"}
    un_filing.refresh_from_db()
    assert un_filing.status == "in_review"


def test_action_the_role_may_not_run_is_403(client_for, un_filing, applicant):
    assert_error(client_for(applicant).post(url(un_filing, "actions/take/"), {}, format="json"), 403)


def test_system_action_is_403_for_people(client_for, un_filing, staff_un):
    assert_error(client_for(staff_un).post(url(un_filing, "actions/propose_approval/"), {}, format="json"), 403)


def test_action_in_the_wrong_state_is_409(client_for, un_filing, reviewer_un):
    response = client_for(reviewer_un).post(url(un_filing, "actions/circulate/"), {}, format="json")
    body = assert_error(response, 409)
    assert "not possible now" in body["detail"]


def test_lost_race_is_409(client_for, un_filing, reviewer_un, staff_un):
    stale = Filing.objects.get(pk=un_filing.pk)
    engine.apply(un_filing, "take", staff_un)  # someone else moves it first
    with pytest.raises(engine.Conflict):
        engine.apply(stale, "take", reviewer_un)
    # Through the API the second reviewer sees the new state, so taking again is a wrong-state conflict.
    assert_error(client_for(reviewer_un).post(url(un_filing, "actions/take/"), {}, format="json"), 409)


def test_api_turns_a_compare_and_set_loss_into_409(client_for, un_filing, reviewer_un, staff_un, monkeypatch):
    real_apply = engine.apply

    def apply_after_a_rival(filing, action, by, note="", at=None, /, **payload):
        rival = Filing.objects.get(pk=filing.pk)
        real_apply(rival, "take", staff_un)  # commits between our read and our write
        return real_apply(filing, action, by, note, at, **payload)

    monkeypatch.setattr(engine, "apply", apply_after_a_rival)
    body = assert_error(client_for(reviewer_un).post(url(un_filing, "actions/take/"), {}, format="json"), 409)
    assert "changed by someone else" in body["detail"]


def test_a_decision_on_a_stale_read_is_409_and_changes_nothing(client_for, un_filing, reviewer_un, staff_un):
    client = client_for(reviewer_un)
    read = client.get(url(un_filing)).json()
    client.post(url(un_filing, "actions/take/"), {"expected_version": read["version"]}, format="json")
    engine.apply(Filing.objects.get(pk=un_filing.pk), "assign", staff_un, "", None, reviewer=staff_un.username)
    body = assert_error(
        client.post(
            url(un_filing, "actions/request_information/"),
            {"note": "The distribution plan, please.", "expected_version": read["version"] + 1},
            format="json",
        ),
        409,
    )
    assert "changed by someone else" in body["detail"]
    un_filing.refresh_from_db()
    assert (un_filing.status, un_filing.assigned_to) == ("in_review", staff_un)


def test_a_current_expected_version_lets_the_action_run(client_for, un_filing, reviewer_un):
    client = client_for(reviewer_un)
    version = client.get(url(un_filing)).json()["version"]
    moved = client.post(url(un_filing, "actions/take/"), {"expected_version": version}, format="json")
    assert moved.status_code == 200 and moved.json()["version"] == version + 1


def test_unknown_action_is_404(client_for, un_filing, reviewer_un):
    assert_error(client_for(reviewer_un).post(url(un_filing, "actions/teleport/"), {}, format="json"), 404)


def test_missing_note_and_payload_are_400_with_field_errors(client_for, ofac_filing, reviewer_ofac):
    client = client_for(reviewer_ofac)
    client.post(url(ofac_filing, "actions/take/"), {}, format="json")
    assert_error(client.post(url(ofac_filing, "actions/request_information/"), {}, format="json"), 400, "note")
    response = client.post(url(ofac_filing, "actions/approve/"), {"valid_from_on": "2027-01-01"}, format="json")
    assert_error(response, 400, "valid_until_on")


@pytest.mark.parametrize(
    "body, field",
    [
        ({"valid_from_on": "soon", "valid_until_on": "2027-06-01"}, "valid_from_on"),
        ({"valid_from_on": "9999-12-31", "valid_until_on": "9999-12-31"}, "valid_from_on"),
        ({"valid_from_on": 20270101, "valid_until_on": "2027-06-01"}, "valid_from_on"),
        ({"valid_from_on": "2027-06-02", "valid_until_on": "2027-06-01"}, "valid_until_on"),
        ({"valid_from_on": "2027-01-01", "valid_until_on": "2027-06-01", "colour": "red"}, "colour"),
        ({"valid_from_on": "2027-01-01", "valid_until_on": "2027-06-01", "conditions": ["a"]}, "conditions"),
        ({"valid_from_on": "2027-01-01", "valid_until_on": "2027-06-01", "conditions": "nul\x00byte"}, "conditions"),
    ],
)
def test_bad_payloads_are_400_never_500(client_for, ofac_filing, reviewer_ofac, body, field):
    client = client_for(reviewer_ofac)
    client.post(url(ofac_filing, "actions/take/"), {}, format="json")
    body = {"authority_reference": "DPRK-EE-2027-1", **body}
    assert_error(client.post(url(ofac_filing, "actions/approve/"), body, format="json"), 400, field)
    ofac_filing.refresh_from_db()
    assert ofac_filing.status == "in_review"


@pytest.mark.parametrize(
    "content, content_type",
    [
        (b"{not json", "application/json"),
        (b"\xff\xfe\x00garbage", "application/json"),
        (b'{"note": "' + b"\xe9" + b'"}', "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b'"just a string"', "application/json"),
        (b'{"note": NaN}', "application/json"),
    ],
)
def test_malformed_bodies_are_400(client_for, un_filing, reviewer_un, content, content_type):
    response = client_for(reviewer_un).generic("POST", url(un_filing, "actions/take/"), content, content_type)
    assert_error(response, 400)


def test_unsupported_media_type_is_415(client_for, un_filing, reviewer_un):
    response = client_for(reviewer_un).generic("POST", url(un_filing, "actions/take/"), b"x", "text/plain")
    assert_error(response, 415)


# A NUL byte in a reference is the input guard's 400 (tests/test_input_guard.py), before any lookup.
@pytest.mark.parametrize("reference", ["NOPE-2026-000001", "%25", "a" * 300, "UN1718-2026-000001%0A"])
def test_unknown_or_garbage_references_are_404(client_for, reviewer_un, reference):
    client = client_for(reviewer_un)
    assert_error(client.get(f"/api/v1/filings/{reference}/"), 404)
    assert_error(client.post(f"/api/v1/filings/{reference}/actions/take/", {}, format="json"), 404)


# --- the list and its filters --------------------------------------------------------------------


def references(response):
    assert response.status_code == 200, response.content
    return [f["reference"] for f in response.json()["results"]]


def test_list_filters_by_status_authority_assignee_and_search(client_for, org, applicant, reviewer_un, staff_un):
    first = factories.submitted_filing(factories.complete_dossier(org, applicant, title="Seeds"), "UN1718", applicant)
    second = factories.submitted_filing(
        factories.complete_dossier(org, applicant, title="Insulin"), "UN1718", applicant
    )
    engine.apply(second, "take", reviewer_un)
    client = client_for(reviewer_un)
    assert references(client.get("/api/v1/filings/", {"status": "submitted"})) == [first.reference]
    assert references(client.get("/api/v1/filings/", {"assigned_to": "me"})) == [second.reference]
    assert references(client_for(staff_un).get("/api/v1/filings/", {"assigned_to": "me"})) == []
    assert references(client.get("/api/v1/filings/", {"search": "insul"})) == [second.reference]
    assert references(client.get("/api/v1/filings/", {"search": first.reference[-6:]})) == [first.reference]
    assert references(client.get("/api/v1/filings/", {"search": "nutrition without"})) == [
        first.reference,
        second.reference,
    ]
    assert references(client.get("/api/v1/filings/", {"authority": "ofac"})) == []
    assert len(references(client.get("/api/v1/filings/", {"authority": "un1718"}))) == 2


def test_overdue_filter_uses_the_deadline(client_for, org, applicant, reviewer_un):
    with time_machine.travel(timezone.now() - dt.timedelta(days=60), tick=False):
        late = factories.submitted_filing(factories.complete_dossier(org, applicant), "UN1718", applicant)
    on_time = factories.submitted_filing(factories.complete_dossier(org, applicant), "UN1718", applicant)
    client = client_for(reviewer_un)
    assert references(client.get("/api/v1/filings/", {"overdue": "true"})) == [late.reference]
    assert references(client.get("/api/v1/filings/", {"overdue": "false"})) == [on_time.reference]
    assert client.get(f"/api/v1/filings/{late.reference}/").json()["overdue"] is True


@pytest.mark.parametrize(
    "params, field",
    [
        ({"status": "sleeping"}, "status"),
        ({"overdue": "perhaps"}, "overdue"),
        ({"assigned_to": "someone"}, "assigned_to"),
        ({"search": "a\x00b"}, "search"),
        ({"authority": "x" * 500}, "authority"),
    ],
)
def test_bad_filters_are_400_with_field_errors(client_for, reviewer_un, params, field):
    assert_error(client_for(reviewer_un).get("/api/v1/filings/", params), 400, field)


def test_pages_follow_next_and_previous_links_and_are_bounded(client_for, org, applicant):
    made = [factories.filing(factories.complete_dossier(org, applicant), "OFAC", applicant) for _ in range(5)]
    client = client_for(applicant)
    pages = [client.get("/api/v1/filings/", {"page_size": 2}).json()]
    while pages[-1]["next"] and len(pages) < 5:
        assert pages[-1]["next"].startswith("http://testserver/api/v1/filings/?")
        pages.append(client.get(pages[-1]["next"]).json())
    seen = [f["reference"] for p in pages for f in p["results"]]
    assert seen == [f.reference for f in sorted(made, key=lambda f: f.pk)]  # no deadline: oldest first
    assert [len(p["results"]) for p in pages] == [2, 2, 1] and set(pages[0]) == {"next", "previous", "results"}
    assert pages[0]["previous"] is None and pages[-1]["next"] is None
    back = client.get(pages[-1]["previous"]).json()
    assert back["results"] == pages[1]["results"]
    assert_error(client.get("/api/v1/filings/", {"cursor": "not-a-cursor"}), 404)
    assert len(client.get("/api/v1/filings/", {"page_size": 10**12}).json()["results"]) == 5


@pytest.mark.parametrize("reviewer", ["99999999999999999999999", "nobody", "applicant", "²", 10**30])
def test_assigning_someone_who_is_not_a_reviewer_of_the_authority_is_400(
    client_for, un_filing, staff_un, applicant, reviewer
):
    response = client_for(staff_un).post(url(un_filing, "actions/assign/"), {"reviewer": reviewer}, format="json")
    assert_error(response, 400, "reviewer")


def test_staff_assign_a_reviewer_by_username(client_for, un_filing, staff_un, reviewer_un):
    response = client_for(staff_un).post(url(un_filing, "actions/assign/"), {"reviewer": "reviewer-un"}, format="json")
    assert response.status_code == 200
    assert response.json()["assigned_to"] == "reviewer-un" and response.json()["status"] == "in_review"


def test_a_signed_in_caller_reads_times_in_their_own_zone(un_filing, reviewer_un):
    from rest_framework.test import APIClient

    from exemptions.models import Profile

    Profile.objects.update_or_create(user=reviewer_un, defaults={"time_zone": "Asia/Tokyo"})
    client = APIClient()
    client.force_login(reviewer_un)  # a session: the zone middleware knows the user before the view runs
    listed = client.get("/api/v1/filings/").json()["results"][0]
    detail = client.get(url(un_filing)).json()
    events = client.get(url(un_filing, "events/")).json()["results"]
    due = dt.datetime.fromisoformat(listed["due_at"])
    assert listed["due_at"].endswith("+09:00") and detail["due_at"] == listed["due_at"]
    assert due == un_filing.due_at
    assert all(e["created_at"].endswith("+09:00") for e in events)
