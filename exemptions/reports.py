"""The end-use / delivery report of one approval, generated from the records (shipments, quantities, deliveries,
distributions, people reached, monitoring visits, incidents) as PDF (fpdf2: pure Python, no system library),
CSV and XLSX (openpyxl). Filing it attaches the PDF and the CSV to the approval: that closes the case.

Every figure comes from `report_data()`, so the three formats and the page agree with each other and with the
records they were made from."""

from __future__ import annotations

import csv
import hashlib
import io
import unicodedata
from collections import defaultdict
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db.models import Q
from django.utils import timezone
from fpdf import FPDF
from openpyxl import Workbook

from .models import (
    BENEFICIARY_CATEGORIES,
    Distribution,
    Document,
    Filing,
    Incident,
    MonitoringVisit,
    Shipment,
)
from .shipping import approval_summaries

PDF_TYPE = "application/pdf"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/plain"  # how services serve a CSV a person uploaded; the download view says text/csv


def _num(value) -> str:
    if value is None:
        return ""
    return f"{Decimal(value).normalize():f}"


def report_data(approval: Filing) -> dict:
    """Everything the report says, as plain values: headings, then one list of rows per section."""
    application = approval.application
    (summary,) = approval_summaries(application, [approval])
    shipments = list(
        Shipment.objects.filter(approvals=approval).prefetch_related("lines__item").order_by("planned_departure_on")
    )
    shipment_ids = [s.pk for s in shipments]
    distributions = list(
        Distribution.objects.filter(shipment_id__in=shipment_ids)
        .select_related("shipment")
        .prefetch_related("lines__item")
    )
    # Visits and incidents of this approval's shipments, and those of the dossier as a whole.
    ours = Q(shipment_id__in=shipment_ids) | Q(shipment__isnull=True)
    visits = list(MonitoringVisit.objects.filter(ours, application=application).order_by("visited_on", "id"))
    incidents = list(
        Incident.objects.filter(ours, application=application)
        .select_related("authority", "item")
        .order_by("discovered_on", "id")
    )
    received, damaged, lost = defaultdict(Decimal), defaultdict(Decimal), defaultdict(Decimal)
    for shipment in shipments:
        for line in shipment.lines.all():
            received[line.item_id] += line.received or 0
            damaged[line.item_id] += line.damaged or 0
            lost[line.item_id] += line.lost or 0
    distributed = defaultdict(Decimal)
    planned_people, reached_people = defaultdict(int), defaultdict(int)
    for distribution in distributions:
        for line in distribution.lines.all():
            distributed[line.item_id] += line.quantity
        for category, n in (distribution.beneficiaries_planned or {}).items():
            planned_people[category] += n
        for category, n in (distribution.beneficiaries_reached or {}).items():
            reached_people[category] += n
    items = [
        {
            "item": row["item"].description,
            "unit": row["item"].unit,
            "approved_qty": row["approved_qty"],
            "shipped": row["shipped"],
            "remaining": row["remaining"],
            "received": received[row["item"].pk],
            "damaged": damaged[row["item"].pk],
            "lost": lost[row["item"].pk],
            "distributed": distributed[row["item"].pk],
        }
        for row in summary.rows
    ]
    people = [
        {
            "category": BENEFICIARY_CATEGORIES.get(c, c),
            "planned": planned_people.get(c, 0),
            "reached": reached_people.get(c, 0),
        }
        for c in BENEFICIARY_CATEGORIES
        if planned_people.get(c) or reached_people.get(c)
    ]
    return {
        "title": f"End-use and delivery report — {approval.reference}",
        "facts": [
            ("Approval", approval.reference),
            ("Authority", f"{approval.authority.code} — {approval.authority.name}"),
            ("Licence or letter number", approval.authority_reference or "—"),
            ("Valid", f"{_cell(approval.valid_from_on)} to {_cell(approval.valid_until_on)}"),
            ("Dossier", f"{application.reference} {application.title}"),
            ("Organization", application.organization.name),
            ("Shipments", f"{summary.shipments} of {summary.max_shipments or 'unlimited'} allowed"),
            ("Generated", timezone.now().strftime("%d %b %Y %H:%M UTC")),
        ],
        "items": items,
        "shipments": [
            {
                "reference": s.reference,
                "stage": s.stage_label,
                "mode": s.get_mode_display(),
                "carrier": " / ".join(
                    x for x in (s.carrier, s.vessel_name, s.imo_number and f"IMO {s.imo_number}") if x
                ),
                "departed": s.departed_on or s.planned_departure_on,
                "delivered": s.delivered_on,
                "received_by": s.received_by,
                "quantity": sum((line.quantity for line in s.lines.all()), Decimal(0)),
            }
            for s in shipments
        ],
        "distributions": [
            {
                "shipment": d.shipment.reference,
                "facility": d.facility,
                "location": d.location,
                "date": d.distributed_on,
                "quantity": sum((line.quantity for line in d.lines.all()), Decimal(0)),
                "planned": d.planned_total,
                "reached": d.reached_total,
            }
            for d in distributions
        ],
        "people": people,
        "people_planned": sum(planned_people.values()),
        "people_reached": sum(reached_people.values()),
        "visits": [
            {
                "date": v.visited_on,
                "site": v.site,
                "monitor": v.monitor,
                "access": v.get_access_display(),
                "findings": v.findings,
            }
            for v in visits
        ],
        "incidents": [
            {
                "kind": i.get_kind_display(),
                "location": i.location,
                "item": i.item.description if i.item else "",
                "quantity": i.quantity,
                "discovered": i.discovered_on,
                "reported_to": i.authority.code,
                "reported": i.reported_on,
                "due": i.report_due_on,
            }
            for i in incidents
        ],
    }


# --- formats -----------------------------------------------------------------------------------

SECTIONS = (
    ("items", "Goods", ("item", "unit", "approved_qty", "shipped", "received", "damaged", "lost", "distributed")),
    ("shipments", "Shipments", ("reference", "stage", "mode", "carrier", "departed", "delivered", "received_by", "quantity")),
    ("distributions", "Distributions", ("shipment", "facility", "location", "date", "quantity", "planned", "reached")),
    ("people", "People reached", ("category", "planned", "reached")),
    ("visits", "Monitoring visits", ("date", "site", "monitor", "access", "findings")),
    ("incidents", "Diversion and loss", ("kind", "location", "item", "quantity", "discovered", "reported_to", "reported", "due")),
)  # fmt: skip


def _cell(value) -> str:
    if isinstance(value, Decimal):
        return _num(value)
    if hasattr(value, "strftime"):
        return value.isoformat()
    return "" if value is None else str(value)


def _latin1(text: str) -> str:
    """The PDF's core font speaks Latin-1: dashes and quotes become their plain forms, other letters their
    closest Latin-1 spelling or '?'."""
    text = text.replace("—", "-").replace("–", "-").replace("’", "'").replace("“", '"').replace("”", '"')
    text = unicodedata.normalize("NFKC", text)
    return text.encode("latin-1", "replace").decode("latin-1")


def render_csv(data: dict) -> bytes:
    """One row per record, its first column naming the section: a spreadsheet or a script can filter on it."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "field", "value"])
    for label, value in data["facts"]:
        writer.writerow(["report", label, value])
    for key, _title, columns in SECTIONS:
        writer.writerow([key, *columns])
        for row in data[key]:
            writer.writerow([key, *(_cell(row[c]) for c in columns)])
    writer.writerow(["total", "people_planned", data["people_planned"]])
    writer.writerow(["total", "people_reached", data["people_reached"]])
    return out.getvalue().encode("utf-8")


def render_xlsx(data: dict) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Report"
    for label, value in data["facts"]:
        sheet.append([label, value])
    sheet.append(["People planned", data["people_planned"]])
    sheet.append(["People reached", data["people_reached"]])
    for key, title, columns in SECTIONS:
        section = workbook.create_sheet(title[:31])
        section.append(list(columns))
        for row in data[key]:
            section.append([float(v) if isinstance(v, Decimal) else v for v in (row[c] for c in columns)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def render_pdf(data: dict) -> bytes:
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.multi_cell(0, 8, _latin1(data["title"]), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    for label, value in data["facts"]:
        pdf.multi_cell(0, 5, _latin1(f"{label}: {value}"), new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(
        0, 5, _latin1(f"People planned: {data['people_planned']}; reached: {data['people_reached']}"),
        new_x="LMARGIN", new_y="NEXT",
    )  # fmt: skip
    for key, title, columns in SECTIONS:
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=8)
        if not data[key]:
            pdf.cell(0, 5, "None recorded.", new_x="LMARGIN", new_y="NEXT")
            continue
        with pdf.table(first_row_as_headings=True, line_height=4.5) as table:
            table.row([c.replace("_", " ").capitalize() for c in columns])
            for row in data[key]:
                table.row([_latin1(_cell(row[c]))[:300] for c in columns])
    return bytes(pdf.output())


FORMATS = {
    "pdf": (render_pdf, PDF_TYPE),
    "csv": (render_csv, "text/csv; charset=utf-8"),
    "xlsx": (render_xlsx, XLSX_TYPE),
}


def render(approval: Filing, fmt: str) -> tuple[bytes, str, str]:
    """(content, content type, file name) of the approval's report in `fmt` (pdf, csv or xlsx)."""
    renderer, content_type = FORMATS[fmt]
    return renderer(report_data(approval)), content_type, f"{approval.reference}-end-use-report.{fmt}"


def attach_end_use_report(approval: Filing, by) -> Document:
    """Attach the report as filed (CSV, then the PDF the closing event names) to the approval. Generated here
    from our own records, so it bypasses the upload checks meant for files people send."""
    data = report_data(approval)
    attached = None
    for fmt, content_type in (("csv", CSV_TYPE), ("pdf", PDF_TYPE)):
        content = FORMATS[fmt][0](data)
        digest = hashlib.sha256(content).hexdigest()
        document = Document(
            filing=approval,
            kind=Document.Kind.DELIVERY_REPORT,
            original_name=f"{approval.reference}-end-use-report.{fmt}",
            content_type=content_type,
            size=len(content),
            sha256=digest,
            uploaded_by=by,
        )
        document.file.save("report", ContentFile(content), save=False)
        document.save()
        attached = document
    return attached
