"""The practice's standard BAA positions: their defaults and how they become the terms of a
``BusinessAssociateAgreement`` (pure; no ORM).

The defaults follow the negotiating advice the findings use (``baas/findings.py``): mutual
indemnification, no cap on liability for breaches of PHI, every standard carve-out, a short
breach-notice window that runs from discovery (164.410(a)(2)), audit rights, no offshore
processing, return or destruction of PHI at the end (164.504(e)(2)(ii)(J)).
"""

from dataclasses import asdict, dataclass, field
from decimal import Decimal

from baas.choices import (
    CapKind,
    CarveOut,
    DayKind,
    Indemnification,
    IndemnityCover,
    NoticeTrigger,
    ReturnDestroy,
    TemplateSource,
    Term,
)

from .choices import Flowdown


@dataclass(frozen=True)
class Positions:
    indemnification: str = Indemnification.MUTUAL
    indemnification_covers: tuple[str, ...] = tuple(IndemnityCover.values)
    cap_kind: str = CapKind.NONE
    cap_amount: Decimal | None = None
    cap_months: int | None = None
    carve_outs: tuple[str, ...] = tuple(CarveOut.values)
    breach_notice_days: int = 5
    breach_notice_day_kind: str = DayKind.BUSINESS
    breach_notice_trigger: str = NoticeTrigger.DISCOVERY
    subcontractor_flowdown: str = Flowdown.NOTICE
    offshore_restricted: bool = True
    audit_rights: bool = True
    return_destroy: str = ReturnDestroy.EITHER
    return_within_days: int = 30
    insurance_amount: Decimal | None = Decimal("1000000")
    governing_law: str = ""
    extra: dict = field(default_factory=dict)


DEFAULTS = Positions()
FIELDS = tuple(name for name in Positions.__dataclass_fields__ if name != "extra")


def defaults() -> dict:
    """The default positions as field values (lists for the JSON fields)."""
    values = asdict(DEFAULTS)
    values.pop("extra")
    for name in ("indemnification_covers", "carve_outs"):
        values[name] = list(values[name])
    return values


def agreement_terms(p: Positions) -> dict:
    """The ``BusinessAssociateAgreement`` field values of an agreement on the practice's paper
    with these positions: every term the findings read is recorded, none left unknown."""
    capped = p.cap_kind != CapKind.NONE
    return {
        "template_source": TemplateSource.PRACTICE,
        "indemnification": p.indemnification,
        "indemnification_covers": (
            list(p.indemnification_covers) if p.indemnification != Indemnification.NONE else []
        ),
        "cap_kind": p.cap_kind,
        "cap_amount": p.cap_amount if p.cap_kind == CapKind.FIXED else None,
        "cap_months": p.cap_months if p.cap_kind == CapKind.FEES_MONTHS else None,
        "cap_multiple": None,
        # With no cap there is nothing to carve out of.
        "carve_outs": list(p.carve_outs) if capped else [],
        "breach_notice_days": p.breach_notice_days,
        "breach_notice_day_kind": p.breach_notice_day_kind,
        "breach_notice_trigger": p.breach_notice_trigger,
        "cyber_insurance_amount": p.insurance_amount,
        "return_destroy": p.return_destroy,
        "audit_rights": Term.YES if p.audit_rights else Term.NO,
        "offshore_restricted": Term.YES if p.offshore_restricted else Term.NO,
        # The practice's paper grants no own-use rights beyond 164.504(e)(2)(i) and (e)(4).
        "own_use_deidentify": False,
        "own_use_aggregate": False,
        "own_use_train_models": False,
        "own_use_other": False,
    }


def default_covers() -> list[str]:
    """Default of the JSON field (a callable, so each row gets its own list)."""
    return list(DEFAULTS.indemnification_covers)


def default_carve_outs() -> list[str]:
    return list(DEFAULTS.carve_outs)
