"""The body of scripts/fuzz-api (see there). Prints progress; the server's log is shown when a check fails."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import requests
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
SCHEMATHESIS = str(ROOT / ".venv" / "bin" / "schemathesis")
CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance,status_code_conformance"
# Who the fuzzer calls as: nobody (no credentials: what anyone on the internet can send), and two demo logins
# of DESIGN.md section 6 (password "demo").
ANONYMOUS = "anonymous"
PERSONAS = [ANONYMOUS, "applicant", "reviewer-un"]

CONFIG = """
# Real references, so that fuzzed requests reach the code behind the 404 of an unknown case.
[[operations]]
include-path-regex = "^/api/v1/filings/"
parameters = {{ reference = "{filing}", document_id = {document} }}

[[operations]]
include-path-regex = "^/api/v1/applications/"
parameters = {{ reference = "{application}" }}
"""


STARTED = time.monotonic()


def say(message):
    print(f"==> [{time.monotonic() - STARTED:5.0f} s] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def recreate_database(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def manage(*args, env):
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603 - our own commands


def wait_for(url: str, server: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("The app server exited before it answered.")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"The app server did not answer {url} within {seconds} s.")


def token(base: str, username: str) -> str:
    response = requests.post(f"{base}/api/v1/auth/token/", json={"username": username, "password": "demo"}, timeout=10)
    response.raise_for_status()
    return response.json()["token"]


def targets(base: str, applicant_token: str) -> dict:
    """A UN1718 filing in review (seen by both personas), its dossier and one of its documents."""
    headers = {"Authorization": f"Token {applicant_token}"}
    filings = requests.get(
        f"{base}/api/v1/filings/", params={"authority": "UN1718", "status": "in_review"}, headers=headers, timeout=10
    ).json()["results"]
    filing = filings[0]
    url = f"{base}/api/v1/filings/{filing['reference']}/documents/"
    upload = requests.post(url, headers=headers, files={"file": ("plan.pdf", b"%PDF-1.4 plan")}, timeout=10)
    upload.raise_for_status()
    return {"filing": filing["reference"], "application": filing["application"], "document": upload.json()["id"]}


def main() -> int:
    examples = os.environ.get("FUZZ_EXAMPLES", "15")
    base_db = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/clearance")
    workdir = Path(tempfile.mkdtemp(prefix="fuzz-api-"))
    env = {
        **os.environ,
        "DATABASE_URL": os.environ.get("FUZZ_DATABASE_URL", f"{base_db}_fuzz"),
        "DEBUG": "true",  # seed_demo runs only in development settings
        "PRIVATE_MEDIA_ROOT": str(workdir / "media"),
        "API_THROTTLE_ANON": "1000000/minute",
        "API_THROTTLE_USER": "1000000/minute",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",  # tracebacks of server errors still reach the log
    }
    say(f"Fresh database {urlsplit(env['DATABASE_URL']).path.lstrip('/')} with demo data")
    recreate_database(env["DATABASE_URL"])
    manage("migrate", "--verbosity=0", env=env)
    manage("seed_demo", env=env)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = workdir / "server.log"
    say(f"Starting the app on {base} (log: {log_path})")
    with open(log_path, "w") as log:
        server = subprocess.Popen(  # noqa: S603 - our own command
            [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    failed = []
    try:
        wait_for(f"{base}/healthz", server)
        tokens = {persona: token(base, persona) for persona in PERSONAS if persona != ANONYMOUS}
        config = workdir / "schemathesis.toml"
        config.write_text(CONFIG.format(**targets(base, tokens["applicant"])))
        # All personas at once: the run stays within a few minutes.
        runs = {}
        for persona in PERSONAS:
            say(f"schemathesis as {persona}: {examples} examples per operation, checks {CHECKS}")
            output = open(workdir / f"schemathesis-{persona}.log", "w")  # noqa: SIM115 - closed below
            command = [
                SCHEMATHESIS,
                "--config-file",
                str(config),
                "run",
                f"{base}/api/schema/",
                *(["--header", f"Authorization: Token {tokens[persona]}"] if persona in tokens else []),
                # Revoking the token the run signs in with would leave every later call a 401.
                "--exclude-operation-id",
                "auth_token_destroy",
                "--checks",
                CHECKS,
                "--max-examples",
                examples,
                "--phases",
                os.environ.get("FUZZ_PHASES", "examples,fuzzing"),
                "--seed",
                os.environ.get("FUZZ_SEED", "1"),
                "--workers",
                "1",  # generation is CPU-bound: threads would not speed it up
                "--no-color",
            ]
            process = subprocess.Popen(command, cwd=workdir, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603
            runs[persona] = (process, output)
        for persona, (process, output) in runs.items():
            process.wait()
            output.close()
            say(f"schemathesis as {persona}: exit {process.returncode}")
            print((workdir / f"schemathesis-{persona}.log").read_text(), flush=True)
            if process.returncode != 0:
                failed.append(persona)
    finally:
        server.terminate()
        server.wait(timeout=10)
    if failed:
        print(log_path.read_text()[-20000:], file=sys.stderr)
        say(f"FAILED for {', '.join(failed)} after {time.monotonic() - STARTED:.0f} s (server log above)")
        return 1
    shutil.rmtree(workdir, ignore_errors=True)
    say(f"API fuzzing passed in {time.monotonic() - STARTED:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
