"""`GET /api/v1/filings/` without models or per-row serializer work: the page's columns come from `values_list()`
and one plain function builds each row's JSON. `FilingSerializer` stays the list's schema and its test oracle
(tests/api/test_list_fast_path.py proves the two write the same JSON for every row shape); a field added there
must be added here, which that test enforces.

Why (bench/RESULTS.md, issue 22): building model instances, walking DRF's fields per row and rebuilding them per
request cost more than the framework's whole request. The rows' `status_label` and `allowed_actions` depend only
on the procedure, the status and the caller's roles, so they are worked out once per such combination per page.
"""

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone
from rest_framework import serializers

from exemptions import deadlines, engine, procedures
from exemptions.models import NO_DEADLINE, Filing, Standing, assume_standing, authority_ids, organization_ids
from exemptions.pagination import Cursor, page_query

from .serializers import FilingSerializer
from .workflow_serializers import allowed_action

# The row is planned from FilingSerializer's own fields, so a model field added there is written here too: a field
# whose source is a column of the filing is read as that column and written as DRF writes its type; the related
# names and the three computed fields below are the only ones spelled out. A field this plan cannot read from a
# column (a property, a method field) leaves the plan incomplete: the list then falls back to the serializer, and
# tests/api/test_list_fast_path.py fails until a writer is added here.
_RELATED = {
    "application": "application__reference",
    "title": "application__title",
    "organization": "application__organization__name",
    "authority": "authority__code",
    "assigned_to": "assigned_to__username",
}
_COMPUTED = {"status_label", "overdue", "allowed_actions"}
# What the computed fields and the cursor read, first in every row.
_KEYS = ["id", "application__organization_id", "authority_id", "authority__workflow_key", "status", "due_at", "route"]
_ID, _ORGANIZATION_ID, _AUTHORITY_ID, _WORKFLOW, _STATUS, _DUE_AT, _ROUTE = range(len(_KEYS))


def _plan() -> tuple[list[str], list[tuple], list[str]]:
    """(columns to read, (name, how to write it, column index, DRF field) per field in the serializer's order,
    fields no column can give)."""
    concrete = {f.name for f in Filing._meta.concrete_fields}
    columns, writers, missing = list(_KEYS), [], []
    for name, field in FilingSerializer().fields.items():
        if name in _COMPUTED:
            writers.append((name, name, -1, field))
            continue
        column = _RELATED.get(name) or field.source
        if column not in _RELATED.values() and column not in concrete:
            missing.append(name)
            continue
        if column not in columns:
            columns.append(column)
        if isinstance(field, serializers.DateTimeField):
            how = "datetime"
        elif isinstance(field, serializers.DateField):
            how = "date"
        elif isinstance(field, serializers.DecimalField | serializers.FloatField):
            how = "field"
        else:
            how = "plain"
        writers.append((name, how, columns.index(column), field))
    return columns, writers, missing


COLUMNS, _WRITERS, UNCOVERED = _plan()
COMPLETE = not UNCOVERED  # else the list is serialized the slow way (FilingViewSet.list)


# The list's join of five tables is planned anew on every request (PostgreSQL does not keep plans of unprepared
# statements), and planning cost more than running it: taking the joins in the order written and skipping the
# memoize search cut it (issue 22). Scoped with SET LOCAL to the list's own transaction.
PLANNER_SETTINGS = "SELECT set_config('join_collapse_limit', '1', true), set_config('enable_memoize', 'off', true)"


# --- the unfiltered list's SQL, compiled once per shape ----------------------------------------------------------
# Building and compiling the list's query took a tenth of the request. Its SQL depends only on the caller's shape
# (superuser or not, how many organizations and authorities they sit in), the cursor's side and the page size; the
# values (ids, the cursor's position) are parameters. So each shape is compiled once, from a stand-in caller whose
# ids and cursor are sentinels no row holds, and each sentinel's place among the parameters is remembered.
_ORGANIZATION, _AUTHORITY, _ROW = -(10**9), -2 * 10**9, -3 * 10**9
_DEADLINE = dt.datetime(1111, 11, 11, 11, 11, 11, tzinfo=dt.UTC)
_MAX_SHAPES = 256
_shapes: dict[tuple, tuple[str, list] | None] = {}


class _StandIn:
    is_authenticated = True
    pk = None

    def __init__(self, superuser: bool, organizations: int, authorities: int):
        self.is_superuser = superuser
        seats = [(procedures.APPLICANT, _ORGANIZATION - n, None) for n in range(organizations)]
        seats += [(procedures.REVIEWER, None, _AUTHORITY - n) for n in range(authorities)]
        assume_standing(self, Standing(memberships=tuple(seats), time_zone=None))


def _slot(value, organizations: int, authorities: int):
    """Where a parameter of the stand-in's query comes from: ("organization", n), ("authority", n), ("deadline",),
    ("row",), or ("constant", value)."""
    if value == _DEADLINE:
        return ("deadline",)
    if isinstance(value, int) and not isinstance(value, bool):
        if value == _ROW:
            return ("row",)
        if _ORGANIZATION - organizations < value <= _ORGANIZATION:
            return ("organization", _ORGANIZATION - value)
        if _AUTHORITY - authorities < value <= _AUTHORITY:
            return ("authority", _AUTHORITY - value)
    return ("constant", value)


def _compile(shape) -> tuple[str, list] | None:
    superuser, organizations, authorities, side, size = shape
    stand_in = _StandIn(superuser, organizations, authorities)
    cursor = None if side is None else Cursor(_DEADLINE, _ROW, before=side == "before")
    query = page_query(Filing.objects.visible_to(stand_in).values_list(*COLUMNS), cursor, size)
    sql, params = query.query.get_compiler(connection.alias).as_sql()
    slots = [_slot(value, organizations, authorities) for value in params]
    found = sorted(slot for slot in slots if slot[0] in {"organization", "authority"})
    expected = sorted(
        [("organization", n) for n in range(organizations)] + [("authority", n) for n in range(authorities)]
    )
    if found != expected or (cursor is not None and ("row",) not in slots):
        return None  # a shape the sentinels cannot describe: left to the ORM each time
    return sql, slots


def unfiltered_reader(user):
    """`read(cursor, size)` of the list without filters: the rows `page_query` would read for `user`, from SQL
    compiled once per shape."""

    def read(cursor: Cursor | None, size: int):
        values = {
            "organization": sorted(organization_ids(user)),
            "authority": sorted(authority_ids(user)),
        }
        if not user.is_superuser and not values["organization"] and not values["authority"]:
            return []  # sees nothing; the ORM would not ask the database either
        side = None if cursor is None else ("before" if cursor.before else "after")
        shape = (user.is_superuser, len(values["organization"]), len(values["authority"]), side, size)
        if shape not in _shapes:
            if len(_shapes) >= _MAX_SHAPES:
                _shapes.clear()
            _shapes[shape] = _compile(shape)
        compiled = _shapes[shape]
        if compiled is None:
            return page_query(Filing.objects.visible_to(user).values_list(*COLUMNS), cursor, size)
        sql, slots = compiled
        params = []
        for slot in slots:
            kind = slot[0]
            if kind == "constant":
                params.append(slot[1])
            elif kind == "deadline":
                params.append(cursor.deadline)
            elif kind == "row":
                params.append(cursor.id)
            else:
                params.append(values[kind][slot[1]])
        with connection.cursor() as db:
            db.execute(sql, params)
            return db.fetchall()

    return read


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
        self._zone = timezone.get_current_timezone()
        self._per_state = {}

    def _state_fields(self, row) -> tuple[str, list]:
        """status_label and allowed_actions, which only the procedure, status and caller's roles decide."""
        key = (row[_ROUTE] or row[_WORKFLOW], row[_STATUS], row[_ORGANIZATION_ID], row[_AUTHORITY_ID])
        found = self._per_state.get(key)
        if found is None:
            workflow_key, status, organization_id, authority_id = key
            procedure = procedures.procedure_for(workflow_key)
            state = procedure.state(status)
            roles = engine.roles_on(self.user, organization_id, authority_id, filed=not state.initial)
            label = state.staff_label if roles & procedures.AUTHORITY_ROLES else state.applicant_label
            actions = [allowed_action(t) for t in engine.actions_in(procedure, status, roles)]
            found = self._per_state[key] = (label, actions)
        return found

    def row(self, row) -> dict:
        label, actions = self._state_fields(row)
        out = {}
        for name, how, index, field in _WRITERS:
            if how == "plain":
                out[name] = row[index]
            elif how == "datetime":
                out[name] = self._moment(row[index])
            elif how == "date":
                value = row[index]
                out[name] = value.isoformat() if value else None
            elif how == "field":
                value = row[index]
                out[name] = None if value is None else field.to_representation(value)
            elif how == "status_label":
                out[name] = label
            elif how == "overdue":
                due_at = row[_DUE_AT]
                out[name] = bool(due_at and due_at < self.now)
            else:  # allowed_actions
                out[name] = actions
        return out

    def _moment(self, value) -> str | None:
        """What `fields.DateTimeField` writes (ISO 8601 in the reader's zone, `Z` for UTC; UTC when the zone
        cannot express the moment), without DRF's per-call look-ups."""
        if value is None:
            return None
        local = deadlines.in_zone(value, self._zone)
        text = (local or value.astimezone(dt.UTC)).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    def rows(self, rows) -> list[dict]:
        return [self.row(row) for row in rows]
