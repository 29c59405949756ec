"""Real Chromium: a manager closes a compliance gap by recording, signing and uploading a BAA
and ticking its checklist; the vendor leaves the "gap" filter of the inventory."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command

from baas.demo import minimal_pdf

from .test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VENDOR = "FrontDesk Scheduling SaaS"


@pytest.fixture
def demo(db):
    call_command("seed_demo")


def gap_rows(page, live_server):
    page.goto(f"{live_server.url}/vendors/?baa=gap")
    return page.locator("#vendors tbody tr", has_text=VENDOR)


def test_signed_baa_closes_the_gap(page, live_server, demo, tmp_path):
    sign_in(page, live_server, "manager@riverside.example")
    rows = gap_rows(page, live_server)
    assert rows.count() == 1
    assert "Gap: no signed BAA" in rows.inner_text()

    rows.locator("a").first.click()
    page.wait_for_selector("#baa-panel")
    assert "No signed, current BAA" in page.inner_text("#baa-panel")
    page.click("#baa-panel >> text=Add agreement")
    page.select_option("#id_template_source", "negotiated")
    page.fill("#id_breach_notice_days", "10")
    page.select_option("#id_indemnification", "mutual")
    # The cap fields follow the cap kind on the page.
    page.select_option("#id_cap_kind", "fixed")
    assert page.is_visible("#id_cap_amount") and not page.is_visible("#id_cap_months")
    page.select_option("#id_cap_kind", "none")
    assert not page.is_visible("#id_cap_amount")
    page.select_option("#id_return_destroy", "either")  # answers provision (J)
    page.click("#agreement-form button[type=submit]")
    page.wait_for_selector("#checklist-form")

    # The checklist, from the keyboard: one row absent asks for its clause reference, then
    # "mark all present" for the rest.
    page.focus("#checklist-form input[name=access][value=absent]")
    page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.name") == "note_access"
    page.keyboard.type("Section 7 is silent")
    page.check("#checklist-form input[name=access][value=present]")
    page.click("#mark-all-present")
    page.wait_for_selector("text=Checklist saved")
    assert "required provisions not reviewed" not in page.inner_text("body")

    page.click("#mark-signed")
    signed = date.today() - timedelta(days=1)
    page.fill("#id_signed_on", signed.isoformat())
    page.fill("#id_practice_signatory_name", "Dana Whitfield")
    page.fill("#id_vendor_signatory_name", "Pat Vendor")
    page.click("#action-form button[type=submit]")
    page.wait_for_selector("text=is signed")

    pdf = tmp_path / "FrontDesk BAA signed.pdf"
    pdf.write_bytes(minimal_pdf("FrontDesk BAA"))
    page.click("#upload-document")
    page.set_input_files("#id_file", str(pdf))
    page.click("#action-form button[type=submit]")
    page.wait_for_selector("#documents >> text=FrontDesk BAA signed.pdf")

    assert gap_rows(page, live_server).count() == 0
    page.goto(f"{live_server.url}/vendors/?baa=current")
    row = page.locator("#vendors tbody tr", has_text=VENDOR)
    assert "Signed, current" in row.inner_text()
    page.screenshot(path="test-artifacts/baa-gap-closed.png", full_page=True)
