"""A fresh population for a simulated year: applicant organizations of every kind with their people, each
authority's reviewers and staff, and dossiers with items from a catalogue, filed (as drafts) with the
authorities their channel and goods call for. Everything goes through the services the faces use."""

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
EU_COUNTRIES = {"DE", "FR", "IT", "NL", "BE", "SE", "IE"}

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


def channel(organization: Organization, chosen: list[tuple], authorities: dict[str, Authority]) -> list[Authority]:
    """The authorities a dossier needs: the Committee always; OFAC for a US organization; BIS for US-origin
    goods; the EU competent authority for an EU organization; OFSI for a UK one. The one place the simulation
    decides this: when the triage (which proposes a dossier's authorities) lands, this asks it instead."""
    codes = ["UN1718"]
    if organization.country == "US":
        codes.append("OFAC")
    if any(us_origin for *_, us_origin in chosen):
        codes.append("BIS")
    if organization.country in EU_COUNTRIES:
        codes.append("EU")
    if organization.country == "GB":
        codes.append("UK-OFSI")
    return [authorities[code] for code in codes if code in authorities]


def submission_channel(organization: Organization, authority: Authority, at: dt.datetime) -> dict:
    """How the request reaches an authority that takes forwarded requests: direct where the organization may
    file directly, else through the Member State it is based in."""
    if not authority.procedure.takes_forwarded_requests or may_file_directly(organization, authority, at):
        return {}
    return {"submission_channel": Filing.Channel.MEMBER_STATE, "channel_detail": organization.country}


def dossier(organization, applicant, row: int, arrives: dt.datetime, rng: random.Random, authorities):
    """A dossier as its applicant drafts it, with a draft filing for each authority its channel needs."""
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
            specification="As per supplier datasheet." + (" US origin, EAR99." if us_origin else ""),
        )
        for description, hs_code, unit, value, category, us_origin in chosen
    ]
    application = services.create_application(organization, applicant, items=items, parties=party_fields(), **fields)
    filings = [
        services.create_filing(application, a, applicant, channel=submission_channel(organization, a, arrives))
        for a in channel(organization, chosen, authorities)
    ]
    return application, filings
