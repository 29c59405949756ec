"""The measurements of ``python -m bench``; see ``bench/__main__.py`` for what and why."""

from __future__ import annotations

import json
import logging
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import clear_url_caches
from django.utils import timezone

from . import data

ROOT = Path(__file__).resolve().parent.parent

# name -> path; "{vendor}" is the practice's first vendor.
PAGES = {
    "dashboard": "/",
    "vendor_list": "/vendors/",
    "vendor_list_filtered": "/vendors/?tier=critical&tier=high&baa=gap&sort=-tier",
    "vendor_list_searched": "/vendors/?q=Vendor+01",
    "vendor_detail": "/vendors/{vendor}/",
    "agreement_list": "/agreements/",
    "work_queue": "/work-queue/",
    "reminders": "/reminders/",
    "activity": "/activity/",
    "binder_page": "/binder/",
}
FLOOR = "/bench/floor/"

# The goals of the performance issue, checked in the report.
PAGE_RATIO_GOAL = 3.0
GROWTH_GOAL = 1.5
SWEEP_RATIO_GOAL = 3.0
SWEEP_MEMORY_GOAL_MB = 200
SWEEP_REPEAT_GOAL = 0.10
BINDER_SECONDS_GOAL = 30
BINDER_MEMORY_GOAL_MB = 400
HTTP_SHARE_GOAL = 1 / 3


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(args) -> dict:
    logging.getLogger("oversight.request").disabled = True  # one JSON line per request
    settings.ROOT_URLCONF = "bench.urls"
    clear_url_caches()
    parts = set(args.only.split(","))
    results: dict = {
        "meta.date": timezone.now().date().isoformat(),
        "meta.cpus": os.cpu_count(),
        "meta.python": platform.python_version(),
        "meta.database": connection.vendor,
        "meta.repeat": args.repeat,
    }
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        results["meta.postgresql"] = cursor.fetchone()[0]
    practices = {}
    if parts & {"pages", "http"}:
        for size in [args.vendors, args.large]:
            if not size:
                continue
            name = f"Bench pages {size}"
            if args.keep_db and (found := data.existing_practice(name, size)):
                practices[size] = found  # built by an earlier run on this database
                log(f"reusing the practice of {size} vendors")
                continue
            t = time.perf_counter()
            practices[size] = data.build_practice(name, size)
            _reminders_for(practices[size].organization)
            log(f"built a practice of {size} vendors in {time.perf_counter() - t:.0f} s")
        data.analyze()
    if "pages" in parts:
        for size, practice in practices.items():
            results.update(pages(practice, size, args.repeat, only=args.pages))
        timed = [name for name in PAGES if f"pages.{name}.{args.vendors}.ms" in results]
        if args.large and args.vendors in practices and args.large in practices:
            for name in timed:
                small = results[f"pages.{name}.{args.vendors}.ms"]
                large = results[f"pages.{name}.{args.large}.ms"]
                results[f"pages.{name}.growth"] = round(large / small, 2)
        for name in timed:
            results[f"pages.{name}.ratio"] = results[f"pages.{name}.{args.vendors}.ratio"]
    if "http" in parts:
        results.update(http(practices[args.vendors], args.http_seconds))
    if "sweep" in parts:
        results.update(sweep(args.sweep_practices, args.sweep_vendors))
    if "binder" in parts:
        results.update(binder(args.binder_vendors))
    if "import" in parts:
        results.update(importing(args.import_rows))
    return results


# --- pages ------------------------------------------------------------------------------------


def _reminders_for(organization) -> None:
    """What the sweep records for the practice now, a third of it marked sent."""
    from reminders.choices import ReminderStatus
    from reminders.models import Reminder
    from reminders.services import sweep as record

    record(organization_ids=[organization.pk])
    ids = list(Reminder.objects.filter(organization=organization).values_list("pk", flat=True)[::3])
    Reminder.objects.filter(pk__in=ids).update(
        status=ReminderStatus.SENT, sent_at=timezone.now(), attempts=1
    )


def _get(client, path: str) -> tuple[float, int, int]:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    return elapsed, len(queries), len(response.content)


def pages(practice, size: int, repeat: int, only: str = "") -> dict:
    from vendors.models import BusinessAssociate

    client = Client(SERVER_NAME="localhost")
    client.force_login(practice.admin)
    first = BusinessAssociate.objects.filter(organization=practice.organization).order_by("pk")[0]
    out = {}
    for name, pattern in PAGES.items():
        if only and name not in only.split(","):
            continue
        path = pattern.format(vendor=first.pk)
        for _ in range(2):  # warm-up: templates, caches, connections
            _get(client, FLOOR)
            _get(client, path)
        floors, timings = [], []
        for _ in range(repeat):  # interleaved: floor, page, floor, page...
            floors.append(_get(client, FLOOR))
            timings.append(_get(client, path))
        floor_ms = statistics.median(t[0] for t in floors)
        page_ms = statistics.median(t[0] for t in timings)
        key = f"pages.{name}.{size}"
        out[f"{key}.ms"] = round(page_ms, 1)
        out[f"{key}.floor_ms"] = round(floor_ms, 1)
        out[f"{key}.ratio"] = round(page_ms / floor_ms, 2)
        out[f"{key}.queries"] = timings[-1][1]
        out[f"{key}.floor_queries"] = floors[-1][1]
        out[f"{key}.kb"] = round(timings[-1][2] / 1024, 1)
        log(
            f"{size:6d} vendors  {name:22s} {page_ms:8.1f} ms  x{page_ms / floor_ms:5.2f}"
            f"  {timings[-1][1]:3d} queries  {timings[-1][2] / 1024:7.1f} KB"
        )
    return out


# --- HTTP ---------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _session_cookie(user, organization) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from oversight.tenancy import SESSION_KEY as PRACTICE_KEY

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[PRACTICE_KEY] = organization.pk
    store.create()
    return store.session_key


def http(practice, seconds: int) -> dict:
    wrk = shutil.which("wrk")
    if not wrk:
        log("wrk is not installed (apt-get install wrk): HTTP benchmark skipped")
        return {"http.skipped": "wrk not installed"}
    port = _free_port()
    env = dict(os.environ, ALLOWED_HOSTS="127.0.0.1,localhost")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "bench.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    out = {}
    try:
        _wait_for(port)
        cookie = _session_cookie(practice.admin, practice.organization)
        header = f"Cookie: {settings.SESSION_COOKIE_NAME}={cookie}"
        for name, path in (("floor", FLOOR), ("vendor_list", "/vendors/"), ("dashboard", "/")):
            subprocess.run(  # warm the workers
                [wrk, "-t2", "-c4", "-d2s", "-H", header, f"http://127.0.0.1:{port}{path}"],
                capture_output=True,
                check=True,
            )
            run = subprocess.run(
                [
                    wrk,
                    "-t2",
                    "-c20",
                    f"-d{seconds}s",
                    "--timeout",
                    "30s",
                    "-H",
                    header,
                    f"http://127.0.0.1:{port}{path}",
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            rps = float(re.search(r"Requests/sec:\s+([\d.]+)", run.stdout).group(1))
            non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", run.stdout)
            sock = re.search(r"Socket errors: (.*)", run.stdout)
            errors = int(non2xx.group(1)) if non2xx else 0
            if sock:
                errors += sum(int(n) for n in re.findall(r"\d+", sock.group(1)))
            out[f"http.{name}.rps"] = round(rps, 1)
            out[f"http.{name}.errors"] = errors
            log(f"HTTP {name:12s} {rps:7.1f} req/s  {errors} errors")
        for name in ("vendor_list", "dashboard"):
            out[f"http.{name}.share_of_floor"] = round(
                out[f"http.{name}.rps"] / out["http.floor.rps"], 2
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    return out


def _wait_for(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not start")


# --- the reminder sweep -------------------------------------------------------------------------


def _child(*args: str) -> dict:
    """Run ``python -m bench.child ARGS`` (its own process, so its peak memory is its own)."""
    run = subprocess.run(
        [sys.executable, "-m", "bench.child", *args],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
    )
    if run.returncode != 0:
        raise RuntimeError(f"bench.child {args} failed:\n{run.stdout}\n{run.stderr}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def sweep(n_practices: int, per_practice: int) -> dict:
    from oversight.models import Organization
    from reminders.models import Reminder

    t = time.perf_counter()
    built = set(
        Organization.objects.filter(name__startswith="Bench sweep ").values_list("name", flat=True)
    )
    for i in range(n_practices):
        if f"Bench sweep {i:04d}" not in built:  # --keep-db: built by an earlier run
            data.build_practice(
                f"Bench sweep {i:04d}", per_practice, history=False, refresh=False, seed=i
            )
    ids = list(
        Organization.objects.filter(
            name__in=[f"Bench sweep {i:04d}" for i in range(n_practices)]
        ).values_list("pk", flat=True)
    )
    Reminder.objects.filter(organization_id__in=ids).delete()  # the first sweep starts afresh
    data.analyze()
    from baas.models import BusinessAssociateAgreement

    agreements = BusinessAssociateAgreement.objects.filter(organization_id__in=ids).count()
    log(
        f"built {n_practices} practices, {n_practices * per_practice} vendors, {agreements} "
        f"agreements in {time.perf_counter() - t:.0f} s"
    )
    now = timezone.now().replace(microsecond=0)
    child = _child("sweep", now.isoformat(), ",".join(map(str, ids)))
    # The floor: one INSERT ... SELECT writing the very rows the sweep recorded.
    table = Reminder._meta.db_table
    id_list = ",".join(map(str, ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE bench_rows AS SELECT * FROM {table} "
            f"WHERE organization_id IN ({id_list})"
        )
        cursor.execute(f"DELETE FROM {table} WHERE organization_id IN ({id_list})")
        started = time.perf_counter()
        cursor.execute(f"INSERT INTO {table} SELECT * FROM bench_rows")
        floor_seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_rows")
    out = {
        "sweep.practices": n_practices,
        "sweep.vendors": n_practices * per_practice,
        "sweep.agreements": agreements,
        "sweep.rows": child["created"],
        "sweep.seconds": round(child["seconds"], 2),
        "sweep.floor_seconds": round(floor_seconds, 2),
        "sweep.ratio": round(child["seconds"] / floor_seconds, 2) if floor_seconds else None,
        "sweep.peak_mb": round(child["peak_mb"], 1),
        "sweep.base_mb": round(child["base_mb"], 1),
        "sweep.repeat_seconds": round(child["repeat_seconds"], 2),
        "sweep.repeat_rows": child["repeat_created"],
        "sweep.repeat_share": round(child["repeat_seconds"] / child["seconds"], 3),
    }
    log(
        f"sweep: {out['sweep.rows']} rows in {out['sweep.seconds']} s (floor "
        f"{out['sweep.floor_seconds']} s, x{out['sweep.ratio']}), peak {out['sweep.peak_mb']} MB;"
        f" repeat {out['sweep.repeat_seconds']} s, {out['sweep.repeat_rows']} rows"
    )
    return out


# --- the binder ---------------------------------------------------------------------------------


def binder(n: int) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from baas.demo import minimal_pdf
    from baas.models import AgreementDocument, BusinessAssociateAgreement

    practice = data.existing_practice(f"Bench binder {n}", n)  # --keep-db
    if practice is None:
        practice = data.build_practice(f"Bench binder {n}", n)
        pdf = minimal_pdf("Business Associate Agreement")
        for agreement in BusinessAssociateAgreement.objects.filter(
            organization=practice.organization, status="signed"
        ):
            AgreementDocument.from_upload(
                SimpleUploadedFile("baa.pdf", pdf, content_type="application/pdf"),
                organization=practice.organization,
                uploaded_by=practice.admin,
                agreement=agreement,
            ).save()
    data.analyze()
    child = _child("binder", str(practice.organization.pk), str(practice.admin.pk))
    out = {
        "binder.vendors": n,
        "binder.seconds": round(child["seconds"], 1),
        "binder.peak_mb": round(child["peak_mb"], 1),
        "binder.pdf_mb": round(child["pdf_bytes"] / 1e6, 2),
        "binder.pages": child["pages"],
        "binder.status": child["status"],
    }
    log(
        f"binder: {n} vendors in {out['binder.seconds']} s, peak {out['binder.peak_mb']} MB, "
        f"{out['binder.pages']} pages"
    )
    return out


# --- import -------------------------------------------------------------------------------------


def importing(rows: int) -> dict:
    from oversight.tabular import read_table
    from vendors import importing as vendor_import

    practice = data.build_practice(f"Bench import {rows}", 0)
    header = ["name", "category", "status", "access_level", "phi_electronic", "record_count"]
    lines = [",".join(header)]
    for i in range(rows):
        lines.append(f"Imported Vendor {i:05d},billing,prospective,limited,yes,{i * 10}")
    with tempfile.NamedTemporaryFile("w+b", suffix=".csv") as handle:
        handle.write(("\n".join(lines) + "\n").encode())
        handle.flush()
        handle.seek(0)
        from django.core.files.uploadedfile import SimpleUploadedFile

        upload = SimpleUploadedFile("vendors.csv", handle.read(), content_type="text/csv")
    tracemalloc.start()
    started = time.perf_counter()
    raw = read_table(upload)
    preview = vendor_import.preview(practice.organization, raw)
    preview_seconds = time.perf_counter() - started
    applied = vendor_import.apply(
        practice.organization, raw, actor=practice.admin, source="bench.csv"
    )
    total = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    bad = [r for r in getattr(applied, "rows", []) if getattr(r, "errors", None)]
    out = {
        "import.rows": rows,
        "import.preview_seconds": round(preview_seconds, 2),
        "import.seconds": round(total, 2),
        "import.peak_python_mb": round(peak / 1e6, 1),
        "import.errors": len(bad),
    }
    log(
        f"import: {rows} rows previewed in {out['import.preview_seconds']} s, applied in "
        f"{out['import.seconds']} s in all, peak {out['import.peak_python_mb']} MB ({len(bad)} "
        f"rows refused; preview had {len(getattr(preview, 'rows', []))} rows)"
    )
    return out


# --- the report ---------------------------------------------------------------------------------


def _goal(ok: bool | None) -> str:
    return "—" if ok is None else ("met" if ok else "**not met**")


def write(results: dict, *, out: Path, doc: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    r = results
    lines = [
        "# Benchmarks",
        "",
        f"Measured by `make bench` (`python -m bench`) on {r['meta.date']}: {r['meta.cpus']} CPUs,"
        f" Python {r['meta.python']}, PostgreSQL {r.get('meta.postgresql', '?')}, median of "
        f"{r['meta.repeat']} runs after a warm-up, each page interleaved with the floor (a "
        "minimal authenticated view rendering the base template). Raw figures: "
        "`bench/results/latest.json`. Total run: "
        f"{r.get('meta.total_seconds', '?')} s.",
        "",
    ]
    sizes = sorted(
        {int(k.split(".")[2]) for k in r if k.startswith("pages.") and k.count(".") == 3}
    )
    if sizes:
        head = "| page |" + "".join(f" {s:,} vendors: ms | × floor | queries |" for s in sizes)
        lines += [
            "## Pages",
            "",
            f"Goal: within {PAGE_RATIO_GOAL:g}× the floor at {sizes[0]:,} vendors"
            + (f", within {GROWTH_GOAL:g}× of that at {sizes[-1]:,}." if len(sizes) > 1 else "."),
            "",
            head + " growth | goal |",
            "|---|" + "---|---|---|" * len(sizes) + "---|---|",
        ]
        shown = [n for n in PAGES if f"pages.{n}.{sizes[0]}.ms" in r]
        for name in shown:
            cells = ""
            for s in sizes:
                key = f"pages.{name}.{s}"
                cells += f" {r[key + '.ms']} | {r[key + '.ratio']} | {r[key + '.queries']} |"
            growth = r.get(f"pages.{name}.growth")
            ok = r[f"pages.{name}.{sizes[0]}.ratio"] <= PAGE_RATIO_GOAL and (
                growth is None or growth <= GROWTH_GOAL
            )
            lines.append(f"| `{name}` |{cells} {growth or '—'} | {_goal(ok)} |")
        floor = [r[f"pages.{n}.{sizes[0]}.floor_ms"] for n in shown]
        lines += ["", f"Floor: {statistics.median(floor):.1f} ms (median over the page runs).", ""]
        if statistics.median(floor) > 30:
            lines += [
                "The machine was busy (shared, 2 cores; about 14 ms for the floor when idle):"
                " every figure is noisy, compare the × floor columns and the query counts.",
                "",
            ]
    if "http.floor.rps" in r:
        lines += [
            "## HTTP (gunicorn, 2 workers; wrk, 20 connections)",
            "",
            "| URL | requests/s | errors | share of the floor | goal |",
            "|---|---|---|---|---|",
            f"| floor | {r['http.floor.rps']} | {r['http.floor.errors']} | 1 | |",
        ]
        for name in ("vendor_list", "dashboard"):
            share = r[f"http.{name}.share_of_floor"]
            ok = share >= HTTP_SHARE_GOAL and r[f"http.{name}.errors"] == 0
            lines.append(
                f"| `{name}` | {r[f'http.{name}.rps']} | {r[f'http.{name}.errors']} | {share} "
                f"| {_goal(ok)} |"
            )
        lines.append("")
    if "sweep.seconds" in r:
        ok_ratio = r["sweep.ratio"] is not None and r["sweep.ratio"] <= SWEEP_RATIO_GOAL
        ok_repeat = r["sweep.repeat_share"] < SWEEP_REPEAT_GOAL and r["sweep.repeat_rows"] == 0
        lines += [
            "## Reminder sweep",
            "",
            f"{r['sweep.practices']} practices, {r['sweep.vendors']:,} vendors, "
            f"{r['sweep.agreements']:,} agreements; {r['sweep.rows']:,} reminders recorded.",
            "",
            "| figure | value | goal |",
            "|---|---|---|",
            f"| first sweep | {r['sweep.seconds']} s | |",
            "| floor (one `INSERT ... SELECT` of the same rows) | "
            f"{r['sweep.floor_seconds']} s | |",
            f"| × floor | {r['sweep.ratio']} | ≤ {SWEEP_RATIO_GOAL:g}: {_goal(ok_ratio)} |",
            f"| peak memory of the sweep process | {r['sweep.peak_mb']} MB (of which "
            f"{r['sweep.base_mb']} MB before it started) | < {SWEEP_MEMORY_GOAL_MB} MB: "
            f"{_goal(r['sweep.peak_mb'] < SWEEP_MEMORY_GOAL_MB)} |",
            f"| repeat sweep at the same moment | {r['sweep.repeat_seconds']} s, "
            f"{r['sweep.repeat_rows']} rows | < {SWEEP_REPEAT_GOAL:.0%} of the first: "
            f"{_goal(ok_repeat)} |",
            "",
        ]
    if "binder.seconds" in r:
        lines += [
            "## Audit binder",
            "",
            f"{r['binder.vendors']} vendors: {r['binder.seconds']} s (goal < "
            f"{BINDER_SECONDS_GOAL} s: {_goal(r['binder.seconds'] < BINDER_SECONDS_GOAL)}), peak "
            f"{r['binder.peak_mb']} MB (goal < {BINDER_MEMORY_GOAL_MB} MB: "
            f"{_goal(r['binder.peak_mb'] < BINDER_MEMORY_GOAL_MB)}), {r['binder.pages']} pages, "
            f"PDF {r['binder.pdf_mb']} MB.",
            "",
        ]
    if "import.seconds" in r:
        lines += [
            "## Import",
            "",
            f"{r['import.rows']:,}-row CSV: preview {r['import.preview_seconds']} s, preview and "
            f"apply {r['import.seconds']} s, peak Python memory {r['import.peak_python_mb']} MB.",
            "",
        ]
    before_path = out.parent / "before.json"
    if before_path.exists() and before_path != out:
        lines += _comparison(json.loads(before_path.read_text()), r)
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text("\n".join(lines))


def _comparison(before: dict, after: dict) -> list[str]:
    """Before -> after for every figure both runs have (``bench/results/before.json``: the
    figures of the code before the performance work, measured on the same data)."""
    keys = [
        k
        for k in sorted(before)
        if k in after
        and not k.startswith("meta.")
        and k.endswith((".ms", ".ratio", ".queries", ".kb", "seconds", "_mb", ".rps", ".rows"))
        and isinstance(before[k], int | float)
    ]
    if not keys:
        return []
    note = before.get("meta.note", "")
    lines = [
        "## Before and after",
        "",
        "Before: `bench/results/before.json`" + (f" ({note})" if note else "") + ".",
        "",
        "| figure | before | after |",
        "|---|---|---|",
    ]
    lines += [f"| `{k}` | {before[k]} | {after[k]} |" for k in keys]
    return lines + [""]
