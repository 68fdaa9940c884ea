"""Load the demo data of exemptions/demo.py: organizations, the demo logins of DESIGN.md, and dossiers whose
filings stand in every state of every procedure, reached through real transitions (real audit chains).
Idempotent: a second run changes nothing. Demo only; refuses to run with DEBUG off unless --force."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from exemptions import demo, demo_aftercare, demo_triage


class Command(BaseCommand):
    help = "Load demo organizations, the demo logins (password 'demo') and filings in every workflow state."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off (never in production).")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo creates logins with a known password; it runs only with DEBUG on (or --force)."
            )
        users, created = demo.seed()
        shipments = demo_aftercare.seed()
        organization = users["applicant"].memberships.get().organization
        triaged = demo_triage.seed(organization, users["applicant"], timezone.localdate())
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready: {len(users)} logins (password '{demo.DEMO_PASSWORD}'), {created} new filings, "
                f"{shipments} new shipments, {triaged} dossiers showing the triage."
            )
        )
