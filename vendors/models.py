"""The business-associate inventory: vendors, their contacts, subcontractors and tier history."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from oversight.history import PracticeHistory
from oversight.models import Membership, TenantModel, TenantQuerySet

from .baa_status import BaaState
from .choices import (
    AccessLevel,
    Category,
    ContactRole,
    Criticality,
    DeterminationBasis,
    PhiType,
    RelationshipStatus,
    Tier,
    TierChangeSource,
)
from .tiering import RiskProfile


class BusinessAssociateQuerySet(TenantQuerySet):
    def current(self):
        """Not archived: what lists show."""
        return self.filter(archived_at__isnull=True)


class BusinessAssociate(TenantModel):
    """A vendor that creates, receives, maintains or transmits PHI for the practice
    (45 CFR 160.103), or a prospective one. Archived, never deleted (164.316(b)(2))."""

    name = models.CharField(max_length=200)
    external_id = models.CharField(
        max_length=100, blank=True, help_text="Your own reference (for imports and exports)."
    )
    category = models.CharField(max_length=32, choices=Category.choices, default=Category.OTHER)
    services = models.TextField("services provided", blank=True)
    status = models.CharField(
        "relationship status",
        max_length=16,
        choices=RelationshipStatus.choices,
        default=RelationshipStatus.PROSPECTIVE,
    )
    owner = models.ForeignKey(
        Membership,
        verbose_name="internal owner",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_vendors",
    )
    phi_types = models.JSONField("types of PHI", default=list, blank=True)
    phi_electronic = models.BooleanField("electronic PHI (ePHI)", default=False)
    phi_paper = models.BooleanField("paper PHI", default=False)
    record_count = models.PositiveIntegerField(
        "approximate number of patient records", null=True, blank=True
    )
    access_level = models.CharField(
        "PHI access level", max_length=16, choices=AccessLevel.choices, default=AccessLevel.NONE
    )
    remote_access = models.BooleanField(
        "remote or privileged access to the practice's systems", default=False
    )
    offshore = models.BooleanField("processes or stores data outside the US", default=False)
    uses_subcontractors = models.BooleanField("uses subcontractors that touch PHI", default=False)
    criticality = models.CharField(
        "criticality to operations",
        max_length=8,
        choices=Criticality.choices,
        default=Criticality.MEDIUM,
    )
    phi_access_began = models.DateField("date PHI access began", null=True, blank=True)
    website = models.URLField(blank=True)
    notes = models.TextField(blank=True)

    # Derived and stored so lists can filter and sort on them with an index.
    handles_phi = models.BooleanField(default=False, editable=False)
    # ``RiskProfile.needs_baa``: handles PHI, or has remote or privileged access (the MSP).
    needs_baa = models.BooleanField("needs a BAA", default=False, editable=False)
    # A recorded "not a business associate" determination is in force (``BaDetermination``);
    # cleared when the profile comes to need a BAA (``vendors.services``).
    determined_not_ba = models.BooleanField(
        "determined not a business associate", default=False, editable=False
    )
    computed_tier = models.CharField(
        max_length=8, choices=Tier.choices, default=Tier.LOW, editable=False
    )
    tier_reasons = models.JSONField(default=list, editable=False)
    tier_override = models.CharField(max_length=8, choices=Tier.choices, blank=True)
    tier_override_reason = models.TextField(blank=True)
    tier = models.CharField(max_length=8, choices=Tier.choices, default=Tier.LOW, editable=False)
    # Why the vendor went active without a signed BAA, when that happened.
    activation_override_reason = models.TextField(blank=True)

    # Kept up to date by the ``baas`` app whenever an agreement changes, so that the inventory
    # can filter and sort on the BAA status in one query (see ``vendors/baa_status.py``).
    baa_state = models.CharField(
        "BAA", max_length=12, choices=BaaState.choices, default=BaaState.MISSING, editable=False
    )
    baa_expires_on = models.DateField("BAA expires on", null=True, blank=True, editable=False)
    baa_findings_critical = models.PositiveSmallIntegerField(default=0, editable=False)
    baa_findings_warning = models.PositiveSmallIntegerField(default=0, editable=False)
    # The signed agreement lacks a required provision (``baas.findings.is_deficient``): it is
    # not counted as compliant ("Signed, deficient").
    baa_deficient = models.BooleanField("BAA deficient", default=False, editable=False)

    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BusinessAssociateQuerySet.as_manager()
    history = PracticeHistory()

    class Meta:
        ordering = ["name"]
        verbose_name = "business associate"
        indexes = [
            models.Index(fields=["organization", "tier"], name="vendor_org_tier"),
            models.Index(fields=["organization", "status"], name="vendor_org_status"),
            models.Index(fields=["organization", "name"], name="vendor_org_name"),
            # The inventory as listed (archived hidden): its count reads the index alone.
            models.Index(
                fields=["organization", "name"],
                condition=models.Q(archived_at__isnull=True),
                name="vendor_org_live_name",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(tier_override__gt="") | ~models.Q(tier_override_reason=""),
                name="vendor_tier_override_needs_reason",
                violation_error_message="A tier override needs a written justification.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("vendor_detail", args=[self.pk])

    @property
    def risk_profile(self) -> RiskProfile:
        return RiskProfile(
            access_level=self.access_level,
            phi_electronic=self.phi_electronic,
            phi_paper=self.phi_paper,
            record_count=self.record_count,
            remote_access=self.remote_access,
            offshore=self.offshore,
            uses_subcontractors=self.uses_subcontractors,
            criticality=self.criticality,
            phi_types=tuple(self.phi_types or ()),
        )

    @property
    def is_overridden(self) -> bool:
        return bool(self.tier_override)

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def get_phi_types_display(self) -> list[str]:
        labels = dict(PhiType.choices)
        return [labels.get(value, value) for value in self.phi_types or []]

    @property
    def phi_media_display(self) -> str:
        media = [
            m for m, on in (("electronic", self.phi_electronic), ("paper", self.phi_paper)) if on
        ]
        return " and ".join(media) or "none"


class VendorContact(TenantModel):
    vendor = models.ForeignKey(BusinessAssociate, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=20, choices=ContactRole.choices, default=ContactRole.OTHER)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    notes = models.CharField(max_length=500, blank=True)
    # A contact who no longer serves is ended, never deleted (164.316(b)(2)(i), 164.530(j)(2)):
    # listed as former on the vendor page, kept in the history and the binder.
    ended_on = models.DateField("no longer a contact since", null=True, blank=True)

    history = PracticeHistory()

    class Meta:
        ordering = ["role", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"


class Subcontractor(TenantModel):
    """A business associate's own vendor that touches the practice's PHI (164.502(e)(1)(ii)).

    Either a named record, or linked to a vendor of the practice's own inventory."""

    vendor = models.ForeignKey(
        BusinessAssociate, on_delete=models.CASCADE, related_name="subcontractors"
    )
    name = models.CharField(max_length=200, blank=True)
    linked_vendor = models.ForeignKey(
        BusinessAssociate,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="subcontracted_by",
        help_text="If this subcontractor is also in your inventory.",
    )
    services = models.CharField("what it does with PHI", max_length=500, blank=True)
    offshore = models.BooleanField("outside the US", default=False)
    # A subcontractor the vendor stopped using is ended, never deleted (164.316(b)(2)(i),
    # 164.530(j)(2)): the record of who held the practice's PHI, and when, is kept.
    ended_on = models.DateField("no longer used since", null=True, blank=True)

    history = PracticeHistory()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(name="") | models.Q(linked_vendor__isnull=False),
                name="subcontractor_named_or_linked",
                violation_error_message="Name the subcontractor or pick it from your inventory.",
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or (self.linked_vendor.name if self.linked_vendor else "")


class TierChange(TenantModel):
    """Every change of a vendor's effective tier: who, when, from, to, why."""

    vendor = models.ForeignKey(
        BusinessAssociate, on_delete=models.CASCADE, related_name="tier_changes"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_tier = models.CharField(max_length=8, choices=Tier.choices, blank=True)
    to_tier = models.CharField(max_length=8, choices=Tier.choices)
    source = models.CharField(max_length=20, choices=TierChangeSource.choices)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.vendor}: {self.from_tier or '-'} -> {self.to_tier}"


class BaDetermination(TenantModel):
    """A documented determination that a vendor is not a business associate: its basis (no PHI,
    the conduit exception, the treatment-provider exception, or another explained ground), who
    made it and when. Rules in ``vendors/determination.py``. The newest one is in force while
    the vendor's profile says no BAA is needed; earlier ones are kept (164.316(b)(2)), never
    deleted."""

    vendor = models.ForeignKey(
        BusinessAssociate, on_delete=models.PROTECT, related_name="determinations"
    )
    basis = models.CharField(max_length=16, choices=DeterminationBasis.choices)
    explanation = models.TextField(blank=True)
    determined_by = models.ForeignKey(
        Membership,
        verbose_name="determined by",
        null=True,
        on_delete=models.SET_NULL,  # a member may leave the practice; the name below stays
        related_name="+",
    )
    determined_by_name = models.CharField("determined by (name when recorded)", max_length=200)
    determined_on = models.DateField("determined on")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    history = PracticeHistory()

    class Meta:
        ordering = ["-determined_on", "-id"]
        verbose_name = "business associate determination"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(basis="other") | ~models.Q(explanation=""),
                name="determination_other_needs_explanation",
                violation_error_message="Explain why this vendor is not a business associate.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vendor}: not a business associate ({self.get_basis_display()})"
