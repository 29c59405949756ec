"""Issue 11, "no way round the guards" and "dates that mean what they say": the edit pages of
contacts and subcontractors, the compliance-gap date, the import's activation guard, the review
form checked against the record, and the refusal of a stale save."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from icalendar import Calendar

from oversight import due
from oversight.choices import ReminderMode
from oversight.models import rules_for
from reminders import services as reminder_services
from vendors.baa_status import gap_since
from vendors.models import BusinessAssociate, Subcontractor, VendorContact

from .baas_factories import make_signed
from .factories import ContactFactory, VendorFactory

# --- contact and subcontractor edit pages ------------------------------------------------------


def test_a_manager_can_load_and_save_a_contact(cast, login, vendor):
    contact = ContactFactory(vendor=vendor, name="Dana Reyes", email="dana@chartwell.test")
    client = login(cast.bob)
    url = reverse("contact_edit", args=[vendor.pk, contact.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Dana Reyes" in page.text
    response = client.post(
        url, {"name": "Dana Reyes-Ortiz", "role": "privacy_officer", "email": "dana@chartwell.test"}
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.name, contact.role) == ("Dana Reyes-Ortiz", "privacy_officer")


def test_a_manager_can_load_and_save_a_subcontractor(cast, login, vendor):
    sub = Subcontractor.objects.create(
        organization=cast.practice, vendor=vendor, name="CloudVault", services="Backups"
    )
    client = login(cast.bob)
    url = reverse("subcontractor_edit", args=[vendor.pk, sub.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "CloudVault" in page.text
    response = client.post(url, {"name": "CloudVault Inc.", "services": "Offsite backups"})
    assert response.status_code == 302
    sub.refresh_from_db()
    assert (sub.name, sub.services) == ("CloudVault Inc.", "Offsite backups")


def test_a_contact_of_another_vendor_is_not_found_through_this_vendor(cast, login, vendor):
    other = ContactFactory(vendor=VendorFactory(organization=cast.practice))
    client = login(cast.bob)
    response = client.get(reverse("contact_edit", args=[vendor.pk, other.pk]))
    assert response.status_code == 404
    assert VendorContact.objects.filter(vendor=vendor).count() == 0


# --- the compliance-gap date -------------------------------------------------------------------


def test_gap_since_is_the_first_day_without_a_signed_baa():
    today = date(2026, 12, 6)
    five_years = date(2021, 12, 6)
    common = {"added_on": five_years, "today": today}
    # Never a BAA: since PHI access began (else since the vendor was added).
    assert (
        gap_since(phi_access_began=five_years, last_expiry=None, last_termination=None, **common)
        == five_years
    )
    assert (
        gap_since(phi_access_began=None, last_expiry=None, last_termination=None, **common)
        == five_years
    )
    # The BAA covered its expiration day: the gap opens the day after.
    assert gap_since(
        phi_access_began=five_years,
        last_expiry=date(2026, 11, 11),
        last_termination=None,
        **common,
    ) == date(2026, 11, 12)
    # Terminated: from the termination date; the later end wins.
    assert gap_since(
        phi_access_began=five_years,
        last_expiry=date(2025, 1, 1),
        last_termination=date(2026, 3, 1),
        **common,
    ) == date(2026, 3, 1)
    # PHI access that began after the last BAA ended opens the gap that day.
    assert gap_since(
        phi_access_began=date(2026, 5, 1),
        last_expiry=date(2025, 1, 1),
        last_termination=None,
        **common,
    ) == date(2026, 5, 1)


@pytest.fixture
def lapsed(cast):
    """A vendor with PHI for five years whose signed BAA expired 25 days ago."""
    today = cast.practice.today()
    vendor = VendorFactory(
        organization=cast.practice,
        name="ClaimPath Billing",
        owner=cast.bob,
        phi_access_began=today - timedelta(days=5 * 365),
    )
    make_signed(
        vendor,
        signed_on=today - timedelta(days=3 * 365),
        effective_on=today - timedelta(days=3 * 365),
        expires_on=today - timedelta(days=25),
    )
    vendor.refresh_from_db()
    return vendor


def test_a_lapsed_baa_opens_the_gap_the_day_after_it_expired_on_every_screen(
    cast, login, lapsed, django_capture_on_commit_callbacks
):
    today = cast.practice.today()
    since = today - timedelta(days=24)
    began = lapsed.phi_access_began
    gap = [
        i
        for i in due.collect([cast.practice.pk], today, rules_for([cast.practice.pk]))
        if i.kind == due.DueKind.COMPLIANCE_GAP
    ]
    assert [i.due_date for i in gap] == [since]

    client = login(cast.bob)
    vendor_page = client.get(reverse("vendor_detail", args=[lapsed.pk])).text
    assert f"since {since:%Y-%m-%d}" in vendor_page
    queue = client.get(reverse("work_queue")).text
    assert f"since {since:%Y-%m-%d}" in queue and "Compliance gap, 24 days" in queue
    assert f"{began:%Y-%m-%d}" not in queue

    cast.bob.reminder_mode = ReminderMode.IMMEDIATE
    cast.bob.save()
    with django_capture_on_commit_callbacks(execute=True):
        reminder_services.run_sweep()
    gap_mails = [m for m in mail.outbox if "without a signed" in m.body]
    assert len(gap_mails) == 1
    event = Calendar.from_ical(gap_mails[0].attachments[0][1]).walk("VEVENT")[0]
    assert event.decoded("dtstart") == since
    assert f"{began:%Y-%m-%d}" not in gap_mails[0].body

    reminders_page = client.get(reverse("reminder_list")).text
    assert f"{since:%Y-%m-%d}" in reminders_page
    assert f"{began:%Y-%m-%d}" not in reminders_page


# --- the import respects the activation guard --------------------------------------------------

IMPORT_HEADER = "name,status,phi_electronic,access_level,record_count,activation_override_reason\n"


def _import(client, body: str):
    file = SimpleUploadedFile(
        "vendors.csv", (IMPORT_HEADER + body).encode(), content_type="text/csv"
    )
    return client.post(reverse("vendor_import"), {"file": file})


def test_an_import_row_making_a_phi_vendor_active_without_a_baa_is_an_error(cast, login):
    client = login(cast.bob)
    response = _import(
        client,
        "SecureMail Relay,active,yes,limited,300,\n"
        "PaperTrail Archive,onboarding,yes,limited,300,\n",
    )
    preview = response.context["preview"]
    assert [r.outcome for r in preview.rows] == ["error", "create"]
    assert "No signed, current BAA" in " ".join(preview.rows[0].errors["status"])
    assert "not ready to be active" in response.text
    assert "Import 2 rows" not in response.text
    # A forged confirmation writes nothing either, and no reason is invented.
    client.post(reverse("vendor_import_confirm"), {"token": response.context["token"]})
    assert not BusinessAssociate.objects.exists()


def test_a_reason_a_person_wrote_lets_the_row_through_and_is_kept(cast, login):
    client = login(cast.bob)
    reason = "Contract signed on paper; BAA scan arrives Friday"
    response = _import(client, f"SecureMail Relay,active,yes,limited,300,{reason}\n")
    assert response.context["preview"].ok
    client.post(reverse("vendor_import_confirm"), {"token": response.context["token"]})
    vendor = BusinessAssociate.objects.get()
    assert (vendor.status, vendor.activation_override_reason) == ("active", reason)


def test_an_import_error_shows_the_bad_value(cast, login):
    response = _import(login(cast.bob), "Odd Vendor,sometimes,maybe,limited,lots,\n")
    assert "the file says <code>sometimes</code>" in response.text
    assert "the file says <code>maybe</code>" in response.text
    assert "the file says <code>lots</code>" in response.text


def test_the_import_template_example_is_not_a_real_vendor(cast, login):
    from vendors import demo

    template = login(cast.bob).get(reverse("vendor_import_template", args=["csv"])).text
    example = template.splitlines()[1].split(",")[0]
    assert example.startswith("Example")
    assert example not in open(demo.__file__).read()
