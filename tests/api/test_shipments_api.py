"""The after-approval API (issue 19): shipments, deliveries, distributions, visits, incidents, what remains and the
report, under the API's rules: invisible 404, visible but not the writer 403, wrong stage 409, refused input 400
with nothing saved."""

import datetime as dt

import pytest
from django.utils import timezone

from exemptions.models import Distribution, Shipment
from tests import factories

from .conftest import assert_error

TODAY = timezone.localdate()


@pytest.fixture
def approval(dossier, applicant):
    return factories.approved_filing(dossier, "UN1718", applicant, TODAY, TODAY + dt.timedelta(days=150))


def shipment_body(dossier, quantity="10", depart=None):
    depart = depart or TODAY + dt.timedelta(days=3)
    return {
        "application": dossier.reference,
        "mode": "sea",
        "vessel_name": "MV Morning Star",
        "imo_number": "9074729",
        "planned_departure_on": depart.isoformat(),
        "planned_arrival_on": (depart + dt.timedelta(days=5)).isoformat(),
        "lines": [{"item": dossier.items.get().pk, "quantity": quantity, "cold_chain": True}],
    }


def test_plan_deliver_distribute_and_read_what_remains(client_for, dossier, applicant, approval):
    api = client_for(applicant)
    created = api.post("/api/v1/shipments/", shipment_body(dossier, "60"), format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["approvals"] == [approval.reference] and body["stage"] == "planned"
    assert body["cleared_to_ship"]["cleared"] is True
    reference = body["reference"]
    remaining = api.get(f"/api/v1/filings/{approval.reference}/shipping/").json()
    assert (remaining["shipments"], remaining["shipments_left"]) == (1, 2)
    assert remaining["items"][0]["remaining"] == "40.000"

    item = dossier.items.get().pk
    early = api.post(f"/api/v1/shipments/{reference}/distributions/", {"facility": "X", "distributed_on": TODAY.isoformat(), "lines": []}, format="json")  # fmt: skip
    assert_error(early, 409)
    delivered_on = (TODAY + dt.timedelta(days=8)).isoformat()
    delivery = {
        "delivered_on": delivered_on,
        "received_by": "Central Medical Warehouse",
        "lines": [{"item": item, "received": "58", "damaged": "1", "lost": "1"}],
    }
    response = api.post(f"/api/v1/shipments/{reference}/delivery/", delivery, format="json")
    assert response.status_code == 200 and response.json()["stage"] == "delivered"
    distribution = {
        "facility": "Sanatorium No. 3",
        "distributed_on": delivered_on,
        "beneficiaries_planned": {"patients": 500},
        "beneficiaries_reached": {"patients": 420},
        "lines": [{"item": item, "quantity": "59"}],
    }
    too_much = api.post(f"/api/v1/shipments/{reference}/distributions/", distribution, format="json")
    assert "only 58 received" in assert_error(too_much, 400, "lines")["detail"]
    distribution["lines"][0]["quantity"] = "58"
    made = api.post(f"/api/v1/shipments/{reference}/distributions/", distribution, format="json")
    assert made.status_code == 201 and made.json()["reached_total"] == 420
    listed = api.get(f"/api/v1/shipments/{reference}/distributions/").json()
    assert [d["facility"] for d in listed] == ["Sanatorium No. 3"]
    report = api.get(f"/api/v1/filings/{approval.reference}/end-use-report/csv/")
    assert report.status_code == 200 and b"Sanatorium No. 3" in report.content


def test_refusals_are_400_and_save_nothing(client_for, dossier, applicant, approval):
    api = client_for(applicant)
    over = api.post("/api/v1/shipments/", shipment_body(dossier, "100.001"), format="json")
    assert "remain under UN1718 approval" in assert_error(over, 400, "lines")["detail"]
    late = api.post("/api/v1/shipments/", shipment_body(dossier, depart=TODAY + dt.timedelta(days=200)), format="json")
    assert_error(late, 400, "planned_departure_on")
    bad_imo = {**shipment_body(dossier), "imo_number": "9074728"}
    assert_error(api.post("/api/v1/shipments/", bad_imo, format="json"), 400, "imo_number")
    for _ in range(3):
        assert api.post("/api/v1/shipments/", shipment_body(dossier, "1"), format="json").status_code == 201
    fourth = api.post("/api/v1/shipments/", shipment_body(dossier, "1"), format="json")
    assert "at most 3 shipments" in assert_error(fourth, 400, "approvals")["detail"]
    assert Shipment.objects.count() == 3


def test_who_sees_and_who_writes(client_for, dossier, applicant, approval, applicant_other):
    mine = client_for(applicant).post("/api/v1/shipments/", shipment_body(dossier), format="json").json()["reference"]
    outsider = client_for(applicant_other)
    assert_error(outsider.get(f"/api/v1/shipments/{mine}/"), 404)
    assert outsider.get("/api/v1/shipments/").json()["results"] == []
    assert_error(outsider.post("/api/v1/shipments/", shipment_body(dossier), format="json"), 400, "application")
    reviewer = client_for(factories.member_of("UN1718", "reviewer"))
    assert reviewer.get(f"/api/v1/shipments/{mine}/").status_code == 200
    assert_error(reviewer.post(f"/api/v1/shipments/{mine}/delivery/", {"delivered_on": TODAY.isoformat(), "received_by": "x"}, format="json"), 403)  # fmt: skip
    assert_error(reviewer.delete(f"/api/v1/shipments/{mine}/"), 403)
    assert_error(client_for(factories.member_of("OFAC", "reviewer")).get(f"/api/v1/shipments/{mine}/"), 404)


def test_cancel_gives_back_the_quantity_until_the_shipment_leaves(client_for, dossier, applicant, approval):
    api = client_for(applicant)
    first = api.post("/api/v1/shipments/", shipment_body(dossier, "100"), format="json").json()["reference"]
    assert api.delete(f"/api/v1/shipments/{first}/").status_code == 204
    second = api.post("/api/v1/shipments/", shipment_body(dossier, "100"), format="json").json()["reference"]
    delivery = {"delivered_on": (TODAY + dt.timedelta(days=9)).isoformat(), "received_by": "Warehouse"}
    assert api.post(f"/api/v1/shipments/{second}/delivery/", delivery, format="json").status_code == 200
    assert_error(api.delete(f"/api/v1/shipments/{second}/"), 409)
    assert not Distribution.objects.exists()


def test_visits_and_incidents(client_for, dossier, applicant, approval, applicant_other):
    api = client_for(applicant)
    visit = {
        "application": dossier.reference,
        "visited_on": TODAY.isoformat(),
        "site": "County hospital",
        "monitor": "Field office",
        "access": "refused",
        "findings": "Turned away at the gate.",
    }
    assert api.post("/api/v1/visits/", visit, format="json").status_code == 201
    assert_error(api.post("/api/v1/visits/", {**visit, "access": "maybe"}, format="json"), 400, "access")
    incident = {
        "application": dossier.reference,
        "kind": "loss",
        "description": "Two cartons short.",
        "location": "Nampo",
        "discovered_on": TODAY.isoformat(),
        "authority": "UN1718",
        "item": dossier.items.get().pk,
        "quantity": "2",
    }
    created = api.post("/api/v1/incidents/", incident, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["report_due_on"] == (TODAY + dt.timedelta(days=7)).isoformat()
    incident_id = created.json()["id"]
    assert_error(client_for(applicant_other).post(f"/api/v1/incidents/{incident_id}/reported/", {"reported_on": TODAY.isoformat()}, format="json"), 404)  # fmt: skip
    reported = api.post(f"/api/v1/incidents/{incident_id}/reported/", {"reported_on": TODAY.isoformat()}, format="json")
    assert reported.status_code == 200 and reported.json()["reported_on"] == TODAY.isoformat()
    assert client_for(applicant_other).get("/api/v1/incidents/").json()["results"] == []
    reviewer = client_for(factories.member_of("UN1718", "reviewer"))
    assert [v["access"] for v in reviewer.get("/api/v1/visits/").json()["results"]] == ["refused"]
