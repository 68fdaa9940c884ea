"""`GET /api/v1/filings/` without models or per-row serializer work: the page's columns come from `values_list()`
and one plain function builds each row's JSON. `FilingSerializer` stays the list's schema and its test oracle
(tests/api/test_list_fast_path.py proves the two write the same JSON for every row shape); a field added there
must be added here, which that test enforces.

Why (bench/RESULTS.md, issue 22): building model instances, walking DRF's fields per row and rebuilding them per
request cost more than the framework's whole request. The rows' `status_label` and `allowed_actions` depend only
on the procedure, the status and the caller's roles, so they are worked out once per such combination per page.
"""

from django.db import connection, transaction
from django.utils import timezone

from exemptions import engine, procedures
from exemptions.models import NO_DEADLINE
from exemptions.pagination import Cursor

from .fields import DateTimeField

# The columns a row is built from, in `values_list()` order.
COLUMNS = [
    "id",
    "application__organization_id",
    "authority_id",
    "authority__workflow_key",
    "reference",
    "application__reference",
    "application__title",
    "application__organization__name",
    "authority__code",
    "status",
    "due_at",
    "assigned_to__username",
    "authority_reference",
    "legal_basis",
    "submission_channel",
    "submitted_at",
    "decided_at",
    "valid_from_on",
    "valid_until_on",
    "conditions",
    "decision_reasons",
    "version",
    "snapshot_sha256",
    "created_at",
]
_ID, _DUE_AT, _STATUS = COLUMNS.index("id"), COLUMNS.index("due_at"), COLUMNS.index("status")


# The list's join of five tables is planned anew on every request (PostgreSQL does not keep plans of unprepared
# statements), and planning cost more than running it: taking the joins in the order written and skipping the
# memoize search cut it (issue 22). Scoped with SET LOCAL to the list's own transaction.
PLANNER_SETTINGS = "SELECT set_config('join_collapse_limit', '1', true), set_config('enable_memoize', 'off', true)"


def position(row, before: bool = False) -> Cursor:
    return Cursor(row[_DUE_AT] or NO_DEADLINE, row[_ID], before)


class planned_for_lists(transaction.Atomic):
    """A transaction whose queries run under PLANNER_SETTINGS (PostgreSQL 14 and later; elsewhere a plain one).
    Inside a transaction already open (a test's), the settings would outlive this block, so they are left out."""

    def __init__(self):
        super().__init__(using=None, savepoint=True, durable=False)

    def __enter__(self):
        outermost = not connection.in_atomic_block
        super().__enter__()
        if outermost and connection.vendor == "postgresql" and connection.pg_version >= 140000:
            with connection.cursor() as cursor:
                cursor.execute(PLANNER_SETTINGS)


class RowBuilder:
    """Turns `values_list(*COLUMNS)` rows into the list's JSON rows for one caller, in the active time zone."""

    def __init__(self, user):
        self.user = user
        self.now = timezone.now()
        field = DateTimeField()
        field.timezone = timezone.get_current_timezone()
        self._moment = lambda value: None if value is None else field.to_representation(value)
        self._per_state = {}

    def _state_fields(self, row) -> tuple[str, list]:
        """status_label and allowed_actions, which only the procedure, status and caller's roles decide."""
        _, organization_id, authority_id, workflow_key, *_ = row
        status = row[_STATUS]
        key = (workflow_key, status, organization_id, authority_id)
        found = self._per_state.get(key)
        if found is None:
            procedure = procedures.procedure_for(workflow_key)
            state = procedure.state(status)
            roles = engine.roles_on(self.user, organization_id, authority_id, filed=not state.initial)
            label = state.staff_label if roles & procedures.AUTHORITY_ROLES else state.applicant_label
            actions = [
                {
                    "name": t.name,
                    "label": t.label,
                    "note_required": t.note_required,
                    "payload": [{"name": f.name, "kind": f.kind, "required": f.required} for f in t.payload],
                }
                for t in engine.actions_in(procedure, status, roles)
            ]
            found = self._per_state[key] = (label, actions)
        return found

    def row(self, row) -> dict:
        (_, _, _, _, reference, application, title, organization, authority, status, due_at, assigned_to,
         authority_reference, legal_basis, submission_channel, submitted_at, decided_at, valid_from_on,
         valid_until_on, conditions, decision_reasons, version, snapshot_sha256, created_at) = row  # fmt: skip
        label, actions = self._state_fields(row)
        moment = self._moment
        return {
            "reference": reference,
            "application": application,
            "title": title,
            "organization": organization,
            "authority": authority,
            "status": status,
            "status_label": label,
            "due_at": moment(due_at),
            "overdue": bool(due_at and due_at < self.now),
            "assigned_to": assigned_to,
            "authority_reference": authority_reference,
            "legal_basis": legal_basis,
            "submission_channel": submission_channel,
            "submitted_at": moment(submitted_at),
            "decided_at": moment(decided_at),
            "valid_from_on": valid_from_on.isoformat() if valid_from_on else None,
            "valid_until_on": valid_until_on.isoformat() if valid_until_on else None,
            "conditions": conditions,
            "decision_reasons": decision_reasons,
            "version": version,
            "snapshot_sha256": snapshot_sha256,
            "allowed_actions": actions,
            "created_at": moment(created_at),
        }

    def rows(self, rows) -> list[dict]:
        return [self.row(row) for row in rows]
