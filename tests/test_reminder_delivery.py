"""Delivery is never lost and never doubled: a real local SMTP server that refuses (4xx, down,
5xx), a worker that dies after claiming, two sweeps at once on PostgreSQL, and a real Celery
worker on Redis running the sweep and delivery end to end."""

import threading
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from oversight import due
from oversight.choices import ReminderMode
from oversight.due import DueKind
from reminders import services
from reminders.choices import ReminderStatus
from reminders.models import DeliveryAttempt, Reminder

from .factories import VendorFactory
from .reminders_factories import (
    FakeProvider,
    ReminderFactory,
    ScriptedHandler,
    free_port,
    make_item,
    smtp_server,
)

NY = ZoneInfo("America/New_York")
T0 = datetime(2026, 5, 31, 9, 0, tzinfo=NY)


@pytest.fixture
def smtp(settings):
    """Point Django at a real SMTP server on 127.0.0.1 that the test scripts."""
    servers = []

    def _start(replies=(), port=None):
        handler = ScriptedHandler(replies)
        controller = smtp_server(handler, port=port)
        servers.append(controller)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = controller.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 5
        return handler

    yield _start
    for controller in servers:
        controller.stop()


@pytest.fixture
def reminder(cast):
    with time_machine.travel(T0, tick=False):
        return ReminderFactory(recipient=cast.bob, send_after=timezone.now())


def test_a_451_is_recorded_retried_with_backoff_and_then_delivered_once(smtp, reminder):
    handler = smtp(replies=["451 4.3.0 Mailbox busy, try later"])
    with time_machine.travel(T0, tick=False):
        outcome = services.deliver_reminder(reminder_id=reminder.id)
        assert outcome.retry_in == 60
        # A duplicate task arriving before the back-off is over does nothing.
        assert services.deliver_reminder(reminder_id=reminder.id).sent == 0
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == (ReminderStatus.PENDING, 1)
    assert reminder.last_error.startswith("451")
    with time_machine.travel(T0 + timedelta(seconds=61), tick=False):
        assert services.deliver_reminder(reminder_id=reminder.id).sent == 1
        assert services.deliver_reminder(reminder_id=reminder.id).sent == 0
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.SENT and reminder.last_error == ""
    assert len(handler.delivered) == 1
    assert handler.delivered[0].rcpt_tos == ["bob@a.test"]
    assert b"Practice A" in handler.delivered[0].content
    attempts = list(reminder.deliveries.order_by("at").values_list("ok", "smtp_code"))
    assert attempts == [(False, 451), (True, None)]


def test_a_stopped_smtp_server_is_retried_until_it_is_back(smtp, reminder):
    port = free_port()  # nothing listens here yet: connection refused
    from django.conf import settings as dj

    smtp()  # configure SMTP settings, then point them at the dead port
    dj.EMAIL_PORT = port
    with time_machine.travel(T0, tick=False):
        assert services.deliver_reminder(reminder_id=reminder.id).retry_in == 60
    with time_machine.travel(T0 + timedelta(minutes=2), tick=False):
        assert services.deliver_reminder(reminder_id=reminder.id).retry_in == 120
    handler = smtp(port=port)  # the server comes back
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        assert services.deliver_reminder(reminder_id=reminder.id).sent == 1
    assert len(handler.delivered) == 1
    assert list(reminder.deliveries.values_list("temporary", flat=True)).count(True) == 2


def test_temporary_failures_are_bounded_then_failed_visibly(smtp, reminder):
    smtp(replies=["451 4.3.0 try later"] * 10)
    moment = T0
    waits = []
    for _ in range(services.MAX_ATTEMPTS):
        with time_machine.travel(moment, tick=False):
            outcome = services.deliver_reminder(reminder_id=reminder.id)
        if outcome.retry_in:
            waits.append(outcome.retry_in)
            moment += timedelta(seconds=outcome.retry_in + 1)
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.FAILED
    assert reminder.attempts == services.MAX_ATTEMPTS
    assert waits == [60, 120, 240, 480, 960]
    assert max(waits) < 3600  # under the broker's visibility timeout


def test_a_550_fails_at_once_is_shown_and_an_admin_can_resend(
    smtp, reminder, login, cast, django_capture_on_commit_callbacks
):
    handler = smtp(replies=["550 5.1.1 No such user"])
    with time_machine.travel(T0, tick=False):
        assert services.deliver_reminder(reminder_id=reminder.id).failed == 1
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.FAILED and "550" in reminder.last_error
    resend = reverse("reminder_resend", args=[reminder.id])

    viewer_page = login(cast.charlie).get(reverse("reminder_list")).text
    assert "550" in viewer_page and "No such user" in viewer_page and resend not in viewer_page
    assert login(cast.bob).post(resend).status_code == 403
    assert login(cast.olivia).post(resend).status_code == 404
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.FAILED

    client = login(cast.alice)
    assert resend in client.get(reverse("reminder_list")).text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(resend, follow=True)
    assert "is resent" in response.text
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.SENT and reminder.resent_by == cast.alice.user
    assert len(handler.delivered) == 1


def test_a_worker_that_dies_after_claiming_is_recovered_after_the_lease_and_sent_once(
    cast, reminder, django_capture_on_commit_callbacks, monkeypatch
):
    # The item is still due (the same item the row was recorded for).
    still_due = make_item(
        org_id=reminder.organization_id,
        key=reminder.key,
        due_date=reminder.due_date,
        owner=cast.bob.id,
    )
    monkeypatch.setattr(due, "_providers", [FakeProvider(items=[still_due])])
    # The worker claimed the row, then died before sending.
    with time_machine.travel(T0, tick=False):
        Reminder.objects.filter(id=reminder.id, status=ReminderStatus.PENDING).update(
            status=ReminderStatus.SENDING, claimed_at=timezone.now()
        )
        # The broker redelivers the task (acks_late): the row is not pending, nothing is sent.
        assert services.deliver_reminder(reminder_id=reminder.id).sent == 0

    def sweep_at(moment):
        with time_machine.travel(moment, tick=False):
            with django_capture_on_commit_callbacks(execute=True):
                return services.run_sweep()

    assert sweep_at(T0 + timedelta(minutes=10)).recovered == 0  # still within the lease
    assert mail.outbox == []
    assert sweep_at(T0 + timedelta(minutes=16)).recovered == 1
    assert len(mail.outbox) == 1
    sweep_at(T0 + timedelta(minutes=31))
    assert len(mail.outbox) == 1
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.SENT


def test_a_digest_reminder_whose_recipient_left_is_cancelled_by_the_sweep(
    cast, vendor, monkeypatch, django_capture_on_commit_callbacks
):
    with time_machine.travel(T0, tick=False):
        row = ReminderFactory(recipient=cast.bob, immediate=False, send_after=timezone.now())
    still_due = make_item(
        org_id=row.organization_id, key=row.key, due_date=row.due_date, vendor_id=vendor.id
    )
    monkeypatch.setattr(due, "_providers", [FakeProvider(items=[still_due])])
    cast.bob.delete()
    with time_machine.travel(T0, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            services.run_sweep()
    row.refresh_from_db()
    assert row.status == ReminderStatus.CANCELLED and "no longer a member" in row.last_error
    assert all(m.to != ["bob@a.test"] for m in mail.outbox)


def test_a_reminder_whose_recipient_left_is_cancelled_not_sent(cast, reminder):
    cast.bob.delete()
    reminder.refresh_from_db()
    assert reminder.recipient is None
    with time_machine.travel(T0, tick=False):
        services.deliver_reminder(reminder_id=reminder.id)
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.CANCELLED and mail.outbox == []


# --- concurrency on PostgreSQL ---------------------------------------------------------------


def _in_threads(n, target):
    barrier = threading.Barrier(n)
    errors = []

    def run():
        try:
            barrier.wait()
            target()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_send_each_reminder_exactly_once(cast, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL")
    for m in (cast.alice, cast.bob, cast.olivia):
        m.reminder_mode = ReminderMode.IMMEDIATE
        m.save()
    today = timezone.localdate()
    provider = FakeProvider()
    vendors = [VendorFactory(organization=cast.practice) for _ in range(6)]
    vendors.append(VendorFactory(organization=cast.other_practice))
    provider.items = [
        make_item(
            org_id=v.organization_id,
            vendor_id=v.id,
            vendor_name=v.name,
            key=f"gap:{v.id}",
            kind=DueKind.COMPLIANCE_GAP,
            due_date=today,
            owner=cast.bob.id if i % 2 else None,
        )
        for i, v in enumerate(vendors)
    ]
    monkeypatch.setattr(due, "_providers", [provider])

    _in_threads(4, lambda: services.run_sweep())

    assert Reminder.objects.count() == 7
    assert set(Reminder.objects.values_list("status", flat=True)) == {ReminderStatus.SENT}
    sent = sorted((m.to[0], m.subject) for m in mail.outbox)
    assert len(sent) == 7 and len(set(sent)) == 7
    assert DeliveryAttempt.objects.filter(ok=True).count() == 7


# --- a real Celery worker on Redis -----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_sweep_and_delivers(cast, vendor, redis_url, monkeypatch):
    from celery.contrib.testing.worker import start_worker

    from oversight.celery import app
    from reminders import tasks

    provider = FakeProvider(
        items=[
            make_item(
                org_id=cast.practice.id,
                vendor_id=vendor.id,
                vendor_name=vendor.name,
                kind=DueKind.COMPLIANCE_GAP,
                due_date=date.today(),
            )
        ]
    )
    monkeypatch.setattr(due, "_providers", [provider])
    saved = {k: app.conf[k] for k in ("broker_url", "result_backend", "task_always_eager")}
    app.conf.update(broker_url=redis_url, result_backend=redis_url, task_always_eager=False)
    # Eager runs earlier in the session made a producer pool for the default broker: drop it.
    app._after_fork()
    app.control.purge()  # messages a crashed earlier run may have left in the queue
    try:
        with start_worker(app, perform_ping_check=False, shutdown_timeout=20):
            tasks.sweep.delay()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if Reminder.objects.filter(status=ReminderStatus.SENT).exists():
                    break
                time.sleep(0.2)
    finally:
        app.conf.update(**saved)
        app._after_fork()
    row = Reminder.objects.get()
    assert row.status == ReminderStatus.SENT
    assert [m.to for m in mail.outbox] == [["alice@a.test"]]
    assert vendor.name in mail.outbox[0].subject


def test_a_reminder_goes_to_the_members_current_address(cast, reminder):
    cast.bob.user.email = "bob.new@a.test"
    cast.bob.user.save()
    with time_machine.travel(T0, tick=False):
        assert services.deliver_reminder(reminder_id=reminder.id).sent == 1
    assert [m.to for m in mail.outbox] == [["bob.new@a.test"]]


def test_through_the_tasks_a_451_is_retried_by_a_later_sweep_and_sent_once(
    cast, vendor, smtp, monkeypatch, django_capture_on_commit_callbacks
):
    handler = smtp(replies=["421 4.7.0 Too many connections, slow down"])
    gap = make_item(
        org_id=cast.practice.id,
        vendor_id=vendor.id,
        vendor_name=vendor.name,
        kind=DueKind.COMPLIANCE_GAP,
        due_date=T0.date(),
    )
    monkeypatch.setattr(due, "_providers", [FakeProvider(items=[gap])])

    def sweep_at(moment):
        with time_machine.travel(moment, tick=False):
            with django_capture_on_commit_callbacks(execute=True):
                services.run_sweep()

    sweep_at(T0)
    row = Reminder.objects.get()
    assert (row.status, row.attempts, handler.delivered) == (ReminderStatus.PENDING, 1, [])
    sweep_at(T0 + timedelta(seconds=30))  # before the back-off: nothing is tried
    assert DeliveryAttempt.objects.count() == 1
    sweep_at(T0 + timedelta(seconds=61))
    sweep_at(T0 + timedelta(minutes=15))
    row.refresh_from_db()
    assert row.status == ReminderStatus.SENT and len(handler.delivered) == 1
    assert handler.delivered[0].rcpt_tos == ["alice@a.test"]


def test_every_attempt_of_a_reminder_or_digest_carries_the_same_message_id(smtp, cast):
    handler = smtp(replies=["451 4.3.0 try later"])
    with time_machine.travel(T0, tick=False):
        one = ReminderFactory(recipient=cast.bob)
        digest = [ReminderFactory(recipient=cast.alice, immediate=False) for _ in range(2)]
        assert services.deliver_reminder(reminder_id=one.id).retry_in
    with time_machine.travel(T0 + timedelta(minutes=2), tick=False):
        assert services.deliver_reminder(reminder_id=one.id).sent == 1
        # An uncertain delivery put back by the lease is sent again: as the same message.
        Reminder.objects.filter(id=one.id).update(status=ReminderStatus.PENDING)
        assert services.deliver_reminder(reminder_id=one.id).sent == 1
        assert services.deliver_digest(membership_id=cast.alice.id).sent == 2
        Reminder.objects.filter(id__in=[r.id for r in digest]).update(status=ReminderStatus.PENDING)
        assert services.deliver_digest(membership_id=cast.alice.id).sent == 2
    import email

    ids = [email.message_from_bytes(e.content)["Message-ID"] for e in handler.delivered]
    assert ids[0] == ids[1] == f"<reminder-{one.id}.{cast.practice.id}@localhost>"
    assert ids[2] == ids[3] and ids[2].startswith("<digest-") and ids[2] != ids[0]
    # Another set of rows is another digest.
    other = ReminderFactory(recipient=cast.alice, immediate=False)
    from reminders import emails

    assert emails.message_id([*digest, other], digest=True) != ids[2]
    assert emails.message_id(list(reversed(digest)), digest=True) == ids[2]
