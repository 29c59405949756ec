"""Real Chromium: a manager uploads the vendor's BAA, sees the reader's proposals with their
excerpts, accepts them all, and sees the terms and findings follow (issue 14)."""

import pytest
from django.core.management import call_command

from reader.samples import text_pdf

from .test_browser import sign_in
from .test_reader_rules import baa

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VENDOR = "FrontDesk Scheduling SaaS"
NOTICE = (
    "Business Associate shall notify Covered Entity of any Breach of Unsecured PHI within "
    "ninety (90) days after discovery."
)


@pytest.fixture
def demo(db):
    call_command("seed_demo")


def test_upload_read_accept_and_the_findings_follow(page, live_server, demo, tmp_path):
    sign_in(page, live_server, "manager@riverside.example")
    page.goto(f"{live_server.url}/vendors/?baa=gap")
    page.locator("#vendors tbody tr", has_text=VENDOR).locator("a").first.click()
    page.click("#baa-panel >> text=Add agreement")
    page.select_option("#id_template_source", "vendor")
    page.click("#agreement-form button[type=submit]")
    page.wait_for_selector("#reader")
    assert "Not read yet" in page.inner_text("#reader")

    pdf = tmp_path / "FrontDesk BAA.pdf"
    pdf.write_bytes(text_pdf(baa(notice=NOTICE)))
    page.click("#upload-document")
    page.set_input_files("#id_file", str(pdf))
    page.click("#action-form button[type=submit]")
    page.wait_for_selector("#reader-proposals")  # read in the background; the panel polls

    row = page.locator("#proposal-breach_notice")
    assert "90 calendar days, from discovery" in row.locator(".proposed").inner_text()
    assert "not stated" in row.locator(".current").inner_text()
    assert "ninety (90) days after discovery" in row.locator(".excerpt").inner_text()
    assert "breach_notice_too_long" not in page.content()  # nothing changed yet

    page.click("#reader-accept-all")
    page.wait_for_selector("text=The terms and findings are updated.")
    findings = page.inner_text("#findings-h") + page.content()
    assert "breach_notice_too_long" in findings
    assert "90 calendar" in page.inner_text("#terms")
    assert "Accepted by manager@riverside.example" in page.inner_text("#reader")
    page.screenshot(path="test-artifacts/reader-accepted.png", full_page=True)


def test_a_word_baa_is_read_and_a_proposal_edited_before_it_is_accepted(
    page, live_server, demo, tmp_path
):
    from reader.samples import docx_bytes

    sign_in(page, live_server, "manager@riverside.example")
    page.goto(f"{live_server.url}/vendors/?baa=gap")
    page.locator("#vendors tbody tr", has_text=VENDOR).locator("a").first.click()
    page.click("#baa-panel >> text=Add agreement")
    page.select_option("#id_template_source", "vendor")
    page.click("#agreement-form button[type=submit]")
    page.wait_for_selector("#reader")

    word = tmp_path / "FrontDesk BAA.docx"
    word.write_bytes(
        docx_bytes(
            baa(
                notice="Business Associate shall notify Covered Entity of any Breach of "
                "Unsecured PHI within seventy-two (72) hours after discovery."
            )
        )
    )
    page.click("#upload-document")
    page.set_input_files("#id_file", str(word))
    page.click("#action-form button[type=submit]")
    page.wait_for_selector("#reader-proposals")
    row = page.locator("#proposal-breach_notice")
    assert "72 hours, from discovery" in row.locator(".proposed").inner_text()

    row.locator("a.reader-edit").click()
    page.wait_for_selector("#reader-edit-form")
    assert page.input_value("#id_breach_notice_days") == "72"
    assert page.input_value("#id_breach_notice_day_kind") == "hours"
    page.fill("#id_breach_notice_days", "")
    page.fill("#id_breach_notice_days", "-1")
    page.click("#reader-edit-accept")
    assert page.locator("#id_breach_notice_days").get_attribute("aria-invalid") == "true" or (
        "greater than or equal to 0" in page.inner_text("#reader-edit-form")
    )
    page.fill("#id_breach_notice_days", "48")
    page.click("#reader-edit-accept")
    page.wait_for_selector("text=your edited value is accepted")
    assert "48 hours" in page.inner_text("#terms")
    decision = page.locator("#proposal-breach_notice .decision").inner_text()
    assert "Accepted as edited by manager@riverside.example" in decision
    assert "Breach-notice window: 48" in decision
    page.screenshot(path="test-artifacts/reader-edited.png", full_page=True)
