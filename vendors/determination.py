"""When a vendor may be documented as *not* a business associate. Pure: plain values in,
the reasons a determination is refused out.

A business associate creates, receives, maintains or transmits PHI on the practice's behalf
(45 CFR 160.103). The product does not stay silent about a vendor with no PHI box ticked: it
asks the practice to record a determination, with its basis, who made it and when. The rules:

- **Not while the profile says a BAA is needed** (``RiskProfile.needs_baa``: the vendor handles
  PHI, or has remote or privileged access to the practice's systems). Correct the profile first
  if it is wrong; the profile and the determination must not contradict each other.
- **Conduit exception**: only for a vendor that transmits PHI and has no more than transient
  access to it (the postal service, an internet or phone carrier), as the Omnibus Rule preamble
  explains (78 FR 5566). A vendor that stores ePHI, such as a cloud host or a backup service, is
  never a conduit, even when it holds only encrypted data and no decryption key (HHS, *Guidance
  on HIPAA & Cloud Computing*): such a vendor is a business associate.
- **Treatment-provider exception**: disclosures by a covered entity to a health care provider
  concerning the treatment of the individual do not make the provider a business associate
  (45 CFR 160.103, definition of business associate, paragraph (4)(i)).
- **Other** grounds must be explained in writing.
"""

from .choices import AccessLevel, Category, DeterminationBasis
from .tiering import RiskProfile

# Categories whose service is to store data: never conduits.
STORAGE_CATEGORIES = (Category.CLOUD_HOSTING, Category.BACKUP)

NEEDS_BAA = (
    "This vendor's profile says it needs a BAA ({why}). A vendor cannot be documented as not a "
    "business associate while it has PHI or remote or privileged access to your systems; if "
    "the profile is wrong, correct it first."
)
NOT_A_CONDUIT = (
    "A cloud, hosting or backup vendor that stores ePHI is not a conduit, even if the data is "
    "encrypted and it holds no key: HHS's Guidance on HIPAA & Cloud Computing treats it as a "
    "business associate. The conduit exception covers transmission only, with no more than "
    "transient access (78 FR 5566)."
)
EXPLAIN_OTHER = "Explain why this vendor is not a business associate."


def why_baa_needed(profile: RiskProfile) -> str:
    if profile.handles_phi and profile.remote_access:
        return "PHI, and remote or privileged access to your systems"
    if profile.remote_access:
        return "remote or privileged access to your systems"
    return "it creates, receives, maintains or transmits PHI"


def stores_ephi(profile: RiskProfile, category: str) -> bool:
    return profile.access_level == AccessLevel.HOSTS or category in STORAGE_CATEGORIES


def refusals(
    *, profile: RiskProfile, category: str, basis: str, explanation: str
) -> dict[str, str]:
    """``{field: message}`` for each reason the determination cannot be recorded (empty: ok)."""
    errors: dict[str, str] = {}
    if basis == DeterminationBasis.CONDUIT and stores_ephi(profile, category):
        errors["basis"] = NOT_A_CONDUIT
    if profile.needs_baa:
        errors.setdefault("basis", NEEDS_BAA.format(why=why_baa_needed(profile)))
    if basis == DeterminationBasis.OTHER and not (explanation or "").strip():
        errors["explanation"] = EXPLAIN_OTHER
    return errors
