"""Demo data of the generator for ``seed_demo`` (after ``baas``'s):

- the practice's standard positions, saved (the defaults, governed by the practice's state);
- our BAA generated for ShredRight (a draft next to its signed agreement: the vendor's status
  stays the signed one's), so the vendor page lists a version with its PDF and DOCX.

ClaimPath Billing's agreement, on the vendor's paper, shows the comparison with the standard
(one-sided indemnity, a 3-month cap, missing carve-outs, a 90-day window) on its page.
Idempotent: saved positions and generated vendors are left alone.
"""

from oversight.demo import DemoPractice
from vendors.models import BusinessAssociate

from . import services
from .models import GeneratedAgreement, StandardPositions

GOVERNING_LAW = {"America/Chicago": "Illinois", "America/Los_Angeles": "California"}
GENERATED_FOR = ("ShredRight Mobile Shredding",)


def seed(demo: DemoPractice) -> None:
    practice = demo.practice
    actor = demo.admin.user
    if not StandardPositions.objects.filter(organization=practice).exists():
        stored = services.positions_for(practice)
        stored.governing_law = GOVERNING_LAW.get(practice.timezone, "")
        services.positions_save(stored=stored, actor=actor)
    for name in GENERATED_FOR:
        vendor = BusinessAssociate.objects.for_org(practice).filter(name=name).first()
        if vendor is None or GeneratedAgreement.objects.filter(vendor=vendor).exists():
            continue
        services.baa_generate(vendor=vendor, actor=actor)
