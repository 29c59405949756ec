"""Where a vendor's BAA differs from the practice's standard positions (pure; no ORM).

Works from the agreement's recorded terms (``BusinessAssociateAgreement.facts()``) and, where a
term is not recorded yet, from the BAA reader's pending proposals (``reader.apply`` maps them
onto the same terms; the difference then says it rests on a proposal, with its excerpt). Only
differences that leave the practice worse off than its standard are listed: a vendor offering
more (a one-sided indemnity in the practice's favour, no cap) is not something to ask for.

The differences, one row each:
- ``indemnification``: the vendor's indemnity is not the standard one (mutual vs one-sided,
  none), unless it is one-sided in the practice's favour.
- ``cap``: the vendor caps liability where the standard has no cap for breaches of PHI, or
  below the standard's cap (months of fees compared as months, a multiple of the annual value
  as 12 months per unit; otherwise in dollars from the annual contract value); a cap that
  cannot be valued against the standard is listed too, saying what to record.
- ``carve_out:<key>``: one per standard carve-out missing from a capped vendor agreement.
- ``notice_window``: the vendor's breach-notice window is longer than the standard's, both
  counted in calendar days on the worst case (business days skip weekends and federal
  holidays: ``baas.findings.notice_in_calendar_days`` over ``baas.business_days``); no window
  at all counts as the legal outer limit of 60 calendar days (164.410(b)).
- ``notice_trigger``: the vendor's clock starts later than discovery (164.410(a)(2)).
- ``provision:<key>``: one per required provision absent (164.504(e), 164.314(a)).
- ``audit``, ``offshore``: the standard asks for audit rights or keeps PHI in the US, and the
  vendor's agreement says no.

Each difference carries the wording to ask for: the practice's own template clause
(``template.clause``) for its positions.
"""

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from baas import findings
from baas.choices import CapKind, CarveOut, Indemnification, NoticeTrigger, ProvisionState, Term
from baas.provisions import BY_KEY, PROVISIONS
from reader import apply

from . import template
from .positions import Positions

CAPPED = (CapKind.FIXED, CapKind.FEES_MONTHS, CapKind.MULTIPLE)
RECORDED, PROPOSED = "recorded", "proposed"

# Reader proposal field -> the subject of the comparison it fills in.
SUBJECTS = {
    "indemnification": "indemnification",
    "liability_cap": "cap",
    "carve_outs": "carve_outs",
    "breach_notice": "notice",
}


@dataclass(frozen=True)
class Pending:
    """A pending proposal of the BAA reader (field and value as ``reader.rules`` gives them)."""

    field: str
    value: Any
    excerpt: str = ""
    page: int | None = None


@dataclass(frozen=True)
class Difference:
    code: str
    title: str
    theirs: str  # the vendor's term, in words
    ours: str  # the standard position, in words
    ask: str  # the wording to ask for: our template's clause
    clause: str  # the heading of that clause
    source: str = RECORDED  # RECORDED, or PROPOSED by the reader (not yet confirmed)
    excerpt: str = ""
    page: int | None = None


@dataclass(frozen=True)
class Comparison:
    differences: tuple[Difference, ...]
    not_compared: tuple[str, ...] = ()  # terms neither recorded nor proposed
    proposed: tuple[str, ...] = field(default=())  # subjects taken from pending proposals


def _empty(a: findings.AgreementFacts, subject: str) -> bool:
    return {
        "indemnification": a.indemnification == Indemnification.UNKNOWN,
        "cap": a.cap_kind == CapKind.UNKNOWN,
        "carve_outs": not a.carve_outs,
        "notice": a.breach_notice_days is None,
    }[subject]


def with_proposals(
    a: findings.AgreementFacts, pending: tuple[Pending, ...] | list[Pending]
) -> tuple[findings.AgreementFacts, dict[str, Pending]]:
    """The terms with each unrecorded one filled in from a pending proposal, and which
    proposal filled which subject. A recorded term always wins over a proposal."""
    changes: dict[str, Any] = {}
    provisions = dict(a.provisions)
    used: dict[str, Pending] = {}
    for p in pending:
        if p.field.startswith("provision:"):
            key = p.field.split(":", 1)[1]
            state = provisions.get(key, ProvisionState.NOT_REVIEWED)
            if key in BY_KEY and state == ProvisionState.NOT_REVIEWED and isinstance(p.value, bool):
                provisions[key] = apply.provision_state(p.value)
                used[f"provision:{key}"] = p
            continue
        subject = SUBJECTS.get(p.field)
        if subject is None or not _empty(a, subject):
            continue
        terms = apply.terms_for(p.field, p.value)
        if not terms:
            continue
        for name in ("carve_outs", "indemnification_covers"):
            if name in terms:
                terms[name] = tuple(terms[name])
        if "cap_amount" in terms and terms["cap_amount"] is not None:
            terms["cap_amount"] = Decimal(str(terms["cap_amount"]))
        if "cap_multiple" in terms and terms["cap_multiple"] is not None:
            terms["cap_multiple"] = Decimal(str(terms["cap_multiple"]))
        changes.update(terms)
        used[subject] = p
    return replace(a, provisions=provisions, **changes), used


def _indemnity_label(value: str) -> str:
    return {
        Indemnification.MUTUAL: "mutual",
        Indemnification.VENDOR_FAVOURABLE: "one-sided: the practice indemnifies the vendor",
        Indemnification.PRACTICE_FAVOURABLE: "one-sided: the vendor indemnifies the practice",
        Indemnification.NONE: "no indemnification clause",
    }.get(value, "not recorded")


def cap_label(kind: str, *, amount=None, months=None, multiple=None) -> str:
    if kind == CapKind.NONE:
        return "no cap"
    if kind == CapKind.FIXED:
        return f"capped at {findings.money(amount)}"
    if kind == CapKind.FEES_MONTHS:
        return f"capped at {months} month{'s' if months != 1 else ''}' fees"
    if kind == CapKind.MULTIPLE:
        return f"capped at {multiple:g}x the annual contract value"
    return "not recorded"


def _months(kind: str, months, multiple) -> Decimal | None:
    """A cap expressed in months of fees, where it is one (a multiple of the annual value is
    12 months per unit)."""
    if kind == CapKind.FEES_MONTHS and months:
        return Decimal(months)
    if kind == CapKind.MULTIPLE and multiple:
        return Decimal(multiple) * 12
    return None


def cap_below_standard(a: findings.AgreementFacts, p: Positions) -> bool | None:
    """Is the vendor's cap below the standard's? None when it cannot be valued against it."""
    if a.cap_kind not in CAPPED:
        return False
    if p.cap_kind == CapKind.NONE:
        return True
    theirs_m = _months(a.cap_kind, a.cap_months, a.cap_multiple)
    ours_m = _months(p.cap_kind, p.cap_months, None)
    if theirs_m is not None and ours_m is not None:
        return theirs_m < ours_m
    theirs = findings.cap_in_dollars(a)
    ours = findings.cap_in_dollars(
        findings.AgreementFacts(
            cap_kind=p.cap_kind,
            cap_amount=p.cap_amount,
            cap_months=p.cap_months,
            annual_contract_value=a.annual_contract_value,
        )
    )
    if theirs is None or ours is None:
        return None
    return theirs < ours


def _standard_notice(p: Positions) -> findings.AgreementFacts:
    return findings.AgreementFacts(
        breach_notice_days=p.breach_notice_days,
        breach_notice_day_kind=p.breach_notice_day_kind,
        breach_notice_trigger=p.breach_notice_trigger,
    )


def _notice_words(a: findings.AgreementFacts, today: date) -> str:
    if a.breach_notice_days is None:
        return "no window stated (the legal outer limit of 60 calendar days applies)"
    days = findings.notice_in_calendar_days(a, today)
    label = findings.notice_label(a)
    if label.endswith("calendar days") or label.endswith("calendar day"):
        return label
    return f"{label} (up to {days} calendar day{'s' if days != 1 else ''} on the worst case)"


def compare(
    a: findings.AgreementFacts,
    standard: Positions,
    *,
    practice: str,
    vendor: str,
    today: date,
    pending: tuple[Pending, ...] | list[Pending] = (),
) -> Comparison:
    """The differences between the vendor's agreement ``a`` and the ``standard``, in the order
    of the template (indemnity, cap, carve-outs, notice, provisions, audit, offshore)."""
    a, used = with_proposals(a, pending)
    out: list[Difference] = []
    unknown: list[str] = []

    def ask(key: str, p: Positions = standard) -> tuple[str, str]:
        c = template.clause(key, practice, vendor, p)
        return (c.text, c.heading) if c else ("", "")

    def row(code, title, theirs, ours, wording, subject) -> Difference:
        source = used.get(subject)
        return Difference(
            code,
            title,
            theirs,
            ours,
            wording[0],
            wording[1],
            PROPOSED if source else RECORDED,
            source.excerpt if source else "",
            source.page if source else None,
        )

    # Indemnification: mutual vs one-sided.
    theirs, ours = a.indemnification, standard.indemnification
    if theirs == Indemnification.UNKNOWN:
        unknown.append("Indemnification")
    elif theirs != ours and theirs != Indemnification.PRACTICE_FAVOURABLE:
        wording = ask("indemnification")
        if not wording[0]:
            wording = ("Strike the indemnification clause: our standard has none.", "")
        out.append(
            row(
                "indemnification",
                f"Indemnification is {_indemnity_label(theirs)}; ours is {_indemnity_label(ours)}",
                _indemnity_label(theirs),
                _indemnity_label(ours),
                wording,
                "indemnification",
            )
        )

    # The cap against the standard.
    ours_cap = cap_label(standard.cap_kind, amount=standard.cap_amount, months=standard.cap_months)
    if standard.cap_kind == CapKind.NONE:
        ours_cap = "no cap for breaches of PHI"
    if a.cap_kind == CapKind.UNKNOWN:
        unknown.append("Liability cap")
    else:
        below = cap_below_standard(a, standard)
        theirs_cap = cap_label(
            a.cap_kind, amount=a.cap_amount, months=a.cap_months, multiple=a.cap_multiple
        )
        dollars = findings.cap_in_dollars(a)
        if dollars is not None and a.cap_kind != CapKind.FIXED:
            theirs_cap += f" (about {findings.money(dollars)})"
        if below is None:
            out.append(
                row(
                    "cap",
                    f"The vendor's cap ({theirs_cap}) cannot be valued against ours "
                    f"({ours_cap}): record the annual contract value",
                    theirs_cap,
                    ours_cap,
                    ask("cap"),
                    "cap",
                )
            )
        elif below:
            out.append(
                row(
                    "cap",
                    f"Liability {theirs_cap}; ours: {ours_cap}",
                    theirs_cap,
                    ours_cap,
                    ask("cap"),
                    "cap",
                )
            )

    # Each carve-out missing from a capped agreement.
    if a.cap_kind in CAPPED:
        labels = dict(CarveOut.choices)
        # Our carve-out clause exists only under a cap: word it as under the vendor's cap.
        capped = (
            standard
            if standard.cap_kind in CAPPED
            else replace(standard, cap_kind=CapKind.FEES_MONTHS, cap_months=12)
        )
        for key in CarveOut.values:
            if key in standard.carve_outs and key not in a.carve_outs:
                out.append(
                    row(
                        f"carve_out:{key}",
                        f"No carve-out from the cap for {labels[key].lower()}",
                        "not excluded from the cap",
                        "excluded from any cap",
                        ask("carve_outs", replace(capped, carve_outs=(key,))),
                        "carve_outs" if "carve_outs" in used else "cap",
                    )
                )

    # A longer notice window (calendar days on the worst case), or a later clock.
    std_notice = _standard_notice(standard)
    ours_days = findings.notice_in_calendar_days(std_notice, today)
    theirs_days = findings.notice_in_calendar_days(a, today)
    if theirs_days is None or theirs_days > ours_days:
        out.append(
            row(
                "notice_window",
                "Longer breach-notice window: " + _notice_words(a, today),
                _notice_words(a, today),
                _notice_words(std_notice, today),
                ask("report_incidents"),
                "notice",
            )
        )
    if (
        a.breach_notice_trigger == NoticeTrigger.LATER
        and standard.breach_notice_trigger == NoticeTrigger.DISCOVERY
    ):
        out.append(
            row(
                "notice_trigger",
                "The breach-notice clock starts later than discovery",
                "from something later than discovery",
                "from discovery (164.410(a)(2))",
                ask("report_incidents"),
                "notice",
            )
        )

    # Each required provision absent.
    states = findings.effective_provisions(a)
    not_reviewed = []
    for provision in PROVISIONS:
        state = states.get(provision.key, ProvisionState.NOT_REVIEWED)
        if state == ProvisionState.ABSENT:
            out.append(
                row(
                    f"provision:{provision.key}",
                    f"Required provision missing: {provision.text} (45 CFR {provision.cite})",
                    "absent",
                    "required by HIPAA",
                    ask(provision.key),
                    f"provision:{provision.key}",
                )
            )
        elif state != ProvisionState.PRESENT:
            not_reviewed.append(provision.text)
    if not_reviewed:
        unknown.append(
            f"{len(not_reviewed)} required provision{'s' if len(not_reviewed) != 1 else ''} "
            "not reviewed"
        )

    # Our positions the vendor's paper refuses.
    if standard.audit_rights and a.audit_rights == Term.NO:
        out.append(row("audit", "No audit rights", "none", "we may audit", ask("audit"), "audit"))
    if standard.offshore_restricted and a.offshore_restricted == Term.NO:
        out.append(
            row(
                "offshore",
                "No restriction on offshore storage or access",
                "not restricted",
                "PHI stays in the United States",
                ask("offshore"),
                "offshore",
            )
        )
    return Comparison(tuple(out), tuple(unknown), tuple(sorted(used)))
