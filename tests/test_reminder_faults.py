"""Reminders under faults, against real services: a private PostgreSQL cluster and a private
Redis that the tests start (and restart) for themselves, a real Celery worker process (killed
with SIGKILL in two cases), and an SMTP sink that answers 451 or 554, is down, or stalls after
DATA. Each case asserts, per reminder email, what the sink received: none lost, none sent twice
under a new Message-ID. The table of the last run is printed (``-s``) and kept in the report.

The scenario of every case: five compliance gaps (one immediate email each to the practice's
admin) and a digest of two rows to a manager: six emails, seven rows. The sweep runs in this
process (its due-item providers replaced by ``FakeProvider``); delivery runs in the worker."""

import os
import re
import shutil
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import close_old_connections, connection, connections
from django.utils import timezone

from oversight import due
from oversight.due import DueKind
from reminders import emails, services
from reminders.choices import ReminderStatus
from reminders.models import Reminder

from .conftest import REQUIRE_SERVICES
from .factories import VendorFactory
from .faults import PrivatePostgres, PrivateRedis, Sink, Worker, missing_binaries, tally, wait_until
from .reminders_factories import FakeProvider, ReminderFactory, make_item

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

TABLE: list[tuple] = []


@pytest.fixture(scope="module")
def services_env(django_db_setup, django_db_blocker, tmp_path_factory):
    """Private PostgreSQL (the suite's schema) and Redis; this process's default database
    points at the private cluster for the module, and back afterwards."""
    missing = missing_binaries()
    if missing or connection.vendor != "postgresql":
        reason = f"fault tests need PostgreSQL and {missing or 'redis-server'}"
        if REQUIRE_SERVICES:
            pytest.fail(reason)
        pytest.skip(reason)
    root = Path(tmp_path_factory.mktemp("faults"))
    # Outside pytest's private temporary folder: initdb runs as postgres when we are root.
    pg_root = Path(tempfile.mkdtemp(prefix="oversight-faults-pg-"))
    pg_root.chmod(0o755)
    pg = redis = None
    saved = dict(connection.settings_dict)
    try:
        pg = PrivatePostgres(pg_root)
        redis = PrivateRedis(root)
        pg.load_schema_of(saved)
        with django_db_blocker.unblock():
            connections.close_all()
            connection.settings_dict.update(
                HOST="127.0.0.1", PORT=str(pg.port), NAME="oversight", USER="postgres", PASSWORD=""
            )
        yield pg, redis, root
    finally:
        with django_db_blocker.unblock():
            connections.close_all()
            connection.settings_dict.clear()
            connection.settings_dict.update(saved)
        for service in (redis, pg):
            if service is not None:
                service.close()
        shutil.rmtree(pg_root, ignore_errors=True)
        if TABLE:
            print("\ncase | expected | received | dup by Message-ID | dup by rcpt+subject | lost")
            for row in TABLE:
                print(" | ".join(str(c) for c in row))


@pytest.fixture(scope="module")
def sink_port():
    from .reminders_factories import free_port

    return free_port()


@pytest.fixture(scope="module")
def worker(services_env, sink_port):
    pg, redis, root = services_env
    env = {
        **os.environ,
        "DATABASE_URL": pg.url,
        "CELERY_BROKER_URL": redis.url,
        "CELERY_RESULT_BACKEND": "",
        "REDIS_URL": redis.url.replace("/0", "/1"),
        "EMAIL_URL": f"smtp://127.0.0.1:{sink_port}",
        "EMAIL_TIMEOUT": "20",
        "REMINDER_BACKOFF_SECONDS": "1",
        "VAR_DIR": str(root / "var"),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    process = Worker(root, env)
    process.start()
    yield process
    process.stop()


@pytest.fixture
def broker(services_env, worker):
    """This process enqueues on the private Redis (as the web process and beat do)."""
    from oversight.celery import app

    _pg, redis, _root = services_env
    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=redis.url, task_always_eager=False)
    app._after_fork()
    app.control.purge()
    worker.ensure()
    yield app
    app.control.purge()
    app.conf.update(**saved)
    app._after_fork()


@pytest.fixture
def sink(sink_port):
    server = Sink(port=sink_port)
    yield server
    server.release()
    server.stop()


@pytest.fixture
def scenario(cast, monkeypatch):
    """Five gaps for the admin (immediate) and a digest of two rows for the manager; returns
    the expected Message-ID of each email -> its recipient."""
    today = timezone.localdate()
    vendors = [VendorFactory(organization=cast.practice) for _ in range(5)]
    items = [
        make_item(
            org_id=cast.practice.id,
            vendor_id=v.id,
            vendor_name=v.name,
            key=f"gap:{v.id}",
            kind=DueKind.COMPLIANCE_GAP,
            due_date=today,
        )
        for v in vendors
    ]
    digest_rows = [
        ReminderFactory(
            recipient=cast.bob,
            immediate=False,
            due_date=today + timedelta(days=200),  # recorded earlier; nothing new is due for it
            vendor_name=f"Digest Vendor {i}",
            send_after=timezone.now() - timedelta(minutes=1),
        )
        for i in range(2)
    ]
    items += [
        make_item(
            org_id=cast.practice.id, key=r.key, due_date=r.due_date, vendor_name=r.vendor_name
        )
        for r in digest_rows
    ]
    monkeypatch.setattr(due, "_providers", [FakeProvider(items=items)])
    return digest_rows


def sweep(now=None):
    """What beat runs every 15 minutes (here: in this process, on the private database)."""
    close_old_connections()
    return services.run_sweep(now=now)


def expected_emails(digest_rows) -> dict[str, str]:
    immediate = Reminder.objects.filter(immediate=True).select_related("recipient__user")
    expected = {emails.message_id([r], digest=False): r.recipient_email for r in immediate}
    expected[emails.message_id(digest_rows, digest=True)] = digest_rows[0].recipient_email
    return expected


def settled(sink, count: int, failed: int = 0):
    def done():
        close_old_connections()
        statuses = list(Reminder.objects.values_list("status", flat=True))
        return (
            len(statuses) == 7
            and statuses.count(ReminderStatus.SENT) == 7 - failed
            and len(sink.received) >= count
        )

    return done


def record(case, digest_rows, sink, *, failed_ids=()):
    time.sleep(0.5)  # anything sent twice would arrive now
    expected = expected_emails(digest_rows)
    for mid in failed_ids:
        expected.pop(mid)
    result = tally(expected, sink.received)
    TABLE.append(
        (
            case,
            result["expected"],
            result["received"],
            result["dup_message_id"],
            result["dup_recipient_subject"],
            result["lost"],
        )
    )
    return result


def assert_exactly_once_by_message_id(result):
    assert result["lost"] == 0, result
    assert result["dup_message_id"] == 0, result
    assert set(result["per_message"].values()) == {1}, result


# --- the cases ----------------------------------------------------------------------------


def test_smtp_451_then_recovery(broker, sink, scenario):
    sink.replies = ["451 4.3.0 Mailbox busy, try later"] * 3
    sink.start()
    sweep()
    wait_until(settled(sink, 6), 60, 0.3, "every reminder sent")
    result = record("SMTP 451 x3, then accepted", scenario, sink)
    assert_exactly_once_by_message_id(result)
    assert result["received"] == 6 and result["dup_recipient_subject"] == 0
    retried = Reminder.objects.filter(attempts__gt=1)
    assert retried.count() >= 3 and all(r.status == ReminderStatus.SENT for r in retried)


def test_smtp_554_fails_that_reminder_visibly_and_sends_the_rest(broker, sink, scenario):
    sink.start()
    # The 554 is for one given message: record the rows first to know its Message-ID.
    sweep_result = services.sweep()  # records the rows, sends nothing yet
    first_gap = Reminder.objects.filter(immediate=True).order_by("id").first()
    refused = emails.message_id([first_gap], digest=False)
    sink.refuse[refused] = "554 5.7.1 Message rejected"
    assert sweep_result.ready_immediate
    sweep()
    wait_until(settled(sink, 5, failed=1), 60, 0.3, "every reminder settled")
    first_gap.refresh_from_db()
    assert first_gap.status == ReminderStatus.FAILED and "554" in first_gap.last_error
    result = record("SMTP 554 for one message", scenario, sink, failed_ids=[refused])
    assert_exactly_once_by_message_id(result)
    assert result["received"] == 5  # the refused one is failed and shown, not lost


def test_connection_refused_then_the_server_is_up(broker, sink, scenario):
    sweep()  # nothing listens on the port: connection refused, retried after 1, 2, 4 s
    wait_until(
        lambda: close_old_connections() or Reminder.objects.filter(attempts__gte=1).count() >= 6,
        60,
        0.3,
        "the first refused attempts",
    )
    sink.start()
    wait_until(settled(sink, 6), 90, 0.3, "every reminder sent")
    result = record("connection refused, then up", scenario, sink)
    assert_exactly_once_by_message_id(result)
    assert result["dup_recipient_subject"] == 0


def test_two_sweeps_at_once(broker, sink, scenario):
    sink.start()
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait()
            services.run_sweep()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    wait_until(settled(sink, 6), 60, 0.3, "every reminder sent")
    result = record("two sweeps at once", scenario, sink)
    assert_exactly_once_by_message_id(result)
    assert result["received"] == 6 and result["dup_recipient_subject"] == 0


def test_redis_restarted_during_delivery(broker, sink, scenario, services_env, worker):
    _pg, redis, _root = services_env
    sink.hold_next = True
    sink.start()
    sweep()
    assert sink.held.wait(60), "no delivery reached the mail server"
    redis.restart()  # queued tasks are gone (no persistence)
    sink.release()
    time.sleep(2)
    # The worker reconnects; or kombu's Redis transport ends it with "Unrecoverable error"
    # (seen in about one run in three), and the process supervisor starts it again.
    exited = not worker.running()
    worker.ensure()
    sweep()  # the next beat re-enqueues every ready pending row
    try:
        wait_until(settled(sink, 6), 30, 0.3, "every reminder sent")
        stuck = []
    except AssertionError:
        # A delivery in flight when the worker exited stays `sending`: the lease puts it back.
        close_old_connections()
        stuck = list(Reminder.objects.filter(status=ReminderStatus.SENDING))
        assert stuck, "nothing sent, nothing in flight"
        sweep(now=timezone.now() + services.LEASE + timedelta(minutes=1))
        wait_until(settled(sink, 6), 60, 0.3, "every reminder sent")
    case = "Redis restarted mid-delivery" + (" (worker exited, restarted)" if exited else "")
    result = record(case, scenario, sink)
    assert result["lost"] == 0 and result["dup_message_id"] == 0, result
    assert result["dup_recipient_subject"] <= len(stuck), result
    if not stuck:
        assert_exactly_once_by_message_id(result)


def test_postgres_restarted_while_a_message_is_at_the_mail_server(
    broker, sink, scenario, services_env, worker
):
    pg, _redis, _root = services_env
    sink.hold_next = True
    sink.start()
    sweep()
    assert sink.held.wait(60), "no delivery reached the mail server"
    connections.close_all()
    pg.stop()  # the worker's connection is cut while its message is being accepted
    sink.release()  # "250": the worker now has to mark the row sent, and the database is down
    time.sleep(2)
    pg.start()
    sweep()  # tasks that failed to claim while the database was down are enqueued again
    wait_until(settled(sink, 6), 90, 0.3, "every reminder sent")
    result = record("PostgreSQL restarted mid-delivery", scenario, sink)
    assert_exactly_once_by_message_id(result)
    assert result["dup_recipient_subject"] == 0  # the mark survived the restart: no resend
    log = worker.log.read_text(errors="replace")
    assert re.search(r"marking rows .* sent failed \(\w+Error\); reconnecting in", log), log


@pytest.mark.parametrize("what", ["worker", "pool child"])
def test_worker_killed_while_the_mail_server_stalls_after_data(
    broker, sink, scenario, worker, what
):
    sink.hold_next = True
    sink.start()
    sweep()
    assert sink.held.wait(60), "no delivery reached the mail server"
    if what == "worker":
        worker.kill()
    else:
        for pid in worker.children():
            os.kill(pid, 9)
    sink.release()
    worker.ensure()
    time.sleep(1)
    close_old_connections()
    # Rows whose message the server has (it answered, or was about to) but the worker died
    # before marking them: the row cannot know.
    stuck = list(Reminder.objects.filter(status=ReminderStatus.SENDING))
    assert stuck
    stuck_ids = {emails.message_id([r], digest=False) if r.immediate else "digest" for r in stuck}
    sweep()  # other rows: their tasks died with the worker
    # After the 15-minute lease the sweep puts the rows back and they are sent again.
    sweep(now=timezone.now() + services.LEASE + timedelta(minutes=1))
    wait_until(settled(sink, 6 + 1), 90, 0.3, "every reminder sent")
    result = record(f"{what} SIGKILLed, SMTP stalled after DATA", scenario, sink)
    # What SMTP forces: a message accepted (or being accepted) when the worker died is sent
    # again after the lease, with the same Message-ID, which a server or mail program that
    # deduplicates drops. Nothing is lost, nothing is re-sent under a new Message-ID.
    assert result["lost"] == 0 and result["dup_message_id"] == 0, result
    twice = {mid for mid, n in result["per_message"].items() if n == 2}
    assert set(result["per_message"].values()) <= {1, 2}, result
    digest_id = emails.message_id(scenario, digest=True)
    assert twice and {("digest" if m == digest_id else m) for m in twice} <= stuck_ids, result
    assert result["dup_recipient_subject"] == len(twice)
