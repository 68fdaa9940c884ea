import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from exemptions.simulation import report as simulation_report
from exemptions.simulation.invariants import Violation
from exemptions.simulation.runner import SWEEP_EVERY_HOURS, Simulation
from exemptions.simulation.scenarios import SCENARIOS


class Command(BaseCommand):
    help = (
        "Simulate a year of cases through every authority at simulated times, with the sweep running as beat "
        "would, checking the invariants every simulated day; exits non-zero on the first violation. Adds a fresh "
        "population to the configured database: never run it on one you care about."
    )

    def add_arguments(self, parser):
        parser.add_argument("--apps", type=int, default=1000, help="Applications arriving (default 1000).")
        parser.add_argument("--days", type=int, default=365, help="Days over which they arrive (default 365).")
        parser.add_argument("--drain", type=int, default=0, help="Days simulated after the last arrival (default 0).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed, for a repeatable run (default 1).")
        parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="2019", help="Timings (default 2019).")
        parser.add_argument(
            "--sweep-every",
            type=int,
            default=SWEEP_EVERY_HOURS,
            help=f"Hours between daytime sweeps, 1-24 (default {SWEEP_EVERY_HOURS}); each authority's local "
            "midnight gets its own while anything of that zone's authorities is time-driven.",
        )
        parser.add_argument("--report", default=str(Path(settings.BASE_DIR) / "bench" / "SIMULATION.md"))
        parser.add_argument("--no-report", action="store_true", help="Write no report.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, apps, days, drain, seed, scenario, sweep_every, report, no_report, no_progress, **options):
        if apps < 1 or days < 1 or drain < 0 or not 1 <= sweep_every <= 24:
            raise CommandError("--apps and --days must be at least 1, --drain at least 0, --sweep-every 1 to 24.")
        simulation = Simulation(
            apps=apps,
            days=days,
            drain=drain,
            seed=seed,
            scenario=scenario,
            progress=not no_progress,
            sweep_every=sweep_every,
        )
        try:
            outcome = simulation.run()
        except KeyboardInterrupt:
            # Stopped by hand (Ctrl-C, kill -INT): what the days simulated so far measured is still worth a report.
            outcome = simulation.outcome
            if not no_report:
                note = f"Interrupted by hand after {outcome.days} of {days + drain} simulated days."
                simulation_report.write(
                    outcome, Path(report), "manage.py simulate_year " + " ".join(sys.argv[2:]), note
                )
            raise CommandError(f"Interrupted after {outcome.days} simulated days ({outcome.seconds:.0f} s).") from None
        except Violation as violation:
            day = simulation.outcome.days + 1
            raise CommandError(
                f"Invariant broken on simulated day {day}: {violation.invariant} — filing {violation.reference}: "
                f"{violation.detail}"
            ) from None
        if not no_report:
            report_path = Path(report)
            simulation_report.write(outcome, report_path, "manage.py simulate_year " + " ".join(sys.argv[2:]))
        checks = sum(outcome.checker.checks.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"{outcome.apps} applications, {outcome.filings} filings, {outcome.days} days, {outcome.sweeps} sweeps, "
                f"{checks} invariant checks passed in {outcome.seconds:.1f} s."
            )
        )
