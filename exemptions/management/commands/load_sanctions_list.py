from pathlib import Path

from celery import current_app
from django.core.management.base import BaseCommand, CommandError

from exemptions.screening import formats, rescreening, store

RESCREEN_TASK = "exemptions.tasks.rescreen"


class Command(BaseCommand):
    help = (
        "Load a sanctions list from its published file: "
        + "; ".join(f"{key} = {label}" for key, (label, _) in formats.SOURCES.items())
        + ". An unchanged file changes nothing; a changed one becomes a new version, and open and approved "
        "filings are rescreened against its new and changed entries (a Celery task)."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", choices=sorted(formats.SOURCES))
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--file", help="A list file on disk")
        where.add_argument("--url", help="The publisher's https:// URL (production; tests and CI load files)")
        parser.add_argument("--no-rescreen", action="store_true", help="Load only; rescreen nothing")

    def handle(self, *args, source, file=None, url=None, no_rescreen=False, **options):
        try:
            data = Path(file).read_bytes() if file else store.fetch(url)
            loaded = store.load(source, data, origin=file or url)
        except OSError as error:
            raise CommandError(f"Could not read the list: {error}") from error
        except formats.FormatError as error:
            raise CommandError(f"Not a {formats.SOURCES[source][0]} file: {error}") from error
        self.stdout.write(str(loaded))
        if loaded.created and not no_rescreen:
            try:
                current_app.tasks[RESCREEN_TASK].delay(loaded.version.pk)
                self.stdout.write("Rescreening of open and approved filings queued.")
            except Exception:  # no broker: rescreen here, so no change goes unscreened
                report = dict(rescreening.rescreen(loaded.version.pk))
                self.stdout.write(f"Queue unreachable; rescreened here: {report}")
