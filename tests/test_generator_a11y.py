"""The generator's pages in a real browser: no serious or critical axe violation, no CSP
violation: the agreement page with the comparison and the signature panels, the signing page
of the private link (no account), the standard positions."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command

from baas.models import BusinessAssociateAgreement
from generator import services
from generator.models import GeneratedAgreement
from vendors.models import VendorContact

from .test_baas_a11y import AXE_FILE, WATCH_CSP, problems
from .test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.skipif(not AXE_FILE.exists(), reason="axe-core is not vendored")
def test_generator_pages_are_accessible_under_the_csp(page, browser, live_server):
    cache.clear()
    call_command("seed_demo")
    generated = GeneratedAgreement.objects.get(organization__name__startswith="Riverside")
    contact = VendorContact.objects.filter(vendor=generated.vendor).exclude(email="").first()
    services.signature_send(generated=generated, contact=contact, actor=None)
    token_path = re.search(r"/sign/[A-Za-z0-9_-]{43}/", mail.outbox[-1].body).group(0)
    vendor_paper = BusinessAssociateAgreement.objects.get(
        vendor__name="ClaimPath Billing", organization__name__startswith="Riverside"
    )

    page.add_init_script(WATCH_CSP)
    sign_in(page, live_server, "manager@riverside.example")
    found = {}
    for name, path in {
        "generated agreement with the signature panel": generated.agreement.get_absolute_url(),
        "vendor's paper with the comparison": vendor_paper.get_absolute_url(),
        "standard positions": "/practice/baa-standard/",
    }.items():
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        found[name] = problems(page)
        if name.startswith("vendor's paper"):
            assert page.locator("#comparison-differences tbody tr").count() >= 4

    signatory = browser.new_page()
    signatory.add_init_script(WATCH_CSP)
    signatory.goto(live_server.url + token_path)
    signatory.wait_for_load_state("networkidle")
    found["signing page"] = problems(signatory)
    signatory.click("#sign-submit")  # the errors shown beside their fields
    signatory.wait_for_selector("#sign-errors")
    found["signing page with errors"] = problems(signatory)
    assert {name: p for name, p in found.items() if p} == {}
    cache.clear()
