"""BAA findings (red flags): what in an agreement, or its absence, puts the practice at risk.

Pure: no ORM, no request. ``evaluate`` takes plain facts about a vendor, its agreement (or
``None``), the practice's breach-cost rate and policy, and today's date, and returns ``Finding``
rows, most severe first: one finding per problem. Each finding has a plain-English explanation a
practice manager understands, the cite or public source, and a suggested negotiation step.

Sources: 45 CFR 164.502(e), 164.504(e), 164.314(a), 164.402, 164.404, 164.410 (see
``provisions.py``), the Omnibus Rule (78 FR 5566, published 2013-01-25, effective 2013-03-26,
compliance date 2013-09-23; the 164.532(d)-(e) transition for older agreements ran to
2014-09-22). Terms HIPAA does not require (indemnification, liability caps, carve-outs, audit
rights) are labelled "Contract term, not required by HIPAA; common practice", with the public
article they follow (BAA Generator, "HIPAA BAA Indemnification Clauses", 2026) and the
breach-cost study with its year. ``ce_risk`` rates the indemnification structure as that
article's comparison table does (vendor template: high; negotiated mutual: moderate; mutual
with a gross-negligence carve-out: lower; no clause: high).

Rule by rule (code: severity):
- ``no_signed_baa``: critical. The vendor handles PHI, is onboarding or active, and has no
  signed, current BAA (164.502(e), 164.504(e)); PHI already disclosed is presumed a breach
  unless a four-factor assessment shows otherwise (164.402(2)).
  ``baa_needed_before_phi``: warning, instead, while the vendor's PHI access is planned for a
  later date: the BAA must be signed before then.
- ``phi_before_baa``: warning. PHI access began before the BAA was signed.
- ``indemnification_vendor_favourable``: critical. The practice indemnifies the vendor.
- ``indemnification_none``: warning. No clause: contract claims (limited by the cap) and tort.
- ``cap_below_exposure``: warning. The cap in dollars is below records x cost per record.
- ``cap_not_valued``: warning. The cap or the exposure cannot be computed: says what to record.
- ``cap_few_months``: warning. The cap is the fees of fewer than 12 months.
- ``carve_outs_missing``: warning, one finding listing every missing carve-out, when capped.
- ``breach_notice_missing``: warning (the 60-day maximum of 164.410(b) still applies through
  the BAA). ``breach_notice_too_long``: critical, over 60 calendar days (business days on the
  worst case: weekends and federal holidays, ``business_days.py``; hours too).
  ``breach_notice_over_policy``: warning, over the practice's threshold (default 30 days).
  ``breach_notice_clock_late``: warning, the clock starts later than discovery (164.410(a)(2)).
- ``provision_absent:<key>``: critical, one per required provision marked absent: the
  agreement is deficient (``is_deficient``). The return/destruction provision follows the
  "PHI at termination" term when it is recorded ("not addressed" is absent).
- ``provisions_not_reviewed``: warning, one finding listing the provisions not yet reviewed.
- ``subcontractor_provision_absent``: warning. The vendor uses subcontractors (ticked, or
  subcontractors listed) and the subcontractor provision is not reviewed.
  ``subcontractors_not_listed``: warning. Ticked as using subcontractors, none listed.
- ``no_audit_rights``: warning. No audit rights for a high or critical vendor.
- ``own_use_rights``: warning. The vendor may de-identify, aggregate, train models on or
  otherwise use PHI for its own purposes beyond 164.504(e)(2)(i) and (e)(4).
- ``pre_omnibus``: critical. Signed before 2013-09-23 with no amendment dated on or after that
  day and none marked as a HITECH/Omnibus amendment.
- ``expired``: critical. ``expiring``: warning, within the tier's first warning threshold.
- ``renewal_notice``: warning. The last day to give notice against auto-renewal is within the
  warning window (info once passed: the agreement renews on its own).
- Information only: indemnification or cap not recorded; fines covered with no cyber insurance
  recorded; offshore vendor with no offshore restriction.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from vendors.choices import ENGAGED_STATUSES

from .business_days import worst_case_calendar_days
from .choices import (
    AgreementStatus,
    CapKind,
    CarveOut,
    DayKind,
    Indemnification,
    IndemnityCover,
    NoticeTrigger,
    ProvisionState,
    ReturnDestroy,
    Severity,
    Term,
)
from .provisions import BY_KEY, PROVISIONS

OMNIBUS_PUBLISHED = date(2013, 1, 25)  # 78 FR 5566
OMNIBUS_EFFECTIVE = date(2013, 3, 26)
OMNIBUS_COMPLIANCE = date(2013, 9, 23)  # the cutoff: agreements signed before it are flagged
OMNIBUS_TRANSITION_END = date(2014, 9, 22)  # 164.532(e)(3): the last day older BAAs could run
MAX_NOTICE_DAYS = 60  # 164.410(b): without unreasonable delay, at most 60 calendar days
DEFAULT_NOTICE_THRESHOLD = 30  # the practice's own limit, editable (Organization)
FEW_MONTHS = 12  # a cap of fewer months' fees than a year is "only a few months"
AUDIT_TIERS = ("critical", "high")
SEVERITY_ORDER = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}

CONTRACT_TERM = "Contract term, not required by HIPAA; common practice"
ARTICLE = (
    'BAA Generator, "HIPAA BAA Indemnification Clauses: What They Mean and What to Watch For" '
    "(2026)"
)
COST_STUDY = "IBM Security / Ponemon Institute, Cost of a Data Breach Report"
SUBCONTRACTOR_CITES = "164.502(e)(1)(ii), 164.504(e)(5), 164.314(a)(2)(iii)"
TERM_KEYS = ("return_destroy",)  # provisions answered by a term (``effective_provisions``)


@dataclass(frozen=True)
class VendorFacts:
    name: str
    status: str  # vendors.choices.RelationshipStatus value
    # PHI, or remote or privileged access (vendors.tiering.RiskProfile.needs_baa)
    needs_baa: bool
    record_count: int | None = None
    uses_subcontractors: bool = False
    offshore: bool = False
    phi_access_began: date | None = None
    tier: str = ""
    # Subcontractor rows recorded for the vendor; None: not known (the rule is skipped).
    subcontractor_count: int | None = None

    @property
    def has_subcontractors(self) -> bool:
        """Ticked, or subcontractors listed: either way the chain must be bound."""
        return self.uses_subcontractors or bool(self.subcontractor_count)


@dataclass(frozen=True)
class AgreementFacts:
    status: str = AgreementStatus.DRAFT
    effective_on: date | None = None
    signed_on: date | None = None
    expires_on: date | None = None  # None: evergreen
    auto_renews: bool = False
    renewal_notice_days: int | None = None
    amendment_dates: tuple[date, ...] = ()
    omnibus_amendment: bool = False  # an amendment marked as the HITECH/Omnibus amendment
    breach_notice_days: int | None = None  # the window, in ``breach_notice_day_kind`` units
    breach_notice_day_kind: str = DayKind.CALENDAR
    breach_notice_trigger: str = NoticeTrigger.UNKNOWN
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
    return_destroy: str = ReturnDestroy.UNKNOWN
    audit_rights: str = Term.UNKNOWN
    own_use_deidentify: bool = False
    own_use_aggregate: bool = False
    own_use_train_models: bool = False
    own_use_other: bool = False
    # provision key -> ProvisionState value; a missing key counts as not reviewed.
    provisions: dict = field(default_factory=dict)


@dataclass(frozen=True)
class PracticeFacts:
    cost_per_record: Decimal = Decimal("408.00")
    cost_per_record_year: int = 2018
    breach_notice_threshold_days: int = DEFAULT_NOTICE_THRESHOLD


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
    """Estimated breach exposure: records held x the practice's cost per record. An estimate
    for comparing with the cap, not a prediction of what a breach would cost."""
    if not vendor.record_count:
        return None
    return Decimal(vendor.record_count) * practice.cost_per_record


def notice_in_calendar_days(a: AgreementFacts, today: date) -> int | None:
    """The breach-notice window in calendar days, on the worst case: business days skip
    weekends and federal holidays from the worst starting day (``business_days``); hours are
    rounded up to whole days."""
    if a.breach_notice_days is None:
        return None
    if a.breach_notice_day_kind == DayKind.BUSINESS:
        return worst_case_calendar_days(a.breach_notice_days, today)
    if a.breach_notice_day_kind == DayKind.HOURS:
        return -(-a.breach_notice_days // 24)
    return a.breach_notice_days


def notice_label(a: AgreementFacts) -> str:
    """ "10 calendar days", "72 hours", "1 business day"."""
    n = a.breach_notice_days
    if a.breach_notice_day_kind == DayKind.HOURS:
        return f"{n} hour{'s' if n != 1 else ''}"
    kind = "business" if a.breach_notice_day_kind == DayKind.BUSINESS else "calendar"
    return f"{n} {kind} day{'s' if n != 1 else ''}"


def omnibus_cleared(a: AgreementFacts) -> bool:
    """An amendment dated on or after the compliance date, or marked as the HITECH/Omnibus
    amendment, brings an older agreement up to the Omnibus Rule."""
    return a.omnibus_amendment or any(d >= OMNIBUS_COMPLIANCE for d in a.amendment_dates)


def effective_provisions(a: AgreementFacts) -> dict:
    """The checklist, with the return/destruction provision (164.504(e)(2)(ii)(J)) taken from
    the "PHI at termination" term when that is recorded: one fact, asked once."""
    states = dict(a.provisions)
    if a.return_destroy == ReturnDestroy.NOT_ADDRESSED:
        states["return_destroy"] = ProvisionState.ABSENT
    elif a.return_destroy != ReturnDestroy.UNKNOWN:
        states["return_destroy"] = ProvisionState.PRESENT
    return states


def is_deficient(a: AgreementFacts) -> bool:
    """A required provision is marked absent: the agreement does not satisfy 164.504(e) /
    164.314(a), so it is not counted as a compliant BAA even when signed and in date."""
    return any(s == ProvisionState.ABSENT for s in effective_provisions(a).values())


def own_use_rights(a: AgreementFacts) -> list[str]:
    """The vendor's own-use rights the agreement grants, in words."""
    rights = [
        (a.own_use_deidentify, "de-identify PHI for its own use"),
        (a.own_use_aggregate, "aggregate PHI with other customers' data"),
        (a.own_use_train_models, "use PHI to train models (AI/ML)"),
        (a.own_use_other, "use PHI for other purposes of its own"),
    ]
    return [text for granted, text in rights if granted]


def is_current(a: AgreementFacts, today: date) -> bool:
    """Signed and not past its expiration date."""
    return a.status == AgreementStatus.SIGNED and (a.expires_on is None or a.expires_on >= today)


def renewal_notice_deadline(a: AgreementFacts) -> date | None:
    if not (a.auto_renews and a.expires_on and a.renewal_notice_days is not None):
        return None
    return a.expires_on - timedelta(days=a.renewal_notice_days)


def ce_risk(a: AgreementFacts) -> str:
    """The practice's risk from the indemnification structure, as the comparison table of the
    BAA Generator article (2026) rates it: "high", "moderate", "lower" or "unknown"."""
    if a.indemnification in (Indemnification.VENDOR_FAVOURABLE, Indemnification.NONE):
        return "high"  # the practice absorbs breach costs, or recovery is uncertain
    if a.indemnification == Indemnification.PRACTICE_FAVOURABLE:
        return "lower"
    if a.indemnification == Indemnification.MUTUAL:
        if CarveOut.GROSS_NEGLIGENCE in a.carve_outs or a.cap_kind == CapKind.NONE:
            return "lower"  # balanced allocation; the cap cannot shield gross negligence
        return "moderate"  # costs follow fault
    return "unknown"


PRESUMED_BREACH = (
    "PHI disclosed to a vendor without a BAA is presumed a breach of unsecured PHI unless a "
    "documented four-factor risk assessment (164.402(2)) shows a low probability that it was "
    "compromised."
)


def gap_findings(
    vendor: VendorFacts, has_current_signed: bool, today: date | None = None
) -> list[Finding]:
    """The vendor-level finding: PHI handled with no signed, current BAA. While the vendor's
    PHI access is planned for a later date, the finding says the BAA must be signed before
    then, and counts down."""
    if not (vendor.needs_baa and vendor.status in ENGAGED_STATUSES and not has_current_signed):
        return []
    planned = vendor.phi_access_began
    if today is not None and planned is not None and planned > today:
        left = (planned - today).days
        return [
            Finding(
                Severity.WARNING,
                "baa_needed_before_phi",
                f"BAA must be signed before PHI is shared (access planned for {planned:%Y-%m-%d})",
                f"{vendor.name} is to receive PHI in {left} day{'s' if left != 1 else ''}, on "
                f"{planned:%Y-%m-%d}, and no signed, current business associate agreement is on "
                "file. The practice may not disclose PHI to it before one is signed.",
                "45 CFR 164.502(e), 164.504(e), 164.308(b)",
                "Get the BAA signed before the access date, or postpone the access.",
            )
        ]
    return [
        Finding(
            Severity.CRITICAL,
            "no_signed_baa",
            "No signed, current BAA",
            f"{vendor.name} handles PHI and is {vendor.status}, but there is no signed, "
            "current business associate agreement on file. Disclosing PHI to a business "
            f"associate without one is a HIPAA violation by the practice. {PRESUMED_BREACH}",
            "45 CFR 164.502(e), 164.504(e), 164.308(b), 164.402(2)",
            "Get a BAA signed before any more PHI is shared, or suspend the vendor's access; "
            "document the risk assessment for what was already shared.",
        )
    ]


def _dates(a: AgreementFacts, vendor: VendorFacts, today: date, warning_days: int):
    out: list[Finding] = []
    if (
        a.signed_on
        and vendor.phi_access_began
        and vendor.phi_access_began < a.signed_on
        and vendor.needs_baa
    ):
        out.append(
            Finding(
                Severity.WARNING,
                "phi_before_baa",
                "PHI access began before the BAA was signed",
                f"PHI access began on {vendor.phi_access_began:%Y-%m-%d} but the BAA was signed "
                f"on {a.signed_on:%Y-%m-%d}. The PHI shared in between was not covered. "
                + PRESUMED_BREACH,
                "45 CFR 164.502(e)(1), 164.402(2)",
                "Record the gap and what was shared; document the four-factor risk assessment "
                "(or treat it as a breach), and make sure future vendors sign before access "
                "begins.",
            )
        )
    signed_on = a.signed_on or a.effective_on
    if (
        a.status == AgreementStatus.SIGNED
        and signed_on
        and signed_on < OMNIBUS_COMPLIANCE
        and not omnibus_cleared(a)
    ):
        out.append(
            Finding(
                Severity.CRITICAL,
                "pre_omnibus",
                "Signed before the Omnibus Rule's compliance date and not amended since",
                f"Signed on {signed_on:%Y-%m-%d}, before {OMNIBUS_COMPLIANCE:%Y-%m-%d}, with no "
                f"amendment dated on or after {OMNIBUS_COMPLIANCE:%Y-%m-%d} or marked as a "
                "HITECH/Omnibus amendment. The Omnibus Rule took effect on "
                f"{OMNIBUS_EFFECTIVE:%Y-%m-%d} with compliance required from "
                f"{OMNIBUS_COMPLIANCE:%Y-%m-%d}; older agreements could run unchanged only until "
                f"{OMNIBUS_TRANSITION_END:%Y-%m-%d}. This one probably lacks the "
                "breach-notification, subcontractor and Security Rule terms required since.",
                "Omnibus Rule, 78 FR 5566 (2013); 45 CFR 164.532(d)-(e), 164.314(a), 164.504(e)",
                "Ask the vendor for a current BAA or an Omnibus amendment, and record it (mark "
                "it as the HITECH/Omnibus amendment).",
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
                    "Contract term (the agreement's renewal clause)",
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
                    "Contract term (the agreement's renewal clause)",
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
                f"{CONTRACT_TERM} ({ARTICLE}: a significant red flag)",
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
                "Nothing in the contract says who pays for a breach the vendor causes. The "
                "practice still has ordinary contract claims if the vendor breaks the BAA "
                "(limited by any liability cap) and tort claims, but recovery is slower and "
                "less certain; HIPAA itself gives the practice no private right of action "
                "against the vendor.",
                f"{CONTRACT_TERM} ({ARTICLE})",
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
                CONTRACT_TERM,
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
                "Indemnification shifts costs between the parties; it never shields the "
                "practice from OCR penalties themselves.",
                f"{CONTRACT_TERM} ({ARTICLE})",
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
                CONTRACT_TERM,
            )
        ]
    if a.cap_kind == CapKind.NONE:
        return out
    cap = cap_in_dollars(a)
    risk = exposure(vendor, practice)
    study = f"{COST_STUDY} ({practice.cost_per_record_year})"
    if cap is not None and risk is not None and cap < risk:
        out.append(
            Finding(
                Severity.WARNING,
                "cap_below_exposure",
                "Liability cap below the estimated breach exposure",
                f"The cap is {money(cap)}. At {money(practice.cost_per_record)} per record "
                f"({practice.cost_per_record_year} figure), a breach of the "
                f"{vendor.record_count:,} records this vendor holds is estimated at about "
                f"{money(risk)}. This is an estimate for comparison, not a prediction.",
                f"{CONTRACT_TERM} ({ARTICLE}); cost per record: {study}",
                "Negotiate a cap that reflects the records held (a fixed amount near the "
                "exposure, or 12-24 months of fees), or remove the cap for data breaches.",
            )
        )
    elif cap is None or risk is None:
        missing = []
        if risk is None:
            missing.append("the number of records this vendor holds (vendor page)")
        if cap is None:
            missing.append("the annual contract value (the cap is computed from it)")
        out.append(
            Finding(
                Severity.WARNING,
                "cap_not_valued",
                "The cap cannot be compared with the breach exposure",
                f"Record {' and '.join(missing)} so the cap can be compared with the "
                "estimated exposure.",
                CONTRACT_TERM,
                "",
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
                f"{CONTRACT_TERM} ({ARTICLE}: three months' fees may be wholly inadequate)",
                "Ask for at least 12-24 months of fees or a fixed amount based on the PHI held.",
            )
        )
    labels = dict(CarveOut.choices)
    missing = [labels[key].lower() for key in CarveOut.values if key not in a.carve_outs]
    if missing:
        out.append(
            Finding(
                Severity.WARNING,
                "carve_outs_missing",
                "No carve-outs from the cap for: " + ", ".join(missing),
                "The cap also limits what the vendor owes in "
                + ("that case" if len(missing) == 1 else "these cases")
                + ": a vendor could hide behind the cap even for "
                + ", ".join(missing)
                + ".",
                f"{CONTRACT_TERM} ({ARTICLE}: standard exclusions from liability caps)",
                "Add " + ", ".join(missing) + " to the exclusions from the liability cap.",
            )
        )
    return out


AGENCY = (
    "60 days is an outer limit, not a target: the vendor must notify without unreasonable "
    "delay, and when it acts as the practice's agent its discovery counts as the practice's "
    "(164.404(a)(2)), which uses up the practice's own 60 days to notify patients."
)


def _breach_notice(a: AgreementFacts, practice: PracticeFacts, today: date) -> list[Finding]:
    out: list[Finding] = []
    days = notice_in_calendar_days(a, today)
    threshold = practice.breach_notice_threshold_days
    if days is None:
        out.append(
            Finding(
                Severity.WARNING,
                "breach_notice_missing",
                "No breach-notice window in the agreement",
                "The agreement sets no window of its own, so the legal maximum applies through "
                "the BAA's reporting provision: the vendor must tell the practice without "
                "unreasonable delay and at the latest 60 calendar days after discovering a "
                f"breach (164.410(b)). {AGENCY}",
                "45 CFR 164.410(b), 164.504(e)(2)(ii)(C), 164.404(a)(2)",
                f"Ask for notice within a short, fixed window ({threshold} days at most is the "
                "practice's policy; 24 hours to 10 days is common).",
            )
        )
    elif days > MAX_NOTICE_DAYS:
        worst = (
            " on the worst case (weekends and federal holidays)"
            if a.breach_notice_day_kind == DayKind.BUSINESS
            else ""
        )
        out.append(
            Finding(
                Severity.CRITICAL,
                "breach_notice_too_long",
                f"Breach-notice window of {notice_label(a)}",
                f"That is up to {days} calendar days{worst}, longer than the 60 calendar days "
                "the law allows a business associate after discovering a breach.",
                "45 CFR 164.410(b)",
                f"Ask for notice within {threshold} days at most (24 hours to 10 days is better).",
            )
        )
    elif days > threshold:
        worst = (
            f" (up to {days} calendar days with weekends and federal holidays)"
            if a.breach_notice_day_kind == DayKind.BUSINESS
            else ""
        )
        out.append(
            Finding(
                Severity.WARNING,
                "breach_notice_over_policy",
                f"Breach-notice window of {notice_label(a)}: over the practice's {threshold} days",
                f"The window{worst} is longer than the practice's own limit of {threshold} "
                f"calendar days. {AGENCY}",
                "45 CFR 164.410(b), 164.404(a)(2); practice policy (breach-notice threshold)",
                f"Ask for notice within {threshold} days at most (24 hours to 10 days is better).",
            )
        )
    if a.breach_notice_trigger == NoticeTrigger.LATER:
        out.append(
            Finding(
                Severity.WARNING,
                "breach_notice_clock_late",
                "The breach-notice clock starts later than discovery",
                "The window runs from something later than discovery (such as confirmation of "
                "the breach). Under 164.410(a)(2) a breach counts as discovered on the first day "
                "it is known to the vendor, or would have been known with reasonable diligence, "
                "to any of its workforce or agents; a clock that starts later can run past the "
                "legal limit.",
                "45 CFR 164.410(a)(2), 164.410(b)",
                "Ask for the window to run from discovery as 164.410(a)(2) defines it.",
            )
        )
    return out


def _provisions(a: AgreementFacts, vendor: VendorFacts) -> list[Finding]:
    out: list[Finding] = []
    not_reviewed = []
    states = effective_provisions(a)
    for p in PROVISIONS:
        state = states.get(p.key, ProvisionState.NOT_REVIEWED)
        if state == ProvisionState.ABSENT:
            explanation = (
                "HIPAA requires every BAA to contain this provision; without it the agreement "
                "is deficient: it does not satisfy the rule, and the vendor's BAA is not "
                "counted as compliant."
            )
            if p.key == "subcontractors" and vendor.has_subcontractors:
                explanation += (
                    f" {vendor.name} passes PHI to subcontractors: the vendor, not the practice, "
                    f"must bind each of them by its own agreement ({SUBCONTRACTOR_CITES})."
                )
            if p.key == "return_destroy" and a.return_destroy == ReturnDestroy.NOT_ADDRESSED:
                explanation += " The agreement does not address PHI at termination."
            out.append(
                Finding(
                    Severity.CRITICAL,
                    f"provision_absent:{p.key}",
                    f"Required provision absent: {p.text}",
                    explanation,
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
                + "; ".join(
                    p.text
                    + (' (record "PHI at termination" in the terms)' if p.key in TERM_KEYS else "")
                    for p in not_reviewed
                )
                + ".",
                "45 CFR 164.504(e), 164.314(a)",
                "Review the agreement against the checklist.",
            )
        )
    sub_state = states.get("subcontractors", ProvisionState.NOT_REVIEWED)
    if vendor.has_subcontractors and sub_state == ProvisionState.NOT_REVIEWED:
        out.append(
            Finding(
                Severity.WARNING,
                "subcontractor_provision_absent",
                "Uses subcontractors, but the subcontractor provision is not reviewed",
                f"{vendor.name} passes PHI to subcontractors; the BAA must require the vendor "
                "to bind them to the same restrictions. The vendor, not the practice, signs "
                f"those agreements ({SUBCONTRACTOR_CITES}).",
                f"45 CFR {BY_KEY['subcontractors'].cite}; {SUBCONTRACTOR_CITES}",
                "Check the subcontractor clause and ask the vendor for its list of subcontractors.",
            )
        )
    if vendor.uses_subcontractors and vendor.subcontractor_count == 0:
        out.append(
            Finding(
                Severity.WARNING,
                "subcontractors_not_listed",
                "Uses subcontractors, but none is listed",
                f"{vendor.name} is marked as passing PHI to subcontractors, but none is recorded: "
                "the practice cannot tell who else holds its PHI.",
                f"45 CFR {SUBCONTRACTOR_CITES}",
                "Ask the vendor for its subcontractors that touch PHI and add them on the "
                "vendor page.",
            )
        )
    return out


def _terms(a: AgreementFacts, vendor: VendorFacts) -> list[Finding]:
    """Audit rights for the vendors that matter most, and the vendor's own-use rights."""
    out: list[Finding] = []
    if a.audit_rights == Term.NO and vendor.tier in AUDIT_TIERS:
        out.append(
            Finding(
                Severity.WARNING,
                "no_audit_rights",
                f"No audit rights over a {vendor.tier}-tier vendor",
                "The agreement gives the practice no right to audit or assess the vendor's "
                "safeguards, so oversight of this vendor rests on what the vendor chooses to "
                "send (SOC 2 report, questionnaire).",
                CONTRACT_TERM,
                "Ask for a right to audit, or at least to receive an annual independent "
                "assessment (SOC 2 Type II, HITRUST) and answers to a security questionnaire.",
            )
        )
    rights = own_use_rights(a)
    if rights:
        out.append(
            Finding(
                Severity.WARNING,
                "own_use_rights",
                "The vendor may use PHI for its own purposes",
                "The agreement lets the vendor " + "; ".join(rights) + ". A BAA may permit "
                "only the uses the practice itself could make, plus the vendor's own management "
                "and administration and data aggregation for the practice's health care "
                "operations (164.504(e)(2)(i), (e)(4)). These rights go further unless the "
                "practice agreed to them deliberately.",
                "45 CFR 164.504(e)(2)(i), 164.504(e)(4)",
                "Strike the clause, or limit it to what the practice agrees to and record that "
                "decision in the notes.",
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
    found += _breach_notice(a, practice, today)
    found += _provisions(a, vendor)
    found += _terms(a, vendor)
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
