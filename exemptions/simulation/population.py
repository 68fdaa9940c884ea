"""A fresh population for a simulated year: applicant organizations of every kind with their people, each
authority's reviewers and staff, and dossiers with items from a catalogue, filed (as drafts) with the
authorities the product's triage says they need. Everything goes through the services the faces use."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model

from .. import services
from ..demo import dossier_fields, party_fields
from ..models import Authority, Filing, Membership, Organization, Profile, Role, may_file_directly

# (kind, country, zone): UN agencies, international NGOs and national NGOs, each with its own channel.
ORGANIZATION_KINDS = [
    (Organization.Kind.UN_AGENCY, "US", "America/New_York"),
    (Organization.Kind.UN_AGENCY, "CH", "Europe/Zurich"),
    (Organization.Kind.NGO, "GB", "Europe/London"),
    (Organization.Kind.NGO, "DE", "Europe/Berlin"),
    (Organization.Kind.NGO, "US", "America/New_York"),
    (Organization.Kind.NGO, "CH", "Europe/Zurich"),
    (Organization.Kind.NGO, "KR", "Asia/Seoul"),
]

# description, HS code, unit, unit value, category, US origin (EAR99 goods still need a BIS licence for the DPRK)
CATALOGUE = [
    ("Ready-to-use therapeutic food, 92 g sachets", "210690", "cartons", "54.00", "food", False),
    ("Rifampicin/isoniazid fixed-dose tablets", "300490", "boxes", "18.50", "medical", False),
    ("Auto-disable syringes 0.5 ml", "901831", "pieces", "0.07", "medical", True),
    ("Water purification tablets", "380894", "strips", "0.90", "wash", False),
    ("Vegetable seeds, mixed, certified", "120991", "kg", "22.00", "agriculture", False),
    ("Solar vaccine refrigerator", "841850", "units", "4200.00", "medical", True),
    ("Portable ultrasound scanner", "901812", "units", "9800.00", "medical", True),
    ("Hand pump with galvanised riser pipes", "841320", "sets", "310.00", "wash", False),
]
SHIPMENT_WINDOWS = (30, 60, 90, 150)  # days a dossier ships over: short ones expire within a smoke run
REVIEWERS_PER_AUTHORITY = 3
STAFF_PER_AUTHORITY = 1


@dataclass
class People:
    applicants: dict[int, object] = field(default_factory=dict)  # organization id -> applicant
    reviewers: dict[int, list] = field(default_factory=dict)  # authority id -> reviewers
    staff: dict[int, list] = field(default_factory=dict)


def _person(username: str, email: str, time_zone: str):
    user = get_user_model().objects.create(username=username, email=email, password="!")
    Profile.objects.create(user=user, time_zone=time_zone)
    return user


def cast(run: str, organizations: int, authorities) -> tuple[list[Organization], People]:
    """New organizations (one applicant each) and each authority's reviewers and staff, named by `run`."""
    people = People()
    made = []
    for n in range(organizations):
        kind, country, zone = ORGANIZATION_KINDS[n % len(ORGANIZATION_KINDS)]
        organization = Organization.objects.create(
            name=f"Simulated {kind.label} {run}-{n + 1}",
            kind=kind,
            country=country,
            contact_email=f"ops{n + 1}.{run}@sim.example.org",
        )
        applicant = _person(f"sim-{run}-applicant-{n + 1}", f"applicant{n + 1}.{run}@sim.example.org", zone)
        Membership.objects.create(user=applicant, role=Role.APPLICANT, organization=organization)
        people.applicants[organization.pk] = applicant
        made.append(organization)
    for authority in authorities:
        for role, count, into in (
            (Role.REVIEWER, REVIEWERS_PER_AUTHORITY, people.reviewers),
            (Role.STAFF, STAFF_PER_AUTHORITY, people.staff),
        ):
            into[authority.pk] = []
            for k in range(1, count + 1):
                name = f"sim-{run}-{role}-{authority.code.lower()}-{k}"
                user = _person(name, f"{name}@sim.example.org", authority.time_zone)
                Membership.objects.create(user=user, role=role, authority=authority)
                into[authority.pk].append(user)
    return made, people


def goods(rng: random.Random) -> list[tuple]:
    return rng.sample(CATALOGUE, k=rng.choice((1, 2, 3)))


# Where a dossier's goods come from: an organization based in the EU or the UK buys there (which brings in the EU's
# or the UK's export authorisation for goods the 1718 measures prohibit); the others from the demo's Swiss supplier.
HOME_SUPPLIERS = {
    "DE": ("Rheinland Medizintechnik GmbH", "DE", "Industriestraße 4, 50735 Cologne"),
    "GB": ("Pennine Water Engineering Ltd", "GB", "Canal Street 21, Leeds LS1 4AB"),
}


def dossier_parties(organization: Organization) -> list[dict]:
    """The demo's parties, with the supplier the organization's home market gives it."""
    parties = party_fields()
    home = HOME_SUPPLIERS.get(organization.country)
    for party in parties:
        if party["role"] == "supplier" and home:
            party.update(name=home[0], country=home[1], address=home[2])
    return parties


def needed(application) -> list[Authority]:
    """The authorities the dossier needs, as the product's triage proposed them (the required set)."""
    return sorted(application.required_authorities.all(), key=lambda a: a.code)


def submission_channel(organization: Organization, authority: Authority, at: dt.datetime) -> dict:
    """How the request reaches an authority that takes forwarded requests: direct where the organization may
    file directly, else through the Member State it is based in."""
    if not authority.procedure.takes_forwarded_requests or may_file_directly(organization, authority, at):
        return {}
    return {"submission_channel": Filing.Channel.MEMBER_STATE, "channel_detail": organization.country}


def dossier(organization, applicant, row: int, arrives: dt.datetime, rng: random.Random):
    """A dossier as its applicant drafts it, with a draft filing for each authority its triage requires."""
    chosen = goods(rng)
    ship_from = (arrives + dt.timedelta(days=rng.randint(45, 120))).date()
    fields = dossier_fields(row, ship_from)
    fields["ship_until_on"] = ship_from + dt.timedelta(days=rng.choice(SHIPMENT_WINDOWS))
    items = [
        dict(
            description=description,
            hs_code=hs_code,
            quantity=Decimal(rng.randint(10, 5000)),
            unit=unit,
            unit_value=Decimal(value),
            currency="USD",
            category=category,
            specification="As per supplier datasheet.",
            us_origin=us_origin,
            export_classification="EAR99" if us_origin else "",
        )
        for description, hs_code, unit, value, category, us_origin in chosen
    ]
    parties = dossier_parties(organization)
    application = services.create_application(organization, applicant, items=items, parties=parties, **fields)
    filings = [
        services.create_filing(application, a, applicant, channel=submission_channel(organization, a, arrives))
        for a in needed(application)
    ]
    return application, filings
