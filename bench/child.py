"""One measured operation in a process of its own, so that its peak memory is its own:

    python -m bench.child sweep NOW_ISO ORG_IDS
    python -m bench.child binder ORG_ID USER_ID

Prints one JSON line. Run by ``bench.harness`` with the bench database in the environment."""

from __future__ import annotations

import json
import resource
import sys
import time


def _reset_peak() -> None:
    """Start the peak-memory count afresh: a process started from a big parent can inherit
    its peak (``ru_maxrss`` read the parent's 186 MB before the sweep began). Linux only."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        pass


def _rss_mb() -> float:
    """Peak resident memory of this process in MB (VmHWM, else ``ru_maxrss``)."""
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def sweep(now_iso: str, ids: str) -> dict:
    from datetime import datetime

    from oversight.celery import load_url_patterns
    from reminders.services import sweep as record

    now = datetime.fromisoformat(now_iso)
    org_ids = [int(i) for i in ids.split(",") if i]
    load_url_patterns()  # as the Celery worker that runs the sweep did when it started
    base = _rss_mb()
    started = time.perf_counter()
    first = record(now=now, organization_ids=org_ids)
    seconds = time.perf_counter() - started
    peak = _rss_mb()
    started = time.perf_counter()
    again = record(now=now, organization_ids=org_ids)
    repeat = time.perf_counter() - started
    return {
        "created": first.created,
        "seconds": seconds,
        "peak_mb": peak,
        "base_mb": base,
        "repeat_seconds": repeat,
        "repeat_created": again.created,
    }


def binder(org_id: str, user_id: str) -> dict:
    from datetime import timedelta

    from pypdf import PdfReader

    from binder.choices import BinderStatus
    from binder.models import BinderExport
    from binder.tasks import generate_binder
    from oversight.models import Organization

    practice = Organization.objects.get(pk=int(org_id))
    today = practice.today()
    export = BinderExport.objects.create(
        organization=practice,
        requested_by_id=int(user_id),
        as_of=today,
        period_start=today - timedelta(days=365),
        status=BinderStatus.QUEUED,
    )
    base = _rss_mb()
    started = time.perf_counter()
    generate_binder(export.pk)
    seconds = time.perf_counter() - started
    export.refresh_from_db()
    pages = 0
    size = 0
    if export.status == BinderStatus.DONE:
        with export.pdf.open("rb") as handle:
            pages = len(PdfReader(handle).pages)
        size = export.pdf.size
    return {
        "seconds": seconds,
        "peak_mb": _rss_mb(),
        "base_mb": base,
        "pages": pages,
        "pdf_bytes": size,
        "status": export.status,
    }


def main() -> None:
    _reset_peak()
    import django

    django.setup()
    kind, *args = sys.argv[1:]
    result = {"sweep": sweep, "binder": binder}[kind](*args)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
