"""The reminder engine's writes: the sweep that records what is due, and delivery.

How a reminder travels (also in ``docs/architecture.md``):

1. ``sweep`` (Celery beat, every 15 minutes; or ``manage.py send_reminders``) puts back rows
   whose delivery died mid-way (``SENDING`` for longer than ``LEASE``), collects each
   practice's due items (``oversight.due.collect``), asks ``reminders.policy.plan`` what to
   record, inserts the rows with ``bulk_create(ignore_conflicts=True)`` (the unique constraint
   makes a second sweep harmless), then enqueues delivery of every pending row whose time has
   come: one task per immediate row, one per digest recipient (ids only, ``delay_on_commit``).
   A pending row whose item is no longer due (done before the digest hour) is cancelled.
2. ``deliver_reminder`` / ``deliver_digest`` claim their rows with one conditional UPDATE
   (``pending -> sending``): of two workers, only one can win. Then they send, record a
   ``DeliveryAttempt`` and mark the rows sent; a temporary SMTP failure (4xx, connection refused,
   timeout) puts them back to pending with an exponential back-off (1, 2, 4, 8, 16 min: well
   under the broker's one-hour visibility timeout) for at most ``MAX_ATTEMPTS`` attempts; a
   permanent failure (5xx, or attempts exhausted) marks them failed, shown on the Reminders page,
   where an admin can resend.

The remaining at-least-once window is the one SMTP itself forces: between the mail server's
"250" to DATA and the row marked sent. The mark is written while the SMTP connection is still
open (QUIT comes after) and is retried through a database restart for about a minute; only a
worker that dies in that window (or during a mail server's slow reply to DATA, when the client
cannot know whether the message was accepted) leaves the row ``sending``; after the lease it is
sent again, with the same Message-ID (``emails.message_id``). Everything else (two sweeps, a
redelivered task, a retry after 4xx) is exactly once.
"""

import json
import logging
import smtplib
import socket
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone

from oversight import due
from oversight.models import Membership, Organization, rules_for

from . import emails, freshness, policy
from .choices import ReminderStatus
from .models import DeliveryAttempt, Reminder, SweepError

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=15)  # a claimed row not sent by then is put back to pending
MAX_ATTEMPTS = 6
BACKOFF_SECONDS = 60  # doubled at each attempt
MAX_BACKOFF_SECONDS = 30 * 60  # well under the Redis visibility timeout (3600 s)


def backoff(attempts: int) -> int:
    """Seconds to wait after the ``attempts``-th failed attempt (1 -> 60, 2 -> 120...)."""
    base = getattr(settings, "REMINDER_BACKOFF_SECONDS", BACKOFF_SECONDS)
    return min(base * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)


# --- the sweep ------------------------------------------------------------------------------


@dataclass
class SweepResult:
    now: datetime
    planned: list = field(default_factory=list)  # (organization, policy.Planned)
    created: int = 0
    recovered: int = 0
    cancelled: int = 0  # pending reminders whose item is no longer due
    skipped: int = 0  # practices unchanged since their last complete sweep (``freshness``)
    errors: list = field(default_factory=list)  # (organization, key, message)
    ready_immediate: list = field(default_factory=list)  # reminder ids
    ready_digest: list = field(default_factory=list)  # recipient membership ids
    emails: dict = field(default_factory=dict)  # membership id -> email, for printing


def _members(org_ids) -> dict[int, list[policy.Member]]:
    result = defaultdict(list)
    for m in Membership.objects.filter(organization_id__in=org_ids).select_related("user"):
        result[m.organization_id].append(policy.Member(m.id, m.role, m.reminder_mode, m.user.email))
    return result


def _collect(orgs, rules, now) -> tuple[dict, dict]:
    """Due items per practice, each practice at its own local date. A provider failing for a
    group of practices is retried practice by practice, so only the failing one is skipped."""
    by_day = defaultdict(list)
    items, failed = defaultdict(list), {}
    for org in orgs:
        try:
            by_day[now.astimezone(org.tzinfo).date()].append(org.id)
        except Exception as exc:  # e.g. an unknown time zone name stored for the practice
            failed[org.id] = f"{type(exc).__name__}: {exc}"[:300]
    for day, ids in by_day.items():
        try:
            with transaction.atomic():
                found = due.collect(ids, day, rules)
        except Exception:
            found = []
            for org_id in ids:
                try:
                    with transaction.atomic():
                        found.extend(due.collect([org_id], day, rules))
                except Exception as exc:
                    failed[org_id] = f"{type(exc).__name__}: {exc}"[:300]
        for item in found:
            items[item.organization_id].append(item)
    return items, failed


# Practices decided together: the sweep's memory is that of one chunk (its due items, its
# plan), whatever the number of practices.
SWEEP_CHUNK = 50
# Keys per "already recorded?" query: no statement with tens of thousands of parameters.
KEY_BATCH = 5000


def _existing(org_ids, items_by_org) -> dict[int, set]:
    """The identities of the reminders already recorded for the items, per practice."""
    keys = sorted({item.key for items in items_by_org.values() for item in items})
    found = defaultdict(set)
    for start in range(0, len(keys), KEY_BATCH):
        rows = Reminder.objects.filter(
            organization_id__in=org_ids, key__in=keys[start : start + KEY_BATCH]
        ).values_list(
            "organization_id",
            "key",
            "due_date",
            "kind",
            "stage",
            "threshold",
            "recipient_id",
            "to_contact",
        )
        for *row, to_contact in rows:
            if to_contact:
                row[-1] = policy.CONTACT
            found[row[0]].add(policy.identity(*row))
    return found


def _row(org, planned: policy.Planned, emails_by_id) -> tuple:
    """One reminder row as the values of ``_ROW_COLUMNS`` (no model instance)."""
    item = planned.item
    return (
        org.id,
        item.key,
        str(item.kind),
        str(planned.stage),
        planned.threshold,
        item.due_date,
        item.vendor_id,
        item.vendor_name[:200],
        item.tier,
        item.title[:200],
        item.url[:300],
        item.owner_membership_id if item.owner_membership_id in emails_by_id else None,
        planned.recipient_id,
        item.contact_email if planned.to_contact else emails_by_id[planned.recipient_id],
        planned.immediate,
        planned.send_after,
        planned.to_contact,
    )


# The columns ``_row`` fills, with their PostgreSQL array types; the rest take the values of a
# new row (pending, no attempt, no error, created now; the others empty).
_ROW_COLUMNS = (
    ("organization", "bigint"),
    ("key", "text"),
    ("kind", "text"),
    ("stage", "text"),
    ("threshold", "integer"),
    ("due_date", "date"),
    ("vendor", "bigint"),
    ("vendor_name", "text"),
    ("tier", "text"),
    ("title", "text"),
    ("url", "text"),
    ("owner", "bigint"),
    ("recipient", "bigint"),
    ("recipient_email", "text"),
    ("immediate", "boolean"),
    ("send_after", "timestamptz"),
    ("to_contact", "boolean"),
)
_CONSTANT_COLUMNS = ("status", "attempts", "last_error", "created_at")


def _insert(rows: list[tuple]) -> int:
    """Record ``rows`` in one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` whose rows come
    from one JSON parameter (what ``bulk_create(ignore_conflicts=True)`` does, without a model
    instance nor a bound parameter per value; the named unique constraint skips a row a
    concurrent sweep recorded first). Returns the number of rows inserted."""
    if not rows:
        return 0
    if connection.vendor != "postgresql":
        return _insert_portable(rows)
    ops, meta = connection.ops, Reminder._meta
    columns = [meta.get_field(name).column for name, _ in _ROW_COLUMNS]
    columns += [meta.get_field(name).column for name in _CONSTANT_COLUMNS]
    values = ", ".join(f"(r->>{i})::{kind}" for i, (_, kind) in enumerate(_ROW_COLUMNS))
    sql = (
        f"INSERT INTO {ops.quote_name(meta.db_table)} "
        f"({', '.join(ops.quote_name(c) for c in columns)}) "
        f"SELECT {values}, %s::text, 0, '', %s::timestamptz "
        "FROM json_array_elements(%s::json) AS r ON CONFLICT DO NOTHING"
    )
    params = [str(ReminderStatus.PENDING), timezone.now(), json.dumps(rows, default=_json_value)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _insert_portable(rows: list[tuple]) -> int:
    """``_insert`` for the local run on SQLite (small practices): one row at a time, a row the
    unique constraint already holds skipped. Returns the number of rows inserted."""
    meta = Reminder._meta
    attnames = [meta.get_field(name).attname for name, _ in _ROW_COLUMNS]
    inserted = 0
    for row in rows:
        reminder = Reminder(**dict(zip(attnames, row, strict=True)))
        reminder.status = ReminderStatus.PENDING
        try:
            with transaction.atomic():
                reminder.save()
        except IntegrityError:
            continue
        inserted += 1
    return inserted


def _json_value(value):
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(type(value))


def _record_error(org, now, key, vendor_name, message):
    logger.warning("reminder sweep: practice %s, item %r skipped", org.id, key or "(all)")
    SweepError.objects.bulk_create(
        [
            SweepError(
                organization_id=org.id,
                occurred_on=now.date(),
                last_seen_at=now,
                item_key=key,
                vendor_name=vendor_name[:200],
                message=message[:300],
            )
        ],
        update_conflicts=True,
        unique_fields=["organization", "item_key", "occurred_on"],
        update_fields=["last_seen_at", "message"],
    )


def sweep(
    *, now: datetime | None = None, organization_ids=None, dry_run: bool = False
) -> SweepResult:
    """Record every reminder now due, in every practice (or the given ones), and find what is
    ready to send. ``dry_run`` computes the same and writes nothing. The caller enqueues or
    sends (``run_sweep`` does both). Practices are decided ``SWEEP_CHUNK`` at a time. Queries:
    a fixed handful per chunk plus, per practice, one insert (and one per skipped item); never
    one per vendor."""
    now = now or timezone.now()
    result = SweepResult(now=now)
    orgs = Organization.objects.all()
    if organization_ids is not None:
        orgs = orgs.filter(id__in=list(organization_ids))
    orgs = list(orgs.order_by("id"))
    org_ids = [o.id for o in orgs]
    if not dry_run:
        result.recovered = Reminder.objects.filter(
            organization_id__in=org_ids,
            status=ReminderStatus.SENDING,
            claimed_at__lt=now - LEASE,
        ).update(status=ReminderStatus.PENDING, claimed_at=None, batch=None)
    for start in range(0, len(orgs), SWEEP_CHUNK):
        _decide_and_record(orgs[start : start + SWEEP_CHUNK], now, result, dry_run=dry_run)
    ready = Reminder.objects.filter(
        organization_id__in=org_ids, status=ReminderStatus.PENDING, send_after__lte=now
    ).values_list("id", "immediate", "recipient_id")
    digest = set()
    for reminder_id, immediate, recipient_id in ready:
        if immediate:
            result.ready_immediate.append(reminder_id)
        else:
            digest.add(recipient_id)
    result.ready_digest = sorted(r for r in digest if r is not None)
    return result


def _decide_and_record(orgs, now, result: SweepResult, *, dry_run: bool) -> None:
    """The sweep for one chunk of practices: collect, plan, record, cancel what is no longer
    due. Adds to ``result``."""
    # Read before anything is collected (``freshness``): a write after this read makes the
    # next sweep do the practice again.
    read = freshness.versions(orgs) if not dry_run else {}
    if not dry_run:
        skipped = freshness.unchanged(orgs, read, now)
        result.skipped += len(skipped)
        orgs = [o for o in orgs if o.id not in skipped]
        if not orgs:
            return
    org_ids = [o.id for o in orgs]
    rules = rules_for(org_ids)
    members = _members(org_ids)
    result.emails.update({m.id: m.email for ms in members.values() for m in ms})
    items, failed = _collect(orgs, rules, now)
    existing = _existing(org_ids, items)
    complete = []
    for org in orgs:
        if org.id in failed:
            result.errors.append((org, "", failed[org.id]))
            if not dry_run:
                _record_error(org, now, "", "", failed[org.id])
            continue
        try:
            with transaction.atomic():
                plan = policy.plan(
                    items=items[org.id],
                    rules=rules[org.id],
                    members=members[org.id],
                    tz=org.tzinfo,
                    digest_hour=org.digest_hour,
                    existing=existing[org.id],
                    now=now,
                )
                result.planned.extend((org, p) for p in plan.reminders)
                for error in plan.errors:
                    result.errors.append((org, error.key, error.message))
                if dry_run:
                    continue
                emails_by_id = {m.id: m.email for m in members[org.id]}
                # A row a concurrent sweep inserted first is skipped by the database and not
                # counted.
                result.created += _insert([_row(org, p, emails_by_id) for p in plan.reminders])
                for error in plan.errors:
                    _record_error(org, now, error.key, error.vendor_name, error.message)
                if not plan.errors:
                    complete.append(org)
        except Exception as exc:  # one practice never stops the others
            message = f"{type(exc).__name__}: {exc}"[:300]
            result.errors.append((org, "", message))
            if not dry_run:
                _record_error(org, now, "", "", message)
    if not dry_run:
        swept = [o.id for o in orgs if o.id not in failed]
        result.cancelled += _cancel_no_longer_due(swept, items)
        freshness.mark(complete, read, now)


def _cancel_no_longer_due(org_ids, items_by_org) -> int:
    """Pending reminders whose item is no longer due (the review was recorded, the BAA renewed
    before the digest hour...) are cancelled rather than sent stale. Only for practices whose
    items were collected in this sweep."""
    current = {
        (item.organization_id, item.key, item.due_date)
        for org_id in org_ids
        for item in items_by_org.get(org_id, ())
    }
    pending = Reminder.objects.filter(
        organization_id__in=org_ids, status=ReminderStatus.PENDING
    ).values_list("id", "organization_id", "key", "due_date", "recipient_id", "to_contact")
    stale, orphans = [], []
    for pk, org_id, key, due_date, recipient_id, to_contact in pending:
        if (org_id, key, due_date) not in current:
            stale.append(pk)
        elif recipient_id is None and not to_contact:
            orphans.append(pk)
    cancelled = 0
    if stale:
        cancelled += Reminder.objects.filter(id__in=stale, status=ReminderStatus.PENDING).update(
            status=ReminderStatus.CANCELLED, last_error="No longer due when it was to be sent."
        )
    if orphans:
        _cancel_orphans(orphans)
    return cancelled


def run_sweep(*, now=None, organization_ids=None, synchronous: bool = False) -> SweepResult:
    """The sweep, then delivery of what is ready: enqueued after commit (ids only), or sent
    here and now (``synchronous``: the management command, which may run at a given moment)."""
    from . import tasks

    result = sweep(now=now, organization_ids=organization_ids)
    for reminder_id in result.ready_immediate:
        if synchronous:
            deliver_reminder(reminder_id=reminder_id, now=result.now)
        else:
            tasks.deliver.delay_on_commit(reminder_id)
    for recipient_id in result.ready_digest:
        if synchronous:
            deliver_digest(membership_id=recipient_id, now=result.now)
        else:
            tasks.deliver_digest.delay_on_commit(recipient_id)
    return result


# --- delivery -------------------------------------------------------------------------------


@dataclass
class Outcome:
    sent: int = 0
    retry_in: int | None = None  # seconds, when a temporary failure is to be retried
    failed: int = 0


def classify(exc: Exception) -> tuple[bool, int | None]:
    """(temporary?, SMTP code) of a sending error: 4xx and network trouble are temporary."""
    code = getattr(exc, "smtp_code", None)
    if isinstance(exc, smtplib.SMTPRecipientsRefused) and exc.recipients:
        code = next(iter(exc.recipients.values()))[0]
    if isinstance(code, int) and code >= 500:
        return False, code
    if isinstance(code, int) and code >= 400:
        return True, code
    if isinstance(exc, (smtplib.SMTPException, ConnectionError, socket.timeout, OSError)):
        return True, code if isinstance(code, int) else None
    return True, None  # unknown: retried, but only MAX_ATTEMPTS times


def _claimed(token) -> list[Reminder]:
    return list(
        Reminder.objects.filter(batch=token, status=ReminderStatus.SENDING)
        .select_related("organization", "owner__user", "recipient__user")
        .order_by("id")
    )


# Waits between attempts to write a delivery's outcome while the database is unreachable
# (a restart, a fail-over): about a minute in all, then the lease takes over.
DB_RETRY_DELAYS = (0.5, 1, 2, 4, 8, 15, 15, 15)


def _persist(write, *, what: str):
    """Run ``write`` (one short transaction), reconnecting and retrying with back-off while
    the database is unreachable. Inside an outer transaction a lost connection cannot be
    retried (the transaction is gone), so the error is raised at once."""
    for delay in (*DB_RETRY_DELAYS, None):
        try:
            with transaction.atomic():
                return write()
        except (OperationalError, InterfaceError) as exc:
            if delay is None or connection.in_atomic_block:
                raise
            logger.warning(
                "reminder delivery: %s failed (%s); reconnecting in %ss",
                what,
                type(exc).__name__,
                delay,
            )
            try:
                connection.close()
            except Exception:  # the socket is already gone
                pass
            time.sleep(delay)


def _send(rows: list[Reminder], *, digest: bool, now: datetime) -> Outcome:
    """Send claimed rows as one email; record the attempt; settle the rows' status.

    Order: open the SMTP connection, send the message (its Message-ID is derived from the
    rows, the same on every attempt), mark the rows sent as soon as the server has accepted it
    (retrying through a database outage), and only then say QUIT. The rows stay ``sending``
    only between the server's "250" to DATA and the mark: a worker that dies there leaves them
    to the lease, and the resend carries the same Message-ID."""
    first = rows[0]
    ids = [r.id for r in rows]
    batch = first.batch
    smtp = None
    try:
        # The member's current address (they may have changed it since the row was recorded).
        to = first.recipient.user.email if first.recipient else first.recipient_email
        message = emails.build(rows, organization=first.organization, to=to, digest=digest, now=now)
        if message is None:  # a contact's item no longer calls for it (answered meanwhile)
            _cancel_stale(ids)
            return Outcome()
        smtp = get_connection()
        smtp.open()  # opened here, so send_messages leaves it open until the rows are marked
        smtp.send_messages([message])
    except Exception as exc:
        _close_quietly(smtp)
        return _settle_failure(rows, exc, now=now)

    def mark_sent():
        # Also a row the lease put back to pending meanwhile: it is sent, do not send it again.
        # Nothing matches on a repeat after a commit whose answer was lost.
        marked = Reminder.objects.filter(
            id__in=ids, status__in=[ReminderStatus.SENDING, ReminderStatus.PENDING]
        ).update(status=ReminderStatus.SENT, sent_at=now, attempts=F("attempts") + 1, last_error="")
        if marked:
            DeliveryAttempt.objects.bulk_create(
                DeliveryAttempt(
                    organization_id=r.organization_id, reminder_id=r.id, at=now, ok=True
                )
                for r in rows
            )

    try:
        _persist(mark_sent, what=f"marking rows {ids} (batch {batch}) sent")
    finally:
        _close_quietly(smtp)
    return Outcome(sent=len(rows))


def _close_quietly(smtp):
    if smtp is None:
        return
    try:
        smtp.close()  # QUIT: the message is already accepted (or refused) by now
    except Exception:
        logger.info("reminder delivery: closing the SMTP connection failed", exc_info=True)


def _settle_failure(rows: list[Reminder], exc: Exception, *, now: datetime) -> Outcome:
    """Record a failed attempt: back to pending with back-off (temporary) or failed."""
    ids = [r.id for r in rows]
    temporary, code = classify(exc)
    error = f"{code} " if code else ""
    error = (error + f"{type(exc).__name__}: {exc}")[:500]
    attempts = max(r.attempts for r in rows) + 1
    give_up = not temporary or attempts >= MAX_ATTEMPTS
    wait = backoff(attempts)

    def record():
        update = {"attempts": F("attempts") + 1, "last_error": error, "batch": None}
        claimed = Reminder.objects.filter(
            id__in=ids, status=ReminderStatus.SENDING, batch=rows[0].batch
        )
        if give_up:
            changed = claimed.update(status=ReminderStatus.FAILED, **update)
        else:
            changed = claimed.update(
                status=ReminderStatus.PENDING,
                claimed_at=None,
                send_after=now + timedelta(seconds=wait),
                **update,
            )
        if changed:
            DeliveryAttempt.objects.bulk_create(
                DeliveryAttempt(
                    organization_id=r.organization_id,
                    reminder_id=r.id,
                    at=now,
                    ok=False,
                    temporary=temporary,
                    smtp_code=code,
                    error=error,
                )
                for r in rows
            )

    _persist(record, what=f"recording the failed delivery of rows {ids}")
    if give_up:
        logger.warning("reminder delivery failed for good: rows %s (%s)", ids, code)
        return Outcome(failed=len(rows))
    logger.info("reminder delivery deferred %ss: rows %s (%s)", wait, ids, code)
    return Outcome(retry_in=wait)


def _cancel_stale(ids):
    Reminder.objects.filter(id__in=ids, status=ReminderStatus.SENDING).update(
        status=ReminderStatus.CANCELLED, last_error="No longer due when it was to be sent."
    )


def _cancel_orphans(ids):
    """Rows whose recipient left the practice are cancelled, not sent."""
    Reminder.objects.filter(
        id__in=ids, status__in=[ReminderStatus.PENDING, ReminderStatus.SENDING]
    ).filter(recipient__isnull=True, to_contact=False).update(
        status=ReminderStatus.CANCELLED, last_error="The recipient is no longer a member."
    )


def deliver_reminder(*, reminder_id: int, now: datetime | None = None) -> Outcome:
    """Claim one immediate reminder (pending and due -> sending) and send it. A row another
    worker claimed, already sent, or not due yet is left alone."""
    now = now or timezone.now()
    token = uuid.uuid4()
    claimed = Reminder.objects.filter(
        id=reminder_id, status=ReminderStatus.PENDING, send_after__lte=now
    ).update(status=ReminderStatus.SENDING, claimed_at=now, batch=token)
    if not claimed:
        return Outcome()
    rows = _claimed(token)
    if rows[0].recipient_id is None and not rows[0].to_contact:
        _cancel_orphans([reminder_id])
        return Outcome()
    return _send(rows, digest=False, now=now)


def deliver_digest(*, membership_id: int, now: datetime | None = None) -> Outcome:
    """Claim every digest reminder of one member that is due, and send them as one email."""
    now = now or timezone.now()
    token = uuid.uuid4()
    claimed = Reminder.objects.filter(
        recipient_id=membership_id,
        status=ReminderStatus.PENDING,
        immediate=False,
        send_after__lte=now,
    ).update(status=ReminderStatus.SENDING, claimed_at=now, batch=token)
    if not claimed:
        return Outcome()
    return _send(_claimed(token), digest=True, now=now)


# --- actions of people ----------------------------------------------------------------------


@transaction.atomic
def reminder_resend(*, reminder: Reminder, actor) -> Reminder:
    """An admin sends a failed reminder again (on its own, at once)."""
    from . import tasks

    now = timezone.now()
    updated = Reminder.objects.filter(id=reminder.id, status=ReminderStatus.FAILED).update(
        status=ReminderStatus.PENDING,
        send_after=now,
        immediate=True,
        attempts=0,
        resent_by=actor,
        resent_at=now,
    )
    if updated:
        tasks.deliver.delay_on_commit(reminder.id)
    reminder.refresh_from_db()
    return reminder


@transaction.atomic
def reminder_mode_set(*, membership: Membership, mode: str) -> Membership:
    """A member chooses immediate emails or the daily digest (their own preference). Reminders
    already recorded keep their channel; new ones follow the new choice."""
    membership.reminder_mode = mode
    membership.save(update_fields=["reminder_mode"])
    return membership
