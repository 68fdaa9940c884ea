from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from bench import generate


class Command(BaseCommand):
    help = (
        "Fill a benchmark database: N realistic filings in every state of every workflow (default), or with "
        "--bulk N filings by INSERT … SELECT of which exactly --due are due. Never on a database you care about."
    )

    def add_arguments(self, parser):
        parser.add_argument("--filings", type=int, default=100_000, help="How many filings to add (default 100000).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed, for repeatable data (default 1).")
        parser.add_argument("--chunk", type=int, default=5000, help="Filings written per transaction (default 5000).")
        parser.add_argument("--bulk", action="store_true", help="Use the bulk SQL path (sweep benchmark data).")
        parser.add_argument("--due", type=int, default=0, help="With --bulk: how many filings are due now.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, filings, seed, chunk, bulk, due, no_progress, **options):
        if filings < 1 or chunk < 1 or due < 0 or due > filings:
            raise CommandError("--filings and --chunk must be at least 1, and --due between 0 and --filings.")
        if connection.vendor != "postgresql":
            raise CommandError("The generator writes with PostgreSQL COPY: set DATABASE_URL to a PostgreSQL database.")
        if bulk:
            made = generate.generate_bulk(filings, due=due, chunk=max(chunk, 50_000), progress=not no_progress)
        else:
            made = generate.generate(filings, seed=seed, chunk=chunk, progress=not no_progress)
        self.stdout.write(self.style.SUCCESS(f"Added {made.summary()} in {made.seconds:.1f} s."))
