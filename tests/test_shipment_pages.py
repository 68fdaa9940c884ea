"""The after-approval pages (issue 19): an applicant plans, delivers, distributes and monitors on the web; the
refusals come back beside the form with nothing saved; who may see and write what; the organization's dashboard
costs the same number of queries for 10 or 500 shipments."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from exemptions import shipping
from exemptions.models import (
    Authority,
    Distribution,
    DistributionLine,
    Incident,
    MonitoringVisit,
    PlannedVisit,
    Shipment,
    ShipmentLine,
)

from . import factories

TODAY = timezone.localdate()


@pytest.fixture
def approval(dossier, applicant):
    return factories.approved_filing(dossier, "UN1718", applicant, TODAY, TODAY + dt.timedelta(days=150))


def plan_post(dossier, quantity, depart=None):
    depart = depart or TODAY + dt.timedelta(days=7)
    item = dossier.items.get()
    return {
        "mode": "sea",
        "carrier": "Yellow Sea Lines",
        "vessel_name": "MV Morning Star",
        "imo_number": "IMO 9074729",
        "planned_departure_on": depart.isoformat(),
        "planned_arrival_on": (depart + dt.timedelta(days=4)).isoformat(),
        f"quantity_{item.pk}": quantity,
    }


def test_an_applicant_plans_a_shipment_and_sees_what_remains(dossier, applicant, approval):
    client = factories.web_client(applicant)
    response = client.post(reverse("shipment_plan", args=[dossier.reference]), plan_post(dossier, "60"))
    shipment = Shipment.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("shipment_detail", args=[shipment.reference])
    page = client.get(reverse("shipments_overview", args=[dossier.reference])).content.decode()
    assert f'data-remaining="{dossier.items.get().pk}">40<' in page
    assert "Shipments: 1 of 3 (2 left)" in page
    detail = client.get(reverse("shipment_detail", args=[shipment.reference])).content.decode()
    assert "Cleared to ship" in detail and approval.reference in detail and "IMO 9074729" in detail


def test_a_refused_shipment_comes_back_with_the_reason_and_nothing_saved(dossier, applicant, approval):
    client = factories.web_client(applicant)
    response = client.post(reverse("shipment_plan", args=[dossier.reference]), plan_post(dossier, "101"))
    assert response.status_code == 400
    assert "only 100 remain under UN1718 approval" in response.content.decode()
    late = plan_post(dossier, "5", depart=TODAY + dt.timedelta(days=400))
    response = client.post(reverse("shipment_plan", args=[dossier.reference]), late)
    assert response.status_code == 400 and "outside the validity of every UN1718 approval" in response.content.decode()
    assert not Shipment.objects.exists()


def test_outsiders_get_404_and_the_authority_reads_but_may_not_write(dossier, applicant, approval, applicant_other):
    url = reverse("shipments_overview", args=[dossier.reference])
    assert factories.web_client(applicant_other).get(url).status_code == 404
    reviewer = factories.member_of("UN1718", "reviewer")
    assert factories.web_client(reviewer).get(url).status_code == 200
    refused = factories.web_client(reviewer).post(
        reverse("shipment_plan", args=[dossier.reference]), plan_post(dossier, "5")
    )
    assert refused.status_code == 403
    ofac_reviewer = factories.member_of("OFAC", "reviewer")
    assert factories.web_client(ofac_reviewer).get(url).status_code == 404


def test_the_report_downloads_for_whoever_sees_the_approval(dossier, applicant, approval, applicant_other):
    url = reverse("approval_report", args=[approval.reference, "pdf"])
    response = factories.web_client(applicant).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert factories.web_client(applicant_other).get(url).status_code == 404
    assert factories.web_client(applicant).get(url.replace(".pdf", ".exe")).status_code == 404


def test_delivery_distribution_visit_and_incident_from_the_pages(dossier, applicant, approval):
    client = factories.web_client(applicant)
    item = dossier.items.get()
    shipment = shipping.plan_shipment(
        dossier,
        applicant,
        lines=[{"item": item.pk, "quantity": Decimal(30)}],
        mode="road",
        planned_departure_on=TODAY + dt.timedelta(days=1),
        planned_arrival_on=TODAY + dt.timedelta(days=2),
    )
    delivered = (TODAY + dt.timedelta(days=2)).isoformat()
    response = client.post(
        reverse("shipment_delivery", args=[shipment.reference]),
        {"delivered_on": delivered, "received_by": "County hospital", f"received_{item.pk}": "30"},
    )
    assert response.status_code == 302
    too_many = {"facility": "Ward 2", "distributed_on": delivered, f"quantity_{item.pk}": "31"}
    response = client.post(reverse("shipment_distribution", args=[shipment.reference]), too_many)
    assert response.status_code == 400 and "only 30 received" in response.content.decode()
    ok = {**too_many, f"quantity_{item.pk}": "30", "planned_patients": "100", "reached_patients": "80"}
    assert client.post(reverse("shipment_distribution", args=[shipment.reference]), ok).status_code == 302
    assert Distribution.objects.get().beneficiaries_reached == {"patients": 80}
    visit = {
        "visit-visited_on": delivered,
        "visit-site": "Ward 2",
        "visit-monitor": "Field office",
        "visit-access": "refused",
    }
    assert client.post(reverse("visit_add", args=[dossier.reference]), visit).status_code == 302
    incident = {
        "incident-kind": "theft",
        "incident-description": "Two boxes taken from the store.",
        "incident-location": "County store",
        "incident-discovered_on": delivered,
        "incident-authority": Authority.objects.get(code="UN1718").pk,
        "incident-item": str(item.pk),
        "incident-quantity": "2",
    }
    assert client.post(reverse("incident_add", args=[dossier.reference]), incident).status_code == 302
    recorded = Incident.objects.get()
    client.post(reverse("incident_reported", args=[recorded.pk]), {"reported_on": delivered})
    recorded.refresh_from_db()
    assert recorded.reported_on.isoformat() == delivered
    board = client.get(reverse("monitoring_dashboard")).content.decode()
    assert "80 / 100" in board and dossier.reference in board


def bulk_records(dossier, approval, count):
    """`count` shipments with a line, a distribution and a visit each, written in bulk (the query-count test
    is about reading them)."""
    item = dossier.items.get()
    start = Shipment.objects.count()
    shipments = Shipment.objects.bulk_create(
        Shipment(
            application=dossier,
            reference=f"SHP-T-{start + n}",
            mode="road",
            planned_departure_on=TODAY,
            planned_arrival_on=TODAY,
            departed_on=TODAY,
            delivered_on=TODAY if n % 2 else None,
        )
        for n in range(count)
    )
    ShipmentLine.objects.bulk_create(
        ShipmentLine(shipment=s, item=item, quantity=Decimal(2), received=Decimal(1)) for s in shipments
    )
    distributions = Distribution.objects.bulk_create(
        Distribution(
            shipment=s, facility="Clinic", distributed_on=TODAY, beneficiaries_reached={"patients": 3}, reached_total=3
        )
        for s in shipments
    )
    DistributionLine.objects.bulk_create(DistributionLine(distribution=d, item=item, quantity=1) for d in distributions)
    MonitoringVisit.objects.bulk_create(
        MonitoringVisit(application=dossier, shipment=s, visited_on=TODAY, site="Clinic", monitor="M", access="granted")
        for s in shipments
    )


def dashboard_queries(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("monitoring_dashboard")).status_code == 200
    return len(queries)


def test_the_dashboard_costs_the_same_queries_for_10_or_500_shipments(org, applicant, approval, dossier):
    client = factories.web_client(applicant)
    PlannedVisit.objects.create(application=dossier, facility="Clinic", visits=4, monitor="Field office")
    bulk_records(dossier, approval, 10)
    small = dashboard_queries(client)
    other = factories.complete_dossier(org, applicant, title="Second dossier")
    PlannedVisit.objects.create(application=other, facility="Clinic", visits=1, monitor="Field office")
    bulk_records(dossier, approval, 490)
    large = dashboard_queries(client)
    assert small == large
    page = client.get(reverse("monitoring_dashboard")).content.decode()
    assert "1500 / " in page  # 500 distributions × 3 people reached


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_visit_keeps_its_photos_and_refuses_a_disguised_file_with_nothing_saved(dossier, applicant, approval):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = factories.web_client(applicant)
    visit = {
        "visit-visited_on": TODAY.isoformat(),
        "visit-site": "Clinic",
        "visit-monitor": "Field office",
        "visit-access": "restricted",
    }
    bad = {**visit, "visit-files": [SimpleUploadedFile("photo.png", b"MZ\x90\x00 not an image")]}
    response = client.post(reverse("visit_add", args=[dossier.reference]), bad)
    assert response.status_code == 400 and "not a file type we accept" in response.content.decode()
    assert not MonitoringVisit.objects.exists()
    good = {**visit, "visit-files": [SimpleUploadedFile("ward.png", PNG), SimpleUploadedFile("notes.txt", b"ok")]}
    assert client.post(reverse("visit_add", args=[dossier.reference]), good).status_code == 302
    files = list(MonitoringVisit.objects.get().files.order_by("id"))
    assert [(f.original_name, f.content_type) for f in files] == [
        ("ward.png", "image/png"),
        ("notes.txt", "text/plain"),
    ]
    download = client.get(reverse("visit_file_download", args=[files[0].pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    outsider = factories.web_client(factories.applicant_of(factories.organization()))
    assert outsider.get(reverse("visit_file_download", args=[files[0].pk])).status_code == 404
