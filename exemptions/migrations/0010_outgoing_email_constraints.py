"""OutgoingEmail: `kind` is gone (0009 unpacked it); each family gets its own "no email twice" constraint,
and a check keeps each family's fields filled so that no NULL slips through those constraints."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("exemptions", "0009_outgoing_email"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # A default, so that unapplying can add the column back to the rows before 0009 fills it again.
        migrations.AlterField(model_name="outgoingemail", name="kind", field=models.CharField(default="", max_length=40)),
        migrations.RemoveField(model_name="outgoingemail", name="kind"),
        migrations.AddConstraint(
            model_name="outgoingemail",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("authority__isnull", True),
                        ("event__isnull", True),
                        ("family", "reminder"),
                        ("filing__isnull", False),
                        models.Q(("deadline_kind", ""), _negated=True),
                        models.Q(("offset", ""), _negated=True),
                    ),
                    models.Q(
                        ("authority__isnull", True),
                        ("deadline_kind", ""),
                        ("event__isnull", False),
                        ("family", "event_notice"),
                        ("filing__isnull", False),
                        ("offset", ""),
                    ),
                    models.Q(
                        ("authority__isnull", False),
                        ("deadline_kind", ""),
                        ("event__isnull", True),
                        ("family", "digest"),
                        ("filing__isnull", True),
                        ("offset", ""),
                    ),
                    _connector="OR",
                ),
                name="outgoing_email_fields_of_its_family",
            ),
        ),
        migrations.AddConstraint(
            model_name="outgoingemail",
            constraint=models.UniqueConstraint(
                condition=models.Q(("family", "reminder")),
                fields=("filing", "deadline_kind", "offset", "due_at", "recipient"),
                name="outgoing_reminder_once",
            ),
        ),
        migrations.AddConstraint(
            model_name="outgoingemail",
            constraint=models.UniqueConstraint(
                condition=models.Q(("family", "event_notice")),
                fields=("event", "recipient"),
                name="outgoing_event_notice_once",
            ),
        ),
        migrations.AddConstraint(
            model_name="outgoingemail",
            constraint=models.UniqueConstraint(
                condition=models.Q(("family", "digest")),
                fields=("authority", "due_at", "recipient"),
                name="outgoing_digest_once",
            ),
        ),
    ]
