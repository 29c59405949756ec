"""Real Chromium, end to end (issue 15): a manager sends a questionnaire from the vendor page;
the vendor opens the private link on a phone-sized screen, answers, uploads a document, submits;
the manager reviews and accepts, and sees the diligence record and its finding on the vendor's
oversight file. The vendor's page is checked with axe."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command

from baas.demo import minimal_pdf
from diligence.models import DueDiligenceRecord
from portal.models import QuestionnaireRequest
from vendors.models import BusinessAssociate

from .test_a11y import axe_problems, csp_problems
from .test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    cache.clear()
    call_command("seed_demo")
    yield tmp_path
    cache.clear()


def test_send_answer_upload_submit_review_accept(page, browser, live_server, demo):
    ehr = BusinessAssociate.objects.get(
        name="ChartWell EHR", organization__name="Riverside Family Medicine"
    )
    before = DueDiligenceRecord.objects.filter(vendor=ehr).count()
    sign_in(page, live_server, "manager@riverside.example")
    page.goto(f"{live_server.url}/vendors/{ehr.pk}/")
    page.click("#questionnaires >> text=Send a questionnaire")
    page.wait_for_selector("#id_contact")
    assert axe_problems(page) == [], "the request form"
    page.select_option("#id_contact", index=1)
    page.click("button[type=submit] >> text=Send")
    page.wait_for_selector("#request-state")
    assert "Sent" in page.inner_text("#request-state")

    token = re.search(r"/portal/([A-Za-z0-9_-]{43})/", mail.outbox[-1].body).group(1)
    request = QuestionnaireRequest.objects.get(vendor=ehr)

    # The vendor, on a phone, without any session of the practice.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    vendor_page = phone.new_page()
    vendor_page.console_errors = []
    vendor_page.on(
        "console",
        lambda m: vendor_page.console_errors.append(m.text) if m.type == "error" else None,
    )
    vendor_page.goto(f"{live_server.url}/portal/{token}/")
    text = vendor_page.inner_text("main")
    assert "Riverside Family Medicine" in text and "ChartWell EHR" in text
    assert "Work queue" not in vendor_page.content()
    assert axe_problems(vendor_page) + csp_problems(vendor_page) == []
    scroll_width = vendor_page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390, "the questionnaire must fit a phone's width"

    for question in request.questions:
        answer = "no" if question["key"] == "mfa" else "yes"
        vendor_page.check(f"#a_{question['key']}_{answer}")
    vendor_page.fill("#c_mfa", "MFA on remote access is planned for next quarter.")
    vendor_page.locator("#c_mfa").blur()
    vendor_page.locator("#autosave-status", has_text="Answers saved at").wait_for()
    request.refresh_from_db()
    assert request.answers["mfa"]["answer"] == "no"  # saved as the vendor goes
    vendor_page.check("#breach_confirmed")
    vendor_page.select_option("#file_kind", "soc2_type2")
    soc2 = demo / "chartwell-soc2.pdf"
    soc2.write_bytes(minimal_pdf("ChartWell SOC 2 report"))
    vendor_page.set_input_files("#file", str(soc2))
    vendor_page.click("button[value=save]")
    vendor_page.wait_for_selector("#saved-message")
    assert vendor_page.is_checked("#a_mfa_no")
    assert "chartwell-soc2.pdf" in vendor_page.inner_text("#evidence")
    vendor_page.fill("#submitted_by_name", "Sam Rivera")
    vendor_page.fill("#submitted_by_title", "Security Officer")
    vendor_page.click("button[value=submit]")
    vendor_page.wait_for_selector("#submitted-message")
    vendor_page.screenshot(path="test-artifacts/portal-vendor-submitted.png", full_page=True)
    phone.close()

    # The manager reviews and accepts.
    page.goto(f"{live_server.url}/portal/requests/")
    page.click("#requests >> text=ChartWell EHR >> xpath=../.. >> a >> nth=1")
    page.wait_for_selector("#answers")
    assert "Sam Rivera, Security Officer" in page.inner_text("main")
    assert "critical finding" in page.inner_text("#shortfalls")
    assert axe_problems(page) == [], "the review page"
    page.screenshot(path="test-artifacts/portal-review.png", full_page=True)
    page.select_option("#id_outcome", "concerns")
    page.click("button[type=submit] >> text=Accept")
    page.wait_for_selector("#oversight-file")
    assert "Accepted" in page.inner_text("main")
    assert "Security questionnaire" in page.inner_text("#oversight-file")
    assert "MFA" in page.inner_text("#control-findings")
    page.screenshot(path="test-artifacts/portal-accepted.png", full_page=True)
    assert DueDiligenceRecord.objects.filter(vendor=ehr).count() == before + 1
    record = DueDiligenceRecord.objects.filter(vendor=ehr).latest("id")
    assert record.files.get().original_name == "chartwell-soc2.pdf"
