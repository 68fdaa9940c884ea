"""The sealed audit trail: each event's hash sealed under AUDIT_KEY, each filing's newest event recorded on its
row, and sealed checkpoints (exemptions/models/seals.py). Events written before this migration are sealed as
they stand (run `manage.py verify_audit` before migrating to know they were intact) and their filings' newest
events recorded."""

from django.db import migrations, models
from django.db.models import Exists, OuterRef, Subquery

from exemptions.models.seals import seal, sql_seal


def seal_existing_events(apps, schema_editor):
    Event, Filing = apps.get_model("exemptions", "Event"), apps.get_model("exemptions", "Filing")
    events = Event.objects.using(schema_editor.connection.alias)
    if not events.exists():
        return
    if schema_editor.connection.vendor == "postgresql":
        expression, params = sql_seal("hash")
        schema_editor.execute(f"UPDATE exemptions_event SET key_id = %(audit_key_id)s, seal = {expression}", params)
    else:  # development databases: small
        unsealed = list(events.only("id", "hash"))
        for event in unsealed:
            event.key_id, event.seal = seal(event.hash)
        events.bulk_update(unsealed, ["key_id", "seal"], batch_size=500)
    newest = Event.objects.filter(filing=OuterRef("pk")).order_by("-sequence")
    Filing.objects.using(schema_editor.connection.alias).filter(Exists(newest)).update(
        audit_tip_sequence=Subquery(newest.values("sequence")[:1]),
        audit_tip_hash=Subquery(newest.values("hash")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [("exemptions", "0003_one_pending_filing_per_authority")]

    operations = [
        migrations.AddField(
            model_name="event",
            name="key_id",
            field=models.CharField(default="", max_length=16),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="event",
            name="seal",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="filing",
            name="audit_tip_hash",
            field=models.CharField(
                default="0000000000000000000000000000000000000000000000000000000000000000",
                editable=False,
                max_length=64,
            ),
        ),
        migrations.AddField(
            model_name="filing",
            name="audit_tip_sequence",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("sequence", models.PositiveIntegerField(unique=True)),
                ("created_at", models.DateTimeField()),
                ("last_event_id", models.BigIntegerField()),
                ("events", models.PositiveBigIntegerField(help_text="Events covered since the previous checkpoint")),
                (
                    "total_events",
                    models.PositiveBigIntegerField(help_text="Events covered by this and earlier checkpoints"),
                ),
                ("key_id", models.CharField(max_length=16)),
                ("digest", models.CharField(max_length=64)),
            ],
            options={"ordering": ["sequence"]},
        ),
        migrations.RunPython(seal_existing_events, migrations.RunPython.noop, elidable=True),
    ]
