"""Demo data: organizations, the demo logins of DESIGN.md, and dossiers filed with every authority whose
filings stand in every state of every workflow, reached through real transitions (real audit chains).
Idempotent: a second run changes nothing. Demo only; refuses to run with DEBUG off unless --force."""

import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from exemptions import engine, procedures, services
from exemptions.models import Application, Authority, Document, Membership, Organization, Profile, Role

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
    ("bank", "Banque Cantonale de Genève", "CH", "Quai de l'Île 17, 1204 Geneva"),
]


def item_fields(row: int) -> list[dict]:
    """Two consecutive goods of ITEMS, as Item fields, for the dossier numbered `row`."""
    return [
        dict(description=d, hs_code=hs, quantity=Decimal(q), unit=u, unit_value=Decimal(v), currency="USD", category=c)
        for d, hs, q, u, v, c in (ITEMS[row % len(ITEMS)], ITEMS[(row + 1) % len(ITEMS)])
    ]


# How long ago each case began, in days: chosen so the queue holds overdue work and work due within days.
AGE_DAYS = {
    "draft": 3,
    "submitted": 6,
    "in_review": 24,  # UN1718 (10 working days) overdue; OFAC (60) comfortably in time
    "information_requested": 30,
    "approved": 120,
    "denied": 60,
    "withdrawn": 20,
    "expired": 300,
    "extension_requested": 150,
    "closed": 200,
    "interagency_consultation": 84,  # OFAC's 60 working days fall due within days
    "returned_without_action": 45,
    "no_objection_period": 12,
    "on_hold": 18,
    "approval_proposed": 14,
}


class Command(BaseCommand):
    help = "Load demo organizations, the demo logins (password 'demo') and filings in every workflow state."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off (never in production).")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo creates logins with a known password; it runs only with DEBUG on (or --force)."
            )
        with transaction.atomic():
            organizations = {key: self.organization(**fields) for key, fields in ORGANIZATIONS.items()}
            users = {name: self.user(name, *spec, organizations) for name, spec in USERS.items()}
            users["admin"] = self.superuser()
        created = self.cases(organizations, users)
        self.stdout.write(
            self.style.SUCCESS(f"Demo ready: {len(users)} logins (password '{DEMO_PASSWORD}'), {created} new filings.")
        )

    def organization(self, **fields):
        organization, _ = Organization.objects.get_or_create(name=fields["name"], defaults=fields)
        return organization

    def user(self, username, email, first, last, role, where, time_zone, organizations):
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults=dict(email=email, first_name=first, last_name=last)
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        Profile.objects.get_or_create(user=user, defaults={"time_zone": time_zone})
        if role == Role.APPLICANT:
            Membership.objects.get_or_create(user=user, role=role, organization=organizations[where])
        else:
            Membership.objects.get_or_create(user=user, role=role, authority=Authority.objects.get(code=where))
        return user

    def superuser(self):
        user, created = get_user_model().objects.get_or_create(
            username="admin", defaults=dict(email="admin@clearance.example.org", is_staff=True, is_superuser=True)
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        Profile.objects.get_or_create(user=user)
        return user

    # --- cases -----------------------------------------------------------------------------------

    def cases(self, organizations, users):
        """One dossier per row; row i is filed with several authorities, each filing in its workflow's i-th state."""
        authorities = {a.code: a for a in Authority.objects.all()}
        columns = {code: list(_states_with_paths(authority)) for code, authority in authorities.items()}
        rows = max(len(states) for states in columns.values())
        created = 0
        for row in range(rows):
            title = TITLES[row % len(TITLES)]
            organization = organizations["B" if row % 5 == 4 else "A"]
            applicant = users["applicant-other" if organization is organizations["B"] else "applicant"]
            if Application.objects.filter(title=title, organization=organization).exists():
                continue  # already seeded: idempotent
            states = {code: column[row] for code, column in columns.items() if row < len(column)}
            # Generic authorities take turns, so each row is a realistic mix (UN + OFAC + one more).
            generic = [c for c in ("BIS", "EU", "UK-OFSI") if c in states]
            chosen = [c for c in ("UN1718", "OFAC") if c in states] + generic[row % max(len(generic), 1) :][:1]
            leftover = [c for c in generic if c not in chosen]
            for group in (chosen, leftover):
                if not group:
                    continue
                started = timezone.now() - dt.timedelta(days=max(AGE_DAYS[states[c]] for c in group))
                application = self.dossier(
                    organization, applicant, title if group is chosen else f"{title} (part 2)", started, row
                )
                for code in group:
                    self.run_path(application, authorities[code], states[code], users, applicant)
                    created += 1
        return created

    def dossier(self, organization, applicant, title, started, row):
        ship_from = (started + dt.timedelta(days=60)).date()
        application = services.create_application(
            organization,
            applicant,
            title=title,
            purpose="Deliver treatment and prevention supplies to facilities serving children and patients.",
            justification="Items fall under HS chapters banned by resolution 2397; without an exemption they cannot ship.",
            beneficiaries={"children_under_5": 18000 + 500 * row, "pregnant_lactating_women": 4200, "patients": 900},
            selection_criteria="Facilities chosen with the provincial health department by malnutrition prevalence.",
            destinations="North Hwanghae, Sariwon Children's Hospital\nSouth Hwanghae, Haeju Provincial Hospital",
            ship_from_on=ship_from,
            ship_until_on=ship_from + dt.timedelta(days=150),
            route_origin="Rotterdam, Netherlands",
            route_transit="Dalian, China; Dandong, China",
            port_of_entry="Sinuiju (rail)",
            monitoring_arrangements="International staff visit every site monthly; distribution lists are cross-checked.",
            financial_channel="Payments to suppliers from Geneva; no funds transferred into the DPRK.",
            items=[{**fields, "specification": "As per supplier datasheet."} for fields in item_fields(row)],
            parties=[dict(role=r, name=n, country=c, address=a) for r, n, c, a in PARTIES],
        )
        content = b"%PDF-1.4\n% demo cover letter for " + application.reference.encode() + b"\n%%EOF\n"
        services.attach_document(
            by=applicant,
            uploaded_file=ContentFile(content, name="cover-letter.pdf"),
            kind=Document.Kind.COVER_LETTER,
            application=application,
        )
        return application

    def run_path(self, application, authority, state, users, applicant):
        reviewer, staff = _authority_people(authority, users)
        filing = services.create_filing(application, authority, applicant)
        valid_until = (timezone.now() + dt.timedelta(days=25)).date() if state == "approved" else None
        started_at = timezone.now() - dt.timedelta(days=AGE_DAYS[state])
        drive(filing, state, applicant=applicant, reviewer=reviewer, staff=staff, started_at=started_at,
              valid_until_on=valid_until)  # fmt: skip
        return filing


def actor_for(transition, *, applicant, reviewer, staff):
    """Who runs a transition in the demo: read from the declaration's roles."""
    if transition.is_system:
        return engine.SYSTEM
    if procedures.APPLICANT in transition.roles:
        return applicant
    return reviewer if procedures.REVIEWER in transition.roles else staff


def payload_for(transition, filing, at, *, reviewer, valid_until_on=None):
    """A realistic payload for every field the transition declares."""
    payload = {}
    for field in transition.payload:
        if field.name == "valid_from_on":
            payload[field.name] = at.date()
        elif field.name == "valid_until_on" and filing.state.grants_validity:  # extending an approval
            payload[field.name] = filing.valid_until_on + relativedelta(months=3)
        elif field.name == "valid_until_on":
            payload[field.name] = valid_until_on or at.date() + relativedelta(months=6)
        elif field.name == "requested_until_on":
            payload[field.name] = (filing.valid_until_on or at.date()) + relativedelta(months=3)
        elif field.name == "authority_reference":
            payload[field.name] = f"{filing.authority.code}-LIC-{1000 + filing.pk}"
        elif field.name == "conditions":
            payload[field.name] = "Report each shipment to the authority within 14 days."
        elif field.name == "reasons":
            payload[field.name] = "End-user assurances are insufficient for the listed dual-use items."
        elif field.kind == "reviewer":
            payload[field.name] = reviewer.get_username()
    return payload


def drive(filing, state, *, applicant, reviewer, staff, started_at, valid_until_on=None):
    """Bring a draft filing into `state` through real transitions spaced over time from `started_at`."""
    at = started_at
    for transition in filing.procedure.path_to(state):
        at += dt.timedelta(days=2, hours=3)
        if transition.trigger == procedures.DEADLINE_PASSED:
            at = max(at, filing.due_at)  # the period ran its course
        if transition.trigger == procedures.VALIDITY_ENDED:
            at = max(at, _day_after(filing.valid_until_on))
        actor = actor_for(transition, applicant=applicant, reviewer=reviewer, staff=staff)
        payload = payload_for(transition, filing, at, reviewer=reviewer, valid_until_on=valid_until_on)
        note = transition.example_note or (f"{transition.label}." if transition.note_required else "")
        engine.apply(filing, transition.name, actor, note, min(at, timezone.now()), **payload)
    return filing


def _states_with_paths(authority):
    for state in authority.procedure.states:
        if state.name in AGE_DAYS:
            yield state.name


def _authority_people(authority, users):
    """Demo reviewers exist for UN1718 and OFAC; the admin acts for the other authorities."""
    suffix = {"UN1718": "un", "OFAC": "ofac"}.get(authority.code)
    if suffix:
        return users[f"reviewer-{suffix}"], users[f"staff-{suffix}"]
    return users["admin"], users["admin"]


def _day_after(day):
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(6), tzinfo=dt.UTC)
