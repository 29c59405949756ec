"""Real Chromium: record a review from the work queue and see it leave the queue with its next
due date."""

import pytest
from django.core.management import call_command

from diligence.models import VendorSchedule
from vendors.models import BusinessAssociate

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
    call_command("seed_demo")


def test_recorded_review_leaves_the_work_queue_with_its_next_due_date(page, live_server, demo):
    msp = BusinessAssociate.objects.get(
        name="Northwind IT Services", organization__name="Riverside Family Medicine"
    )
    key = f"review:{msp.pk}"
    sign_in(page, live_server, "manager@riverside.example")
    page.click("nav >> text=Work queue")
    row = page.locator(f'#work-queue tr[data-key="{key}"]')
    assert "Overdue" in row.inner_text() and "Northwind IT Services" in row.inner_text()
    page.screenshot(path="test-artifacts/work-queue.png", full_page=True)

    row.locator("text=Open").click()
    page.wait_for_selector("#id_reviewed_on")
    # "BAA still current" and "evidence current" start from the record (tests/test_guards.py);
    # continuing while the MSP's follow-up action is overdue needs a reason.
    page.select_option("#id_outcome", "continue")
    page.fill("#id_overdue_reason", "Restore test rescheduled with the MSP for next week.")
    page.fill("#id_notes", "Annual review with the MSP's owner; restore test scheduled.")
    page.click("button[type=submit]")
    page.wait_for_selector("#next-review")

    due = VendorSchedule.objects.get(vendor=msp).next_review_due
    assert f"Next review due {due:%Y-%m-%d}" in page.inner_text("main")
    assert f"{due:%Y-%m-%d}" in page.inner_text("#next-review")
    page.screenshot(path="test-artifacts/vendor-oversight-file.png", full_page=True)

    page.click("nav >> text=Work queue")
    page.wait_for_selector("#work-queue")
    assert page.locator(f'#work-queue tr[data-key="{key}"]').count() == 0
    # The rest of the vendor's obligations (the overdue action) are still there.
    assert "Northwind IT Services" in page.inner_text("#work-queue")
