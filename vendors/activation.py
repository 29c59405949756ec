"""What a vendor still lacks before it may become active (seed 003: diligence before engaging).

Apps higher up (``baas`` for the signed BAA, the oversight program for diligence) register a
check here in their ``AppConfig.ready``; this keeps imports flowing one way. A check takes a
vendor and returns human-readable lines of what is missing ("No signed BAA").
"""

from collections.abc import Callable

from .choices import RelationshipStatus

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


def needs_override(vendor, new_status: str) -> list[str]:
    """The missing items if moving ``vendor`` to ``new_status`` needs a recorded reason."""
    if new_status != RelationshipStatus.ACTIVE or vendor.status == RelationshipStatus.ACTIVE:
        return []
    return missing_before_active(vendor)
