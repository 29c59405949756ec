"""The oversight program: due diligence with evidence, security controls, follow-up actions,
periodic reviews, offboarding, and each vendor's review schedule.

Compliance records are archived, never deleted (164.316(b)(2), 164.530(j)); every change is in
the history tables."""

from django.db import models
from django.db.models import Q

from oversight.files import StoredFile
from oversight.history import PracticeHistory
from oversight.models import Membership, TenantModel
from vendors.models import BusinessAssociate

from . import schedule
from .choices import (
    ActionStatus,
    Answer,
    Control,
    DiligenceKind,
    DiligenceOutcome,
    Disposition,
    ReviewOutcome,
)
from .schedule import Evidence


class DueDiligenceRecord(TenantModel):
    """What the practice checked about a vendor's security, and what it concluded."""

    vendor = models.ForeignKey(
        BusinessAssociate, on_delete=models.PROTECT, related_name="diligence_records"
    )
    kind = models.CharField(max_length=32, choices=DiligenceKind.choices)
    performed_on = models.DateField("performed or received on")
    period_covered = models.CharField(
        max_length=120, blank=True, help_text="For example 'Jan 1 - Dec 31, 2025' for a SOC 2."
    )
    # A SOC 2 report is valid for 12 months from the end of its audit period, not from the day
    # it was received (``diligence.schedule.EVIDENCE_VALIDITY``).
    period_end = models.DateField(
        "audit period ended on",
        null=True,
        blank=True,
        help_text="SOC 2: the last day of the period the report covers (required).",
    )
    bridge_until = models.DateField(
        "bridge letter covers until",
        null=True,
        blank=True,
        help_text="SOC 2: the last day a bridge (gap) letter from the vendor covers, if any. "
        "It extends the report by the months it covers, 3 at most.",
    )
    valid_until = models.DateField(
        null=True,
        blank=True,
        help_text="The stated expiry, if any: a certificate's expiry, or the insurance "
        "policy's expiry (required for an insurance certificate). Leave empty to use the "
        "kind's validity.",
    )
    reviewer = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=16, choices=DiligenceOutcome.choices)
    summary = models.TextField(blank=True)
    exceptions = models.TextField("exceptions noted", blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = PracticeHistory()

    class Meta:
        ordering = ["-performed_on", "-id"]
        verbose_name = "due-diligence record"
        indexes = [
            # The evidence due-item provider (work queue, reminders): stale by stated end date,
            # else by date performed.
            models.Index(
                fields=["organization", "valid_until"],
                name="diligence_org_valid_until",
                condition=Q(archived_at__isnull=True),
            ),
            models.Index(
                fields=["organization", "performed_on"],
                name="diligence_org_performed",
                condition=Q(archived_at__isnull=True),
            ),
            models.Index(
                fields=["organization", "period_end"],
                name="diligence_org_period_end",
                condition=Q(archived_at__isnull=True, period_end__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_until__gte=models.F("performed_on")),
                name="diligence_valid_after_performed",
                violation_error_message="'Valid until' cannot be before the date performed.",
            ),
            models.CheckConstraint(
                condition=Q(period_end__isnull=True) | Q(period_end__lte=models.F("performed_on")),
                name="diligence_period_end_before_received",
                violation_error_message="The audit period cannot end after the report was "
                "received.",
            ),
            models.CheckConstraint(
                condition=Q(bridge_until__isnull=True)
                | Q(period_end__isnull=False, bridge_until__gt=models.F("period_end")),
                name="diligence_bridge_after_period_end",
                violation_error_message="A bridge letter covers days after the audit period ended.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vendor}: {self.get_kind_display()} ({self.performed_on:%Y-%m-%d})"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def as_evidence(self) -> Evidence:
        """The plain facts ``diligence.schedule`` dates this evidence from."""
        return Evidence(
            self.id,
            self.kind,
            self.performed_on,
            self.valid_until,
            period_end=self.period_end,
            bridge_until=self.bridge_until,
        )


class EvidenceFile(StoredFile):
    """A document attached to a diligence record (report, certificate, questionnaire)."""

    record = models.ForeignKey(DueDiligenceRecord, on_delete=models.PROTECT, related_name="files")

    history = PracticeHistory()

    class Meta:
        ordering = ["uploaded_at", "id"]


class ControlAnswer(TenantModel):
    """One line of a security-controls checklist. Which answers are findings, by tier:
    ``diligence/controls.py`` (shown on the vendor page).

    A changed or withdrawn answer is superseded, never deleted (164.316(b)(2)(i),
    164.530(j)(2)): the old row keeps what was answered and gets ``superseded_at``."""

    record = models.ForeignKey(
        DueDiligenceRecord, on_delete=models.CASCADE, related_name="controls"
    )
    control = models.CharField(max_length=32, choices=Control.choices)
    answer = models.CharField(max_length=8, choices=Answer.choices)
    note = models.CharField(max_length=500, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = PracticeHistory()

    class Meta:
        ordering = ["record", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["record", "control"],
                condition=Q(superseded_at__isnull=True),
                name="control_answer_once_per_record",
                violation_error_message="This control is already answered for this record.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_control_display()}: {self.get_answer_display()}"


class VendorReview(TenantModel):
    """A periodic (or triggered) full review of a vendor relationship."""

    vendor = models.ForeignKey(BusinessAssociate, on_delete=models.PROTECT, related_name="reviews")
    reviewed_on = models.DateField()
    reviewer = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    baa_current = models.BooleanField("BAA still current", default=False)
    services_changed = models.BooleanField("services or access changed", default=False)
    evidence_current = models.BooleanField("diligence evidence current", default=False)
    incidents_since_last = models.BooleanField("incidents since the last review", default=False)
    subcontractors_changed = models.BooleanField("subcontractors changed", default=False)
    outcome = models.CharField(max_length=24, choices=ReviewOutcome.choices)
    notes = models.TextField(blank=True)
    # The next review due date the policy gave when this review was recorded.
    next_due_on = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    history = PracticeHistory()

    class Meta:
        ordering = ["-reviewed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.vendor}: review of {self.reviewed_on:%Y-%m-%d}"


class FollowUpAction(TenantModel):
    """A remediation item from a diligence record or a review."""

    vendor = models.ForeignKey(BusinessAssociate, on_delete=models.PROTECT, related_name="actions")
    record = models.ForeignKey(
        DueDiligenceRecord,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="actions",
    )
    review = models.ForeignKey(
        VendorReview, null=True, blank=True, on_delete=models.PROTECT, related_name="actions"
    )
    description = models.TextField()
    owner = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_on = models.DateField()
    status = models.CharField(
        max_length=16, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    justification = models.TextField(
        blank=True, help_text="Required when the risk is accepted instead of remediated."
    )
    completed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = PracticeHistory()

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            # The action due-item provider (work queue, reminders): open actions by due date.
            models.Index(
                fields=["organization", "due_on"],
                name="action_open_due",
                condition=Q(status="open"),
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="accepted_risk") | ~Q(justification=""),
                name="action_accepted_risk_needs_justification",
                violation_error_message="Accepting a risk needs a written justification.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.vendor}: {self.description[:60]}"


class Offboarding(TenantModel):
    """The end of a relationship: access revoked, PHI returned or destroyed, or kept with the
    protections extended when that is infeasible (164.504(e)(2)(ii)(J))."""

    vendor = models.OneToOneField(
        BusinessAssociate, on_delete=models.PROTECT, related_name="offboarding"
    )
    started_on = models.DateField("offboarding started")
    ended_on = models.DateField("relationship ended", null=True, blank=True)
    access_revoked_on = models.DateField(
        "access revoked (accounts, VPN, integrations)", null=True, blank=True
    )
    disposition = models.CharField(
        "PHI disposition", max_length=16, choices=Disposition.choices, blank=True
    )
    infeasibility_protections = models.TextField(
        "why return or destruction is infeasible, and how protections are extended", blank=True
    )
    closed_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)

    history = PracticeHistory()

    class Meta:
        indexes = [
            # The certificate due-item provider: offboardings still open, by start date.
            models.Index(
                fields=["organization", "started_on"],
                name="offboarding_open_started",
                condition=Q(closed_on__isnull=True),
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(disposition="infeasible") | ~Q(infeasibility_protections=""),
                name="offboarding_infeasible_needs_protections",
                violation_error_message="Explain why return or destruction is infeasible and "
                "how the protections are extended.",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("started_on")),
                name="offboarding_closed_after_started",
                violation_error_message="The closed date cannot be before the start date.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vendor}: offboarding from {self.started_on:%Y-%m-%d}"

    @property
    def base_date(self):
        return schedule.offboarding_base(self.started_on, self.ended_on)


class DispositionCertificate(StoredFile):
    """A certificate of return or destruction of PHI."""

    offboarding = models.ForeignKey(
        Offboarding, on_delete=models.PROTECT, related_name="certificates"
    )

    history = PracticeHistory()

    class Meta:
        ordering = ["uploaded_at", "id"]


class VendorSchedule(TenantModel):
    """The vendor's next review due date, kept current by ``services.schedule_refresh`` (after
    a review, a tier change, a status change or a policy change) so that the due-item provider
    reads dates with an index instead of computing per vendor."""

    vendor = models.OneToOneField(
        BusinessAssociate, on_delete=models.CASCADE, related_name="schedule"
    )
    next_review_due = models.DateField(null=True, blank=True)
    last_review_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = PracticeHistory()

    class Meta:
        indexes = [
            # The review due-item provider (work queue, reminders).
            models.Index(
                fields=["organization", "next_review_due"],
                name="schedule_org_next_review",
                condition=Q(next_review_due__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.vendor}: next review {self.next_review_due or '-'}"
