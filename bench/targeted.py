"""Small, targeted measurements for a busy machine (issue 22), on a benchmark database that already holds data:

    BENCH_DATABASE_URL=… .venv/bin/python bench/targeted.py list [ROUNDS] [SECONDS]
        benchmark 2 (list vs floor vs naive peer, CPU per request) on the filings already there
    BENCH_DATABASE_URL=… .venv/bin/python bench/targeted.py apply CHECKOUT [FILINGS]
        `engine.apply` on the next FILINGS submitted filings with CHECKOUT's code (run it for two checkouts in
        turn to compare them under the same load); prints transitions/s and CPU per transition, of this process
        and of its PostgreSQL backend

Fill the database first with `manage.py bench_generate --filings 20000` (list) or `generate_bulk` (apply: e.g.
`bench.generate.generate_bulk(6000, due=0)`, which leaves 3,000 submitted filings).
"""

import os
import sys
import time
from pathlib import Path

from backend_cpu import backend_cpu_seconds  # a sibling module: this script's own directory is on sys.path

ROOT = Path(__file__).resolve().parent.parent


def measure_list(rounds: int, seconds: float) -> None:
    sys.path.insert(0, str(ROOT))
    from bench import run

    run.setup_django(os.environ["BENCH_DATABASE_URL"])
    from exemptions.models import Filing

    sizes = run.Sizes(large=Filing.objects.count(), rounds=rounds, http_seconds=seconds)
    run.framework_floor(run.Report(command="bench/targeted.py list"), sizes)


def measure_apply(checkout: str, filings: int) -> None:
    sys.path.insert(0, checkout)
    os.chdir(checkout)
    os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    from django.db import connection

    from bench import run

    with connection.cursor() as cursor:  # the one connection the transitions then run on
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    cpu, server = time.process_time(), backend_cpu_seconds(backend)
    rate = run.apply_rates(filings, 1)[0]
    transitions = filings * len(run.APPLY_CYCLE)
    per_transition = (time.process_time() - cpu) * 1000 / transitions
    per_server = (backend_cpu_seconds(backend) - server) * 1000 / transitions
    print(
        f"{checkout}: {rate:.0f} transitions/s, CPU per transition: client {per_transition:.2f} ms (with the notice "
        f"publisher's thread), its PostgreSQL backend {per_server:.2f} ms; load {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    what, *rest = sys.argv[1:]
    if what == "list":
        measure_list(int(rest[0]) if rest else 7, float(rest[1]) if len(rest) > 1 else 2.0)
    else:
        measure_apply(rest[0], int(rest[1]) if len(rest) > 1 else 150)
