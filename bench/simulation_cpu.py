"""CPU time of one `simulate_year` run: this process (time.process_time) plus its PostgreSQL backend's share
(utime + stime of the backend process, from /proc: the server must run on this machine), with the wall time and
the load average around it. Runs the code of the current directory, so one script measures two checkouts:

    cd /work/main && DATABASE_URL=postgres://postgres@127.0.0.1:5432/clearance_x \\
        .venv/bin/python /path/to/bench/simulation_cpu.py --apps 150 --days 365 --seed 7

Arguments go to `simulate_year` as they are (`--no-progress --no-report` are added). Prints one line of JSON.
"""

import json
import os
import sys
import time

sys.path.insert(0, os.getcwd())  # the checkout being measured, not the one this script lives in
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def backend_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def main() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    load_before = os.getloadavg()[0]
    wall, cpu, server = time.perf_counter(), time.process_time(), backend_seconds(pid)
    call_command("simulate_year", *sys.argv[1:], "--no-progress", "--no-report")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    server = backend_seconds(pid) - server
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        if cursor.fetchone()[0] != pid:
            raise SystemExit("The run reconnected: its backend's CPU time was not measured.")
    print(
        json.dumps(
            {
                "checkout": os.getcwd(),
                "args": sys.argv[1:],
                "wall_s": round(wall, 1),
                "process_cpu_s": round(cpu, 1),
                "backend_cpu_s": round(server, 1),
                "total_cpu_s": round(cpu + server, 1),
                "load_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            }
        )
    )


if __name__ == "__main__":
    main()
