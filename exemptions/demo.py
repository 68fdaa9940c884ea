"""Demo content: the organizations, logins and dossiers `manage.py seed_demo` loads, and the one way a demo
case is brought into any state of its procedure, through real transitions. The tests and the benchmark build
their cases from the same pieces.

No state or action is named here: paths, actors, payloads and timings are read from the declarations
(`procedures.py`) and each authority's settings. A demo case is started so that it reads like a real one: a
running deadline falls a few days ahead or a few days overdue (alternating), an approval is still in force
with its expiry some weeks ahead, a lapsed approval has its delivery report due, a finished case ended some
months ago; where the clock triggers a transition, the case waits for it.
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from . import deadlines, engine, payloads, procedures, services
from .models import Application, Authority, Document, Filing, Membership, Organization, Profile, Role, ScreeningHit
from .screening import store
from .screening.formats import FIXTURE_FILES

DEMO_PASSWORD = "demo"

ORGANIZATIONS = {
    "A": dict(name="Nutrition Without Borders", kind="ngo", country="CH", contact_email="ops@nwb.example.org"),
    "B": dict(name="Korea Health Partners", kind="ngo", country="GB", contact_email="programmes@khp.example.org"),
}

# username: (email, first name, last name, role, organization key or authority code, time zone)
USERS = {
    "applicant": ("amina.diallo@nwb.example.org", "Amina", "Diallo", Role.APPLICANT, "A", "Europe/Zurich"),
    "applicant2": ("lars.eriksen@nwb.example.org", "Lars", "Eriksen", Role.APPLICANT, "A", "Europe/Zurich"),
    "applicant-other": ("min.park@khp.example.org", "Min", "Park", Role.APPLICANT, "B", "Europe/London"),
    "reviewer-un": ("reviewer.1718@un.example.org", "Sofia", "Moreno", Role.REVIEWER, "UN1718", "America/New_York"),
    "staff-un": ("secretary.1718@un.example.org", "David", "Okafor", Role.STAFF, "UN1718", "America/New_York"),
    "reviewer-ofac": ("licensing.officer@ofac.example.gov", "Rachel", "Kim", Role.REVIEWER, "OFAC", "America/New_York"),
    "staff-ofac": ("licensing.chief@ofac.example.gov", "Thomas", "Reed", Role.STAFF, "OFAC", "America/New_York"),
}
ADMIN = ("admin", "admin@clearance.example.org")  # the site operator; acts for authorities without demo people

TITLES = [
    "Therapeutic food for children's hospitals in North Hwanghae",
    "Tuberculosis drugs for provincial TB sanatoria",
    "Clean water kits for flood-affected counties in South Hamgyong",
    "Vaccine cold chain equipment for Ryanggang county clinics",
    "Seeds and greenhouse film for cooperative farms in Kangwon",
    "Insulin and syringes for diabetic patients in Pyongyang hospitals",
    "Micronutrient powder for kindergartens in North Pyongan",
    "Winter shelter kits for households displaced by floods",
    "Maternal health kits for county maternity wards",
    "Hand pumps and pipes for rural water systems",
    "Prosthetic limbs and wheelchairs for a rehabilitation centre",
    "Soybean milk production inputs for nurseries",
    "Surgical consumables for provincial hospitals",
    "Emergency food rations after typhoon damage",
    "X-ray film and reagents for TB diagnosis",
]

ITEMS = [
    ("Ready-to-use therapeutic food, 92 g sachets", "210690", "12000", "cartons", "54.00", "food"),
    ("Rifampicin/isoniazid fixed-dose tablets", "300490", "3500", "boxes", "18.50", "medical"),
    ("Auto-disable syringes 0.5 ml", "901831", "200000", "pieces", "0.07", "medical"),
    ("Water purification tablets", "380894", "50000", "strips", "0.90", "wash"),
    ("Vegetable seeds, mixed, certified", "120991", "800", "kg", "22.00", "agriculture"),
    ("Solar vaccine refrigerator", "841850", "12", "units", "4200.00", "medical"),
]

PARTIES = [
    ("supplier", "Helvetic Nutrition SA", "CH", "Route de Lausanne 12, 1202 Geneva"),
    ("freight_forwarder", "Dandong Northeast Logistics Co.", "CN", "Binjiang Road 88, Dandong, Liaoning"),
    ("consignee", "Provincial Public Health Department", "KP", "North Hwanghae Province, Sariwon"),
    ("end_user", "Sariwon Children's Hospital", "KP", "Sariwon City"),
    ("bank", "Alpine Relief Clearing Bank SA", "CH", "Place du Molard 9, 1204 Geneva"),
]

# How a demo request reaches an authority that takes forwarded requests, by dossier row in turn: each channel
# IAN 7 provides. The demo NGOs have no two recent approvals, so their direct requests are urgent ones.
CHANNELS = [
    dict(submission_channel=Filing.Channel.MEMBER_STATE, channel_detail="Switzerland"),
    dict(submission_channel=Filing.Channel.RESIDENT_COORDINATOR),
    dict(submission_channel=Filing.Channel.MEMBER_STATE, channel_detail="Sweden"),
    dict(submission_channel=Filing.Channel.COMMITTEE_SECRETARY),
    dict(
        submission_channel=Filing.Channel.DIRECT,
        urgent=True,
        urgent_reason="Diphtheria outbreak in two counties: vaccines must ship before the winter road closures.",
    ),
]
FORWARDING = dt.timedelta(days=9)  # a Member State or the Resident Coordinator takes this long to transmit
EXTENSION_REQUEST = (
    "Extend by three months: the second shipment waits for rail capacity at Dandong; goods, quantities and "
    "consignees are unchanged."
)
# The sanctions lists the demo screens against: the fixture files, in each list's published format (invented
# entries; bench/sanctions_files.py writes them).
SANCTIONS_FOLDER = settings.BASE_DIR / "tests" / "fixtures" / "sanctions"
# One demo dossier ships through a forwarder the lists name, so a reviewer has a real hit to rule on.
LISTED_FORWARDER = ("freight_forwarder", "Hengtai Industrial Development Co.", "CN", "Zhenxing District, Dandong")
LISTED_ROW = 1
CLEARED_NOTE = "Humanitarian consignee named in the request; the exemption covers dealings with it."

# What the text fields of a transition's payload read like, by field name.
TEXTS = {
    "authority_reference": "{code}-LIC-{number}",
    "conditions": "Report each shipment to the authority within 14 days.",
    "reasons": "End-user assurances are insufficient for the listed dual-use items.",
    "verdict": ScreeningHit.Disposition.FALSE_POSITIVE,
    "case_number": "{code}-CASE-{number}",
    "un_basis_detail": "The 1718 Committee approved it by letter of 12 March (SCA/2/26(12)).",
}

SHIPMENT_WINDOW = dt.timedelta(days=150)  # a demo dossier ships over five months …
SHIPS_AFTER = dt.timedelta(days=60)  # … starting two months after its last filing
STEP = dt.timedelta(days=2, hours=3)  # between two people's moves on a case
HOLDER_NOTICE = dt.timedelta(days=30)  # a holder acts on an approval when the 30-day expiry reminder comes
EXTENSION = relativedelta(months=3)  # what a holder asks for, and is granted, to finish shipping
FEW_DAYS = dt.timedelta(days=3)  # how far ahead, or overdue, a running deadline falls
IN_FORCE_FOR = dt.timedelta(days=25)  # an approval in force expires this far ahead
RECENTLY = dt.timedelta(days=4)  # a draft begun, or a case held, this long ago


# --- dossiers ------------------------------------------------------------------------------------


def item_fields(row: int) -> list[dict]:
    """Two consecutive goods of ITEMS, as Item fields, for the dossier numbered `row`."""
    return [
        dict(description=d, hs_code=hs, quantity=Decimal(q), unit=u, unit_value=Decimal(v), currency="USD", category=c)
        for d, hs, q, u, v, c in (ITEMS[row % len(ITEMS)], ITEMS[(row + 1) % len(ITEMS)])
    ]


def party_fields(count: int = len(PARTIES), row: int = 0) -> list[dict]:
    parties = [LISTED_FORWARDER if row == LISTED_ROW and p[0] == LISTED_FORWARDER[0] else p for p in PARTIES]
    return [dict(role=r, name=n, country=c, address=a) for r, n, c, a in parties[:count]]


def dossier_fields(row: int, ship_from_on: dt.date) -> dict:
    """The Application field values of the demo dossier numbered `row` (every element a procedure may require)."""
    return dict(
        title=TITLES[row % len(TITLES)],
        purpose="Deliver treatment and prevention supplies to facilities serving children and patients.",
        justification="Items fall under HS chapters banned by resolution 2397; without an exemption they cannot ship.",
        beneficiaries={"children_under_5": 18000 + 500 * (row % 40), "pregnant_lactating_women": 4200, "patients": 900},
        selection_criteria="Facilities chosen with the provincial health department by malnutrition prevalence.",
        destinations="North Hwanghae, Sariwon Children's Hospital\nSouth Hwanghae, Haeju Provincial Hospital",
        ship_from_on=ship_from_on,
        ship_until_on=ship_from_on + SHIPMENT_WINDOW,
        route_origin="Rotterdam, Netherlands",
        route_transit="Dalian, China; Dandong, China",
        port_of_entry="Sinuiju (rail)",
        monitoring_arrangements="International staff visit every site monthly; distribution lists are cross-checked.",
        financial_channel="Payments to suppliers from Geneva; no funds transferred into the DPRK.",
    )


# --- one case ------------------------------------------------------------------------------------


def actor_for(transition: procedures.Transition, *, applicant, reviewer, staff):
    """Who runs a transition in the demo: read from the declaration's roles."""
    if transition.is_system:
        return engine.SYSTEM
    if procedures.APPLICANT in transition.roles:
        return applicant
    return reviewer if procedures.REVIEWER in transition.roles else staff


def payload_for(transition, filing, at: dt.datetime, *, reviewer, valid_from_on=None, valid_until_on=None) -> dict:
    """A realistic payload for every field the transition declares, by the field's kind and name. A validity
    starts on the day of the decision and covers the dossier's shipment window, at most the authority's
    longest validity; a date not bounded by another extends the validity in force."""
    payload = {}
    for f in transition.payload:
        if f.kind == procedures.REVIEWER_CHOICE:
            payload[f.name] = reviewer.get_username()
        elif f.kind == procedures.SCREENING_HIT:
            hit = ScreeningHit.objects.filter(filing=filing).order_by("id").first()
            if hit is not None:
                payload[f.name] = str(hit.pk)
        elif f.choices:
            payload[f.name] = f.choices[0][0]
        elif f.name in TEXTS:
            payload[f.name] = TEXTS[f.name].format(code=filing.authority.code, number=1000 + filing.pk)
        elif f.kind != procedures.DATE:
            continue  # documents go with the action's form, and a validity in months is the authority's default
        elif procedures.RECORD_TRANSMISSION in transition.effects:
            # The forwarding body transmits on the day it is recorded, in the authority's zone.
            payload[f.name] = at.astimezone(deadlines.zone(filing.authority.time_zone)).date()
        elif f.not_before:
            start = payload.get(f.not_before) or at.date()
            payload[f.name] = valid_until_on or _validity_end(
                filing, start, getattr(filing.authority, f.max_months_setting)
            )
        elif any(other.not_before == f.name for other in transition.payload):
            payload[f.name] = valid_from_on or at.date()
        else:
            payload[f.name] = (filing.valid_until_on or at.date()) + EXTENSION
    return payload


def _validity_end(filing, start: dt.date, longest_months: int) -> dt.date:
    application = filing.application
    if application.ship_from_on and application.ship_until_on:
        asked = start + (application.ship_until_on - application.ship_from_on)
    else:
        asked = start + relativedelta(months=filing.authority.default_validity_months)
    return min(asked, start + relativedelta(months=longest_months))


def drive(
    filing,
    state: str,
    *,
    applicant,
    reviewer,
    staff,
    started_at=None,
    valid_from_on=None,
    valid_until_on=None,
    rehearse=False,
):
    """Bring `filing` into `state` through real `engine.apply` calls along `procedure.path_to(state)`.

    Moves are `STEP` apart from `started_at` (default now) and never later than now; a transition the clock
    triggers waits until its trigger fires (the state's deadline, the end of the approval's last valid day),
    and a holder acts on an approval when its expiry reminders come. Notes are the declarations' example
    notes. With `rehearse`, the moves are only planned (`engine.plan`) on the instance, nothing is written
    and nothing is held back to now: how the demo finds when to start a case.
    """
    now = timezone.now()
    at = started_at or now
    for transition in engine.path_for(filing, state):
        at = _when(filing, transition, at + STEP)
        at = at if rehearse else min(at, now)  # a rehearsal may overshoot now: its miss then tells how far
        actor = actor_for(transition, applicant=applicant, reviewer=reviewer, staff=staff)
        payload = payload_for(
            transition, filing, at, reviewer=reviewer, valid_from_on=valid_from_on, valid_until_on=valid_until_on
        )
        note = transition.example_note or (f"{transition.label}." if transition.note_required else "")
        if rehearse:
            cleaned = payloads.clean(transition, filing, note, payload)
            outcome = engine.plan(filing, transition, None if actor == engine.SYSTEM else actor, note, cleaned, at)
            for key, value in outcome.changes.items():
                setattr(filing, key, value)
        else:
            engine.apply(filing, transition.name, actor, note, at, **payload)
    return filing


def _when(filing, transition, at: dt.datetime) -> dt.datetime:
    """When `transition` runs, at `at` or later: the clock fires at the next sweep after its trigger."""
    sweep, zone = settings.REMINDER_SWEEP_INTERVAL, filing.authority.time_zone
    if procedures.RECORD_TRANSMISSION in transition.effects:
        return at + FORWARDING
    if transition.trigger == procedures.DEADLINE_PASSED and filing.due_at:
        return max(at, filing.due_at + sweep)
    if transition.trigger == procedures.VALIDITY_ENDED and filing.valid_until_on:
        return max(at, deadlines.end_of_day(filing.valid_until_on, zone) + sweep)
    if filing.state.grants_validity and filing.valid_until_on and procedures.APPLICANT in transition.roles:
        return max(at, deadlines.start_of_day(filing.valid_until_on, zone) - HOLDER_NOTICE)
    return at


# --- when a demo case begins ------------------------------------------------------------------


def aim(procedure: procedures.Procedure, state: str, overdue: bool, now: dt.datetime) -> tuple[str, dt.datetime]:
    """Which instant of a case in `state` the demo places, and where: (a Filing field, when).

    A running deadline falls a few days ahead, or a few days overdue when `overdue` (never where the clock
    would move the case on at once); an approval's expiry lies weeks ahead (still in force); a finished case
    ended some months ago; a case without a deadline got there recently."""
    declared = procedure.state(state)
    if declared.terminal:
        return "status_changed_at", now - relativedelta(months=2 + procedure.states_where(terminal=True).index(state))
    if declared.deadline is None:
        return "status_changed_at", now - RECENTLY
    if declared.deadline.at_validity_end:
        return "due_at", now + IN_FORCE_FOR
    moves_on = any(state in t.sources for t in procedure.triggered_by(procedures.DEADLINE_PASSED))
    return "due_at", now - FEW_DAYS if overdue and not moves_on else now + FEW_DAYS


def alternating(procedure: procedures.Procedure, state: str, turn: int) -> bool:
    """Overdue or not: alternates along the procedure's states with a running deadline, each authority
    (`turn`) starting on the other foot, so every queue holds both."""
    running = [s.name for s in procedure.states if s.deadline and not s.deadline.at_validity_end]
    return state in running and (running.index(state) + turn) % 2 == 1


def start_for(filing, state: str, target: tuple[str, dt.datetime], **people) -> dt.datetime:
    """When to start driving `filing` so that its `target` field lands near the target instant: rehearsed
    along the real path, shifted by the miss until it lands within a day or two (working days and holidays
    make the deadline move in steps)."""
    field, when = target
    started = when - STEP * len(engine.path_for(filing, state))
    best = None
    for _ in range(8):
        rehearsed = drive(copy.copy(filing), state, started_at=started, rehearse=True, **people)
        miss = when - getattr(rehearsed, field)
        if best is None or abs(miss) < best[0]:
            best = (abs(miss), started)
        if abs(miss) < dt.timedelta(days=2):
            break
        started += miss
    return best[1]


# --- the whole demo ------------------------------------------------------------------------------


def seed(now: dt.datetime | None = None) -> tuple[dict, int]:
    """Organizations, the demo logins (password DEMO_PASSWORD) and a filing in every state of every
    authority's procedure; returns (the logins, the number of filings made). A second run makes nothing."""
    now = now or timezone.now()
    load_sanctions_lists()
    with transaction.atomic():
        organizations = {key: _organization(**fields) for key, fields in ORGANIZATIONS.items()}
        users = {name: _user(name, *spec, organizations) for name, spec in USERS.items()}
        users[ADMIN[0]] = _superuser(*ADMIN)
    return users, _cases(organizations, users, now)


def load_sanctions_lists() -> None:
    """The fixture lists, so that demo filings are screened when filed (a reload changes nothing)."""
    for source, filename in FIXTURE_FILES.items():
        store.load(source, (SANCTIONS_FOLDER / filename).read_bytes(), origin=f"demo: {filename}")


def _clear_rule_flags(filing, reviewer) -> None:
    """A case the authority ruled on had its screening hits ruled on first: the demo's are rule flags on the
    humanitarian consignee and the forwarder, cleared with a reason."""
    if not filing.state.decided or filing.state.terminal:
        return
    action = filing.procedure.action_with_effect(procedures.RECORD_DISPOSITION)
    for hit in ScreeningHit.objects.filter(filing=filing, disposition="").exclude(rule=""):
        verdict = ScreeningHit.Disposition.FALSE_POSITIVE
        engine.apply(filing, action, reviewer, CLEARED_NOTE, None, hit=str(hit.pk), verdict=verdict)


def _organization(**fields):
    organization, _ = Organization.objects.get_or_create(name=fields["name"], defaults=fields)
    return organization


def _login(username, time_zone="UTC", **fields):
    user, created = get_user_model().objects.get_or_create(username=username, defaults=fields)
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    Profile.objects.get_or_create(user=user, defaults={"time_zone": time_zone})
    return user


def _user(username, email, first, last, role, where, time_zone, organizations):
    user = _login(username, time_zone, email=email, first_name=first, last_name=last)
    if role == Role.APPLICANT:
        Membership.objects.get_or_create(user=user, role=role, organization=organizations[where])
    else:
        Membership.objects.get_or_create(user=user, role=role, authority=Authority.objects.get(code=where))
    return user


def _superuser(username, email):
    return _login(username, email=email, is_staff=True, is_superuser=True)


def _member(users, role, where):
    """The first demo login with `role` at `where` (an organization key or an authority code); else the admin."""
    return next((users[name] for name, spec in USERS.items() if spec[3] == role and spec[4] == where), users[ADMIN[0]])


def _cases(organizations, users, now) -> int:
    """One dossier per row; row i is filed with every authority, each filing in the i-th state of its procedure.
    Authorities with their own procedure are in every row's dossier; the generic ones take turns joining it,
    the others share a second dossier, so each dossier reads like a real mix."""
    authorities = list(Authority.objects.order_by("pk"))
    generic = [a for a in authorities if a.workflow_key == procedures.GENERIC.key]
    created = 0
    for row in range(max(len(a.procedure.states) for a in authorities)):
        organization_key = list(ORGANIZATIONS)[1 if row % 5 == 4 else 0]  # every fifth dossier is the other NGO's
        organization = organizations[organization_key]
        applicant = _member(users, Role.APPLICANT, organization_key)
        title = TITLES[row % len(TITLES)]
        if Application.objects.filter(title=title, organization=organization).exists():
            continue  # already seeded
        present = [a for a in authorities if row < len(a.procedure.states)]
        joining = generic[row % len(generic) :][:1] if generic else []
        main = [a for a in present if a not in generic or a in joining]
        groups = [(title, main), (f"{title} (part 2)", [a for a in present if a not in main])]
        for group_title, group in groups:
            if group:
                created += _file_dossier(group_title, row, group, authorities, organization, applicant, users, now)
    return created


def _file_dossier(title, row, group, authorities, organization, applicant, users, now) -> int:
    """A dossier filed with each authority of `group`, every filing driven into its row's state. When each
    case begins is rehearsed first; the dossier ships two months after the last one began."""
    application = services.create_application(
        organization,
        applicant,
        **{**dossier_fields(row, now.date()), "title": title},
        items=[{**fields, "specification": "As per supplier datasheet."} for fields in item_fields(row)],
        parties=party_fields(row=row),
    )
    content = b"%PDF-1.4\n% demo cover letter for " + application.reference.encode() + b"\n%%EOF\n"
    services.attach_document(
        by=applicant,
        uploaded_file=ContentFile(content, name="cover-letter.pdf"),
        kind=Document.Kind.COVER_LETTER,
        application=application,
    )
    plans = []
    for authority in group:
        procedure, state = authority.procedure, authority.procedure.states[row].name
        people = dict(
            applicant=applicant,
            reviewer=_member(users, Role.REVIEWER, authority.code),
            staff=_member(users, Role.STAFF, authority.code),
        )
        channel = CHANNELS[row % len(CHANNELS)] if procedure.takes_forwarded_requests else None
        filing = services.create_filing(application, authority, applicant, channel=channel)
        if procedure.state(state).initial:
            started = now - RECENTLY
        else:
            target = aim(procedure, state, alternating(procedure, state, authorities.index(authority)), now)
            started = start_for(filing, state, target, **people)
        plans.append((filing, state, started, people))
    ship_from = (max(started for _, _, started, _ in plans) + SHIPS_AFTER).date()
    services.update_application(
        application, applicant, ship_from_on=ship_from, ship_until_on=ship_from + SHIPMENT_WINDOW
    )
    for filing, state, started, people in plans:
        drive(filing, state, started_at=started, **people)
        attach_licence(filing, people["reviewer"])
        _clear_rule_flags(filing, people["reviewer"])
    extensions = [_extension(filing, people) for filing, _, _, people in plans if _extends(filing)]
    return len(plans) + len(extensions)


def attach_licence(filing, reviewer) -> None:
    """An approval's licence, as its reviewer would have sent it with the decision (dated the decision)."""
    if not (filing.decided_at and filing.valid_until_on and filing.state.accepts_correspondence):
        return
    number = filing.authority_reference or filing.reference
    content = b"%PDF-1.4\n% demo licence " + number.encode() + b"\n%%EOF\n"
    licence = services.attach_document(
        by=reviewer,
        uploaded_file=ContentFile(content, name=f"licence-{number}.pdf"),
        kind=Document.Kind.LICENCE,
        filing=filing,
    )
    Document.objects.filter(pk=licence.pk).update(uploaded_at=filing.decided_at)


def _extends(filing) -> bool:
    """An approval in force of a procedure with an expedited track gets an extension request in the demo."""
    return bool(filing.procedure.expedited_deadlines) and filing.state.grants_validity


def _extension(approval, people):
    """The holder asks to extend `approval` by a new, linked request, now before the authority on the expedited
    track (its short period ends in a few days)."""
    extension = services.request_linked(approval, people["applicant"], Filing.Link.EXTENSION, EXTENSION_REQUEST)
    procedure = extension.procedure
    expedited = {kind for kind, _ in procedure.expedited_deadlines}
    state = next(s.name for s in procedure.states if s.deadline and s.deadline.kind in expedited)
    started = start_for(extension, state, ("due_at", timezone.now() + FEW_DAYS), **people)
    return drive(extension, state, started_at=started, **people)
