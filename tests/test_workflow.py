"""The workflow engine: declarations match DESIGN.md, and apply() honours them for every
(workflow, state, action, role): allowed moves write one Event, forbidden ones raise and change nothing."""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from exemptions import committee, engine, procedures, services
from exemptions.demo import drive, payload_for
from exemptions.models import Authority, Event, Filing, Role, ScreeningHit, ScreeningRun
from tests import factories

AUTHORITY_OF = {"un1718": "UN1718", "ofac": "OFAC", "ofac_gl": "OFAC", "bis": "BIS", "eu": "EU", "generic": "UK-OFSI"}
A, R, S, SYS = "applicant", "reviewer", "staff", "system"

# DESIGN.md section 4, written out by hand: (from, action, to, roles). The declaration must contain these.
CORE_EDGES = [
    ("draft", "submit", "submitted", {A}),
    ("submitted", "take", "in_review", {R, S}),
    ("submitted", "assign", "in_review", {S}),
    ("in_review", "request_information", "information_requested", {R, S}),
    ("information_requested", "respond", "in_review", {A}),
    ("draft", "withdraw", "withdrawn", {A}),
    ("submitted", "withdraw", "withdrawn", {A}),
    ("in_review", "withdraw", "withdrawn", {A}),
    ("information_requested", "withdraw", "withdrawn", {A}),
    ("approved", "expire", "expired", {SYS}),
    ("approved", "file_report", "closed", {A}),
    ("expired", "file_report", "closed", {A}),
]
# Where reviewers decide alone: they may deny, and extend an approval in place.
REVIEWERS_DECIDE = [
    ("in_review", "deny", "denied", {R, S}),
    ("approved", "request_extension", "extension_requested", {A}),
    ("extension_requested", "approve_extension", "approved", {R, S}),
    ("extension_requested", "deny_extension", "approved", {R, S}),
]
SPECIFIC_EDGES = {
    "generic": [*REVIEWERS_DECIDE, ("in_review", "approve", "approved", {R, S})],
    # 15 CFR 750.4 and 748.6: BIS registers what it reviews, may refer it, return it, or approve it in part.
    "bis": [
        *REVIEWERS_DECIDE,
        ("submitted", "register_application", "in_review", {R, S}),
        ("in_review", "approve", "approved", {R, S}),
        ("in_review", "approve_in_part", "approved", {R, S}),
        ("in_review", "refer", "referred", {R, S}),
        ("referred", "conclude_referral", "in_review", {R, S}),
        ("referred", "deny", "denied", {R, S}),
        ("submitted", "return_without_action", "returned_without_action", {R, S}),
        ("in_review", "return_without_action", "returned_without_action", {R, S}),
    ],
    # The generic review, filed only after the dossier's UN 1718 approval (tests/test_eu_uk.py).
    "eu": [*REVIEWERS_DECIDE, ("in_review", "approve", "approved", {R, S})],
    "ofac": [
        *REVIEWERS_DECIDE,
        ("in_review", "approve", "approved", {R, S}),
        ("in_review", "consult", "interagency_consultation", {R, S}),
        ("interagency_consultation", "conclude_consultation", "in_review", {R, S}),
        ("in_review", "return_without_action", "returned_without_action", {R, S}),
    ],
    # IAN 7: a forwarding body may transmit the request; the Secretariat checks it (and may return it) and
    # circulates it; a member may hold (questions relayed, clock stopped) or object; silence is approval.
    "un1718": [
        ("with_forwarder", "record_transmission", "submitted", {A, R, S}),
        ("submitted", "return_incomplete", "returned_incomplete", {R, S}),
        ("in_review", "return_incomplete", "returned_incomplete", {R, S}),
        ("in_review", "circulate", "no_objection_period", {R, S}),
        ("no_objection_period", "place_hold", "on_hold", {R, S}),
        ("on_hold", "relay_member_questions", "hold_questions", {R, S}),
        ("hold_questions", "answer_member_questions", "on_hold", {A}),
        ("on_hold", "release_hold", "no_objection_period", {R, S}),
        ("no_objection_period", "record_objection", "objected", {S}),
        ("on_hold", "record_objection", "objected", {S}),
        ("no_objection_period", "propose_approval", "approval_proposed", {SYS}),
        ("approval_proposed", "confirm_approval", "approved", {S}),
    ],
    # 31 CFR § 510.512: a notification asks no permission; silence clears it, State may object.
    "ofac_gl": [
        ("draft", "submit", "notified", {A}),
        ("draft", "withdraw", "withdrawn", {A}),
        ("notified", "withdraw", "withdrawn", {A}),
        ("notified", "record_objection", "notification_objected", {S}),
        ("notified", "clear", "notification_cleared", {SYS}),
        ("notification_cleared", "end_activity", "activity_ended", {SYS}),
    ],
}
# Notifications open a window instead of asking for a licence: the shared core is not theirs.
NOTIFICATIONS = {"ofac_gl"}


@pytest.mark.parametrize("key", list(procedures.PROCEDURES))
def test_declaration_contains_every_edge_of_the_design(key):
    wf = procedures.PROCEDURES[key]
    # BIS registers a filed case instead of taking it: registration starts its clock.
    core = (
        []
        if key in NOTIFICATIONS
        else [e for e in CORE_EDGES if not (key == "bis" and e[0] == "submitted" and e[1] in {"take", "assign"})]
    )
    for source, action, target, roles in core + SPECIFIC_EDGES[key]:
        t = wf.transition(action, source)
        assert t is not None, f"{key}: {source} --{action}--> missing"
        assert t.target_from(source) == target and t.roles == roles, f"{key}: {source} --{action}-->"


def test_un1718_approves_only_through_the_no_objection_procedure():
    assert not {"approve", "deny", "request_extension"} & set(procedures.UN1718.action_names)
    assert {"no_objection_period", "on_hold", "approval_proposed"} <= {s.name for s in procedures.UN1718.states}


def test_ofac_licence_number_is_required_on_approval():
    approve = procedures.OFAC.transition("approve", "in_review")
    assert {f.name for f in approve.payload if f.required} >= {"valid_from_on", "valid_until_on", "authority_reference"}


@pytest.fixture
def people(org, applicant):
    def for_authority(code):
        return {
            A: applicant,
            R: factories.authority_member(code, Role.REVIEWER),
            S: factories.authority_member(code, Role.STAFF),
            "outsider": factories.authority_member("EU" if code != "EU" else "OFAC", Role.STAFF),
            SYS: engine.SYSTEM,
        }

    return for_authority


def filing_in(state, code, people, dossier, key=""):
    # A request waits with a forwarding body only when it was sent through one.
    channel = {"submission_channel": Filing.Channel.RESIDENT_COORDINATOR} if state == "with_forwarder" else None
    authority = Authority.objects.get(code=code)
    for needed in authority.procedure.requires_approval_from:  # EU: the dossier's UN 1718 approval comes first
        today = timezone.localdate()
        factories.approved_filing(dossier, AUTHORITY_OF[needed], people[A], today, today + dt.timedelta(days=180))
    route = key if key in NOTIFICATIONS else ""
    filing = services.create_filing(dossier, authority, people[A], channel=channel, route=route)
    started = timezone.now() - dt.timedelta(days=300)
    return drive(filing, state, applicant=people[A], reviewer=people[R], staff=people[S], started_at=started)


def expected_roles(persona, state):
    if persona in (R, S):
        return set() if state == "draft" else {persona}
    return {A: {A}, SYS: {SYS}}.get(persona, set())


class Rollback(Exception):
    pass


MATRIX = [(key, s.name) for key, wf in procedures.PROCEDURES.items() for s in wf.states]


@pytest.mark.parametrize(("key", "state"), MATRIX)
def test_every_action_and_role_from_every_state(key, state, people, dossier):
    code = AUTHORITY_OF[key]
    who = people(code)
    wf = procedures.PROCEDURES[key]
    filing = filing_in(state, code, who, dossier, key)
    assert filing.status == state
    if filing.submitted_at:
        with_a_screening_hit(filing)  # so that a verdict on one can be given
    mistakes = []
    for persona, actor in who.items():
        roles = expected_roles(persona, state)
        allowed = {
            t.name
            for t in wf.transitions
            if state in t.sources and roles & t.roles and not t.is_system and committee.admits(filing, t)
        }
        if persona != SYS:
            shown = {t.name for t in engine.available_actions(filing, actor)}
            if shown != allowed:
                mistakes.append(f"{persona}: available_actions {sorted(shown)} != {sorted(allowed)}")
        for action in wf.action_names:
            outcome = _attempt(filing, action, actor, who[R], wf)
            transition = next(
                (t for t in wf.transitions if t.name == action and state in t.sources and committee.admits(filing, t)),
                None,
            )
            if transition and roles & transition.roles:
                expected = ("moved", transition.target_from(state))
            elif not roles & wf.roles_for_action(action):
                expected = ("refused", "ActionNotAllowed")
            else:
                expected = ("refused", "Conflict")
            if outcome != expected:
                mistakes.append(f"{persona} {action}: got {outcome}, expected {expected}")
    assert mistakes == []


def with_a_screening_hit(filing):
    run = ScreeningRun.objects.create(application=filing.application, filing=filing, occasion="filing")
    ScreeningHit.objects.create(
        run=run, filing=filing, party_index=0, party_name="Ministry of Public Health", party_role="end_user",
        match_key="rule:dprk_public_body", rule="dprk_public_body", score=100,
    )  # fmt: skip


def _attempt(filing, action, actor, reviewer, wf):
    """Run one action in a savepoint that is always rolled back; report what happened and check side effects."""
    fresh = Filing.objects.select_related("application", "authority").get(pk=filing.pk)
    before = (fresh.status, fresh.version, Event.objects.filter(filing=fresh).count())
    template = wf.transition(action, fresh.status) or next(t for t in wf.transitions if t.name == action)
    payload = payload_for(template, fresh, timezone.now(), reviewer=reviewer)
    outcome = None
    try:
        with transaction.atomic():
            event = engine.apply(fresh, action, actor, "Because the file says so.", None, **payload)
            after = Filing.objects.get(pk=fresh.pk)
            events = Event.objects.filter(filing=fresh).count()
            assert events == before[2] + 1 and event.to_status == after.status and after.version == before[1] + 1
            outcome = ("moved", after.status)
            raise Rollback
    except Rollback:
        return outcome
    except (engine.ActionNotAllowed, engine.Conflict) as exc:
        unchanged = Filing.objects.get(pk=fresh.pk)
        assert (unchanged.status, unchanged.version, Event.objects.filter(filing=fresh).count()) == before
        return ("refused", type(exc).__name__)
    except ValidationError as exc:
        return ("invalid", exc.messages)


def test_apply_rejects_an_unknown_action(dossier, applicant):
    filing = factories.filing(dossier, "OFAC", applicant)
    with pytest.raises(engine.UnknownAction):
        engine.apply(filing, "bribe", applicant)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (
            {"valid_from_on": "2027-06-01", "valid_until_on": "2027-05-01", "authority_reference": "L-1"},
            "valid_until_on",
        ),
        (
            {"valid_from_on": "June first", "valid_until_on": "2027-05-01", "authority_reference": "L-1"},
            "valid_from_on",
        ),
        ({"valid_from_on": "2027-01-01", "valid_until_on": "2027-05-01"}, "authority_reference"),
        ({"valid_from_on": "2027-01-01", "valid_until_on": "2027-05-01", "authority_reference": "L", "x": 1}, "x"),
        (
            {"valid_from_on": "2027-02-30", "valid_until_on": "2027-05-01", "authority_reference": "L-1"},
            "valid_from_on",
        ),
    ],
)
def test_approve_validates_its_payload_and_changes_nothing(dossier, applicant, reviewer_ofac, payload, field):
    filing = factories.submitted_filing(dossier, "OFAC", applicant)
    engine.apply(filing, "take", reviewer_ofac)
    with pytest.raises(ValidationError) as exc:
        engine.apply(filing, "approve", reviewer_ofac, "", None, **payload)
    assert field in exc.value.message_dict
    filing.refresh_from_db()
    assert filing.status == "in_review" and filing.events.count() == 2


def test_deny_needs_reasons(dossier, applicant, reviewer_ofac):
    filing = factories.submitted_filing(dossier, "OFAC", applicant)
    engine.apply(filing, "take", reviewer_ofac)
    with pytest.raises(ValidationError) as exc:
        engine.apply(filing, "deny", reviewer_ofac, "")
    assert "reasons" in exc.value.message_dict
    engine.apply(filing, "deny", reviewer_ofac, "", None, reasons="End use not shown.")
    assert filing.status == "denied" and filing.decision_reasons == "End use not shown." and filing.decided_at


def test_withdraw_needs_a_note(dossier, applicant):
    filing = factories.submitted_filing(dossier, "UN1718", applicant)
    with pytest.raises(ValidationError) as exc:
        engine.apply(filing, "withdraw", applicant, "   ")
    assert "note" in exc.value.message_dict


def test_assign_accepts_only_reviewers_of_the_same_authority(dossier, applicant, staff_un, reviewer_ofac):
    filing = factories.submitted_filing(dossier, "UN1718", applicant)
    with pytest.raises(ValidationError) as exc:
        engine.apply(filing, "assign", staff_un, "", None, reviewer=reviewer_ofac.username)
    assert "reviewer" in exc.value.message_dict
    colleague = factories.authority_member("UN1718")
    engine.apply(filing, "assign", staff_un, "", None, reviewer=colleague.username)
    assert filing.assigned_to == colleague and filing.status == "in_review"


def test_information_request_and_response_are_kept_in_the_thread(dossier, applicant, reviewer_un):
    filing = factories.submitted_filing(dossier, "UN1718", applicant)
    engine.apply(filing, "take", reviewer_un)
    engine.apply(filing, "request_information", reviewer_un, "Which counties?")
    engine.apply(filing, "respond", applicant, "North and South Hwanghae.")
    assert list(filing.messages.values_list("kind", "body")) == [
        ("information_request", "Which counties?"),
        ("response", "North and South Hwanghae."),
    ]


def test_events_are_append_only(dossier, applicant):
    filing = factories.submitted_filing(dossier, "UN1718", applicant)
    event = filing.events.get()
    event.note = "rewritten"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()


@pytest.mark.parametrize("procedure", list(procedures.PROCEDURES.values()), ids=lambda p: p.key)
def test_each_declaration_reads_back_as_plain_json_with_its_triggers_and_notices(procedure):
    described = json.loads(json.dumps(procedure.describe()))
    by_name = {t["name"]: t for t in described["transitions"]}
    ending = by_name["end_activity" if procedure.key in NOTIFICATIONS else "expire"]
    assert ending["trigger"] == "validity_end" and ending["notice"] == "applicants"
    assert {"snapshot_dossier", "screen_parties"} <= set(by_name["submit"]["effects"])
    # A notification is announced to the staff who may record the State Department's objection.
    assert by_name["submit"]["notice"] == ("staff" if procedure.key in NOTIFICATIONS else "reviewers")


def test_the_path_to_an_approval_follows_each_authoritys_own_procedure():
    assert [t.name for t in procedures.UN1718.path_to("approved")] == [
        "submit", "take", "circulate", "propose_approval", "confirm_approval"
    ]  # fmt: skip
    assert [t.name for t in procedures.OFAC.path_to("approved")] == ["submit", "take", "approve"]
