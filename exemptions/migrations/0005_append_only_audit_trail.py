"""Defence in depth on PostgreSQL: the database itself refuses to update or delete an audit event (except
to record when its notices went out) or a checkpoint, whoever sends the SQL. TRUNCATE fires no row trigger, so
emptying a test or benchmark database still works; the table's owner can still disable the trigger, which is
what the seals (and `verify_audit`) are for. SQLite has no such trigger: the model refuses there."""

from django.db import migrations

TABLES = ["exemptions_event", "exemptions_auditcheckpoint"]

CREATE = """
CREATE FUNCTION exemptions_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (to_jsonb(NEW) - 'notified_at') = (to_jsonb(OLD) - 'notified_at') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'The audit trail is append-only: % on % refused.', TG_OP, TG_TABLE_NAME;
END
$$;
""" + "".join(
    f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
    "FOR EACH ROW EXECUTE FUNCTION exemptions_audit_append_only();\n"
    for table in TABLES
)

DROP = "".join(f"DROP TRIGGER {table}_append_only ON {table};\n" for table in TABLES) + (
    "DROP FUNCTION exemptions_audit_append_only();"
)


def on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, None)  # no parameters: the function body holds % signs

    return run


class Migration(migrations.Migration):
    dependencies = [("exemptions", "0004_sealed_audit_trail")]

    operations = [migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP))]
