"""Reminder becomes OutgoingEmail: what each email is about moves from a packed `kind` string
("reply:T-5wd", "event:approve:3", "digest:UN1718") into fields of its family. The rows are converted
here; 0010 drops `kind` and adds the per-family constraints (a separate migration, so that the converted
rows are committed before PostgreSQL alters the table again)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def unpack_kinds(apps, schema_editor):
    OutgoingEmail = apps.get_model("exemptions", "OutgoingEmail")
    Event = apps.get_model("exemptions", "Event")
    Authority = apps.get_model("exemptions", "Authority")
    authorities = dict(Authority.objects.values_list("code", "pk"))
    for email in OutgoingEmail.objects.all().iterator():
        head, _, rest = email.kind.partition(":")
        if head == "event":
            sequence = int(rest.rsplit(":", 1)[-1])
            email.family = "event_notice"
            email.event_id = Event.objects.get(filing_id=email.filing_id, sequence=sequence).pk
        elif head == "digest":
            email.family, email.authority_id = "digest", authorities[rest]
        else:
            email.family, email.deadline_kind, email.offset = "reminder", head, rest or "unknown"
        email.save(update_fields=["family", "event", "authority", "deadline_kind", "offset"])


def pack_kinds(apps, schema_editor):
    OutgoingEmail = apps.get_model("exemptions", "OutgoingEmail")
    for email in OutgoingEmail.objects.select_related("event", "authority").iterator():
        if email.family == "event_notice":
            email.kind = f"event:{email.event.action}:{email.event.sequence}"
        elif email.family == "digest":
            email.kind = f"digest:{email.authority.code}"
        else:
            email.kind = f"{email.deadline_kind}:{email.offset}"
        email.save(update_fields=["kind"])


class Migration(migrations.Migration):
    dependencies = [
        ("exemptions", "0008_deadline_order_bench_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="reminder", name="reminder_once"),
        migrations.RemoveConstraint(model_name="reminder", name="reminder_once_without_filing"),
        migrations.RenameModel(old_name="Reminder", new_name="OutgoingEmail"),
        migrations.RenameIndex(model_name="outgoingemail", new_name="outgoing_email_unsent", old_name="reminder_unsent"),
        migrations.AddField(
            model_name="outgoingemail",
            name="family",
            field=models.CharField(
                choices=[("reminder", "Deadline reminder"), ("event_notice", "Event notice"), ("digest", "Daily digest")],
                default="reminder",
                max_length=20,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="outgoingemail",
            name="deadline_kind",
            field=models.CharField(blank=True, help_text="Reminders: the deadline, e.g. reply", max_length=40),
        ),
        migrations.AddField(
            model_name="outgoingemail",
            name="offset",
            field=models.CharField(
                blank=True,
                help_text="Reminders: when, e.g. T-5wd (5 working days before), T-60d (60 days before) or overdue",
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="outgoingemail",
            name="event",
            field=models.ForeignKey(
                blank=True,
                help_text="Event notices: the transition announced",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="notices",
                to="exemptions.event",
            ),
        ),
        migrations.AddField(
            model_name="outgoingemail",
            name="authority",
            field=models.ForeignKey(
                blank=True,
                help_text="Digests: the authority whose work is listed",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="digests",
                to="exemptions.authority",
            ),
        ),
        migrations.AlterField(
            model_name="outgoingemail",
            name="filing",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty for digests",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="outgoing_emails",
                to="exemptions.filing",
            ),
        ),
        migrations.AlterField(
            model_name="outgoingemail",
            name="recipient",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="outgoing_emails",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="outgoingemail",
            name="due_at",
            field=models.DateTimeField(
                help_text="The deadline a reminder is about, the event's time, or the digest's"
            ),
        ),
        migrations.RunPython(unpack_kinds, pack_kinds),
    ]
