"""Business associate agreements (45 CFR 164.502(e), 164.504(e), 164.314(a)), their signed
documents, amendments and the required-provision checklist. Archived, never deleted."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Count
from django.urls import reverse

from oversight.files import StoredFile
from oversight.history import PracticeHistory
from oversight.models import TenantModel, TenantQuerySet
from vendors.models import BusinessAssociate, Subcontractor

from . import findings
from .choices import (
    AgreementStatus,
    CapKind,
    CarveOut,
    DayKind,
    DocumentKind,
    Indemnification,
    IndemnityCover,
    NoticeTrigger,
    ProvisionState,
    ReturnDestroy,
    TemplateSource,
    Term,
)
from .provisions import BY_KEY, PROVISION_CHOICES


class AgreementQuerySet(TenantQuerySet):
    def signed(self):
        return self.filter(status=AgreementStatus.SIGNED)


class BusinessAssociateAgreement(TenantModel):
    """One version of a vendor's BAA. A vendor has a history of them; at most one is signed
    (current) at a time: signing a new one supersedes the previous (``services.baa_sign``)."""

    vendor = models.ForeignKey(
        BusinessAssociate, on_delete=models.PROTECT, related_name="agreements"
    )
    status = models.CharField(
        max_length=12, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT
    )
    template_source = models.CharField(
        "whose template",
        max_length=12,
        choices=TemplateSource.choices,
        default=TemplateSource.VENDOR,
    )
    service_agreement = models.CharField(
        "service agreement (name or reference)", max_length=200, blank=True
    )
    annual_contract_value = models.DecimalField(
        "annual contract value ($)", max_digits=14, decimal_places=2, null=True, blank=True
    )

    effective_on = models.DateField("effective date", null=True, blank=True)
    signed_on = models.DateField("signed date", null=True, blank=True)
    expires_on = models.DateField(
        "expiration date", null=True, blank=True, help_text="Leave empty if evergreen."
    )
    auto_renews = models.BooleanField("renews automatically", default=False)
    renewal_notice_days = models.PositiveSmallIntegerField(
        "notice to stop renewal (days before expiry)", null=True, blank=True
    )

    practice_signatory_name = models.CharField("our signatory", max_length=200, blank=True)
    practice_signatory_title = models.CharField("our signatory's title", max_length=200, blank=True)
    vendor_signatory_name = models.CharField("vendor's signatory", max_length=200, blank=True)
    vendor_signatory_title = models.CharField(
        "vendor's signatory's title", max_length=200, blank=True
    )

    # Breach notice (164.410): the window the vendor has to tell the practice.
    breach_notice_days = models.PositiveSmallIntegerField(
        "breach-notice window", null=True, blank=True, help_text="Leave empty if not stated."
    )
    breach_notice_day_kind = models.CharField(
        "counted in", max_length=8, choices=DayKind.choices, default=DayKind.CALENDAR
    )
    breach_notice_trigger = models.CharField(
        "the clock starts at",
        max_length=12,
        choices=NoticeTrigger.choices,
        default=NoticeTrigger.UNKNOWN,
        help_text="164.410(a)(2): a breach is discovered on the first day it is known, or would "
        "have been known with reasonable diligence, to the vendor's workforce or agents.",
    )
    breach_contact_name = models.CharField(
        "vendor's breach-notification contact", max_length=200, blank=True
    )
    breach_contact_email = models.EmailField("breach contact email", blank=True)

    indemnification = models.CharField(
        max_length=20, choices=Indemnification.choices, default=Indemnification.UNKNOWN
    )
    indemnification_covers = models.JSONField("indemnification covers", default=list, blank=True)

    cap_kind = models.CharField(
        "liability cap", max_length=12, choices=CapKind.choices, default=CapKind.UNKNOWN
    )
    cap_months = models.PositiveSmallIntegerField("cap: months of fees", null=True, blank=True)
    cap_amount = models.DecimalField(
        "cap: fixed amount ($)", max_digits=14, decimal_places=2, null=True, blank=True
    )
    cap_multiple = models.DecimalField(
        "cap: multiple of annual value", max_digits=6, decimal_places=2, null=True, blank=True
    )
    carve_outs = models.JSONField("carve-outs from the cap", default=list, blank=True)
    cyber_insurance_amount = models.DecimalField(
        "vendor's cyber-insurance coverage ($)",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
    )

    return_destroy = models.CharField(
        "PHI at termination", max_length=16, choices=ReturnDestroy.choices, default="unknown"
    )
    audit_rights = models.CharField(max_length=8, choices=Term.choices, default=Term.UNKNOWN)
    offshore_restricted = models.CharField(
        "offshore restriction", max_length=8, choices=Term.choices, default=Term.UNKNOWN
    )
    # The vendor's own-use rights over PHI (beyond 164.504(e)(2)(i) and (e)(4): a finding).
    own_use_deidentify = models.BooleanField(
        "the vendor may de-identify PHI for its own use", default=False
    )
    own_use_aggregate = models.BooleanField(
        "the vendor may aggregate PHI with other customers' data", default=False
    )
    own_use_train_models = models.BooleanField(
        "the vendor may use PHI to train models (AI/ML)", default=False
    )
    own_use_other = models.BooleanField(
        "the vendor may use PHI for other purposes of its own", default=False
    )

    supersedes = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
        help_text="The earlier version this agreement replaces.",
    )
    terminated_on = models.DateField(null=True, blank=True)
    termination_reason = models.TextField(blank=True)
    notes = models.TextField(blank=True)

    # Refreshed on every write (``services``); the agreement list filters on them.
    findings_critical = models.PositiveSmallIntegerField(default=0, editable=False)
    findings_warning = models.PositiveSmallIntegerField(default=0, editable=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AgreementQuerySet.as_manager()
    history = PracticeHistory()

    class Meta:
        ordering = ["vendor__name", "-created_at", "-id"]
        verbose_name = "business associate agreement"
        indexes = [
            # The due-item provider and the reminder sweep: signed agreements by expiry.
            models.Index(
                fields=["organization", "expires_on"],
                condition=models.Q(status="signed"),
                name="baa_signed_by_expiry",
            ),
            models.Index(fields=["organization", "status"], name="baa_org_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(effective_on__isnull=True)
                | models.Q(expires_on__isnull=True)
                | models.Q(effective_on__lt=models.F("expires_on")),
                name="baa_effective_before_expiry",
                violation_error_message="The effective date must be before the expiration date.",
            ),
            models.UniqueConstraint(
                fields=["vendor"],
                condition=models.Q(status="signed"),
                name="baa_one_signed_per_vendor",
                violation_error_message="This vendor already has a signed, current BAA.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="signed") | models.Q(signed_on__isnull=False),
                name="baa_signed_has_date",
                violation_error_message="A signed agreement needs its signed date.",
            ),
            models.CheckConstraint(
                condition=models.Q(cap_multiple__isnull=True) | models.Q(cap_multiple__gt=0),
                name="baa_cap_multiple_positive",
                violation_error_message="The multiple must be positive.",
            ),
        ]

    def __str__(self) -> str:
        when = f", signed {self.signed_on:%Y-%m-%d}" if self.signed_on else ""
        return f"BAA with {self.vendor.name} ({self.get_status_display().lower()}{when})"

    def get_absolute_url(self) -> str:
        return reverse("agreement_detail", args=[self.pk])

    @property
    def is_evergreen(self) -> bool:
        return self.expires_on is None

    @property
    def is_signed(self) -> bool:
        return self.status == AgreementStatus.SIGNED

    @property
    def is_open(self) -> bool:
        return self.status in (AgreementStatus.DRAFT, AgreementStatus.NEGOTIATION)

    def facts(self, *, provisions: dict | None = None, amendments=None):
        """Plain data for ``findings``. Pass ``provisions``/``amendments`` (the agreement's
        ``Amendment`` rows) when already loaded."""
        if provisions is None:
            provisions = {item.provision: item.state for item in self.checklist.all()}
        if amendments is None:
            amendments = list(self.amendments.all())
        return findings.AgreementFacts(
            status=self.status,
            effective_on=self.effective_on,
            signed_on=self.signed_on,
            expires_on=self.expires_on,
            auto_renews=self.auto_renews,
            renewal_notice_days=self.renewal_notice_days,
            amendment_dates=tuple(m.amended_on for m in amendments),
            omnibus_amendment=any(m.hitech_omnibus for m in amendments),
            breach_notice_days=self.breach_notice_days,
            breach_notice_day_kind=self.breach_notice_day_kind,
            breach_notice_trigger=self.breach_notice_trigger,
            indemnification=self.indemnification,
            indemnification_covers=tuple(self.indemnification_covers or ()),
            cap_kind=self.cap_kind,
            cap_months=self.cap_months,
            cap_amount=self.cap_amount,
            cap_multiple=self.cap_multiple,
            annual_contract_value=self.annual_contract_value,
            carve_outs=tuple(self.carve_outs or ()),
            cyber_insurance_amount=self.cyber_insurance_amount,
            offshore_restricted=self.offshore_restricted,
            return_destroy=self.return_destroy,
            audit_rights=self.audit_rights,
            own_use_deidentify=self.own_use_deidentify,
            own_use_aggregate=self.own_use_aggregate,
            own_use_train_models=self.own_use_train_models,
            own_use_other=self.own_use_other,
            provisions=provisions,
        )

    def get_carve_outs_display(self) -> list[str]:
        labels = dict(CarveOut.choices)
        return [labels.get(v, v) for v in self.carve_outs or []]

    def get_indemnification_covers_display(self) -> list[str]:
        labels = dict(IndemnityCover.choices)
        return [labels.get(v, v) for v in self.indemnification_covers or []]

    @property
    def cap_dollars(self) -> Decimal | None:
        return findings.cap_in_dollars(self.facts(provisions={}, amendments=[]))


def vendor_facts(
    vendor: BusinessAssociate, *, subcontractor_count: int | None = None
) -> findings.VendorFacts:
    """``subcontractor_count``: the vendor's subcontractor rows, when the caller counted them
    (``subcontractor_counts``); None skips the rules that need it."""
    return findings.VendorFacts(
        name=vendor.name,
        status=vendor.status,
        needs_baa=vendor.needs_baa,
        record_count=vendor.record_count,
        uses_subcontractors=vendor.uses_subcontractors,
        offshore=vendor.offshore,
        phi_access_began=vendor.phi_access_began,
        tier=vendor.tier,
        subcontractor_count=subcontractor_count,
    )


def subcontractor_counts(vendor_ids) -> dict[int, int]:
    """``{vendor id: number of current subcontractor rows}`` (ended ones are former) in one
    query."""
    rows = (
        Subcontractor.objects.filter(vendor_id__in=list(vendor_ids), ended_on__isnull=True)
        .values("vendor_id")
        .annotate(n=Count("id"))
    )
    counts = {row["vendor_id"]: row["n"] for row in rows}
    return {vid: counts.get(vid, 0) for vid in vendor_ids}


def practice_facts(organization) -> findings.PracticeFacts:
    return findings.PracticeFacts(
        cost_per_record=organization.cost_per_record,
        cost_per_record_year=organization.cost_per_record_year,
        breach_notice_threshold_days=organization.breach_notice_threshold_days,
    )


class ChecklistItem(TenantModel):
    """One required provision (``provisions.py``) of one agreement: present, absent or not
    reviewed, with who reviewed it and when."""

    agreement = models.ForeignKey(
        BusinessAssociateAgreement, on_delete=models.CASCADE, related_name="checklist"
    )
    provision = models.CharField(max_length=32, choices=PROVISION_CHOICES)
    state = models.CharField(
        max_length=16, choices=ProvisionState.choices, default=ProvisionState.NOT_REVIEWED
    )
    note = models.CharField(max_length=500, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    history = PracticeHistory()

    class Meta:
        ordering = ["agreement", "position"]
        verbose_name = "provision checklist row"
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "provision"],
                name="checklist_one_row_per_provision",
                violation_error_message="This provision is already on the checklist.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provision_text}: {self.get_state_display()}"

    @property
    def cite(self) -> str:
        return BY_KEY[self.provision].cite if self.provision in BY_KEY else ""

    @property
    def provision_text(self) -> str:
        return BY_KEY[self.provision].text if self.provision in BY_KEY else self.provision


class AgreementDocument(StoredFile):
    """A signed BAA, an amendment or another document of an agreement (PDF, private)."""

    agreement = models.ForeignKey(
        BusinessAssociateAgreement, on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField(
        max_length=12, choices=DocumentKind.choices, default=DocumentKind.SIGNED
    )

    history = PracticeHistory()

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = "agreement document"

    def get_absolute_url(self) -> str:
        return reverse("agreement_document_download", args=[self.pk])


class Amendment(TenantModel):
    """A change to an agreement, recorded against it (with its document if any)."""

    agreement = models.ForeignKey(
        BusinessAssociateAgreement, on_delete=models.PROTECT, related_name="amendments"
    )
    amended_on = models.DateField("date of the amendment")
    summary = models.TextField()
    hitech_omnibus = models.BooleanField(
        "this is the HITECH/Omnibus amendment",
        default=False,
        help_text="It brings an agreement signed before 2013-09-23 up to the Omnibus Rule "
        "(breach notification, subcontractors, Security Rule).",
    )
    document = models.ForeignKey(
        AgreementDocument, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = PracticeHistory()

    class Meta:
        ordering = ["-amended_on", "-id"]

    def __str__(self) -> str:
        return f"Amendment of {self.amended_on:%Y-%m-%d}"
