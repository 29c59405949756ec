"""The generator's demo data: saved positions, a generated BAA, and a vendor's paper whose
page shows where it differs from the standard."""

import pytest
from django.core.management import call_command

from baas.models import BusinessAssociateAgreement
from generator.models import GeneratedAgreement, StandardPositions
from oversight.models import Membership

pytestmark = pytest.mark.django_db


def test_demo_has_positions_a_generated_baa_and_a_comparison(client, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path), "base_url": None},
        },
    }
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent
    member = Membership.objects.get(user__email="viewer@riverside.example")
    practice = member.organization
    assert StandardPositions.objects.get(organization=practice).governing_law == "Illinois"
    generated = GeneratedAgreement.objects.get(organization=practice)
    assert generated.vendor.name == "ShredRight Mobile Shredding" and generated.version == 1
    assert generated.agreement.documents.count() == 1

    client.force_login(member.user)
    claimpath = BusinessAssociateAgreement.objects.get(
        organization=practice, vendor__name="ClaimPath Billing"
    )
    page = client.get(claimpath.get_absolute_url()).content.decode()
    for code in ("indemnification", "cap", "carve_out:gross_negligence", "notice_window"):
        assert f'data-code="{code}"' in page, code
    vendor_page = client.get(f"/vendors/{generated.vendor_id}/").content.decode()
    assert 'id="our-baa-versions"' in vendor_page
