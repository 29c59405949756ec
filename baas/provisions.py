"""The provisions every BAA must contain (45 CFR 164.504(e), 164.314(a)); see shared/domain.md.

One row per provision of the per-agreement checklist, with the paragraph shown beside it.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Provision:
    key: str
    cite: str
    text: str


PROVISIONS: tuple[Provision, ...] = (
    Provision(
        "permitted_uses",
        "164.504(e)(2)(i)",
        "Establishes the permitted and required uses and disclosures of PHI",
    ),
    Provision(
        "no_other_use",
        "164.504(e)(2)(ii)(A)",
        "No use or disclosure beyond the contract or the law",
    ),
    Provision(
        "safeguards",
        "164.504(e)(2)(ii)(B); 164.314(a)(2)(i)(A)",
        "Appropriate safeguards; Security Rule compliance for ePHI",
    ),
    Provision(
        "report_incidents",
        "164.504(e)(2)(ii)(C); 164.314(a)(2)(i)(C)",
        "Reports non-permitted uses or disclosures, security incidents and breaches of "
        "unsecured PHI (164.410)",
    ),
    Provision(
        "subcontractors",
        "164.504(e)(2)(ii)(D); 164.314(a)(2)(i)(B)",
        "Subcontractors agree to the same restrictions and conditions",
    ),
    Provision(
        "access",
        "164.504(e)(2)(ii)(E)",
        "Makes PHI available for individuals' access (164.524)",
    ),
    Provision(
        "amendment",
        "164.504(e)(2)(ii)(F)",
        "Makes PHI available for amendment and incorporates any amendments (164.526)",
    ),
    Provision(
        "accounting",
        "164.504(e)(2)(ii)(G)",
        "Provides information for an accounting of disclosures (164.528)",
    ),
    Provision(
        "ce_obligations",
        "164.504(e)(2)(ii)(H)",
        "Follows the Privacy Rule when carrying out an obligation of the practice",
    ),
    Provision(
        "books_records",
        "164.504(e)(2)(ii)(I)",
        "Makes books and records available to HHS",
    ),
    Provision(
        "return_destroy",
        "164.504(e)(2)(ii)(J)",
        "Returns or destroys PHI at termination, or extends protections if infeasible",
    ),
    Provision(
        "termination",
        "164.504(e)(2)(iii)",
        "The practice may terminate for a material violation",
    ),
)

BY_KEY: dict[str, Provision] = {p.key: p for p in PROVISIONS}
PROVISION_CHOICES = [(p.key, p.text) for p in PROVISIONS]
