"""Run the reminder sweep by hand: the same code as the Celery beat job, synchronously."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reminders import policy, services


class Command(BaseCommand):
    help = (
        "Record the reminders now due and send what is ready (the same sweep as the Celery "
        "beat job, run here synchronously). --dry-run prints what would be sent and writes "
        "nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="print, write and send nothing")
        parser.add_argument("--practice", type=int, help="only this practice (id)")
        parser.add_argument(
            "--now", help="run as if it were this moment (ISO 8601, e.g. 2026-03-01T08:00-05:00)"
        )

    def handle(self, *args, dry_run=False, practice=None, now=None, **options):
        moment = timezone.now()
        if now:
            try:
                moment = datetime.fromisoformat(now)
            except ValueError as exc:
                raise CommandError(f"--now: not an ISO date-time: {now!r}") from exc
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment, timezone.get_current_timezone())
        ids = [practice] if practice is not None else None
        if dry_run:
            result = services.sweep(now=moment, organization_ids=ids, dry_run=True)
        else:
            result = services.run_sweep(now=moment, organization_ids=ids, synchronous=True)
        verb = "Would record" if dry_run else "Recorded"
        self.stdout.write(
            f"{verb} {len(result.planned) if dry_run else result.created} "
            f"reminder(s) at {moment.isoformat(timespec='minutes')}."
        )
        for org, p in result.planned:
            when = (
                "at once"
                if p.immediate
                else f"digest {p.send_after.astimezone(org.tzinfo):%Y-%m-%d %H:%M %Z}"
            )
            what = policy.describe(p.stage, p.threshold, p.item.due_date)
            to = p.item.contact_email if p.to_contact else result.emails.get(p.recipient_id)
            self.stdout.write(
                f"  [{org.name}] {p.item.vendor_name} ({p.item.tier}): {p.item.title}, {what} "
                f"[{p.stage} {p.threshold}] -> {to} ({when})"
            )
        if dry_run:
            at_once = sum(1 for _, p in result.planned if p.immediate)
            self.stdout.write(
                f"{at_once} would go out at once, {len(result.planned) - at_once} in digests; "
                f"already waiting and due now: {len(result.ready_immediate)} reminder(s), "
                f"{len(result.ready_digest)} digest(s)."
            )
        else:
            self.stdout.write(
                f"Sent or attempted: {len(result.ready_immediate)} immediate reminder(s), "
                f"{len(result.ready_digest)} digest(s); {result.recovered} stalled delivery(ies) "
                f"put back."
            )
        for org, key, message in result.errors:
            self.stderr.write(f"  skipped in {org.name}: {key or 'the whole practice'}: {message}")
