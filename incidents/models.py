"""The vendor incident and breach log (issue 16). No patient names or identifiers are kept:
only categories and counts. Kept, never deleted (164.530(j): documentation six years)."""

from django.db import models
from django.db.models import F, Q

from oversight.history import PracticeHistory
from oversight.models import TenantModel
from vendors.models import BusinessAssociate

from . import clocks
from .choices import (
    BreachException,
    BreachLocation,
    BreachType,
    Conclusion,
    DiscoveryBasis,
    IncidentStatus,
    NoticeKind,
    NoticeMethod,
    PhiCategory,
)

NO_IDENTIFIERS = "No patient names or identifiers: categories and counts only."


def _labels(choices, keys) -> list[str]:
    labels = dict(choices.choices)
    return [labels.get(key, key) for key in keys or []]


class VendorIncident(TenantModel):
    """An incident a vendor reported (or the practice found) and its breach assessment."""

    vendor = models.ForeignKey(
        BusinessAssociate, on_delete=models.PROTECT, related_name="incidents"
    )
    title = models.CharField("short title", max_length=200, help_text=NO_IDENTIFIERS)
    # 164.410(a)(2): the first day it was known, or by reasonable diligence would have been.
    vendor_discovered_on = models.DateField("the vendor discovered it on")
    vendor_notified_on = models.DateField(
        "the vendor notified us on", null=True, blank=True, help_text="Empty: not yet."
    )
    practice_discovered_on = models.DateField(
        "we discovered it on",
        null=True,
        blank=True,
        help_text="Usually the day the vendor told us; earlier if we found it ourselves.",
    )
    discovery_basis = models.CharField(
        "our clocks run from",
        max_length=8,
        choices=DiscoveryBasis.choices,
        default=DiscoveryBasis.VENDOR,
        help_text="164.404(a)(2): an agent's discovery is the practice's.",
    )
    # The HHS breach portal asks for the breach's own dates, apart from its discovery.
    breach_started_on = models.DateField(
        "the breach began on", null=True, blank=True, help_text="Empty: not known yet."
    )
    breach_ended_on = models.DateField(
        "the breach ended on", null=True, blank=True, help_text="Empty: ongoing or not known."
    )
    description = models.TextField("what happened", help_text=NO_IDENTIFIERS)
    phi_categories = models.JSONField("PHI involved", default=list, blank=True)
    # The HHS breach portal's "type of breach" and "location of breached information".
    breach_types = models.JSONField("type of breach", default=list, blank=True)
    locations = models.JSONField("location of the information", default=list, blank=True)
    individuals_affected = models.PositiveIntegerField(
        "individuals affected", null=True, blank=True, help_text="Empty while not known."
    )
    # {"NY": 600, "NJ": 400}: residents affected by state or jurisdiction (164.406).
    states = models.JSONField("residents by state", default=dict, blank=True)
    status = models.CharField(
        max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.INVESTIGATING
    )

    # 164.412: a law-enforcement official asked to delay notification.
    law_enforcement_delay = models.BooleanField("law enforcement asked for a delay", default=False)
    law_enforcement_requested_on = models.DateField("delay requested on", null=True, blank=True)
    law_enforcement_until = models.DateField("delay ends on", null=True, blank=True)
    law_enforcement_in_writing = models.BooleanField(
        "the request is in writing",
        default=True,
        help_text="164.412(b): an oral request holds 30 days at most unless put in writing.",
    )

    # 164.402(2): the four factors of the risk assessment, each with its finding.
    factor_nature = models.TextField(
        "1. nature and extent of the PHI (identifiers, likelihood of re-identification)",
        blank=True,
    )
    factor_recipient = models.TextField(
        "2. the unauthorized person who used it or to whom it was disclosed", blank=True
    )
    factor_acquired = models.TextField(
        "3. whether the PHI was actually acquired or viewed", blank=True
    )
    factor_mitigation = models.TextField(
        "4. the extent to which the risk was mitigated", blank=True
    )
    conclusion = models.CharField(
        max_length=16, choices=Conclusion.choices, default=Conclusion.PENDING
    )
    assessed_on = models.DateField(
        "assessment concluded on",
        null=True,
        blank=True,
        help_text="Empty: the day the conclusion is recorded.",
    )
    exception = models.CharField(
        "exception (164.402(1))", max_length=16, choices=BreachException.choices, blank=True
    )
    phi_secured = models.BooleanField(
        "the PHI was secured (encrypted or destroyed per HHS guidance)", default=False
    )
    secured_how = models.CharField("how it was secured", max_length=300, blank=True)

    # The BAA's breach-notice window when the incident was recorded (the contract then).
    baa_window = models.PositiveSmallIntegerField("BAA breach-notice window", null=True, blank=True)
    baa_window_unit = models.CharField(max_length=8, default=clocks.WindowUnit.CALENDAR)

    created_at = models.DateTimeField(auto_now_add=True)
    history = PracticeHistory()

    FACTORS = ("factor_nature", "factor_recipient", "factor_acquired", "factor_mitigation")

    class Meta:
        ordering = ["-vendor_discovered_on", "-id"]
        indexes = [
            # The incident list and the due-item provider: open incidents of a practice.
            models.Index(
                fields=["organization", "vendor_discovered_on"],
                name="incident_open",
                condition=~Q(status="closed"),
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(vendor_notified_on__isnull=True)
                | Q(vendor_notified_on__gte=F("vendor_discovered_on")),
                name="incident_notified_after_discovery",
                violation_error_message="The vendor cannot notify us before it discovered it.",
            ),
            models.CheckConstraint(
                condition=Q(breach_ended_on__isnull=True)
                | Q(breach_started_on__isnull=True)
                | Q(breach_ended_on__gte=F("breach_started_on")),
                name="incident_breach_ends_after_it_began",
                violation_error_message="A breach cannot end before it began.",
            ),
            models.CheckConstraint(
                condition=Q(law_enforcement_until__isnull=True)
                | Q(law_enforcement_requested_on__isnull=True)
                | Q(law_enforcement_until__gte=F("law_enforcement_requested_on")),
                name="incident_delay_ends_after_request",
                violation_error_message="A delay cannot end before it was requested.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vendor}: {self.title}"

    @property
    def phi_category_labels(self) -> list[str]:
        return _labels(PhiCategory, self.phi_categories)

    @property
    def breach_type_labels(self) -> list[str]:
        return _labels(BreachType, self.breach_types)

    @property
    def location_labels(self) -> list[str]:
        return _labels(BreachLocation, self.locations)

    def facts(self, notices=None) -> clocks.IncidentFacts:
        """The record as the clocks read it. ``notices``: the incident's notices if already
        fetched (else one query)."""
        if notices is None:
            notices = list(self.notices.all())
        given: dict = {}
        for notice in notices:
            if notice.kind in (NoticeKind.INDIVIDUALS, NoticeKind.MEDIA, NoticeKind.HHS):
                given[notice.kind] = min(given.get(notice.kind, notice.given_on), notice.given_on)
        delay = None
        if self.law_enforcement_delay and self.law_enforcement_until:
            delay = clocks.LawEnforcementDelay(
                requested_on=self.law_enforcement_requested_on or self.vendor_discovered_on,
                until=self.law_enforcement_until,
                in_writing=self.law_enforcement_in_writing,
            )
        return clocks.IncidentFacts(
            vendor_discovered=self.vendor_discovered_on,
            practice_discovered=self.practice_discovered_on,
            vendor_notified=self.vendor_notified_on,
            individuals=self.individuals_affected,
            states={k: int(v) for k, v in (self.states or {}).items()},
            conclusion=clocks.Conclusion(self.conclusion),
            exception_applies=bool(self.exception),
            phi_secured=self.phi_secured,
            delay=delay,
            basis=clocks.DiscoveryBasis(self.discovery_basis),
            window=self.baa_window,
            window_unit=clocks.WindowUnit(self.baa_window_unit),
            notices_given=given,
        )


class IncidentNotice(TenantModel):
    """A notice the practice gave: to individuals, the media, HHS or a state authority."""

    incident = models.ForeignKey(VendorIncident, on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(max_length=12, choices=NoticeKind.choices)
    given_on = models.DateField("given on")
    method = models.CharField(max_length=12, choices=NoticeMethod.choices)
    details = models.CharField(
        "details",
        max_length=300,
        blank=True,
        help_text="E.g. the state, the outlet. " + NO_IDENTIFIERS,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = PracticeHistory()

    class Meta:
        ordering = ["given_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.given_on}"
