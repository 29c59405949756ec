"""BAA findings (red flags): what in an agreement, or its absence, puts the practice at risk.

Pure: no ORM, no request. ``evaluate`` takes plain facts about a vendor, its agreement (or
``None``), the practice's breach-cost rate and today's date, and returns ``Finding`` rows, most
severe first. Each finding has a plain-English explanation a practice manager understands, the
cite or source, and a suggested negotiation step.

Sources: 45 CFR 164.502(e), 164.504(e), 164.314(a), 164.410 (see ``provisions.py``), the
Omnibus Rule (effective 2013-01-25) and seed 000 of the domain brief (indemnification, liability
caps, carve-outs). ``ce_risk`` rates the indemnification structure as the seed's comparison table
does (vendor template: high; negotiated mutual: moderate; mutual with a gross-negligence
carve-out: lower; no clause: high).

Rule by rule (code: severity):
- ``no_signed_baa``: critical. The vendor handles PHI, is onboarding or active, and has no
  signed, current BAA (164.502(e), 164.504(e)).
- ``phi_before_baa``: warning. PHI access began before the BAA was signed.
- ``indemnification_vendor_favourable``: critical. The practice indemnifies the vendor.
- ``indemnification_none``: warning. No clause: recovery rests on tort law.
- ``cap_below_exposure``: warning. The cap in dollars is below records x cost per record.
- ``cap_few_months``: warning. The cap is the fees of fewer than 12 months.
- ``carve_out_missing:<key>``: warning, one per missing carve-out, when there is a cap.
- ``breach_notice_missing``: warning. ``breach_notice_too_long``: critical (over 60 calendar
  days, 164.410(b)).
- ``provision_absent:<key>``: critical, one per required provision marked absent.
- ``provisions_not_reviewed``: warning, one finding counting the provisions not yet reviewed.
- ``pre_omnibus``: critical. Signed before 2013-01-25 and never amended.
- ``expired``: critical. ``expiring``: warning, within the tier's first warning threshold.
- ``renewal_notice``: warning. The last day to give notice against auto-renewal is within the
  warning window (info once passed: the agreement renews on its own).
- ``subcontractor_provision_absent``: critical. The vendor uses subcontractors and the
  subcontractor provision is absent (warning if not reviewed).
- Information only: indemnification or cap not recorded; fines covered with no cyber insurance
  recorded; offshore vendor with no offshore restriction.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from .choices import (
    AgreementStatus,
    CapKind,
    CarveOut,
    DayKind,
    Indemnification,
    IndemnityCover,
    ProvisionState,
    Severity,
    Term,
)
from .provisions import BY_KEY, PROVISIONS

OMNIBUS_EFFECTIVE = date(2013, 1, 25)
MAX_NOTICE_DAYS = 60  # 164.410(b): without unreasonable delay, at most 60 calendar days
FEW_MONTHS = 12  # a cap of fewer months' fees than a year is "only a few months"
ENGAGED = ("onboarding", "active", "offboarding")  # vendors.choices.ENGAGED_STATUSES
SEVERITY_ORDER = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass(frozen=True)
class VendorFacts:
    name: str
    status: str  # vendors.choices.RelationshipStatus value
    handles_phi: bool
    record_count: int | None = None
    uses_subcontractors: bool = False
    offshore: bool = False
    phi_access_began: date | None = None


@dataclass(frozen=True)
class AgreementFacts:
    status: str = AgreementStatus.DRAFT
    effective_on: date | None = None
    signed_on: date | None = None
    expires_on: date | None = None  # None: evergreen
    auto_renews: bool = False
    renewal_notice_days: int | None = None
    amended: bool = False  # at least one amendment recorded
    breach_notice_days: int | None = None
    breach_notice_day_kind: str = DayKind.CALENDAR
    indemnification: str = Indemnification.UNKNOWN
    indemnification_covers: tuple[str, ...] = ()
    cap_kind: str = CapKind.UNKNOWN
    cap_months: int | None = None
    cap_amount: Decimal | None = None
    cap_multiple: Decimal | None = None
    annual_contract_value: Decimal | None = None
    carve_outs: tuple[str, ...] = ()
    cyber_insurance_amount: Decimal | None = None
    offshore_restricted: str = Term.UNKNOWN
    # provision key -> ProvisionState value; a missing key counts as not reviewed.
    provisions: dict = field(default_factory=dict)


@dataclass(frozen=True)
class PracticeFacts:
    cost_per_record: Decimal = Decimal("408.00")
    cost_per_record_year: int = 2018


@dataclass(frozen=True)
class Finding:
    severity: str
    code: str
    title: str
    explanation: str
    cite: str
    negotiation: str = ""

    @property
    def is_critical(self) -> bool:
        return self.severity == Severity.CRITICAL


def money(amount: Decimal | int | None) -> str:
    if amount is None:
        return "unknown"
    return f"${Decimal(amount):,.0f}"


def cap_in_dollars(a: AgreementFacts) -> Decimal | None:
    """The liability cap in dollars where it can be computed; None if unknown or unlimited."""
    if a.cap_kind == CapKind.FIXED:
        return a.cap_amount
    if a.cap_kind == CapKind.FEES_MONTHS and a.cap_months and a.annual_contract_value is not None:
        return (a.annual_contract_value * a.cap_months / 12).quantize(Decimal("1"))
    if a.cap_kind == CapKind.MULTIPLE and a.cap_multiple and a.annual_contract_value is not None:
        return (a.annual_contract_value * a.cap_multiple).quantize(Decimal("1"))
    return None


def exposure(vendor: VendorFacts, practice: PracticeFacts) -> Decimal | None:
    """Estimated breach exposure: records held x the practice's cost per record."""
    if not vendor.record_count:
        return None
    return Decimal(vendor.record_count) * practice.cost_per_record


def notice_in_calendar_days(a: AgreementFacts) -> int | None:
    """Business days converted to calendar days (5 business days a week), rounded up."""
    if a.breach_notice_days is None:
        return None
    if a.breach_notice_day_kind == DayKind.BUSINESS:
        return -(-a.breach_notice_days * 7 // 5)
    return a.breach_notice_days


def is_current(a: AgreementFacts, today: date) -> bool:
    """Signed and not past its expiration date."""
    return a.status == AgreementStatus.SIGNED and (a.expires_on is None or a.expires_on >= today)


def renewal_notice_deadline(a: AgreementFacts) -> date | None:
    if not (a.auto_renews and a.expires_on and a.renewal_notice_days is not None):
        return None
    return a.expires_on - timedelta(days=a.renewal_notice_days)


def ce_risk(a: AgreementFacts) -> str:
    """The practice's risk from the indemnification structure (seed 000's comparison table):
    "high", "moderate", "lower" or "unknown" (not recorded)."""
    if a.indemnification in (Indemnification.VENDOR_FAVOURABLE, Indemnification.NONE):
        return "high"  # the practice absorbs breach costs, or recovery is uncertain
    if a.indemnification == Indemnification.PRACTICE_FAVOURABLE:
        return "lower"
    if a.indemnification == Indemnification.MUTUAL:
        if CarveOut.GROSS_NEGLIGENCE in a.carve_outs or a.cap_kind == CapKind.NONE:
            return "lower"  # balanced allocation; the cap cannot shield gross negligence
        return "moderate"  # costs follow fault
    return "unknown"


def gap_findings(
    vendor: VendorFacts, has_current_signed: bool, today: date | None = None
) -> list[Finding]:
    """The vendor-level finding: PHI handled with no signed, current BAA."""
    if vendor.handles_phi and vendor.status in ENGAGED and not has_current_signed:
        return [
            Finding(
                Severity.CRITICAL,
                "no_signed_baa",
                "No signed, current BAA",
                f"{vendor.name} handles PHI and is {vendor.status}, but there is no signed, "
                "current business associate agreement on file. Sharing PHI without one is a "
                "HIPAA violation by the practice.",
                "45 CFR 164.502(e), 164.504(e), 164.308(b)",
                "Get a BAA signed before any more PHI is shared, or suspend the vendor's access.",
            )
        ]
    return []


def _dates(a: AgreementFacts, vendor: VendorFacts, today: date, warning_days: int):
    out: list[Finding] = []
    if (
        a.signed_on
        and vendor.phi_access_began
        and vendor.phi_access_began < a.signed_on
        and vendor.handles_phi
    ):
        out.append(
            Finding(
                Severity.WARNING,
                "phi_before_baa",
                "PHI access began before the BAA was signed",
                f"PHI access began on {vendor.phi_access_began:%Y-%m-%d} but the BAA was signed "
                f"on {a.signed_on:%Y-%m-%d}. The PHI shared in between was not covered.",
                "45 CFR 164.502(e)(1)",
                "Record the gap and what was shared; consider whether a risk assessment "
                "is needed, and make sure future vendors sign before access begins.",
            )
        )
    signed_on = a.signed_on or a.effective_on
    if (
        a.status == AgreementStatus.SIGNED
        and signed_on
        and signed_on < OMNIBUS_EFFECTIVE
        and not a.amended
    ):
        out.append(
            Finding(
                Severity.CRITICAL,
                "pre_omnibus",
                "Signed before the 2013 Omnibus Rule and never amended",
                f"Signed on {signed_on:%Y-%m-%d}, before 2013-01-25, with no amendment on file. "
                "It probably lacks the breach-notification, subcontractor and Security Rule "
                "terms the law has required since then.",
                "Omnibus Rule, 78 FR 5566 (2013); 45 CFR 164.314(a), 164.504(e)",
                "Ask the vendor for a current BAA or an Omnibus amendment.",
            )
        )
    if a.status == AgreementStatus.EXPIRED or (
        a.status == AgreementStatus.SIGNED and a.expires_on and a.expires_on < today
    ):
        when = f" on {a.expires_on:%Y-%m-%d}" if a.expires_on else ""
        out.append(
            Finding(
                Severity.CRITICAL,
                "expired",
                "The BAA has expired",
                f"This agreement expired{when}. If the vendor still has PHI, it is working "
                "without a current BAA.",
                "45 CFR 164.502(e)",
                "Renew or replace the agreement now, or end the vendor's access to PHI.",
            )
        )
    elif a.status == AgreementStatus.SIGNED and a.expires_on:
        left = (a.expires_on - today).days
        if left <= warning_days:
            out.append(
                Finding(
                    Severity.WARNING,
                    "expiring",
                    f"Expires in {left} day{'s' if left != 1 else ''}",
                    f"This agreement expires on {a.expires_on:%Y-%m-%d}"
                    + (", and renews automatically" if a.auto_renews else "")
                    + ".",
                    "Practice policy: BAA expiry warnings for this tier",
                    "Decide now whether to renew, renegotiate the terms flagged here, or "
                    "replace the vendor.",
                )
            )
    deadline = renewal_notice_deadline(a)
    if a.status == AgreementStatus.SIGNED and deadline and a.expires_on >= today:
        if today <= deadline <= today + timedelta(days=warning_days):
            out.append(
                Finding(
                    Severity.WARNING,
                    "renewal_notice",
                    f"Notice against auto-renewal due by {deadline:%Y-%m-%d}",
                    f"The agreement renews automatically on {a.expires_on:%Y-%m-%d} unless "
                    f"notice is given {a.renewal_notice_days} days before, i.e. by "
                    f"{deadline:%Y-%m-%d}.",
                    "Contract term",
                    "If the terms need to change, send notice before the deadline and use the "
                    "renewal to negotiate.",
                )
            )
        elif deadline < today:
            out.append(
                Finding(
                    Severity.INFO,
                    "renewal_notice_passed",
                    "The auto-renewal notice deadline has passed",
                    f"The notice deadline was {deadline:%Y-%m-%d}; the agreement will renew on "
                    "its current terms.",
                    "Contract term",
                    "Note the next renewal's deadline.",
                )
            )
    return out


def _indemnification(a: AgreementFacts) -> list[Finding]:
    if a.indemnification == Indemnification.VENDOR_FAVOURABLE:
        return [
            Finding(
                Severity.CRITICAL,
                "indemnification_vendor_favourable",
                "One-sided indemnification in the vendor's favour",
                "The practice must indemnify the vendor, but the vendor has little or no "
                "obligation in return: if the vendor causes a breach, the practice absorbs "
                "the notification, credit-monitoring and legal costs.",
                "Seed 000 (BAA Generator, 2026): a significant red flag",
                "Ask for mutual indemnification: each party covers losses caused by its own "
                "negligence or breach of the agreement.",
            )
        ]
    if a.indemnification == Indemnification.NONE:
        return [
            Finding(
                Severity.WARNING,
                "indemnification_none",
                "No indemnification clause",
                "Nothing in the contract says who pays for a breach the vendor causes; the "
                "practice would have to rely on tort law, which is slow and uncertain.",
                "Seed 000: HIPAA does not require it, but its absence leaves exposure unaddressed",
                "Add mutual indemnification covering notification costs, credit monitoring, "
                "legal defense and civil liability.",
            )
        ]
    if a.indemnification == Indemnification.UNKNOWN:
        return [
            Finding(
                Severity.INFO,
                "indemnification_unknown",
                "Indemnification not recorded",
                "Read the indemnification clause and record its structure.",
                "Seed 000",
            )
        ]
    out: list[Finding] = []
    if IndemnityCover.REGULATORY_FINES in a.indemnification_covers and not a.cyber_insurance_amount:
        out.append(
            Finding(
                Severity.INFO,
                "fines_without_insurance",
                "Fines are covered, but no cyber insurance is recorded",
                "A promise to cover regulatory fines is only worth the vendor's ability to pay. "
                "Indemnification never shields the practice from OCR penalties themselves.",
                "Seed 000: OCR enforcement and contractual indemnification",
                "Ask for the vendor's cyber-insurance certificate and record the coverage.",
            )
        )
    return out


def _cap(a: AgreementFacts, vendor: VendorFacts, practice: PracticeFacts) -> list[Finding]:
    out: list[Finding] = []
    if a.cap_kind == CapKind.UNKNOWN:
        return [
            Finding(
                Severity.INFO,
                "cap_unknown",
                "Liability cap not recorded",
                "Read the limitation-of-liability clause and record the cap.",
                "Seed 000",
            )
        ]
    if a.cap_kind == CapKind.NONE:
        return out
    cap = cap_in_dollars(a)
    risk = exposure(vendor, practice)
    if cap is not None and risk is not None and cap < risk:
        out.append(
            Finding(
                Severity.WARNING,
                "cap_below_exposure",
                "Liability cap below the estimated breach exposure",
                f"The cap is {money(cap)}; a breach of the {vendor.record_count:,} records this "
                f"vendor holds would cost about {money(risk)} "
                f"({money(practice.cost_per_record)} per record, "
                f"{practice.cost_per_record_year} figure).",
                "Seed 000; Ponemon/IBM healthcare breach-cost studies",
                "Negotiate a cap that reflects the records held (a fixed amount near the "
                "exposure, or 12-24 months of fees), or remove the cap for data breaches.",
            )
        )
    if a.cap_kind == CapKind.FEES_MONTHS and a.cap_months and a.cap_months < FEW_MONTHS:
        out.append(
            Finding(
                Severity.WARNING,
                "cap_few_months",
                f"Cap of only {a.cap_months} month{'s' if a.cap_months != 1 else ''}' fees",
                f"The vendor's liability is limited to the fees paid in the prior "
                f"{a.cap_months} months"
                + (f" (about {money(cap)})" if cap is not None else "")
                + ", typically far below the cost of a breach.",
                "Seed 000: a cap of three months' fees may be wholly inadequate",
                "Ask for at least 12-24 months of fees or a fixed amount based on the PHI held.",
            )
        )
    labels = dict(CarveOut.choices)
    for key in CarveOut.values:
        if key not in a.carve_outs:
            out.append(
                Finding(
                    Severity.WARNING,
                    f"carve_out_missing:{key}",
                    f"No carve-out from the cap for {labels[key].lower()}",
                    f"The cap also limits what the vendor owes for {labels[key].lower()}: a "
                    "vendor could hide behind the cap even in that case.",
                    "Seed 000: standard exclusions from liability caps",
                    f"Add {labels[key].lower()} to the exclusions from the liability cap.",
                )
            )
    return out


def _breach_notice(a: AgreementFacts) -> list[Finding]:
    days = notice_in_calendar_days(a)
    if days is None:
        return [
            Finding(
                Severity.WARNING,
                "breach_notice_missing",
                "No breach-notice window",
                "The agreement does not say how quickly the vendor must tell the practice about "
                "a breach. The practice's own 60-day clock to notify patients starts when the "
                "breach is discovered.",
                "45 CFR 164.410(b)",
                "Ask for notice within a short, fixed window (2-30 days are common).",
            )
        ]
    if days > MAX_NOTICE_DAYS:
        return [
            Finding(
                Severity.CRITICAL,
                "breach_notice_too_long",
                f"Breach-notice window of {a.breach_notice_days} "
                f"{'business' if a.breach_notice_day_kind == DayKind.BUSINESS else 'calendar'} "
                "days",
                f"That is about {days} calendar days, longer than the 60 calendar days the law "
                "allows a business associate after discovering a breach.",
                "45 CFR 164.410(b)",
                "Ask for notice within 30 days at most (2-10 days is better).",
            )
        ]
    return []


def _provisions(a: AgreementFacts, vendor: VendorFacts) -> list[Finding]:
    out: list[Finding] = []
    not_reviewed = []
    for p in PROVISIONS:
        state = a.provisions.get(p.key, ProvisionState.NOT_REVIEWED)
        if state == ProvisionState.ABSENT:
            out.append(
                Finding(
                    Severity.CRITICAL,
                    f"provision_absent:{p.key}",
                    f"Required provision absent: {p.text.lower()}",
                    "HIPAA requires every BAA to contain this provision; without it the "
                    "agreement does not satisfy the rule.",
                    f"45 CFR {p.cite}",
                    "Ask the vendor to add the provision (an amendment is enough).",
                )
            )
        elif state != ProvisionState.PRESENT:
            not_reviewed.append(p)
    if not_reviewed:
        n = len(not_reviewed)
        out.append(
            Finding(
                Severity.WARNING,
                "provisions_not_reviewed",
                f"{n} required provision{'s' if n != 1 else ''} not reviewed",
                "Not yet checked against the agreement: "
                + "; ".join(p.text.lower() for p in not_reviewed)
                + ".",
                "45 CFR 164.504(e), 164.314(a)",
                "Review the agreement against the checklist.",
            )
        )
    sub_state = a.provisions.get("subcontractors", ProvisionState.NOT_REVIEWED)
    if vendor.uses_subcontractors and sub_state != ProvisionState.PRESENT:
        absent = sub_state == ProvisionState.ABSENT
        out.append(
            Finding(
                Severity.CRITICAL if absent else Severity.WARNING,
                "subcontractor_provision_absent",
                "Uses subcontractors, but the subcontractor provision is "
                + ("absent" if absent else "not reviewed"),
                f"{vendor.name} passes PHI to subcontractors; the BAA must bind them to the "
                "same restrictions.",
                f"45 CFR {BY_KEY['subcontractors'].cite}; 164.502(e)(1)(ii)",
                "Ask for a subcontractor flow-down clause and a list of the subcontractors.",
            )
        )
    return out


def _other(a: AgreementFacts, vendor: VendorFacts) -> list[Finding]:
    if vendor.offshore and a.offshore_restricted != Term.YES:
        return [
            Finding(
                Severity.INFO,
                "offshore_unrestricted",
                "Offshore processing with no offshore restriction",
                f"{vendor.name} processes or stores data outside the US and the agreement does "
                "not restrict it.",
                "Practice policy",
                "Ask where PHI is kept and for a clause limiting offshore storage and access.",
            )
        ]
    return []


def agreement_findings(
    a: AgreementFacts,
    vendor: VendorFacts,
    practice: PracticeFacts,
    today: date,
    warning_days: int,
) -> list[Finding]:
    """Findings about one agreement's terms and dates. ``warning_days`` is the vendor's tier's
    first BAA expiry warning (e.g. 120 for critical)."""
    found: list[Finding] = []
    found += _dates(a, vendor, today, warning_days)
    found += _indemnification(a)
    found += _cap(a, vendor, practice)
    found += _breach_notice(a)
    found += _provisions(a, vendor)
    found += _other(a, vendor)
    return sort(found)


def evaluate(
    vendor: VendorFacts,
    agreement: AgreementFacts | None,
    practice: PracticeFacts,
    today: date,
    warning_days: int,
) -> list[Finding]:
    """Everything about a vendor's BAA position: the gap finding (if any) plus the findings of
    its agreement of reference (the signed one, else the latest draft), most severe first."""
    current = agreement is not None and is_current(agreement, today)
    found = gap_findings(vendor, current, today)
    if agreement is not None:
        found += agreement_findings(agreement, vendor, practice, today, warning_days)
    return sort(found)


def sort(found: list[Finding]) -> list[Finding]:
    return sorted(found, key=lambda f: SEVERITY_ORDER.get(f.severity, 9))


def counts(found: list[Finding]) -> dict[str, int]:
    return {
        "critical": sum(1 for f in found if f.severity == Severity.CRITICAL),
        "warning": sum(1 for f in found if f.severity == Severity.WARNING),
        "info": sum(1 for f in found if f.severity == Severity.INFO),
    }
