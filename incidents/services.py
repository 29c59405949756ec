"""Writes of the incident log: keyword-only, one transaction each, history recorded
(django-simple-history). Records are never deleted."""

from django.core.exceptions import ValidationError
from django.db import transaction

from baas.choices import AgreementStatus
from baas.models import BusinessAssociateAgreement

from .choices import Conclusion, NoticeKind
from .models import IncidentNotice, VendorIncident


def incident_errors(incident: VendorIncident, today) -> dict[str, str]:
    """What makes a record impossible, by field: the form shows the same messages."""
    errors: dict[str, str] = {}
    for name in ("vendor_discovered_on", "vendor_notified_on", "practice_discovered_on"):
        day = getattr(incident, name)
        if day and day > today:
            errors[name] = "This date is in the future."
    le_start = incident.law_enforcement_requested_on
    if le_start and le_start > today:
        errors["law_enforcement_requested_on"] = "This date is in the future."
    discovered = incident.vendor_discovered_on
    if discovered and incident.vendor_notified_on and incident.vendor_notified_on < discovered:
        errors.setdefault(
            "vendor_notified_on",
            "The vendor cannot have notified us before it discovered the incident "
            f"({discovered:%Y-%m-%d}).",
        )
    if incident.law_enforcement_delay:
        if not incident.law_enforcement_until:
            errors["law_enforcement_until"] = "Give the day the delay ends (164.412)."
        elif le_start and incident.law_enforcement_until < le_start:
            errors["law_enforcement_until"] = "The delay cannot end before it was requested."
    if incident.conclusion == Conclusion.LOW_PROBABILITY:
        for name in VendorIncident.FACTORS:
            if not (getattr(incident, name) or "").strip():
                errors[name] = (
                    "A low probability of compromise must be shown on all four factors "
                    "(164.402(2)): record this finding."
                )
    if incident.phi_secured and not incident.secured_how.strip():
        errors["secured_how"] = "Say how the PHI was secured (encryption, destruction)."
    counts = incident.states or {}
    if incident.individuals_affected is not None and sum(counts.values()) > (
        incident.individuals_affected
    ):
        errors["states"] = "The residents by state add up to more than the individuals affected."
    return errors


def _current_window(vendor) -> tuple[int | None, str]:
    baa = (
        BusinessAssociateAgreement.objects.filter(
            organization_id=vendor.organization_id, vendor=vendor, status=AgreementStatus.SIGNED
        )
        .order_by("-id")
        .first()
    )
    if baa is None or not baa.breach_notice_days:
        return None, "calendar"
    return baa.breach_notice_days, baa.breach_notice_day_kind


@transaction.atomic
def incident_save(*, incident: VendorIncident, actor) -> VendorIncident:
    """Record or update an incident. A new one copies the signed BAA's breach-notice window
    (the contract in force when it happened) so the vendor's report is judged against it."""
    if incident.vendor.organization_id != incident.organization_id:
        raise ValidationError("The vendor is not in this practice.")
    errors = incident_errors(incident, incident.organization.today())
    if errors:
        raise ValidationError(errors)
    if not incident.law_enforcement_delay:
        incident.law_enforcement_requested_on = incident.law_enforcement_until = None
    if incident.pk is None:
        incident.baa_window, incident.baa_window_unit = _current_window(incident.vendor)
    incident._history_user = actor
    incident.save()
    return incident


@transaction.atomic
def notice_record(*, notice: IncidentNotice, actor) -> IncidentNotice:
    """Record a notice given. Not before discovery, not in the future."""
    incident = notice.incident
    if incident.organization_id != notice.organization_id:
        raise ValidationError("The incident is not in this practice.")
    earliest = min(d for d in (incident.vendor_discovered_on, incident.practice_discovered_on) if d)
    if notice.given_on > incident.organization.today():
        raise ValidationError({"given_on": "This date is in the future."})
    if notice.given_on < earliest:
        raise ValidationError(
            {"given_on": f"A notice cannot precede the discovery ({earliest:%Y-%m-%d})."}
        )
    if notice.kind not in NoticeKind.values:
        raise ValidationError({"kind": "Choose a kind of notice."})
    notice._history_user = actor
    notice.save()
    return notice
