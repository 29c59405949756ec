"""Real Chromium: a manager generates our BAA for a vendor and sends it for signature; the
vendor's signatory opens the emailed private link (no account), reads, signs; the manager
countersigns. The stored signed PDF's hash matches its content, and the agreement is signed
and current."""

import hashlib
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command

from baas.choices import AgreementStatus, DocumentKind
from baas.findings import is_current
from baas.models import BusinessAssociateAgreement
from generator.choices import SignatureStatus
from generator.models import SignatureRequest

from .test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VENDOR = "FrontDesk Scheduling SaaS"


@pytest.fixture
def demo(db):
    cache.clear()
    call_command("seed_demo")
    yield
    cache.clear()


def test_generate_send_sign_countersign(page, browser, live_server, demo, settings):
    settings.SITE_URL = live_server.url  # the emailed links point at this server
    sign_in(page, live_server, "manager@riverside.example")
    page.goto(f"{live_server.url}/vendors/?q=FrontDesk")
    page.locator("#vendors tbody tr", has_text=VENDOR).locator("a").first.click()
    page.click("#generate-baa")
    page.wait_for_selector("#signature")
    assert "Not sent for signature yet" in page.inner_text("#signature-status")

    page.select_option(
        "#send-contact", label="FrontDesk Privacy Office (privacy@frontdesk.example)"
    )
    page.click("#send-for-signature")
    page.wait_for_selector("text=Sent for signature to")
    assert "Sent to the vendor's signatory" in page.inner_text("#signature-status")
    email = mail.outbox[-1]
    assert email.to == ["privacy@frontdesk.example"]
    url = re.search(r"https?://\S+/sign/[A-Za-z0-9_-]{43}/", email.body).group(0)

    # The vendor's signatory: a browser of its own, not signed in.
    vendor_page = browser.new_page()
    vendor_page.goto(url)
    assert "What you are asked to sign" in vendor_page.inner_text("#what-is-signed")
    assert "E-SIGN Act" in vendor_page.inner_text("#consent")
    assert "Reporting" in vendor_page.inner_text("#agreement-text")
    vendor_page.click("#sign-submit")  # nothing typed: each field says what is missing
    vendor_page.wait_for_selector("#sign-errors")
    assert "Type your full name" in vendor_page.inner_text("#sign-errors")
    vendor_page.fill("#id_name", "Jordan Front")
    vendor_page.fill("#id_title", "Chief Operating Officer")
    vendor_page.check("#id_agree")
    vendor_page.click("#sign-submit")
    vendor_page.wait_for_selector("#sign-status")
    assert "You signed this agreement" in vendor_page.inner_text("#sign-status")
    vendor_page.close()

    page.reload()
    page.wait_for_selector("#countersign-form")
    assert "Jordan Front" in page.inner_text("#signature-status")
    page.fill("#cs-name", "Morgan Manager")
    page.fill("#cs-title", "Practice Manager")
    page.check("#cs-agree")
    page.click("#countersign")
    page.wait_for_selector("text=Countersigned")
    assert "Signed by both parties" in page.inner_text("#signature-status")
    page.screenshot(path="test-artifacts/baa-signed-electronically.png", full_page=True)

    signature = SignatureRequest.objects.get()
    assert signature.status == SignatureStatus.COMPLETE
    agreement = BusinessAssociateAgreement.objects.get(pk=signature.agreement_id)
    assert agreement.status == AgreementStatus.SIGNED
    assert is_current(agreement.facts(), agreement.organization.today())
    assert agreement.vendor.baa_state == "signed"
    stored = signature.signed_document
    assert stored.kind == DocumentKind.SIGNED
    with stored.file.open("rb") as fh:
        assert hashlib.sha256(fh.read()).hexdigest() == stored.sha256
    assert {m.to[0] for m in mail.outbox[-2:]} == {
        "privacy@frontdesk.example",
        "manager@riverside.example",
    }
