"""Writes of the incident log: keyword-only, one transaction each, history recorded
(django-simple-history). Records are never deleted."""

from django.core.exceptions import ValidationError
from django.db import transaction

from baas.choices import AgreementStatus
from baas.models import BusinessAssociateAgreement
from diligence.services import schedule_refresh

from . import clocks
from .choices import Conclusion, IncidentStatus, NoticeKind
from .models import IncidentNotice, VendorIncident


def incident_errors(incident: VendorIncident, today) -> dict[str, str]:
    """What makes a record impossible, by field: the form shows the same messages."""
    errors: dict[str, str] = {}
    for name in (
        "vendor_discovered_on",
        "vendor_notified_on",
        "practice_discovered_on",
        "breach_started_on",
        "breach_ended_on",
        "assessed_on",
    ):
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
    started, ended = incident.breach_started_on, incident.breach_ended_on
    if started and ended and ended < started:
        errors.setdefault(
            "breach_ended_on", f"The breach cannot end before it began ({started:%Y-%m-%d})."
        )
    if started and discovered and started > discovered:
        errors.setdefault(
            "breach_started_on",
            f"The breach cannot begin after it was discovered ({discovered:%Y-%m-%d}).",
        )
    earliest = min((d for d in (discovered, incident.practice_discovered_on) if d), default=None)
    if incident.assessed_on and earliest and incident.assessed_on < earliest:
        errors.setdefault(
            "assessed_on",
            f"The assessment cannot conclude before the discovery ({earliest:%Y-%m-%d}).",
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


def closing_errors(incident: VendorIncident, facts: clocks.IncidentFacts) -> dict[str, str]:
    """An incident is closed only once assessed and with every required notice recorded."""
    if not clocks.assessed(facts):
        return {"conclusion": "Record the risk assessment's conclusion before closing."}
    owed = clocks.owed(facts)
    if owed:
        listed = "; ".join(f"{d.label} (due {d.due:%Y-%m-%d})" for d in owed)
        return {"close": f"Record the notices still owed before closing: {listed}."}
    return {}


@transaction.atomic
def incident_save(*, incident: VendorIncident, actor, close: bool | None = None) -> VendorIncident:
    """Record or update an incident. A new one copies the signed BAA's breach-notice window
    (the contract in force when it happened) so the vendor's report is judged against it.
    The status follows the record (``clocks.status``); ``close=True`` closes it (once assessed
    and notified), ``False`` reopens it, ``None`` keeps it as it is. The vendor's next review
    follows (``diligence.services.schedule_refresh``: a breach brings it forward)."""
    if incident.vendor.organization_id != incident.organization_id:
        raise ValidationError("The vendor is not in this practice.")
    today = incident.organization.today()
    errors = incident_errors(incident, today)
    if errors:
        raise ValidationError(errors)
    if not incident.law_enforcement_delay:
        incident.law_enforcement_requested_on = incident.law_enforcement_until = None
    if incident.conclusion == Conclusion.PENDING:
        incident.assessed_on = None
    elif incident.assessed_on is None:
        incident.assessed_on = today
    if incident.pk is None:
        incident.baa_window, incident.baa_window_unit = _current_window(incident.vendor)
    facts = incident.facts(list(incident.notices.all()) if incident.pk else [])
    closed = incident.status == IncidentStatus.CLOSED if close is None else close
    if close:
        errors = closing_errors(incident, facts)
        if errors:
            raise ValidationError(errors)
    incident.status = clocks.status(facts, closed=closed)
    incident._history_user = actor
    incident.save()
    schedule_refresh(vendor=incident.vendor)
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
    # The status follows the notices (``clocks.status``): notified once none is owed.
    if incident.status != IncidentStatus.CLOSED:
        new = clocks.status(incident.facts())
        if new != incident.status:
            incident.status = new
            incident._history_user = actor
            incident.save(update_fields=["status"])
    return notice
