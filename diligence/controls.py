"""Which security-control answers are findings, and how serious. Pure: a tier and an answer in,
a severity (or nothing) out.

The Security Rule makes the practice obtain "satisfactory assurances" that a business associate
will appropriately safeguard ePHI (164.308(b)(1), 164.314(a)); how closely it checks is
proportionate to the risk (164.306(b)). So the rule scales with the vendor's tier:

- **critical / high tier**: a control answered "No" or "Unknown" is a *critical* finding; a
  "Partial" answer is a *warning* (a control only partly in place is a gap on the vendors that
  hold the most PHI or have the most access).
- **medium tier**: "No" or "Unknown" is a *warning*; "Partial" is *info*, shown so that it is
  weighed at the next review.
- **low tier**: no control finding (the controls are recorded, not graded).
- "Yes" is never a finding.

Severities use the BAA findings' names (critical / warning / info) so a reader sees one scale.
"""

from dataclasses import dataclass

CRITICAL = "critical"
WARNING = "warning"
INFO = "info"

SEVERITY_ORDER = {CRITICAL: 0, WARNING: 1, INFO: 2}

# (tier, answer) -> severity; anything absent is not a finding.
_RULE: dict[tuple[str, str], str] = {
    **{(tier, answer): CRITICAL for tier in ("critical", "high") for answer in ("no", "unknown")},
    **{(tier, "partial"): WARNING for tier in ("critical", "high")},
    ("medium", "no"): WARNING,
    ("medium", "unknown"): WARNING,
    ("medium", "partial"): INFO,
}


@dataclass(frozen=True)
class ControlFinding:
    control: str
    answer: str
    severity: str


def control_severity(tier: str, answer: str) -> str | None:
    """The severity of ``answer`` on a vendor of ``tier``, or None when it is not a finding."""
    return _RULE.get((str(tier), str(answer)))


def control_findings(tier: str, answers) -> list[ControlFinding]:
    """The findings among ``answers`` (pairs of control and answer), most serious first."""
    found = [
        ControlFinding(str(control), str(answer), severity)
        for control, answer in answers
        if (severity := control_severity(tier, answer)) is not None
    ]
    return sorted(found, key=lambda f: SEVERITY_ORDER[f.severity])
