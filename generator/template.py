"""The practice's BAA template: the list of clauses for a practice, a vendor and the practice's
standard positions (pure; no ORM, no I/O). ``render.py`` turns it into DOCX and PDF.

Written for this product. The order follows the structure of the HHS sample business associate
agreement provisions (definitions, obligations of the business associate, permitted uses,
obligations of the covered entity, term and termination, miscellaneous); the wording is ours.
Every required provision of 45 CFR 164.504(e) and 164.314(a) (``baas.provisions.PROVISIONS``)
has exactly one clause carrying its key and its cite in the drafting note, whatever the
positions; the clauses that express a position appear or disappear with it.
"""

from dataclasses import dataclass, replace
from decimal import Decimal

from baas.choices import (
    CapKind,
    CarveOut,
    DayKind,
    Indemnification,
    IndemnityCover,
    NoticeTrigger,
    ReturnDestroy,
)
from baas.provisions import BY_KEY

from .choices import Flowdown
from .positions import Positions


@dataclass(frozen=True)
class Clause:
    key: str  # a provision key of ``baas.provisions`` or a position clause's own key
    heading: str
    text: str
    note: str  # the drafting note, with the cite
    provision: str = ""  # the required provision this clause satisfies, if any


@dataclass(frozen=True)
class Document:
    title: str
    parties: str
    clauses: tuple[Clause, ...]


def _money(amount: Decimal | None) -> str:
    return f"${amount:,.0f}" if amount is not None else ""


def _unit(p: Positions) -> str:
    n = p.breach_notice_days
    label = {
        DayKind.CALENDAR: "calendar day",
        DayKind.BUSINESS: "business day",
        DayKind.HOURS: "hour",
    }[p.breach_notice_day_kind]
    return f"{n} {label}{'s' if n != 1 else ''}"


def _required(key: str, heading: str, text: str, extra_note: str = "") -> Clause:
    provision = BY_KEY[key]
    note = f"Required provision: {provision.text}. 45 CFR {provision.cite}."
    if extra_note:
        note += " " + extra_note
    return Clause(key, heading, text, note, provision=key)


def _list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def clauses(practice: str, vendor: str, p: Positions) -> Document:
    """The agreement between ``practice`` (the Covered Entity) and ``vendor`` (the Business
    Associate) on the practice's positions ``p``."""
    ce, ba = "the Covered Entity", "the Business Associate"
    out: list[Clause] = [
        Clause(
            "definitions",
            "Definitions",
            "Words used in this agreement and not defined in it, such as breach, protected "
            "health information (PHI), security incident, subcontractor and unsecured PHI, "
            "have the meaning the HIPAA Rules give them (45 CFR Parts 160 and 164). "
            f"{practice} is the Covered Entity; {vendor} is the Business Associate.",
            "Definitions by reference to 45 CFR 160.103 and 164.402, as in the HHS sample "
            "provisions.",
        ),
        _required(
            "permitted_uses",
            "What the Business Associate may do with PHI",
            f"{ba} may use and disclose PHI only to perform the services it provides to "
            f"{ce} under the parties' service agreement, in ways that would not break the "
            f"Privacy Rule if {ce} did them itself, and, where needed, for its own proper "
            "management and administration or to meet its legal duties. It keeps to the "
            "minimum necessary and does not de-identify, aggregate with other customers' data, "
            "sell or use PHI to train models for its own purposes.",
            "Also 164.504(e)(4) (management and administration); 164.502(b) (minimum "
            "necessary). Grants no own-use rights.",
        ),
        _required(
            "no_other_use",
            "No other use or disclosure",
            f"{ba} does not use or further disclose PHI other than as this agreement permits "
            "or requires, or as the law requires.",
        ),
        _required(
            "safeguards",
            "Safeguards",
            f"{ba} uses appropriate administrative, physical and technical safeguards, and "
            "complies with Subpart C of 45 CFR Part 164 (the Security Rule) for electronic "
            "PHI, to prevent any use or disclosure other than those this agreement allows.",
        ),
        _required(
            "report_incidents",
            "Reporting",
            f"{ba} reports to {ce} any use or disclosure of PHI not allowed by this "
            "agreement, any security incident it becomes aware of, and any breach of "
            f"unsecured PHI, without unreasonable delay and in any case within {_unit(p)} "
            + (
                "of discovery. A breach is discovered on the first day it is known to the "
                "Business Associate, or would have been known with reasonable diligence, "
                "to any of its workforce members or agents."
                if p.breach_notice_trigger == NoticeTrigger.DISCOVERY
                else "of its confirmation of the incident, and never later than 60 calendar "
                "days after discovery."
            )
            + " The report identifies each individual affected, as far as known, and the "
            "other information 164.410(c) lists, completed as it becomes available.",
            "Also 164.410 (notification by a business associate; 60 calendar days after "
            "discovery is the outer limit).",
        ),
    ]
    sub = (
        f"{ba} ensures that every subcontractor that creates, receives, maintains or "
        f"transmits PHI on its behalf agrees in writing to the same restrictions, conditions "
        "and requirements that apply to it under this agreement, including the Security Rule "
        "safeguards."
    )
    if p.subcontractor_flowdown == Flowdown.NOTICE:
        sub += f" It tells {ce} in writing of each new such subcontractor before it receives PHI."
    elif p.subcontractor_flowdown == Flowdown.CONSENT:
        sub += (
            f" It engages no such subcontractor without {ce}'s prior written consent, and "
            "gives a current list of them on request."
        )
    out.append(
        _required(
            "subcontractors",
            "Subcontractors",
            sub,
            "Also 164.502(e)(1)(ii), 164.308(b)(2). Position: " + p.subcontractor_flowdown + ".",
        )
    )
    out += [
        _required(
            "access",
            "Access by individuals",
            f"Where it holds PHI in a designated record set, {ba} makes it available to "
            f"{ce}, or as {ce} directs to an individual, so that {ce} can meet 45 CFR 164.524.",
        ),
        _required(
            "amendment",
            "Amendment",
            f"{ba} makes PHI in a designated record set available for amendment and makes "
            f"the amendments {ce} directs or agrees to under 45 CFR 164.526.",
        ),
        _required(
            "accounting",
            "Accounting of disclosures",
            f"{ba} keeps and gives {ce} the information needed to account for disclosures "
            "of PHI under 45 CFR 164.528.",
        ),
        _required(
            "ce_obligations",
            "Carrying out the Covered Entity's obligations",
            f"When {ba} carries out an obligation of {ce} under Subpart E of 45 CFR Part 164 "
            f"(the Privacy Rule), it complies with the requirements that apply to {ce} in "
            "carrying it out.",
        ),
        _required(
            "books_records",
            "Books and records",
            f"{ba} makes its internal practices, books and records about the use and "
            "disclosure of PHI available to the Secretary of Health and Human Services for "
            f"determining {ce}'s compliance with the HIPAA Rules.",
        ),
    ]
    if p.offshore_restricted:
        out.append(
            Clause(
                "offshore",
                "PHI stays in the United States",
                f"{ba}, and its subcontractors, store, process and access PHI only within the "
                f"United States, unless {ce} agrees otherwise in writing.",
                "Position: offshore restriction. Not a HIPAA requirement; practice policy.",
            )
        )
    if p.audit_rights:
        out.append(
            Clause(
                "audit",
                "Audit rights",
                f"On reasonable notice, {ce} may audit or have an independent assessor review "
                f"{ba}'s safeguards for PHI, or may instead accept a current independent "
                "assessment (such as a SOC 2 Type II report or HITRUST certification) with "
                "answers to its security questionnaire.",
                "Position: audit rights. Contract term beyond 164.504(e)(2)(ii)(I).",
            )
        )
    if p.indemnification != Indemnification.NONE:
        covers = dict(IndemnityCover.choices)
        listed = _list([covers[c].lower() for c in p.indemnification_covers if c in covers])
        losses = f", including {listed}," if listed else ""
        if p.indemnification == Indemnification.MUTUAL:
            text = (
                "Each party indemnifies and defends the other against third-party claims and "
                f"the losses{losses} that arise from its own breach of this agreement or its "
                "own negligence or misconduct in handling PHI."
            )
        else:
            text = (
                f"{ba} indemnifies and defends {ce} against third-party claims and the "
                f"losses{losses} that arise from its breach of this agreement or its "
                "negligence or misconduct in handling PHI."
            )
        out.append(
            Clause(
                "indemnification",
                "Indemnification",
                text,
                f"Position: indemnification {p.indemnification}. Contract term; shifts costs "
                "between the parties, never OCR penalties themselves.",
            )
        )
    if p.cap_kind == CapKind.NONE:
        out.append(
            Clause(
                "cap",
                "Limitation of liability",
                "No limitation or exclusion of liability in the parties' service agreement or "
                "elsewhere applies to a party's obligations under this agreement or to losses "
                "arising from a breach of unsecured PHI.",
                "Position: no cap for breaches of PHI.",
            )
        )
    else:
        amount = (
            f"the greater of {_money(p.cap_amount)} and the limit of the service agreement"
            if p.cap_kind == CapKind.FIXED
            else f"the fees paid under the service agreement in the {p.cap_months} months "
            "before the claim"
        )
        out.append(
            Clause(
                "cap",
                "Limitation of liability",
                f"Each party's liability under this agreement is limited to {amount}.",
                f"Position: cap {p.cap_kind}.",
            )
        )
        labels = dict(CarveOut.choices)
        excluded = [labels[c].lower() for c in p.carve_outs if c in labels]
        if excluded:
            out.append(
                Clause(
                    "carve_outs",
                    "Exclusions from the limitation",
                    "The limitation above does not apply to losses arising from a party's "
                    + _list(excluded)
                    + ".",
                    "Position: carve-outs from the cap.",
                )
            )
    if p.insurance_amount:
        out.append(
            Clause(
                "insurance",
                "Insurance",
                f"{ba} maintains cyber-liability insurance covering breaches of PHI of at "
                f"least {_money(p.insurance_amount)} per claim during this agreement and gives "
                f"{ce} a certificate of insurance on request.",
                "Position: insurance.",
            )
        )
    out.append(
        _required(
            "termination",
            "Term and termination",
            "This agreement runs for as long as the Business Associate holds PHI of the "
            f"Covered Entity. If {ce} determines that {ba} has violated a material term, it "
            f"may terminate this agreement and the service agreement, after giving {ba} a "
            "reasonable opportunity to cure where a cure is possible.",
        )
    )
    what = {
        ReturnDestroy.RETURN: f"returns to {ce}",
        ReturnDestroy.DESTROY: "destroys, and certifies in writing the destruction of,",
        ReturnDestroy.EITHER: f"returns to {ce} or destroys, as {ce} chooses,",
    }[p.return_destroy]
    out.append(
        _required(
            "return_destroy",
            "PHI at termination",
            f"When this agreement ends, {ba} {what} all PHI it still holds, in any form, "
            f"within {p.return_within_days} days, and keeps no copies. Where that is not "
            f"feasible, it tells {ce} why, extends the protections of this agreement to that "
            "PHI and limits further uses and disclosures to the purposes that make return or "
            "destruction infeasible, for as long as it holds it.",
            f"Position: {p.return_destroy} within {p.return_within_days} days.",
        )
    )
    law = (
        f"the laws of the State of {p.governing_law}"
        if p.governing_law
        else f"the laws of the state in which {ce} has its principal place of business"
    )
    out.append(
        Clause(
            "miscellaneous",
            "Miscellaneous",
            f"This agreement is governed by {law}, except where federal law applies. It is "
            "read to permit compliance with the HIPAA Rules and is amended as needed to keep "
            "up with changes to them. Where it conflicts with the service agreement, this "
            "agreement prevails as to PHI.",
            "Governing law: position. Interpretation and amendment as in the HHS sample "
            "provisions.",
        )
    )
    return Document(
        title="Business Associate Agreement",
        parties=f"Between {practice} (the Covered Entity) and {vendor} (the Business Associate)",
        clauses=tuple(replace(c, text=c.text[:1].upper() + c.text[1:]) for c in out),
    )


def clause(key: str, practice: str, vendor: str, p: Positions) -> Clause | None:
    """The template's clause ``key`` for these positions, or None when the positions leave it
    out (the wording a negotiation asks for comes from here: ``comparison.py``)."""
    for c in clauses(practice, vendor, p).clauses:
        if c.key == key:
            return c
    return None
