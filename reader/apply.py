"""How a proposal maps onto an agreement's recorded terms (pure: no database writes).

Each proposal field either maps to agreement fields (``terms_for``), to a checklist row
(``provision:<key>``), or is shown for information only (parties, precedence, other windows,
a cap set by another agreement), because the agreement has no field for it yet.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from baas.choices import CapKind, CarveOut, DayKind, Indemnification, IndemnityCover
from baas.provisions import BY_KEY

INDEMNITY = {
    "mutual": Indemnification.MUTUAL,
    "ba_indemnifies_ce": Indemnification.PRACTICE_FAVOURABLE,
    "ce_indemnifies_ba": Indemnification.VENDOR_FAVOURABLE,
    "none": Indemnification.NONE,
}
LABELS = {
    "parties": "Parties",
    "indemnification": "Indemnification",
    "indemnity_covers": "Indemnification covers",
    "liability_cap": "Liability cap",
    "carve_outs": "Carve-outs from the cap",
    "breach_notice": "Breach-notice window",
    "other_windows": "Other notice windows",
    "auto_renewal": "Auto-renewal",
    "dates": "Dates",
    "own_use": "Vendor's own use of PHI",
    "precedence": "BAA prevails over the service agreement",
}
OWN_USE = {
    "de_identification": "de-identification",
    "aggregation": "data aggregation",
    "model_training": "model training",
}
OWN_USE_FIELDS = {
    "de_identification": "own_use_deidentify",
    "aggregation": "own_use_aggregate",
    "model_training": "own_use_train_models",
}
CARVE_LABELS = dict(CarveOut.choices) | {
    "willful_violation": "Willful violation",
    "indemnification": "Indemnification obligations",
    "confidentiality_breach": "Breach of security or confidentiality",
    "hipaa_obligations": "HIPAA obligations",
    "regulatory_fines": "Regulatory fines",
    "bodily_injury": "Bodily injury or death",
    "ip_infringement": "IP infringement",
}


# The agreement-form fields a person may edit before accepting each kind of proposal (the
# fields ``terms_for`` writes). Provisions and information-only proposals are not edited here.
EDIT_FIELDS = {
    "indemnification": ("indemnification",),
    "indemnity_covers": ("indemnification_covers",),
    "carve_outs": ("carve_outs",),
    "liability_cap": ("cap_kind", "cap_months", "cap_amount", "cap_multiple"),
    "breach_notice": ("breach_notice_days", "breach_notice_day_kind"),
    "auto_renewal": ("auto_renews", "renewal_notice_days"),
    "dates": ("effective_on", "expires_on"),
    "own_use": ("own_use_deidentify", "own_use_aggregate", "own_use_train_models"),
}


def editable(field: str) -> bool:
    return field in EDIT_FIELDS


def label(field: str) -> str:
    if field.startswith("provision:"):
        p = BY_KEY[field.split(":", 1)[1]]
        return f"{p.text} ({p.cite})"
    return LABELS.get(field, field)


def terms_for(field: str, value: Any) -> dict[str, Any] | None:
    """The agreement fields an accepted proposal sets, or None when it is information only."""
    if field == "indemnification":
        return {"indemnification": INDEMNITY[value]}
    if field == "indemnity_covers":
        return {"indemnification_covers": [v for v in value if v in IndemnityCover.values]}
    if field == "carve_outs":
        return {"carve_outs": [v for v in value if v in CarveOut.values]}
    if field == "liability_cap":
        kind = value["type"]
        if kind == "none_found":
            return {
                "cap_kind": CapKind.NONE,
                "cap_months": None,
                "cap_amount": None,
                "cap_multiple": None,
            }
        if kind == "months_of_fees" and value.get("months"):
            return {"cap_kind": CapKind.FEES_MONTHS, "cap_months": int(value["months"])}
        if kind == "fixed_amount" and value.get("amount"):
            return {"cap_kind": CapKind.FIXED, "cap_amount": value["amount"]}
        if kind == "multiple_of_fees" and value.get("multiple"):
            return {"cap_kind": CapKind.MULTIPLE, "cap_multiple": value["multiple"]}
        return None  # set by another agreement: the figure must be read there
    if field == "breach_notice":
        days, unit = value.get("days"), value.get("unit")
        if days is None:
            # "without unreasonable delay" with no number: no window is recorded (a finding)
            return {"breach_notice_days": None} if value.get("text_only") else None
        kind = {"hours": DayKind.HOURS, "business": DayKind.BUSINESS}.get(unit, DayKind.CALENDAR)
        return {"breach_notice_days": days, "breach_notice_day_kind": kind}
    if field == "auto_renewal":
        out: dict[str, Any] = {"auto_renews": bool(value.get("renews"))}
        if value.get("renews") and value.get("notice_days") is not None:
            out["renewal_notice_days"] = value["notice_days"]
        return out
    if field == "own_use":
        # The three rights the reader looks for; "other purposes" is the user's call.
        return {name: key in value for key, name in OWN_USE_FIELDS.items()}
    if field == "dates":
        out = {}
        if value.get("effective_on"):
            out["effective_on"] = date.fromisoformat(value["effective_on"])
        if value.get("expires_on"):
            out["expires_on"] = date.fromisoformat(value["expires_on"])
        return out or None
    return None


def provision_state(value: bool) -> str:
    from baas.choices import ProvisionState

    return ProvisionState.PRESENT if value else ProvisionState.ABSENT


def applicable(field: str, value: Any) -> bool:
    return field.startswith("provision:") or terms_for(field, value) is not None


def show(field: str, value: Any) -> str:
    """The proposal in words, for the agreement page."""
    if field.startswith("provision:"):
        return "Present" if value else "Not found"
    if field == "parties":
        text = f"Covered entity: {value['covered_entity'] or '?'}; business associate: {value['business_associate'] or '?'}"
        return text + (" (a subcontractor BAA)" if value.get("subcontractor_baa") else "")
    if field == "indemnification":
        return dict(Indemnification.choices)[INDEMNITY[value]]
    if field == "indemnity_covers":
        names = dict(IndemnityCover.choices)
        return ", ".join(names[v] for v in value if v in names) or "nothing named"
    if field == "carve_outs":
        return ", ".join(CARVE_LABELS.get(v, v) for v in value) or "none"
    if field == "liability_cap":
        kind = value["type"]
        if kind == "none_found":
            return "No cap found"
        if kind == "months_of_fees":
            return f"Fees paid in the prior {value.get('months'):g} months"
        if kind == "fixed_amount":
            return f"Fixed amount: ${value.get('amount'):,.0f}"
        if kind == "multiple_of_fees":
            return f"{value.get('multiple'):g} × the fees"
        return "Set by reference to another agreement (read the figure there)"
    if field == "breach_notice":
        if value.get("days") is None:
            return (
                "Without unreasonable delay (no number of days)"
                if value.get("text_only")
                else "No window found"
            )
        unit = {"hours": "hours", "business": "business days"}.get(
            value.get("unit"), "calendar days"
        )
        trigger = f", from {value['trigger']}" if value.get("trigger") else ""
        return f"{value['days']} {unit}{trigger}"
    if field == "other_windows":
        return "; ".join(value) or "none"
    if field == "auto_renewal":
        if not value.get("renews"):
            return "Does not renew automatically"
        notice = value.get("notice_days")
        return "Renews automatically" + (f"; notice {notice} days before" if notice else "")
    if field == "dates":
        parts = [
            f"effective {value['effective_on']}" if value.get("effective_on") else "",
            f"expires {value['expires_on']}" if value.get("expires_on") else "",
            f"term {value['term_years']} years" if value.get("term_years") else "",
        ]
        return ", ".join(p for p in parts if p) or "no dates found"
    if field == "own_use":
        return ", ".join(OWN_USE.get(v, v) for v in value) or "none found"
    if field == "precedence":
        return "Yes" if value else "Not stated"
    return str(value)


def show_terms(terms: dict) -> str:
    """Edited terms in words ("Breach-notice window: 3; counted in: Hours"), with the
    agreement's field labels and choice names."""
    from baas.models import BusinessAssociateAgreement

    parts = []
    for name, value in terms.items():
        field = BusinessAssociateAgreement._meta.get_field(name)
        names = dict(field.choices or ())
        if name == "indemnification_covers":
            names = dict(IndemnityCover.choices)
        elif name == "carve_outs":
            names = dict(CarveOut.choices)
        if isinstance(value, list):
            shown = ", ".join(str(names.get(v, v)) for v in value) or "none"
        elif isinstance(value, bool):
            shown = "yes" if value else "no"
        elif value in (None, ""):
            shown = "empty"
        else:
            shown = str(names.get(value, value))
        parts.append(f"{str(field.verbose_name).capitalize()}: {shown}")
    return "; ".join(parts)


def current(field: str, agreement, provisions: dict[str, str]) -> str:
    """The agreement's recorded value for the same term, in words."""
    if field.startswith("provision:"):
        state = provisions.get(field.split(":", 1)[1], "not_reviewed")
        return {"present": "Present", "absent": "Absent"}.get(state, "Not reviewed")
    a = agreement
    if field == "indemnification":
        return a.get_indemnification_display()
    if field == "indemnity_covers":
        return ", ".join(a.get_indemnification_covers_display()) or "—"
    if field == "carve_outs":
        return ", ".join(a.get_carve_outs_display()) or "none"
    if field == "liability_cap":
        text = a.get_cap_kind_display()
        if a.cap_kind == CapKind.FEES_MONTHS:
            text += f": {a.cap_months} months"
        elif a.cap_kind == CapKind.FIXED and a.cap_amount is not None:
            text += f": ${a.cap_amount:,.0f}"
        elif a.cap_kind == CapKind.MULTIPLE:
            text += f": {a.cap_multiple}×"
        return text
    if field == "breach_notice":
        if a.breach_notice_days is None:
            return "not stated"
        return f"{a.breach_notice_days} {a.get_breach_notice_day_kind_display().lower()}"
    if field == "auto_renewal":
        if not a.auto_renews:
            return "No"
        return "Yes" + (
            f"; notice {a.renewal_notice_days} days" if a.renewal_notice_days is not None else ""
        )
    if field == "dates":
        eff = a.effective_on.isoformat() if a.effective_on else "—"
        exp = a.expires_on.isoformat() if a.expires_on else "evergreen"
        return f"effective {eff}, expires {exp}"
    if field == "own_use":
        return (
            ", ".join(OWN_USE[key] for key, name in OWN_USE_FIELDS.items() if getattr(a, name))
            or "none recorded"
        ) + ("; other purposes" if a.own_use_other else "")
    if field == "parties":
        return a.vendor.name
    return "—"
