"""The end-use report per approval (issue 19): its totals equal the records, read back from the PDF's text and the
CSV; filing it attaches it and closes the case; the report deadline follows the last delivery."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from exemptions import deadlines, deliveries, engine, monitoring, procedures, reports, services, shipping
from exemptions.models import Authority, Distribution, Document, ShipmentLine

from . import factories

TODAY = timezone.localdate()


@pytest.fixture
def records(dossier, applicant):
    """An approval with two delivered shipments, three distributions, two visits (one refused) and a loss."""
    approval = factories.approved_filing(dossier, "UN1718", applicant, TODAY, TODAY + dt.timedelta(days=150))
    item = dossier.items.get()
    shipments = []
    for n, (quantity, received, damaged, lost) in enumerate([("40", "37", "2", "1"), ("35", "35", "0", "0")]):
        depart = TODAY + dt.timedelta(days=5 + 20 * n)
        shipment = shipping.plan_shipment(
            dossier,
            applicant,
            lines=[{"item": item.pk, "quantity": Decimal(quantity)}],
            mode="sea",
            carrier="Yellow Sea Lines",
            imo_number="9074729",
            planned_departure_on=depart,
            planned_arrival_on=depart + dt.timedelta(days=4),
        )
        deliveries.record_delivery(
            shipment,
            delivered_on=depart + dt.timedelta(days=5),
            received_by="Ministry of Public Health, Central Medical Warehouse",
            lines=[{"item": item.pk, "received": received, "damaged": damaged, "lost": lost}],
        )
        shipments.append(shipment)
    for shipment, facility, quantity, planned, reached in [
        (shipments[0], "Sanatorium No. 3", "20", 300, 260),
        (shipments[0], "Provincial Hospital", "17", 200, 200),
        (shipments[1], "Sanatorium No. 3", "30", 400, 150),
    ]:
        deliveries.record_distribution(
            shipment,
            applicant,
            facility=facility,
            location="South Pyongan",
            distributed_on=shipment.delivered_on,
            beneficiaries_planned={"patients": planned},
            beneficiaries_reached={"patients": reached},
            lines=[{"item": item.pk, "quantity": quantity}],
        )
    for access in ("granted", "refused"):
        monitoring.record_visit(
            dossier, applicant, site="Sanatorium No. 3", monitor="Field office", access=access, visited_on=TODAY
        )
    monitoring.record_incident(
        dossier,
        applicant,
        shipment=shipments[0].reference,
        kind="loss",
        description="One carton missing.",
        location="Nampo",
        item=item.pk,
        quantity=1,
        discovered_on=TODAY,
        authority=Authority.objects.get(code="UN1718"),
    )
    return approval


def expected_totals(approval):
    lines = ShipmentLine.objects.filter(shipment__approvals=approval)
    sums = lines.aggregate(shipped=Sum("quantity"), received=Sum("received"), damaged=Sum("damaged"), lost=Sum("lost"))
    distributions = Distribution.objects.filter(shipment__approvals=approval)
    sums["distributed"] = distributions.aggregate(n=Sum("lines__quantity"))["n"]
    sums["reached"] = sum(d.reached_total for d in distributions)
    sums["planned"] = sum(d.planned_total for d in distributions)
    return sums


def test_the_csv_totals_equal_the_records(records):
    expected = expected_totals(records)
    content, content_type, name = reports.render(records, "csv")
    assert content_type.startswith("text/csv") and name.endswith(".csv")
    rows = list(csv.reader(io.StringIO(content.decode())))
    header = next(r for r in rows if r[0] == "items")
    (goods,) = [dict(zip(header, r, strict=True)) for r in rows if r[0] == "items" and r is not header]
    for column in ("shipped", "received", "damaged", "lost", "distributed"):
        assert Decimal(goods[column]) == expected[column], column
    assert Decimal(goods["approved_qty"]) == Decimal(100)
    totals = {r[1]: int(r[2]) for r in rows if r[0] == "total"}
    assert (
        totals
        == {"people_planned": expected["planned"], "people_reached": expected["reached"]}
        == {
            "people_planned": 900,
            "people_reached": 610,
        }
    )
    assert len([r for r in rows if r[0] == "shipments"]) == 3  # header and two shipments
    assert len([r for r in rows if r[0] == "visits" and "Access refused" in r]) == 1
    assert len([r for r in rows if r[0] == "incidents" and r[1] == "Loss in transit"]) == 1


def test_the_pdf_says_the_same_totals(records):
    expected = expected_totals(records)
    content, content_type, _ = reports.render(records, "pdf")
    assert content_type == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert records.reference in text
    assert f"People planned: {expected['planned']}; reached: {expected['reached']}" in text
    figures = " ".join(
        f"{expected[k].normalize():f}" for k in ("shipped", "received", "damaged", "lost", "distributed")
    )
    goods_row = f"Rifampicin tablets boxes 100 {figures}"
    assert goods_row in " ".join(text.split())
    assert "Access refused" in text and "Loss in transit" in text


def test_the_workbook_holds_the_same_figures(records):
    content, _, _ = reports.render(records, "xlsx")
    workbook = load_workbook(io.BytesIO(content))
    goods = list(workbook["Goods"].values)
    assert goods[0][:4] == ("item", "unit", "approved_qty", "shipped")
    assert goods[1][3] == float(expected_totals(records)["shipped"])


def test_filing_the_report_attaches_it_and_closes_the_case(records, applicant):
    services.run_action(records, records.procedure.action_with_effect(procedures.ATTACH_DELIVERY_REPORT), applicant)
    records.refresh_from_db()
    assert records.state.terminal
    pdf = records.documents.filter(kind=Document.Kind.DELIVERY_REPORT, content_type="application/pdf").get()
    assert "People planned: 900; reached: 610" in PdfReader(pdf.file.open("rb")).pages[0].extract_text()


def test_the_report_deadline_follows_the_last_delivery(records):
    last = max(s.delivered_on for s in records.shipments.all())
    later = deadlines.end_of_day(records.valid_until_on + dt.timedelta(days=1), "America/New_York")
    assert engine.run_clock_transitions(later)["expire"] == 1
    records.refresh_from_db()
    assert records.state.lapsed
    assert records.due_at == deadlines.calendar_deadline(last, 30, records.authority.time_zone)
    (summary,) = shipping.approval_summaries(records.application)
    assert summary.report_due_on == last + dt.timedelta(days=30)


def test_without_a_delivery_the_report_is_due_after_expiry(dossier, applicant):
    approval = factories.approved_filing(dossier, "UN1718", applicant, TODAY, TODAY + dt.timedelta(days=10))
    later = deadlines.end_of_day(TODAY + dt.timedelta(days=11), "America/New_York")
    engine.run_clock_transitions(later)
    approval.refresh_from_db()
    assert approval.due_at == deadlines.calendar_deadline(approval.valid_until_on, 30, approval.authority.time_zone)


def test_a_delivery_recorded_after_expiry_moves_the_report_deadline(dossier, applicant):
    approval = factories.approved_filing(dossier, "UN1718", applicant, TODAY, TODAY + dt.timedelta(days=10))
    shipment = shipping.plan_shipment(
        dossier,
        applicant,
        lines=[{"item": dossier.items.get().pk, "quantity": Decimal(5)}],
        mode="road",
        planned_departure_on=TODAY + dt.timedelta(days=1),
        planned_arrival_on=TODAY + dt.timedelta(days=2),
    )
    engine.run_clock_transitions(deadlines.end_of_day(TODAY + dt.timedelta(days=11), "America/New_York"))
    delivered = TODAY + dt.timedelta(days=20)
    deliveries.record_delivery(shipment, delivered_on=delivered, received_by="County hospital")
    approval.refresh_from_db()
    assert approval.due_at == deadlines.calendar_deadline(delivered, 30, approval.authority.time_zone)
