"""Benchmark data, fast: organizations, dossiers and filings in every state of every workflow.

Two paths, both for benchmark databases only:

- `generate(filings=N)` makes realistic cases. Each filing is walked in memory along the shortest path of
  its workflow's declaration to the state it should end in, with the deadline rules `engine.apply()`
  uses (`clocks.next_due_at`), the real effects where they touch no database, and the
  same hash-chained events (`Event.compute_hash`), so `manage.py verify_audit` passes on the result.
  Rows go in with PostgreSQL COPY, a chunk per transaction.
- `generate_bulk(filings=N, due=K)` uses INSERT … SELECT generate_series for the million-row sweep
  benchmark: submitted filings whose deadline lies months ahead, withdrawn ones with none, and exactly
  K whose review deadline has just passed. Their events are hashed and sealed in SQL the way `Event.link`
  does it, and each filing records its newest (checked by tests/test_bench_generate.py with `verify_audit`).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb
from tqdm import tqdm

from exemptions import engine, procedures
from exemptions.demo import SHIPS_AFTER, actor_for, dossier_fields, item_fields, party_fields, payload_for
from exemptions.models import (
    Application,
    Authority,
    Event,
    Filing,
    Item,
    Membership,
    Message,
    Organization,
    OutgoingEmail,
    Party,
    Profile,
    ReferenceCounter,
    Role,
)
from exemptions.models.seals import sql_seal
from exemptions.snapshot import canonical_json, sha256_hex
from exemptions.snapshot import take as take_snapshot

User = get_user_model()
INITIAL_STATUS = procedures.INITIAL
APPLICANTS_PER_ORGANIZATION = 2
REVIEWERS_PER_AUTHORITY = 8
STAFF_PER_AUTHORITY = 2
FILINGS_PER_ORGANIZATION = 100
DAY = dt.timedelta(days=1)


# --- paths through the declarations --------------------------------------------------------------


def _ends_validity_on_its_own(wf, path) -> bool:
    """True when the path runs a clock-triggered transition out of an approval (expiry): validity must end first."""
    status = INITIAL_STATUS
    for transition in path:
        if transition.is_system and wf.state(status).grants_validity:
            return True
        status = transition.target_from(status)
    return False


# --- the people ------------------------------------------------------------------------------------


@dataclass
class Cast:
    applicants: dict[int, list] = field(default_factory=dict)  # organization id -> users
    reviewers: dict[int, list] = field(default_factory=dict)  # authority id -> users
    staff: dict[int, list] = field(default_factory=dict)
    by_username: dict[str, object] = field(default_factory=dict)


def _authority_people(authorities, reviewer_count, staff_count) -> tuple[dict, dict]:
    """Reviewers and staff of every authority, created on first use and shared by later runs."""
    reviewers, staff = {}, {}
    for authority in authorities:
        for role, count, into in ((Role.REVIEWER, reviewer_count, reviewers), (Role.STAFF, staff_count, staff)):
            users = []
            for n in range(1, count + 1):
                username = f"bench-{role}-{authority.code.lower()}-{n}"
                user, created = User.objects.get_or_create(
                    username=username, defaults={"email": f"{username}@bench.example.org"}
                )
                if created:
                    user.set_unusable_password()
                    user.save(update_fields=["password"])
                    Profile.objects.create(user=user, time_zone=authority.time_zone)
                    Membership.objects.create(user=user, role=role, authority=authority)
                users.append(user)
            into[authority.pk] = users
    return reviewers, staff


def create_cast(organizations: int, authorities, reviewers=REVIEWERS_PER_AUTHORITY, staff=STAFF_PER_AUTHORITY) -> Cast:
    """New organizations with two applicants each (bulk), plus every authority's bench reviewers and staff."""
    start = (Organization.objects.aggregate(last=models.Max("pk"))["last"] or 0) + 1
    orgs = Organization.objects.bulk_create(
        Organization(
            name=f"Bench Relief Organization {n}",
            kind="un_agency",
            country="CH",
            contact_email=f"ops{n}@bench.example.org",
        )
        for n in range(start, start + organizations)
    )
    users = User.objects.bulk_create(
        User(username=f"bench-applicant-{org.pk}-{n}", email=f"applicant{n}.{org.pk}@bench.example.org", password="!")
        for org in orgs
        for n in range(1, APPLICANTS_PER_ORGANIZATION + 1)
    )
    Profile.objects.bulk_create(Profile(user=u, time_zone="Europe/Zurich") for u in users)
    cast = Cast()
    for i, org in enumerate(orgs):
        cast.applicants[org.pk] = users[i * APPLICANTS_PER_ORGANIZATION : (i + 1) * APPLICANTS_PER_ORGANIZATION]
    Membership.objects.bulk_create(
        Membership(user=u, role=Role.APPLICANT, organization_id=org_id)
        for org_id, members in cast.applicants.items()
        for u in members
    )
    cast.reviewers, cast.staff = _authority_people(authorities, reviewers, staff)
    for people in (*cast.reviewers.values(), *cast.staff.values(), *cast.applicants.values()):
        cast.by_username.update({u.username: u for u in people})
    return cast


# --- writing rows -----------------------------------------------------------------------------------


def reserve_ids(model, count: int) -> list[int]:
    """`count` primary keys from the table's own sequence, so rows can point at each other before COPY."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def reserve_references(prefix: str, year: int, count: int) -> int:
    """The first of `count` consecutive reference numbers, taken from the counter `next_reference` uses."""
    with transaction.atomic():
        counter, _ = ReferenceCounter.objects.select_for_update().get_or_create(prefix=prefix, year=year)
        first = counter.last_value + 1
        counter.last_value += count
        counter.save(update_fields=["last_value"])
    return first


def copy_objects(model, objects, *, with_pk: bool) -> int:
    """Write unsaved model instances with COPY; their `attname` values go in as they are (no save())."""
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    json_at = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    count = 0
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy,
    ):
        for obj in objects:
            row = [getattr(obj, f.attname) for f in fields]
            for i in json_at:
                row[i] = None if row[i] is None else Jsonb(row[i])
            copy.write_row(row)
            count += 1
    return count


def analyze(*models_) -> None:
    """Fresh planner statistics after a load, as autovacuum would give them a little later."""
    with connection.cursor() as cursor:
        for model in models_:
            cursor.execute(f"ANALYZE {model._meta.db_table}")


def skip_foreign_key_checks() -> None:
    """For the rest of this transaction, skip PostgreSQL's row-by-row foreign-key triggers: the generator builds
    consistent rows (tests/test_bench_generate.py checks them), and the triggers cost more than the inserts.
    Needs a superuser, as the benchmark database's owner usually is; otherwise the checks simply run."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        pass


def _assign_references(objects, prefix_of, year_of) -> None:
    groups = defaultdict(list)
    for obj in objects:
        groups[prefix_of(obj), year_of(obj)].append(obj)
    for (prefix, year), members in groups.items():
        first = reserve_references(prefix, year, len(members))
        for n, obj in enumerate(members, start=first):
            obj.reference = f"{prefix}-{year}-{n:06d}"


# --- one case, replayed in memory ---------------------------------------------------------------


@dataclass
class Case:
    """One filing with the rows its history wrote."""

    filing: Filing
    events: list = field(default_factory=list)
    messages: list = field(default_factory=list)
    reminders: list = field(default_factory=list)


class Replayer:
    """Walks filings along their workflow in memory, as `engine.apply()` would have moved them."""

    def __init__(self, cast: Cast, rng: random.Random, now: dt.datetime):
        self.cast, self.rng, self.now = cast, rng, now

    def case(self, filing: Filing, target: str, applicant) -> Case:
        wf = filing.authority.procedure
        path = self._path(filing, wf, target)
        rng, now = self.rng, self.now
        reviewer = rng.choice(self.cast.reviewers[filing.authority_id])
        staff = rng.choice(self.cast.staff[filing.authority_id])
        steps = list(self._steps(wf, path, filing.authority))
        at = now - sum(steps, dt.timedelta()) - self._time_in_final_state(wf, target, path, filing.authority)
        filing.created_at = at - dt.timedelta(hours=rng.uniform(1, 96))
        filing.status_changed_at = filing.created_at
        case = Case(filing)
        ends_on_its_own = _ends_validity_on_its_own(wf, path)
        for transition, step in zip(path, steps, strict=True):
            at += step
            if transition.is_system and filing.due_at:
                at = max(at, filing.due_at + dt.timedelta(minutes=rng.uniform(1, 300)))  # the clock ran out
            at = min(at, now)
            actor = actor_for(transition, applicant=applicant, reviewer=reviewer, staff=staff)
            valid_until = self._valid_until(at, ends_on_its_own, filing.authority)
            payload = payload_for(transition, filing, at, reviewer=reviewer, valid_until_on=valid_until)
            cleaned = {
                f.name: self.cast.by_username[payload[f.name]]
                if f.kind == procedures.REVIEWER_CHOICE
                else payload[f.name]
                for f in transition.payload
                if f.name in payload
            }
            note = transition.example_note or (f"{transition.label}." if transition.note_required else "")
            self._step(case, wf, transition, None if actor == engine.SYSTEM else actor, note, cleaned, at)
        self._chatter(case, applicant, reviewer)
        self._reminder(case, wf, applicant, reviewer)
        return case

    @staticmethod
    def _path(filing, wf, target) -> list:
        """The transitions into `target` this filing's guards admit; a state only a forwarded request reaches (UN
        1718: with the Member State) is reached by a request sent through the Resident Coordinator."""
        try:
            return engine.path_for(filing, target)
        except ValueError:
            filing.submission_channel = Filing.Channel.RESIDENT_COORDINATOR
            return engine.path_for(filing, target)

    def _steps(self, wf, path, authority):
        """Time before each action: hours to days, or the whole period when the clock triggers it."""
        status = INITIAL_STATUS
        for transition in path:
            deadline = wf.state(status).deadline
            if transition.is_system and deadline and deadline.working_days_setting:
                yield dt.timedelta(days=getattr(authority, deadline.working_days_setting) * 7 / 5 + 1)
            else:
                yield dt.timedelta(hours=self.rng.uniform(4, 72))
            status = transition.target_from(status)

    def _time_in_final_state(self, wf, target, path, authority) -> dt.timedelta:
        """How long ago the case reached its state: about a fifth of open deadlines end up overdue."""
        state, rng = wf.state(target), self.rng
        if _ends_validity_on_its_own(wf, path):
            return dt.timedelta(days=rng.uniform(0, 300)) + dt.timedelta(days=60)  # an old approval ran out
        deadline = state.deadline
        if deadline and deadline.working_days_setting and not state.terminal:
            calendar_days = getattr(authority, deadline.working_days_setting) * 7 / 5
            return dt.timedelta(days=rng.uniform(0, 1.25 * calendar_days))
        return dt.timedelta(days=rng.uniform(0, 400 if state.terminal else 120))

    def _valid_until(self, at, ends_on_its_own, authority) -> dt.date:
        longest = at.date() + relativedelta(months=authority.max_validity_months)  # the authority's limit
        if ends_on_its_own:  # must have ended before today for the expiry to have happened
            room = max(1, (self.now.date() - at.date()).days - 2)
            return min(longest, at.date() + dt.timedelta(days=self.rng.randint(1, room)))
        return min(longest, max(at.date() + DAY, self.now.date() + dt.timedelta(days=self.rng.randint(-3, 300))))

    def _step(self, case, wf, transition, actor, note, cleaned, at):
        """`engine.apply()` without the database: the engine's own plan, kept in memory with its hashed event."""
        filing = case.filing
        outcome = engine.plan(filing, transition, actor, note, cleaned, at)
        side = Message.Side.APPLICANT if procedures.APPLICANT in transition.roles else Message.Side.AUTHORITY
        case.messages.extend(
            Message(
                filing_id=filing.pk, author_id=actor.pk, kind=kind, side=side, body=body, created_at=at, notified_at=at
            )
            for kind, body in outcome.messages
        )
        event = engine.new_event(filing, outcome, len(case.events) + 1, "")  # chained once the filing has its reference
        event.notified_at = at + dt.timedelta(seconds=30)  # its notices went out long ago
        case.events.append(event)
        for key, value in outcome.changes.items():
            setattr(filing, key, value)
        filing.version += 1

    def _chatter(self, case, applicant, reviewer):
        """A few plain messages on some filed cases."""
        filing, rng = case.filing, self.rng
        if not filing.submitted_at or rng.random() > 0.3:
            return
        for n in range(rng.randint(1, 3)):
            author = applicant if n % 2 == 0 else reviewer
            when = filing.submitted_at + (self.now - filing.submitted_at) * rng.random()
            case.messages.append(
                Message(
                    filing_id=filing.pk,
                    author_id=author.pk,
                    kind=Message.Kind.MESSAGE,
                    side=Message.Side.APPLICANT if author is applicant else Message.Side.AUTHORITY,
                    body=f"Message {n + 1} on this case: shipping schedule and documents.",
                    created_at=when,
                    notified_at=when,  # its emails went out long ago
                )
            )

    def _reminder(self, case, wf, applicant, reviewer):
        """A sent reminder for open cases whose deadline passed or falls within a week."""
        filing = case.filing
        state = wf.state(filing.status)
        if not filing.due_at or state.terminal or filing.due_at > self.now + dt.timedelta(days=7):
            return
        overdue = filing.due_at <= self.now
        claimed_at = min(self.now, filing.due_at - (dt.timedelta(0) if overdue else dt.timedelta(days=1)))
        case.reminders.append(
            OutgoingEmail(
                family=OutgoingEmail.Family.REMINDER,
                filing_id=filing.pk,
                deadline_kind=state.deadline.kind,
                offset="overdue" if overdue else "T-1d",
                due_at=filing.due_at,
                recipient=applicant if state.waits_on_applicant else (filing.assigned_to or reviewer),
                claimed_at=max(claimed_at, filing.status_changed_at),
                sent_at=max(claimed_at, filing.status_changed_at) + dt.timedelta(seconds=5),
                attempts=1,
            )
        )


def chain_events(filing, events) -> None:
    """Link and seal one filing's events (in sequence order) into its chain and record its newest on the
    filing, exactly as `apply()` does."""
    previous_hash = Event.GENESIS_HASH
    for event in events:
        event.link(previous_hash)
        previous_hash = event.hash
    filing.audit_tip_sequence, filing.audit_tip_hash = len(events), previous_hash


# --- dossiers -----------------------------------------------------------------------------------


def _dossier(application_id, organization, applicant, row, created_at):
    """An unsaved complete dossier, with its items and parties, prefetched so `snapshot()` needs no query."""
    fields = dossier_fields(row, (created_at + SHIPS_AFTER).date())
    application = Application(
        pk=application_id,
        organization=organization,
        **{**fields, "title": f"{fields['title']} ({row})"},
        created_by=applicant,
        updated_by=applicant,
        created_at=created_at,
        updated_at=created_at,
    )
    items = [Item(application_id=application_id, **fields) for fields in item_fields(row)]
    parties = [Party(application_id=application_id, **fields) for fields in party_fields(3)]
    application._prefetched_objects_cache = {"items": items, "parties": parties, "documents": []}
    return application


# --- the realistic path ---------------------------------------------------------------------------


@dataclass
class Generated:
    organizations: int = 0
    applications: int = 0
    filings: int = 0
    events: int = 0
    messages: int = 0
    reminders: int = 0
    seconds: float = 0.0
    by_status: dict = field(default_factory=lambda: defaultdict(int))

    def summary(self) -> str:
        return (
            f"{self.filings} filings ({self.organizations} organizations, {self.applications} applications, "
            f"{self.events} events, {self.messages} messages, {self.reminders} reminders)"
        )


def generate(filings: int, *, seed: int = 1, chunk: int = 5000, now=None, progress: bool = True) -> Generated:
    """Create `filings` realistic filings (with dossiers, events, messages, reminders) and return the counts.

    Filings of each authority take the states of its workflow in turn, so every state is populated as
    soon as an authority has as many filings as its workflow has states.
    """
    if connection.vendor != "postgresql":
        raise RuntimeError("The benchmark generator writes with PostgreSQL COPY; point DATABASE_URL at PostgreSQL.")
    started = time.perf_counter()
    now = now or timezone.now()
    rng = random.Random(seed)
    authorities = list(Authority.objects.order_by("code"))
    state_cycles = {a.pk: [s.name for s in a.procedure.states] for a in authorities}
    turns = defaultdict(int)
    cast = create_cast(max(2, filings // FILINGS_PER_ORGANIZATION), authorities)
    organizations = {o.pk: o for o in Organization.objects.filter(pk__in=cast.applicants)}
    replayer = Replayer(cast, rng, now)
    result = Generated(organizations=len(organizations))
    bar = tqdm(total=filings, unit="filing", desc="filings", disable=not progress)
    row = 0
    while result.filings < filings:
        wanted = min(chunk, filings - result.filings)
        with transaction.atomic():
            skip_foreign_key_checks()
            made = _chunk(wanted, authorities, state_cycles, turns, organizations, cast, replayer, rng, row, result)
        row += made
        bar.update(result.filings - bar.n)
    bar.close()
    analyze(Application, Item, Party, Filing, Event, Message, OutgoingEmail)
    result.seconds = time.perf_counter() - started
    return result


def _chunk(wanted, authorities, state_cycles, turns, organizations, cast, replayer, rng, row, result) -> int:
    """Plan and write about `wanted` filings (whole dossiers of 1 to 3 filings each); return dossiers made."""
    plans = []  # (organization, applicant, [authority, ...])
    planned = 0
    while planned < wanted:
        count = min(rng.randint(1, 3), wanted - planned)
        organization = organizations[rng.choice(list(cast.applicants))]
        plans.append((organization, rng.choice(cast.applicants[organization.pk]), rng.sample(authorities, count)))
        planned += count
    application_ids = iter(reserve_ids(Application, len(plans)))
    filing_ids = iter(reserve_ids(Filing, planned))
    applications, cases = [], []
    for n, (organization, applicant, chosen) in enumerate(plans):
        application = _dossier(next(application_ids), organization, applicant, row + n, replayer.now)
        first_filed = replayer.now
        for authority in chosen:
            cycle = state_cycles[authority.pk]
            target = cycle[turns[authority.pk] % len(cycle)]
            turns[authority.pk] += 1
            filing = Filing(pk=next(filing_ids), application=application, authority=authority, created_by=applicant)
            cases.append(replayer.case(filing, target, applicant))
            first_filed = min(first_filed, filing.created_at)
        application.created_at = application.updated_at = first_filed - dt.timedelta(hours=rng.uniform(1, 240))
        application.chosen = chosen
        applications.append(application)
    _assign_references(applications, lambda a: "APP", lambda a: a.created_at.year)
    _assign_references([c.filing for c in cases], lambda f: f.authority.code, lambda f: f.created_at.year)
    for case in cases:
        chain_events(case.filing, case.events)
    through = Application.required_authorities.through
    copy_objects(Application, applications, with_pk=True)
    copy_objects(Item, (i for a in applications for i in a._prefetched_objects_cache["items"]), with_pk=False)
    copy_objects(Party, (p for a in applications for p in a._prefetched_objects_cache["parties"]), with_pk=False)
    copy_objects(
        through,
        (through(application_id=a.pk, authority_id=x.pk) for a in applications for x in a.chosen),
        with_pk=False,
    )
    copy_objects(Filing, (c.filing for c in cases), with_pk=True)
    result.events += copy_objects(Event, (e for c in cases for e in c.events), with_pk=False)
    result.messages += copy_objects(Message, (m for c in cases for m in c.messages), with_pk=False)
    result.reminders += copy_objects(OutgoingEmail, (r for c in cases for r in c.reminders), with_pk=False)
    result.applications += len(applications)
    result.filings += len(cases)
    for case in cases:
        result.by_status[case.filing.status] += 1
    return len(applications)


# --- the bulk SQL path (a million rows for the sweep benchmark) -----------------------------------

# Far beyond the earliest reminder any deadline gets (T-60 calendar days before an approval expires),
# so none of these filings is due for anything during the benchmark.
BULK_NOT_DUE_AFTER = dt.timedelta(days=120)
_AT_SENTINEL = dt.datetime(1999, 1, 1, tzinfo=dt.UTC)


def bulk_transitions(wf: procedures.Procedure) -> tuple[procedures.Transition, procedures.Transition]:
    """The two events of a bulk filing, read from the declaration: the transition that files the dossier (it
    snapshots it) and the applicant's own transition that then ends the case."""
    opened = wf.transition(wf.action_with_effect(procedures.SNAPSHOT_DOSSIER), INITIAL_STATUS)
    closed = next(
        t
        for t in wf.transitions
        if opened.target in t.sources and procedures.APPLICANT in t.roles and t.target and wf.state(t.target).terminal
    )
    return opened, closed


def _hash_template(sequence, transition, source, target, note) -> str:
    """`Event.hashed_content` as canonical JSON, with @@ACTOR@@, @@FILING@@ and a sentinel instant that SQL
    replaces; built by the model's own code so the SQL hashes exactly what `compute_hash` would."""
    event = Event(
        filing=Filing(reference="@@FILING@@"),
        sequence=sequence,
        action=transition.name,
        from_status=source,
        to_status=target,
        actor_label="@@ACTOR@@",
        note=note,
        payload={},
        created_at=_AT_SENTINEL,
    )
    return canonical_json(event.hashed_content())


_EVENT_SQL = """
INSERT INTO exemptions_event (filing_id, sequence, action, from_status, to_status, actor_id, actor_label, note,
                              payload, created_at, prev_hash, hash, key_id, seal, notified_at)
SELECT f.id, %(sequence)s, %(action)s, %(source)s, %(target)s, u.id, u.username, %(note)s, '{}'::jsonb, s.at,
       s.prev_hash, h.hash, %(audit_key_id)s, @@SEAL@@, s.at + interval '30 seconds'
FROM exemptions_filing f
JOIN auth_user u ON u.id = f.created_by_id
CROSS JOIN LATERAL (
    SELECT CASE WHEN %(sequence)s = 1 THEN f.submitted_at ELSE f.status_changed_at END AS at,
           COALESCE((SELECT e.hash FROM exemptions_event e WHERE e.filing_id = f.id AND e.sequence = %(sequence)s - 1),
                    %(genesis)s) AS prev_hash
) s
CROSS JOIN LATERAL (
    SELECT encode(sha256(convert_to(s.prev_hash || replace(replace(replace(%(template)s, '@@ACTOR@@', u.username),
           '@@FILING@@', f.reference), %(at_sentinel)s,
           to_char(s.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') || '+00:00'), 'UTF8')), 'hex') AS hash
) h
WHERE f.id BETWEEN %(first)s AND %(last)s AND (%(sequence)s = 1 OR f.status = %(target)s)
"""

# Each bulk filing's version is the number of its events, so its newest event is the one at that sequence.
_TIP_SQL = """
UPDATE exemptions_filing f SET audit_tip_sequence = e.sequence, audit_tip_hash = e.hash
FROM exemptions_event e
WHERE f.id BETWEEN %(first)s AND %(last)s AND e.filing_id = f.id AND e.sequence = f.version
"""

_APPLICATION_SQL = """
INSERT INTO exemptions_application (id, reference, organization_id, title, purpose, justification, beneficiaries,
    selection_criteria, destinations, ship_from_on, ship_until_on, route_origin, route_transit, port_of_entry,
    monitoring_arrangements, financial_channel, created_by_id, updated_by_id, created_at, updated_at)
SELECT %(app0)s + k, 'APP-' || %(year)s || '-' || lpad((%(ref0)s + k)::text, 6, '0'),
       (%(orgs)s::bigint[])[1 + mod(k, %(norgs)s)], t.title || ' #' || k, t.purpose, t.justification, t.beneficiaries,
       t.selection_criteria, t.destinations, t.ship_from_on, t.ship_until_on, t.route_origin, t.route_transit,
       t.port_of_entry, t.monitoring_arrangements, t.financial_channel,
       (%(applicants)s::bigint[])[1 + mod(k, %(norgs)s)], (%(applicants)s::bigint[])[1 + mod(k, %(norgs)s)],
       %(now)s - interval '200 days', %(now)s - interval '200 days'
FROM generate_series(%(k_lo)s, %(k_hi)s) AS k, exemptions_application t WHERE t.id = %(template)s;

INSERT INTO exemptions_item (application_id, description, hs_code, quantity, unit, unit_value, currency, category,
                             specification, dual_use_note)
SELECT %(app0)s + k, i.description, i.hs_code, i.quantity, i.unit, i.unit_value, i.currency, i.category,
       i.specification, i.dual_use_note
FROM generate_series(%(k_lo)s, %(k_hi)s) AS k, exemptions_item i WHERE i.application_id = %(template)s;

INSERT INTO exemptions_party (application_id, role, name, country, address)
SELECT %(app0)s + k, p.role, p.name, p.country, p.address
FROM generate_series(%(k_lo)s, %(k_hi)s) AS k, exemptions_party p WHERE p.application_id = %(template)s;

INSERT INTO exemptions_application_required_authorities (application_id, authority_id)
SELECT %(app0)s + k, a FROM generate_series(%(k_lo)s, %(k_hi)s) AS k, unnest(%(authorities)s::bigint[]) AS a;
"""

# Row g (1-based) is filed with authority g mod A by dossier (g-1) div A. Exactly `due` rows, spread
# evenly, are overdue by hours; half the others are open with a deadline months ahead, half withdrawn.
_FILING_SQL = """
INSERT INTO exemptions_filing (id, application_id, authority_id, reference, status, version, legal_basis,
    submission_channel, channel_detail, due_at, assigned_to_id, authority_reference, submitted_at, decided_at,
    status_changed_at, valid_from_on, valid_until_on, conditions, decision_reasons, clock_stopped_at,
    paused_due_at, paused_deadline_kind, applicant_wait_seconds, snapshot, snapshot_sha256, created_by_id,
    created_at, audit_tip_sequence, audit_tip_hash, link, case_number, route)
SELECT %(filing0)s + g - 1, %(app0)s + (g - 1) / %(nauth)s, (%(authorities)s::bigint[])[1 + mod(g - 1, %(nauth)s)],
       (%(codes)s::text[])[1 + mod(g - 1, %(nauth)s)] || '-' || %(year)s || '-'
           || lpad(((%(refs)s::bigint[])[1 + mod(g - 1, %(nauth)s)] + (g - 1) / %(nauth)s)::text, 6, '0'),
       CASE WHEN is_open THEN %(open_status)s ELSE %(closed_status)s END,
       CASE WHEN is_open THEN 1 ELSE 2 END, 'specific_request', 'direct', '',
       CASE WHEN is_due THEN %(now)s - (1 + mod(g, 47)) * interval '1 hour'
            WHEN is_open THEN %(now)s + %(not_due_after)s + mod(g, 280) * interval '1 day' END,
       NULL, '', created + interval '1 day', NULL,
       created + CASE WHEN is_open THEN interval '1 day' ELSE interval '2 days' END,
       NULL, NULL, '', '', NULL, NULL, '', 0, %(snapshot)s::jsonb, %(snapshot_sha256)s,
       (%(applicants)s::bigint[])[1 + mod((g - 1) / %(nauth)s, %(norgs)s)], created, 0, %(genesis)s, '', '',
       (%(routes)s::text[])[1 + mod(g - 1, %(nauth)s)]
FROM (
    SELECT g, is_due, is_due OR mod(g, 2) = 0 AS is_open, %(now)s - interval '150 days' + mod(g, 40) * interval '1 day' AS created
    FROM (SELECT g, %(stride)s > 0 AND mod(g, greatest(%(stride)s, 1)) = 0 AND g / greatest(%(stride)s, 1) <= %(due)s AS is_due
          FROM generate_series(%(g_lo)s, %(g_hi)s) AS g) numbered
) s
"""


@contextmanager
def indexes_set_aside(*models_):
    """Drop the plain indexes of these tables for a bulk load and build them again afterwards (much faster
    than maintaining them row by row). Indexes behind a constraint (primary key, unique) stay."""
    tables = [m._meta.db_table for m in models_]
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT i.indexname, i.indexdef FROM pg_indexes i
               JOIN pg_class c ON c.relname = i.indexname AND c.relkind = 'i'
               WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid)""",
            [tables],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # pending foreign-key checks would block CREATE INDEX
            for _, definition in indexes:
                cursor.execute(definition)


def reserve_id_block(model, count: int) -> int:
    """The first of `count` consecutive primary keys (the benchmark generator is the only writer)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(seq, nextval(seq) + %s - 1) FROM pg_get_serial_sequence(%s, 'id') AS seq",
            [count, model._meta.db_table],
        )
        return cursor.fetchone()[0] - count + 1


def generate_bulk(filings: int, *, due: int = 0, chunk: int = 100_000, now=None, progress: bool = True) -> Generated:
    """Add `filings` filings with INSERT … SELECT generate_series; exactly `due` of them are overdue now.

    Each dossier (a copy of one complete template dossier) is filed with every authority. Every case carries
    the event that filed it, the closed ones also the event that ended them (`bulk_transitions`), hashed in SQL
    like `apply()` does.
    """
    started = time.perf_counter()
    now = (now or timezone.now()).replace(microsecond=0)  # whole seconds: the SQL hash writes no fraction
    authorities = list(Authority.objects.order_by("code"))
    pairs = {}
    for authority in authorities:
        wf = authority.procedure
        opened, closed = bulk_transitions(wf)
        if wf.state(opened.target).deadline is None:
            raise ValueError(f"{wf.key}: a filed case must have a deadline for the sweep benchmark.")
        pairs[opened.name, opened.target, closed.name, closed.target] = (opened, closed)
    if len(pairs) != 1:
        raise ValueError("The bulk path needs the same filing and closing transitions in every workflow.")
    ((opened, closed),) = pairs.values()
    nauth = len(authorities)
    dossiers = -(-filings // nauth)
    # One reviewer and one staff member per authority: the sweep reminds every member of the authority, so
    # the benchmark's "1,000 due" stays about 2,000 emails rather than ten times that.
    cast = create_cast(max(2, filings // 10_000), authorities, reviewers=1, staff=1)
    orgs = list(cast.applicants)
    applicants = [cast.applicants[o][0].pk for o in orgs]
    template = _dossier(
        reserve_ids(Application, 1)[0], Organization.objects.get(pk=orgs[0]), cast.applicants[orgs[0]][0], 0, now
    )
    template.reference = f"APP-{now.year}-{reserve_references('APP', now.year, 1):06d}"
    copy_objects(Application, [template], with_pk=True)
    copy_objects(Item, template._prefetched_objects_cache["items"], with_pk=False)
    copy_objects(Party, template._prefetched_objects_cache["parties"], with_pk=False)
    snapshot = take_snapshot(template)
    params = dict(
        now=now,
        year=now.year,
        template=template.pk,
        orgs=orgs,
        applicants=applicants,
        norgs=len(orgs),
        nauth=nauth,
        authorities=[a.pk for a in authorities],
        codes=[a.code for a in authorities],
        routes=[a.workflow_key for a in authorities],
        refs=[reserve_references(a.code, now.year, dossiers) for a in authorities],
        app0=reserve_id_block(Application, dossiers),
        ref0=reserve_references("APP", now.year, dossiers),
        filing0=reserve_id_block(Filing, filings),
        open_status=opened.target,
        closed_status=closed.target,
        not_due_after=BULK_NOT_DUE_AFTER,
        snapshot=canonical_json(snapshot),
        snapshot_sha256=sha256_hex(canonical_json(snapshot)),
        stride=filings // due if due else 0,
        due=due,
        genesis=Event.GENESIS_HASH,
        at_sentinel=_AT_SENTINEL.isoformat(),
    )
    seal_expression, seal_params = sql_seal("h.hash")  # the seal `Event.link` makes, in SQL
    event_sql = _EVENT_SQL.replace("@@SEAL@@", seal_expression)
    params.update(seal_params)
    note = closed.example_note
    events = [
        dict(
            sequence=1,
            action=opened.name,
            source=INITIAL_STATUS,
            target=opened.target,
            note="",
            template=_hash_template(1, opened, INITIAL_STATUS, opened.target, ""),
        ),
        dict(
            sequence=2,
            action=closed.name,
            source=opened.target,
            target=closed.target,
            note=note,
            template=_hash_template(2, closed, opened.target, closed.target, note),
        ),
    ]
    result = Generated(organizations=len(orgs), applications=1)
    chunk = max(nauth, chunk - chunk % nauth)  # whole dossiers per chunk
    bar = tqdm(total=filings, unit="filing", desc="bulk filings", disable=not progress)
    with indexes_set_aside(Application, Item, Party, Filing, Event), connection.cursor() as cursor:
        for g_lo in range(1, filings + 1, chunk):
            g_hi = min(filings, g_lo + chunk - 1)
            span = dict(params, g_lo=g_lo, g_hi=g_hi, k_lo=(g_lo - 1) // nauth, k_hi=(g_hi - 1) // nauth)
            with transaction.atomic():
                skip_foreign_key_checks()
                cursor.execute(_APPLICATION_SQL, span)
                cursor.execute(_FILING_SQL, span)
                first, last = params["filing0"] + g_lo - 1, params["filing0"] + g_hi - 1
                for event in events:
                    cursor.execute(event_sql, dict(span, **event, first=first, last=last))
                    result.events += cursor.rowcount
                cursor.execute(_TIP_SQL, {"first": first, "last": last})
            result.applications += span["k_hi"] - span["k_lo"] + 1
            result.filings += g_hi - g_lo + 1
            bar.update(g_hi - g_lo + 1)
        bar.close()
    analyze(Application, Item, Party, Filing, Event)
    result.seconds = time.perf_counter() - started
    return result
