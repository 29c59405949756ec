"""The practice's standard BAA positions (one row per practice, with history) and the
agreements generated from them (one row per generated version)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from baas.choices import CapKind, CarveOut, DayKind, IndemnityCover, NoticeTrigger
from baas.models import BusinessAssociateAgreement
from oversight.history import PracticeHistory
from oversight.models import Organization, TenantModel

from . import positions
from .choices import (
    CAP_CHOICES,
    INDEMNIFICATION_CHOICES,
    RETURN_DESTROY_CHOICES,
    Flowdown,
    SignatureStatus,
)

D = positions.DEFAULTS


class StandardPositions(TenantModel):
    """What the practice asks for on its own paper. Defaults: ``positions.DEFAULTS``."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="baa_positions"
    )
    indemnification = models.CharField(
        max_length=20, choices=INDEMNIFICATION_CHOICES, default=D.indemnification
    )
    indemnification_covers = models.JSONField(
        "indemnification covers", default=positions.default_covers
    )
    cap_kind = models.CharField(
        "limitation of liability", max_length=12, choices=CAP_CHOICES, default=D.cap_kind
    )
    cap_amount = models.DecimalField(
        "cap: fixed amount ($)", max_digits=14, decimal_places=2, null=True, blank=True
    )
    cap_months = models.PositiveSmallIntegerField("cap: months of fees", null=True, blank=True)
    carve_outs = models.JSONField(
        "carve-outs from the cap", default=positions.default_carve_outs, blank=True
    )
    breach_notice_days = models.PositiveSmallIntegerField(
        "breach-notice window", default=D.breach_notice_days
    )
    breach_notice_day_kind = models.CharField(
        "counted in", max_length=8, choices=DayKind.choices, default=D.breach_notice_day_kind
    )
    breach_notice_trigger = models.CharField(
        "the clock starts at",
        max_length=12,
        choices=[c for c in NoticeTrigger.choices if c[0] != NoticeTrigger.UNKNOWN],
        default=D.breach_notice_trigger,
    )
    subcontractor_flowdown = models.CharField(
        "subcontractors", max_length=12, choices=Flowdown.choices, default=D.subcontractor_flowdown
    )
    offshore_restricted = models.BooleanField(
        "PHI stays in the United States", default=D.offshore_restricted
    )
    audit_rights = models.BooleanField("we may audit the vendor", default=D.audit_rights)
    return_destroy = models.CharField(
        "PHI at termination",
        max_length=16,
        choices=RETURN_DESTROY_CHOICES,
        default=D.return_destroy,
    )
    return_within_days = models.PositiveSmallIntegerField(
        "returned or destroyed within (days)", default=D.return_within_days
    )
    insurance_amount = models.DecimalField(
        "cyber insurance the vendor carries ($)",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        default=D.insurance_amount,
        help_text="Leave empty for no insurance clause.",
    )
    governing_law = models.CharField(
        "governing law (state)",
        max_length=100,
        blank=True,
        help_text="Leave empty for the law of the state of our principal place of business.",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = PracticeHistory()

    class Meta:
        verbose_name = "standard BAA positions"
        verbose_name_plural = "standard BAA positions"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(cap_kind=CapKind.FIXED) | models.Q(cap_amount__gt=0),
                name="positions_fixed_cap_has_amount",
                violation_error_message="Give the amount of the cap.",
            ),
            models.CheckConstraint(
                condition=~models.Q(cap_kind=CapKind.FEES_MONTHS) | models.Q(cap_months__gt=0),
                name="positions_fees_cap_has_months",
                violation_error_message="Give the number of months of fees.",
            ),
            models.CheckConstraint(
                condition=models.Q(breach_notice_days__gt=0),
                name="positions_notice_window_positive",
                violation_error_message="The breach-notice window must be at least 1.",
            ),
        ]

    def __str__(self) -> str:
        return f"Standard BAA positions of {self.organization}"

    def clean(self) -> None:
        if self.cap_kind == CapKind.FIXED and not self.cap_amount:
            raise ValidationError({"cap_amount": "Give the amount of the cap."})
        if self.cap_kind == CapKind.FEES_MONTHS and not self.cap_months:
            raise ValidationError({"cap_months": "Give the number of months of fees."})
        unknown = set(self.carve_outs or ()) - set(CarveOut.values)
        unknown |= set(self.indemnification_covers or ()) - set(IndemnityCover.values)
        if unknown:
            raise ValidationError(f"Unknown choice(s): {', '.join(sorted(unknown))}.")

    def as_positions(self) -> positions.Positions:
        values = {name: getattr(self, name) for name in positions.FIELDS}
        values["indemnification_covers"] = tuple(self.indemnification_covers or ())
        values["carve_outs"] = tuple(self.carve_outs or ())
        return positions.Positions(**values)


class GeneratedAgreement(TenantModel):
    """One generated version of the practice's BAA for a vendor: the draft agreement it
    recorded, and the positions it was written from (kept as they were)."""

    agreement = models.OneToOneField(
        BusinessAssociateAgreement, on_delete=models.PROTECT, related_name="generated"
    )
    vendor = models.ForeignKey(
        "vendors.BusinessAssociate", on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveSmallIntegerField()
    positions = models.JSONField("positions used")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = PracticeHistory()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["vendor", "version"],
                name="generated_one_row_per_version",
                violation_error_message="This version was already generated.",
            )
        ]


class SignatureRequest(TenantModel):
    """One request to the vendor's signatory to sign a generated version electronically (a
    simple electronic signature under E-SIGN, 15 U.S.C. 7001, and UETA), through a private
    link (``portal.links``). Records what was signed (the document's SHA-256), who, when and
    from where, for both signatures; the signed PDF is the agreement's signed document."""

    generated = models.ForeignKey(
        GeneratedAgreement, on_delete=models.PROTECT, related_name="signature_requests"
    )
    agreement = models.ForeignKey(
        BusinessAssociateAgreement, on_delete=models.PROTECT, related_name="+"
    )
    link = models.OneToOneField(
        "portal.AccessLink", on_delete=models.PROTECT, related_name="signature_request"
    )
    contact = models.ForeignKey("vendors.VendorContact", on_delete=models.PROTECT, related_name="+")
    document = models.ForeignKey(
        "baas.AgreementDocument",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The PDF sent for signature.",
    )
    document_sha256 = models.CharField("SHA-256 of the document signed", max_length=64)
    status = models.CharField(
        max_length=12, choices=SignatureStatus.choices, default=SignatureStatus.SENT
    )
    vendor_signer_name = models.CharField(max_length=200, blank=True)
    vendor_signer_title = models.CharField(max_length=200, blank=True)
    vendor_signed_at = models.DateTimeField(null=True, blank=True)
    vendor_ip = models.GenericIPAddressField(null=True, blank=True)
    vendor_user_agent = models.CharField(max_length=300, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    decline_comments = models.TextField(blank=True)
    practice_signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    practice_signer_name = models.CharField(max_length=200, blank=True)
    practice_signer_title = models.CharField(max_length=200, blank=True)
    countersigned_at = models.DateTimeField(null=True, blank=True)
    practice_ip = models.GenericIPAddressField(null=True, blank=True)
    signed_document = models.ForeignKey(
        "baas.AgreementDocument",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The agreement PDF with its signature page.",
    )
    # The link in the "signed" email to the vendor's signatory (the first link's raw token is
    # not kept, so the signed copy gets a link of its own).
    download_link = models.OneToOneField(
        "portal.AccessLink",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signed_copy_request",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = PracticeHistory()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement"],
                condition=models.Q(status__in=["sent", "signed"]),
                name="signature_one_open_request_per_agreement",
                violation_error_message="This agreement already waits for a signature.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["signed", "complete"])
                | models.Q(vendor_signed_at__isnull=False),
                name="signature_signed_has_time",
                violation_error_message="A signature needs its time.",
            ),
        ]

    def __str__(self) -> str:
        return f"Signature request for {self.agreement}"
