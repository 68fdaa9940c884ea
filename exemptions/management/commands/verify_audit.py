from django.core.management.base import BaseCommand, CommandError

from exemptions import audit
from exemptions.models import Event


class Command(BaseCommand):
    help = "Walk every filing's hash-chained audit trail and report the first broken link."

    def handle(self, *args, **options):
        events = Event.objects.select_related("filing").order_by("filing_id", "sequence")
        total = events.count()
        broken = audit.first_broken_link(events.iterator(chunk_size=2000))
        if broken:
            event, why = broken
            raise CommandError(
                f"Audit chain broken at {event.filing.reference} event #{event.sequence} ({event.action}, "
                f"{event.created_at:%Y-%m-%d %H:%M} UTC): {why}."
            )
        chains = events.values("filing_id").distinct().count()
        self.stdout.write(self.style.SUCCESS(f"Audit trail intact: {total} events in {chains} chains."))
