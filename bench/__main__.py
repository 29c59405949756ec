"""The benchmark harness: ``python -m bench`` (``make bench``).

Builds scale data on a PostgreSQL database of its own (``BENCH_DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/oversight_bench``, dropped and re-created), runs ANALYZE,
then measures, each figure beside its floor in the same run and interleaved with it:

- pages: every page (test client, full middleware, signed in) against a minimal authenticated
  view that renders the base template; median of ``--repeat`` runs after a warm-up; queries;
- the reminder sweep: time and peak memory (in a child process) against one
  ``INSERT ... SELECT`` writing the same rows; a repeat sweep at the same moment;
- the audit binder: time and peak memory (child process);
- HTTP: gunicorn with 2 workers, ``wrk`` with 20 connections, requests/s and errors;
- import: a 5,000-row CSV preview and apply, time and peak Python memory.

Writes ``bench/results/latest.json`` (flat keys such as ``pages.vendor_list.ratio``) and
``docs/benchmarks.md``. Default sizes finish in about 10 minutes on 2 cores; options choose
larger ones (``--large 20000 --sweep-practices 500``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/oversight_bench"


def _parse(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--vendors", type=int, default=2000, help="vendors in the page practice")
    parser.add_argument(
        "--large", type=int, default=20000, help="a second, larger practice (0: skip)"
    )
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per page")
    parser.add_argument("--sweep-practices", type=int, default=100)
    parser.add_argument("--sweep-vendors", type=int, default=200, help="vendors per practice")
    parser.add_argument("--binder-vendors", type=int, default=200)
    parser.add_argument("--http-seconds", type=int, default=30)
    parser.add_argument("--import-rows", type=int, default=5000)
    parser.add_argument(
        "--only",
        default="pages,sweep,binder,http,import",
        help="comma-separated parts to run",
    )
    parser.add_argument(
        "--pages",
        default="",
        help="comma-separated page names to time (default: every page), e.g. vendor_list,activity",
    )
    parser.add_argument(
        "--keep-db",
        action="store_true",
        help="reuse the bench database and the practices an earlier run built in it",
    )
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "latest.json"))
    parser.add_argument("--doc", default=str(ROOT / "docs" / "benchmarks.md"))
    return parser.parse_args(argv)


def _environment(db_url: str) -> None:
    os.environ.update(
        DATABASE_URL=db_url,
        DEBUG="false",
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench-secret-key-not-for-production-0123456789"),
        SECURE_HTTPS="false",
        STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
        EMAIL_URL="dummymail://",
        VAR_DIR=os.environ.get("BENCH_VAR_DIR", "/tmp/oversight-bench"),
        DJANGO_SETTINGS_MODULE="oversight.settings",
    )
    for key in ("CELERY_BROKER_URL", "REDIS_URL"):
        os.environ.pop(key, None)


def _recreate_database(db_url: str) -> None:
    import urllib.parse

    import psycopg

    url = urllib.parse.urlparse(db_url)
    name = url.path.lstrip("/")
    with psycopg.connect(
        host=url.hostname,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def main(argv=None) -> int:
    args = _parse(sys.argv[1:] if argv is None else argv)
    db_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    _environment(db_url)
    if not args.keep_db:
        _recreate_database(db_url)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from . import harness

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    results = harness.run(args)
    results["meta.total_seconds"] = round(time.perf_counter() - started, 1)
    harness.write(results, out=Path(args.out), doc=Path(args.doc))
    print(f"wrote {args.out} and {args.doc} in {results['meta.total_seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
