import time

from django.core.management.base import BaseCommand

from exemptions import notifications


class Command(BaseCommand):
    help = (
        "Run the reminder sweep now (the same one Celery beat runs): send due deadline reminders and "
        "escalations, run clock-driven transitions (expiry, end of no-objection periods), send event notices "
        "not yet sent, daily digests, and retry failed emails. Safe to run at any time: nothing is claimed twice."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        verbosity = options["verbosity"]

        def progress(report):
            done = sum(report.outcomes.values())
            if verbosity >= 1 and done % 50 == 0:
                self.stdout.write(f"  … {done} emails handled ({report.sent} sent, {report.failed} failed)")

        report = notifications.sweep(on_progress=progress)
        elapsed = time.monotonic() - started
        style = self.style.WARNING if report.failed else self.style.SUCCESS
        self.stdout.write(style(f"Sweep done in {elapsed:.2f}s: {report}"))
