from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from exemptions import retention


class Command(BaseCommand):
    help = (
        "Redact beneficiary and party details of dossiers whose filings are all closed and older than the "
        "retention period (DATA_RETENTION_DAYS). The audit trail stays verifiable; run verify_audit after."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-days",
            type=int,
            default=None,
            help=f"Override the retention period (default {settings.DATA_RETENTION_DAYS} days).",
        )
        parser.add_argument("--dry-run", action="store_true", help="List what would be redacted; change nothing.")

    def handle(self, *args, older_than_days, dry_run, **options):
        if older_than_days is not None and older_than_days < 0:
            raise CommandError("--older-than-days must be zero or more.")
        dossiers = filings = 0
        verb = "Would anonymize" if dry_run else "Anonymized"
        for application, count in retention.anonymize_due(older_than_days=older_than_days, dry_run=dry_run):
            dossiers += 1
            filings += count
            self.stdout.write(f"{verb} {application.reference} ({count} filing{'s' if count != 1 else ''})")
        self.stdout.write(self.style.SUCCESS(f"{verb} {dossiers} dossiers, {filings} filings."))
