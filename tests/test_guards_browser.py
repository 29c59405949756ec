"""Real Chromium: the compliance-gap date, the import guard, the review checked against the
record, editing a contact, and the refusal of a stale save (issue 11). Small data of their own,
no demo, so that they stay fast."""

from datetime import timedelta

import pytest

from diligence.models import VendorReview
from oversight.choices import Role
from vendors.models import BusinessAssociate

from .baas_factories import make_signed
from .diligence_factories import ActionFactory
from .factories import PASSWORD, ContactFactory, MembershipFactory, UserFactory, VendorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def practice(db):
    bob = MembershipFactory(role=Role.MANAGER, user=UserFactory(email="bob@guards.test"))
    alice = MembershipFactory(
        role=Role.ADMIN,
        organization=bob.organization,
        user=UserFactory(email="alice@guards.test"),
    )
    return bob, alice


def sign_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_gap_date_and_contact_editing(page, live_server, practice):
    bob, _ = practice
    org = bob.organization
    today = org.today()
    vendor = VendorFactory(
        organization=org,
        name="ClaimPath Billing",
        owner=bob,
        phi_access_began=today - timedelta(days=5 * 365),
    )
    make_signed(
        vendor,
        signed_on=today - timedelta(days=3 * 365),
        effective_on=today - timedelta(days=3 * 365),
        expires_on=today - timedelta(days=25),
    )
    contact = ContactFactory(vendor=vendor, name="Dana Reyes")
    since = f"{today - timedelta(days=24):%Y-%m-%d}"
    began = f"{vendor.phi_access_began:%Y-%m-%d}"

    sign_in(page, live_server, "bob@guards.test")
    page.goto(f"{live_server.url}/work-queue/")
    row = page.locator(f'#work-queue tr[data-key="gap:vendor:{vendor.pk}"]')
    assert f"since {since}" in row.inner_text() and began not in row.inner_text()
    page.goto(f"{live_server.url}/vendors/{vendor.pk}/")
    assert page.inner_text("#gap-since") == f"since {since}"

    page.goto(f"{live_server.url}/vendors/{vendor.pk}/contacts/{contact.pk}/")
    page.fill("#id_name", "Dana Reyes-Ortiz")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/vendors/{vendor.pk}/")
    assert "Dana Reyes-Ortiz" in page.inner_text("main")


def test_import_guard_shows_the_row_error_and_offers_no_import(
    page, live_server, practice, tmp_path
):
    csv = tmp_path / "vendors.csv"
    csv.write_text(
        "name,status,phi_electronic,access_level,record_count,activation_override_reason\n"
        "SecureMail Relay,active,yes,limited,300,\n"
        "PaperTrail Archive,onboarding,yes,limited,300,\n"
    )
    sign_in(page, live_server, "bob@guards.test")
    page.goto(f"{live_server.url}/vendors/import/")
    page.set_input_files("#id_file", str(csv))
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-preview")
    preview = page.inner_text("#import-preview")
    assert "not ready to be active: No signed, current BAA" in preview
    assert "the file says active" in preview
    assert page.locator("text=Import 2 rows").count() == 0
    assert not BusinessAssociate.objects.exists()


def test_review_checked_against_the_record_and_stale_vendor_save_refused(
    page, browser, live_server, practice
):
    bob, _ = practice
    org = bob.organization
    today = org.today()
    vendor = VendorFactory(organization=org, name="VaultSafe Backup", owner=bob)
    ActionFactory(vendor=vendor, description="Restore test", due_on=today - timedelta(days=2))

    sign_in(page, live_server, "bob@guards.test")
    page.goto(f"{live_server.url}/vendors/{vendor.pk}/reviews/new/")
    assert not page.is_checked("#id_baa_current")  # no BAA on record
    assert "On record: Compliance gap" in page.inner_text("main form")
    page.check("#id_baa_current")
    page.select_option("#id_outcome", "continue")
    page.click("main form button[type=submit]")
    page.wait_for_selector(".invalid-feedback")
    text = page.inner_text("main form")
    assert "The record says otherwise" in text and "follow-up actions" in text
    assert not VendorReview.objects.exists()

    # Two managers edit the vendor: Alice saves first, Bob's save is refused with her change.
    page.goto(f"{live_server.url}/vendors/{vendor.pk}/edit/")
    other = browser.new_context()
    alice = other.new_page()
    sign_in(alice, live_server, "alice@guards.test")
    alice.goto(f"{live_server.url}/vendors/{vendor.pk}/edit/")
    alice.fill("#id_services", "Nightly encrypted backup")
    alice.click("#vendor-form button[type=submit]")
    alice.wait_for_selector("#tier-reasons")
    other.close()

    page.fill("#id_services", "Weekly backup")
    page.click("#vendor-form button[type=submit]")
    page.wait_for_selector("text=after you opened it")
    message = page.inner_text("main")
    assert "alice@guards.test" in message and "Nightly encrypted backup" in message
    vendor.refresh_from_db()
    assert vendor.services == "Nightly encrypted backup"
    page.click("#vendor-form button[type=submit]")  # having read it, Bob keeps his value
    page.wait_for_selector("#tier-reasons")
    vendor.refresh_from_db()
    assert vendor.services == "Weekly backup"
