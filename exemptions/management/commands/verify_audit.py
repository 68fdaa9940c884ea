from django.core.management.base import BaseCommand, CommandError

from exemptions import audit
from exemptions.models import AuditCheckpoint, Event

SHOWN = 20  # findings printed in full; a mass rewrite is summarised after these


class Command(BaseCommand):
    help = (
        "Check the audit trail: every filing's hash chain and seals, the newest event and status each filing "
        "records, and the sealed checkpoints. Exits non-zero with one line per finding."
    )

    def handle(self, *args, **options):
        found = list(audit.findings())
        if found:
            lines = found[:SHOWN] + ([f"… and {len(found) - SHOWN} more."] if len(found) > SHOWN else [])
            raise CommandError(f"Audit trail check failed ({len(found)} findings):\n" + "\n".join(lines))
        total = Event.objects.count()
        chains = Event.objects.values("filing_id").distinct().count()
        last = AuditCheckpoint.objects.order_by("-sequence").first()
        sealed = (
            f"Checkpoint #{last.sequence} ({last.created_at:%Y-%m-%d %H:%M} UTC) seals the first {last.total_events}."
            if last
            else "No checkpoint yet."
        )
        self.stdout.write(self.style.SUCCESS(f"Audit trail intact: {total} events in {chains} chains. {sealed}"))
