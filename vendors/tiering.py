"""The risk-tier rubric: how much oversight a business associate needs.

Pure: takes a ``RiskProfile`` (plain values, no ORM) and returns the tier *and the reasons*.
The domain brief (seed 003) asks for attention in proportion to access: PHI access level, record
volume, hosting of ePHI, remote or privileged access to the practice's systems, criticality,
offshore processing and subcontractors.

How it scores (each factor adds points and one reason):

====================================================  ======
factor                                                points
====================================================  ======
hosts or stores ePHI                                  4
full read/write access to PHI                         3
limited view of PHI                                   2
incidental access to PHI                              1
remote or privileged access to practice systems       3
more than 10,000 patient records (electronic)         3
more than 1,000 patient records (electronic)          2
operationally critical (high criticality)             2
medium criticality                                    1
processes or stores PHI outside the US                2
subcontractors touch the practice's PHI               1
sensitive PHI (mental health, SUD, HIV, genetic)      1
====================================================  ======

Score >= 8 -> critical, >= 5 -> high, >= 3 -> medium, else low. Two floors apply whatever the
score: a vendor that hosts ePHI for more than 10,000 patients is critical; a vendor with remote
or privileged access to the practice's systems (typically the MSP) is at least high, because
it can reach all the practice's ePHI. A vendor that handles paper only is scored on its paper
volume (1 point above 10,000 records) and has no system access by definition. A vendor with no
PHI at all is low.

500 records is a scoring point because it is the law's own threshold: a breach of unsecured PHI
of 500 or more individuals is reported to HHS at the same time as to the individuals, not in
the annual log (164.408(b)), and, for more than 500 residents of a state, to the media
(164.406). An unknown record count scores nothing but is
shown as a reason, so that nobody mistakes a missing figure for a small one.

Who needs a BAA (``RiskProfile.needs_baa``) is a separate question from the tier: a vendor that
creates, receives, maintains or transmits PHI (45 CFR 160.103, "business associate"), and a
vendor with remote or privileged access to the practice's systems (the MSP), which can reach
the ePHI they hold whether or not anybody ticked a PHI box. The practice may document that such
a vendor is not a business associate only when the profile says neither (see
``vendors.determination``).
"""

from dataclasses import dataclass, field

from .choices import AccessLevel, Criticality, PhiType, Tier

ACCESS_POINTS = {
    AccessLevel.HOSTS: (4, "Hosts or stores ePHI"),
    AccessLevel.FULL: (3, "Full read/write access to PHI"),
    AccessLevel.LIMITED: (2, "Limited view of PHI"),
    AccessLevel.INCIDENTAL: (1, "Incidental access to PHI"),
}
CRITICALITY_POINTS = {
    Criticality.HIGH: (2, "Critical to the practice's operations"),
    Criticality.MEDIUM: (1, "Moderately important to operations"),
}
LARGE_VOLUME = 10_000
MEDIUM_VOLUME = 1_000
NOTICE_VOLUME = 500  # 164.408(b): HHS notified with the individuals; 164.406: media (over 500)
UNKNOWN_VOLUME = "Record count unknown: tier may be understated"
THRESHOLDS = ((8, Tier.CRITICAL), (5, Tier.HIGH), (3, Tier.MEDIUM))
TIER_ORDER = [Tier.LOW, Tier.MEDIUM, Tier.HIGH, Tier.CRITICAL]


@dataclass(frozen=True)
class RiskProfile:
    access_level: str = AccessLevel.NONE
    phi_electronic: bool = False
    phi_paper: bool = False
    record_count: int | None = None
    remote_access: bool = False
    offshore: bool = False
    uses_subcontractors: bool = False
    criticality: str = Criticality.MEDIUM
    phi_types: tuple[str, ...] = field(default_factory=tuple)

    @property
    def handles_phi(self) -> bool:
        """The vendor creates, receives, maintains or transmits PHI (a PHI box is ticked)."""
        return self.phi_electronic or self.phi_paper or self.access_level != AccessLevel.NONE

    @property
    def needs_baa(self) -> bool:
        """A BAA is required before the vendor starts (164.502(e), 164.308(b)): it handles PHI,
        or it has remote or privileged access to the practice's systems (the MSP), which reaches
        every system holding ePHI even if nobody ticked a PHI box. Only a vendor for which this
        is false can be documented as not a business associate."""
        return self.handles_phi or self.remote_access

    @property
    def paper_only(self) -> bool:
        return (
            self.phi_paper
            and not self.phi_electronic
            and self.access_level in (AccessLevel.NONE, AccessLevel.INCIDENTAL)
            and not self.remote_access
        )


@dataclass(frozen=True)
class TierResult:
    tier: Tier
    score: int
    reasons: list[str]


def _at_least(tier: Tier, floor: Tier) -> Tier:
    return max(tier, floor, key=TIER_ORDER.index)


def compute_tier(profile: RiskProfile) -> TierResult:
    """Return the tier for a vendor's risk profile, with the reasons that led to it."""
    if not profile.needs_baa:
        return TierResult(Tier.LOW, 0, ["No access to PHI"])

    points: list[tuple[int, str]] = []
    if profile.paper_only:
        points.append((0, "Handles paper PHI only"))
        if (profile.record_count or 0) > LARGE_VOLUME:
            points.append((1, f"More than {LARGE_VOLUME:,} patients' paper records"))
    else:
        if profile.access_level in ACCESS_POINTS:
            points.append(ACCESS_POINTS[profile.access_level])
        records = profile.record_count or 0
        if records > LARGE_VOLUME:
            points.append((3, f"More than {LARGE_VOLUME:,} patient records"))
        elif records > MEDIUM_VOLUME:
            points.append((2, f"More than {MEDIUM_VOLUME:,} patient records"))
        elif records >= NOTICE_VOLUME:
            points.append(
                (
                    1,
                    f"{NOTICE_VOLUME} or more patient records: a breach would be reported to HHS "
                    "with the individuals' notices and possibly to the media "
                    "(164.408(b), 164.406)",
                )
            )
    if profile.record_count is None:
        points.append((0, UNKNOWN_VOLUME))
    if profile.remote_access:
        points.append((3, "Remote or privileged access to practice systems"))
    if profile.criticality in CRITICALITY_POINTS:
        points.append(CRITICALITY_POINTS[profile.criticality])
    if profile.offshore:
        points.append((2, "Processes or stores PHI outside the US"))
    if profile.uses_subcontractors:
        points.append((1, "Subcontractors touch the practice's PHI"))
    if PhiType.SENSITIVE in profile.phi_types:
        points.append((1, "Sensitive PHI (mental health, substance use, HIV, genetic)"))

    score = sum(p for p, _ in points)
    tier = next((t for minimum, t in THRESHOLDS if score >= minimum), Tier.LOW)
    reasons = [reason for _, reason in points]
    if (
        profile.access_level == AccessLevel.HOSTS
        and (profile.record_count or 0) > LARGE_VOLUME
        and tier != Tier.CRITICAL
    ):
        tier = Tier.CRITICAL
        reasons.append("Floor: hosts ePHI for more than 10,000 patients")
    if profile.remote_access and TIER_ORDER.index(tier) < TIER_ORDER.index(Tier.HIGH):
        tier = _at_least(tier, Tier.HIGH)
        reasons.append("Floor: remote or privileged access is at least high")
    return TierResult(tier, score, reasons)
