"""A demo BIS case approved in part: US-origin refrigerators and water treatment for county hospitals, where BIS
licensed every refrigerator, fewer reverse-osmosis units than asked and none of the generators (15 CFR 748.6 lets
it approve in part). Built through the engine like every demo case; the names are invented."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from . import demo, engine, procedures, services
from .models import Application, Authority, Organization, Role

TITLE = "US-origin vaccine refrigerators and water treatment for county hospitals"
# description, HS code, quantity asked, unit, unit value (USD), category, quantity BIS approved
ITEMS = [
    ("Solar direct-drive vaccine refrigerator, 55 litres", "841850", "24", "units", "5200.00", "medical", "24"),
    ("Reverse-osmosis water purification unit, 1,500 L/h", "842121", "10", "units", "18500.00", "wash", "4"),
    ("Portable diesel generator, 10 kVA", "850211", "8", "units", "7400.00", "other", "0"),
]
PARTIES = [
    ("supplier", "Demo Coldchain Systems Inc.", "US", "1200 Harbor Way, Baltimore, MD"),
    ("freight_forwarder", "Demo Yellow Sea Forwarding Co.", "CN", "Port Road 5, Dalian, Liaoning"),
    ("consignee", "Provincial Public Health Department", "KP", "South Hwanghae Province, Haeju"),
    ("end_user", "Haeju Provincial Hospital", "KP", "Haeju City"),
    ("bank", "Demo Lakeshore Trust (correspondent bank)", "CH", "Seestrasse 40, 8002 Zurich"),
]
CONDITIONS = (
    "Reverse-osmosis units only with the high-pressure pumps listed in the application; report each shipment to "
    "BIS within 14 days. The generators are not licensed."
)
DECIDED_AGO = dt.timedelta(days=6)
STARTED_AGO = dt.timedelta(days=50)


def seed(users: dict, now: dt.datetime | None = None) -> int:
    """The case, once: 1 filing made, or 0 when it exists (or the demo organization does not)."""
    now = now or timezone.now()
    organization = Organization.objects.filter(name=demo.ORGANIZATIONS["A"]["name"]).first()
    if organization is None or Application.objects.filter(title=TITLE, organization=organization).exists():
        return 0
    bis = Authority.objects.get(code="BIS")
    applicant = demo._member(users, Role.APPLICANT, "A")
    reviewer = demo._member(users, Role.REVIEWER, bis.code)
    ship_from = now.date() + demo.SHIPS_AFTER
    application = services.create_application(
        organization,
        applicant,
        **{
            **demo.dossier_fields(0, ship_from),
            "title": TITLE,
            "purpose": "Keep vaccines cold and water safe at two county hospitals after the 2026 floods.",
            "justification": "US-origin refrigeration and water treatment equipment bound for the DPRK is subject "
            "to the EAR and needs a BIS licence; it is also in HS chapters 84 and 85 banned by resolution 2397.",
        },
        items=[
            dict(
                description=d,
                hs_code=hs,
                quantity=Decimal(q),
                unit=u,
                unit_value=Decimal(v),
                currency="USD",
                category=c,
                specification="As per supplier datasheet.",
            )
            for d, hs, q, u, v, c, _ in ITEMS
        ],  # fmt: skip
        parties=[dict(role=r, name=n, country=c, address=a) for r, n, c, a in PARTIES],
    )
    filing = services.create_filing(application, bis, applicant)
    (in_part,) = bis.procedure.with_effect(procedures.RECORD_APPROVED_QUANTITIES)
    demo.drive(
        filing, in_part.sources[0], applicant=applicant, reviewer=reviewer, staff=reviewer, started_at=now - STARTED_AGO
    )
    decided_at = now - DECIDED_AGO
    granted = {str(item.pk): row[-1] for item, row in zip(application.items.order_by("id"), ITEMS, strict=True)}
    engine.apply(
        filing,
        in_part.name,
        reviewer,
        "Generators are available locally; RO units limited to the two hospitals' documented demand.",
        decided_at,
        valid_from_on=decided_at.date(),
        valid_until_on=decided_at.date() + dt.timedelta(days=365),
        item_quantities=granted,
        authority_reference="D512034",
        conditions=CONDITIONS,
    )
    demo.attach_licence(filing, reviewer)
    demo._clear_rule_flags(filing, reviewer)
    return 1
