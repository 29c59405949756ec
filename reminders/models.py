"""Reminder rows: one per (item occurrence, stage, threshold or period, recipient), their
delivery attempts, and the sweep's per-item errors. See ``reminders/policy.py`` for what is due
and ``reminders/services.py`` for how a row is claimed and sent."""

from django.conf import settings
from django.db import models

from oversight.models import Membership, TenantModel

from .choices import ReminderKind, ReminderStatus, Stage


class Reminder(TenantModel):
    """One reminder email to one member about one due item at one stage.

    The unique constraint is the "never twice" guarantee: the sweep inserts with
    ``ignore_conflicts``, so two sweeps, a retry or a restarted worker cannot record it twice,
    and a delivery task sends only a row it has claimed (pending -> sending) itself.
    The item's vendor, title, tier and link are copied when recorded (no PHI: vendor names,
    what is due and dates only). Rows are kept as the sent log; they are never deleted.
    Status changes are recorded by the ``DeliveryAttempt`` rows (claims are ``update()`` calls,
    which django-simple-history would not see anyway)."""

    key = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    stage = models.CharField(max_length=12, choices=Stage.choices)
    threshold = models.PositiveIntegerField(
        help_text="Days before the date (advance warning) or re-send period index (overdue)."
    )
    due_date = models.DateField()
    vendor = models.ForeignKey(
        "vendors.BusinessAssociate",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reminders",
    )
    vendor_name = models.CharField(max_length=200)
    tier = models.CharField(max_length=8)
    title = models.CharField(max_length=200)
    url = models.CharField(max_length=300)
    # The member responsible for the item when recorded (named in escalations).
    owner = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recipient = models.ForeignKey(
        Membership, null=True, on_delete=models.SET_NULL, related_name="reminders"
    )
    recipient_email = models.EmailField()
    # Sent to the item's contact outside the practice (a vendor's contact), who is no member:
    # ``recipient`` is empty and the email is written by the item's app (``oversight.due``).
    to_contact = models.BooleanField(default=False, db_default=False)
    immediate = models.BooleanField(help_text="Sent on its own; otherwise in the daily digest.")
    send_after = models.DateTimeField()
    status = models.CharField(
        max_length=12, choices=ReminderStatus.choices, default=ReminderStatus.PENDING
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    batch = models.UUIDField(
        null=True, blank=True, help_text="The digest delivery that claimed it."
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    resent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "organization",
                    "key",
                    "due_date",
                    "kind",
                    "stage",
                    "threshold",
                    "recipient",
                ],
                name="reminder_once_per_item_stage_recipient",
                violation_error_message="This reminder has already been recorded.",
            ),
            # The same guarantee for the contact's rows, which have no member (NULLs are
            # distinct in the constraint above).
            models.UniqueConstraint(
                fields=["organization", "key", "due_date", "kind", "stage", "threshold"],
                condition=models.Q(to_contact=True),
                name="reminder_once_per_item_stage_contact",
                violation_error_message="This reminder has already been recorded.",
            ),
        ]
        indexes = [
            # The sweep's "what is ready to send" query (reminders.services.sweep).
            models.Index(
                fields=["send_after"],
                condition=models.Q(status=ReminderStatus.PENDING),
                name="reminder_pending_send_after",
            ),
            # The sweep's lease recovery of rows claimed by a worker that died.
            models.Index(
                fields=["claimed_at"],
                condition=models.Q(status=ReminderStatus.SENDING),
                name="reminder_sending_claimed_at",
            ),
            # The Reminders page and the sweep's "already recorded" lookup.
            models.Index(fields=["organization", "key"], name="reminder_org_key"),
            models.Index(fields=["organization", "status", "-sent_at"], name="reminder_org_status"),
            # The vendor page's reminder history.
            models.Index(fields=["vendor", "-created_at"], name="reminder_vendor_time"),
            # The Reminders page's sections, in their order, and their counts (index only).
            models.Index(
                fields=["organization", "send_after", "id"],
                condition=models.Q(status__in=[ReminderStatus.PENDING, ReminderStatus.SENDING]),
                name="reminder_org_upcoming",
            ),
            models.Index(
                fields=["organization", "-sent_at", "-id"],
                condition=models.Q(status=ReminderStatus.SENT),
                name="reminder_org_sent",
            ),
        ]

    def __str__(self) -> str:
        stage = self.get_stage_display()
        return f"{self.vendor_name}: {self.title} ({stage}) to {self.recipient_email}"

    @property
    def urgency(self):
        from .policy import urgency

        return urgency(self.stage, self.threshold)

    @property
    def absolute_url(self) -> str:
        return settings.SITE_URL + self.url

    @property
    def describe(self) -> str:
        from .policy import describe

        return describe(self.stage, self.threshold, self.due_date)


class DeliveryAttempt(TenantModel):
    """One attempt to hand a reminder to the mail server, with its outcome."""

    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, related_name="deliveries")
    at = models.DateTimeField()
    ok = models.BooleanField()
    temporary = models.BooleanField(default=False, help_text="A failure worth retrying.")
    smtp_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["reminder", "-at"], name="deliveryattempt_reminder")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {'ok' if self.ok else self.error}"


class SweepError(TenantModel):
    """A due item (or a whole practice) the sweep had to skip, shown on the Reminders page.
    One row per item and day, however often the sweep runs."""

    occurred_on = models.DateField()
    last_seen_at = models.DateTimeField()
    item_key = models.CharField(max_length=120, blank=True)
    vendor_name = models.CharField(max_length=200, blank=True)
    message = models.CharField(max_length=300)

    class Meta:
        ordering = ["-last_seen_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "item_key", "occurred_on"],
                name="sweeperror_once_per_item_and_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.item_key or 'practice'}: {self.message}"


class PracticeDataVersion(models.Model):
    """A counter per practice, bumped by database triggers (``reminders/freshness.py``) in the
    same transaction as any write to a row of the practice (every table with an
    ``organization`` column, the practice itself, a reminder's status): derived, never shown.
    No foreign key: the trigger also fires while a practice's rows are being deleted."""

    organization_id = models.BigIntegerField(primary_key=True)
    version = models.BigIntegerField(default=0)
    # Statements that recorded reminder rows for the practice (also bumped by a trigger; not
    # part of ``version``, which the sweep's own inserts must leave alone): with ``version``
    # (a reminder's status change or deletion) it changes with every change of the practice's
    # reminder rows (``freshness.tokens``: the Reminders page's totals).
    recorded = models.BigIntegerField(default=0, db_default=0)

    def __str__(self) -> str:
        return f"Practice {self.organization_id}: data version {self.version}"


class SweepMark(models.Model):
    """The practice's data version and local hour at its last complete sweep: a later sweep
    with the same version and hour would record nothing, and skips the practice."""

    organization = models.OneToOneField(
        "oversight.Organization", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    version = models.BigIntegerField()
    bucket = models.CharField(max_length=80)

    def __str__(self) -> str:
        return f"Practice {self.organization_id}: swept at version {self.version}, {self.bucket}"
