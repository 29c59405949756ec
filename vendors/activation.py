"""What a vendor still lacks before it may become active (seed 003: diligence before engaging).

Apps higher up (``baas`` for the signed BAA, ``diligence`` for due diligence) register a check
here in their ``AppConfig.ready``; this keeps imports flowing one way. A check takes a vendor
and returns human-readable lines of what is missing ("No signed BAA").
"""

import copy
from collections.abc import Callable

from .choices import RelationshipStatus
from .tiering import compute_tier

Check = Callable[[object], list[str]]
_checks: list[Check] = []


def register(check: Check) -> Check:
    if check not in _checks:
        _checks.append(check)
    return check


def missing_before_active(vendor) -> list[str]:
    missing: list[str] = []
    for check in _checks:
        missing.extend(check(vendor))
    return missing


def needs_override(vendor, new_status: str, previous_status: str | None = None) -> list[str]:
    """The missing items if moving ``vendor`` (with its new, possibly unsaved, field values)
    from ``previous_status`` (default: its current status) to ``new_status`` needs a recorded
    reason. The derived fields the checks read (PHI involvement, BAA need, tier) are recomputed
    from the new values first, so a vendor created directly as active is checked too."""
    previous = previous_status if previous_status is not None else vendor.status
    if new_status != RelationshipStatus.ACTIVE or previous == RelationshipStatus.ACTIVE:
        return []
    candidate = copy.copy(vendor)
    profile = candidate.risk_profile
    candidate.handles_phi = profile.handles_phi
    candidate.needs_baa = profile.needs_baa
    candidate.computed_tier = compute_tier(profile).tier
    candidate.tier = candidate.tier_override or candidate.computed_tier
    return missing_before_active(candidate)
