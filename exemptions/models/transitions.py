"""The write of a transition, in one statement: the filing's compare-and-set, its audit event and its thread
messages. `engine.apply()` decides what to write; this writes it.

On PostgreSQL the three are one statement of data-modifying CTEs: the event and messages are inserted only from
the row the compare-and-set updated, so a lost race writes nothing, as before. Its text comes from the models'
columns and its values are prepared as the ORM prepares them; building it costs a fraction of compiling three ORM
statements, which with their round trips was most of what a transition cost besides its commit and its notice
(issue 22: cProfile of `engine.apply`). Elsewhere (SQLite in development) the same rows are written by three ORM statements.
"""

from django.db import connections, models
from django.db.models import F

from .filings import Event, Filing, Message


def _quoted(connection, name: str) -> str:
    return connection.ops.quote_name(name)


def _update_sql(connection, filing: Filing, changes: dict) -> tuple[str, list]:
    """The compare-and-set: `changes` and the next version, where id, status and version are still those read."""
    assignments, params = [], []
    for name, value in changes.items():
        field = Filing._meta.get_field(name)
        value = value.pk if isinstance(value, models.Model) else value  # a related row, as its key
        assignments.append(f"{_quoted(connection, field.column)} = %s")
        params.append(field.get_db_prep_save(value, connection))
    version = _quoted(connection, "version")
    sql = (
        f"UPDATE {_quoted(connection, Filing._meta.db_table)} SET {version} = {version} + 1, {', '.join(assignments)} "  # noqa: S608 (names from the model)
        f"WHERE {_quoted(connection, 'id')} = %s AND {_quoted(connection, 'status')} = %s AND {version} = %s RETURNING 1"
    )
    return sql, [*params, filing.pk, filing.status, filing.version]


def _insert_select_sql(connection, model, objs: list, source: str) -> tuple[str, list]:
    """`INSERT … SELECT <the values> FROM source`: the rows of `objs`, each written only if `source` has a row. The
    values are prepared as the ORM's own insert prepares them (`pre_save`, then `get_db_prep_save`)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(_quoted(connection, f.column) for f in fields)
    row = ", ".join(["%s"] * len(fields))
    selects = " UNION ALL ".join([f"SELECT {row} FROM {source}"] * len(objs))  # noqa: S608 (placeholders only)
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for obj in objs for f in fields]
    return f"INSERT INTO {_quoted(connection, model._meta.db_table)} ({columns}) {selects}", params


def record_transition(filing: Filing, changes: dict, event: Event, messages: list[Message], using="default") -> bool:
    """Write `changes` to `filing` if its status and version are still those read (and step its version), with
    `event` and `messages`; False, writing nothing, when someone else changed the filing first. Run inside the
    transition's transaction."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        won = (
            Filing.objects.using(using)
            .filter(pk=filing.pk, status=filing.status, version=filing.version)
            .update(version=F("version") + 1, **changes)
        )
        if won != 1:
            return False
        event.save(force_insert=True, using=using)
        Message.objects.using(using).bulk_create(messages)
        return True
    update, params = _update_sql(connection, filing, changes)
    parts = [f"won AS ({update})"]
    insert, insert_params = _insert_select_sql(connection, Event, [event], "won")
    parts.append(f"event AS ({insert} RETURNING id)")
    params += insert_params
    if messages:
        insert, insert_params = _insert_select_sql(connection, Message, messages, "won")
        parts.append(f"thread AS ({insert})")
        params += insert_params
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(parts)} SELECT id FROM event", params)  # noqa: S608 (ORM-compiled)
        row = cursor.fetchone()
    if row is None:
        return False
    event.pk = row[0]
    event._state.adding, event._state.db = False, using
    return True
