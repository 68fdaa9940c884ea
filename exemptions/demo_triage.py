"""Demo dossiers whose triage differs: food only (UN 1718 alone), medicine with US-origin content (UN 1718 and
OFAC by the general licence for NGOs), US-origin refrigeration equipment in HS 8418 (UN 1718 and BIS), and
pumps from an EU exporter (UN 1718 and the EU). Drafts, built through the services, so the triage that runs
after every change to a dossier proposes what the page shows. Names are invented."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from . import services
from .models import Application

WINDOW = dt.timedelta(days=120)
STARTS_IN = dt.timedelta(days=75)


def _item(description, hs_code, quantity, unit, value, category, **fields):
    return dict(
        description=description,
        hs_code=hs_code,
        quantity=Decimal(quantity),
        unit=unit,
        unit_value=Decimal(value),
        currency="USD",
        category=category,
        specification="As per supplier datasheet.",
        **fields,
    )


def _party(role, name, country, address):
    return dict(role=role, name=name, country=country, address=address)


US_EAR99 = dict(us_origin=True, export_classification="EAR99")  # made in the US, not on the Commerce Control List
NURSERY = _party("consignee", "Pyongsong Nursery No. 2", "KP", "Pyongsong, South Pyongan")
CLINIC = _party("end_user", "Hyesan County Clinic", "KP", "Hyesan, Ryanggang")

DOSSIERS = [
    dict(
        title="Fortified blended food for nurseries in South Pyongan (triage: food only)",
        items=[
            _item("Corn-soya blend, fortified, 25 kg bags", "190190", "4000", "bags", "21.00", "food"),
            _item("Vegetable oil, vitamin A fortified, 4 l tins", "151790", "1500", "tins", "9.40", "food"),
        ],
        parties=[_party("supplier", "Lakeshore Grain Processing AG", "CH", "Industriestrasse 4, Basel"), NURSERY],
    ),
    dict(
        title="Insulin for diabetic children in Pyongyang (triage: US-origin medicine)",
        items=[
            _item(
                "Insulin glargine pens, 100 IU/ml",
                "300431",
                "6000",
                "pens",
                "11.80",
                "medical",
                **US_EAR99,
            ),
            _item("Blood glucose test strips", "382200", "40000", "strips", "0.22", "medical"),
        ],
        parties=[
            _party("supplier", "Meridian Medical Supplies Sàrl", "CH", "Chemin des Aulx 9, Geneva"),
            _party("consignee", "Pyongyang Children's Diabetes Ward", "KP", "Pyongyang"),
        ],
    ),
    dict(
        title="Solar vaccine refrigerators for Ryanggang clinics (triage: US-origin HS 8418)",
        items=[
            _item(
                "Solar direct-drive vaccine refrigerators, 100 l",
                "841850",
                "24",
                "units",
                "4600.00",
                "medical",
                **US_EAR99,
            ),
            _item("Vaccine carriers, passive cooling", "392310", "120", "pieces", "38.00", "medical"),
        ],
        parties=[_party("supplier", "Northwind Cold Chain Inc.", "US", "Duluth, Minnesota"), CLINIC],
    ),
    dict(
        title="Hand pumps for rural water points in Kangwon (triage: EU exporter)",
        items=[
            _item("Hand-operated deep-well pumps, stainless", "841320", "80", "units", "950.00", "wash"),
            _item("Polyethylene pipes, 63 mm, 6 m lengths", "391723", "2400", "lengths", "14.00", "wash"),
        ],
        parties=[
            _party("supplier", "Rheinland Pumpenwerk GmbH", "DE", "Hafenstrasse 21, Duisburg"),
            _party("consignee", "Kangwon Rural Water Cooperative", "KP", "Wonsan"),
        ],
    ),
]


def seed(organization, applicant, today: dt.date) -> int:
    """The four draft dossiers for `organization` (each once); returns how many were made."""
    made = 0
    for spec in DOSSIERS:
        if Application.objects.filter(organization=organization, title=spec["title"]).exists():
            continue
        with transaction.atomic():
            services.create_application(
                organization,
                applicant,
                title=spec["title"],
                purpose="Deliver the goods listed to the facilities named, for the children and patients they serve.",
                justification="See the triage: the authorities each item needs, and why.",
                beneficiaries={"children_under_5": 6000, "patients": 800},
                selection_criteria="Facilities chosen with the county health offices by need.",
                destinations="\n".join(p["address"] for p in spec["parties"] if p["country"] == "KP"),
                ship_from_on=today + STARTS_IN,
                ship_until_on=today + STARTS_IN + WINDOW,
                monitoring_arrangements="International staff visit every site before and after distribution.",
                financial_channel="Payments to the supplier from the organization's account; none into the DPRK.",
                items=spec["items"],
                parties=spec["parties"],
            )
        made += 1
    return made
