"""Audit trail: history of every change with who/when/old -> new; the practice activity log."""

from django.urls import reverse

from oversight.choices import AuditAction
from oversight.models import AuditEvent

from .factories import ContactFactory, VendorFactory


def edit_vendor(client, vendor, **changes):
    data = {
        "name": vendor.name,
        "category": vendor.category,
        "status": vendor.status,
        "access_level": vendor.access_level,
        "criticality": vendor.criticality,
        "phi_electronic": "on",
    } | changes
    response = client.post(reverse("vendor_edit", args=[vendor.pk]), data)
    assert response.status_code == 302, response.context["form"].errors


def test_vendor_change_shows_who_and_old_to_new(cast, login, vendor):
    client = login(cast.bob)
    edit_vendor(client, vendor, criticality="high", record_count="25000")
    page = client.get(reverse("object_history", args=["vendors", "businessassociate", vendor.pk]))
    text = page.text
    assert page.status_code == 200
    assert "bob@a.test" in text
    assert "criticality to operations</strong>: Medium → High" in text
    assert "25000" in text


def test_history_of_an_ended_contact_is_kept(cast, login, vendor):
    contact = ContactFactory(vendor=vendor, name="Gone Person")
    client = login(cast.bob)
    client.post(reverse("contact_end", args=[vendor.pk, contact.pk]))
    page = client.get(reverse("object_history", args=["vendors", "vendorcontact", contact.pk]))
    assert page.status_code == 200
    assert "Gone Person" in page.text and "no longer a contact since" in page.text.lower()


def test_activity_log_filters_by_person_and_type(cast, login, vendor):
    bob = login(cast.bob)
    edit_vendor(bob, vendor, criticality="low")
    AuditEvent.objects.create(
        organization=cast.practice,
        user=cast.alice.user,
        email="alice@a.test",
        action=AuditAction.DOCUMENT_DOWNLOADED,
        object_type="document",
        object_repr="baa.pdf",
    )
    viewer = login(cast.charlie)
    everything = viewer.get(reverse("activity_log")).text
    assert "bob@a.test" in everything and "document downloaded" in everything

    by_alice = viewer.get(reverse("activity_log"), {"person": cast.alice.pk}).context["entries"]
    assert by_alice and all(e.who == "alice@a.test" for e in by_alice)

    access = viewer.get(reverse("activity_log"), {"object_type": "access"}).context["entries"]
    assert [e.object_repr for e in access] == ["baa.pdf"]

    vendors_only = viewer.get(
        reverse("activity_log"), {"object_type": "vendors.businessassociate"}
    ).context["entries"]
    assert vendors_only and {e.object_type for e in vendors_only} == {"business associate"}


def test_activity_log_bad_dates_give_field_error(cast, login):
    response = login(cast.bob).get(
        reverse("activity_log"), {"since": "2026-05-01", "until": "2026-01-01"}
    )
    assert response.status_code == 200
    assert "until" in response.context["form"].errors


def test_other_practice_history_is_404_and_never_listed(cast, login):
    foreign = VendorFactory(organization=cast.other_practice, name="Foreign Vendor")
    client = login(cast.bob)
    url = reverse("object_history", args=["vendors", "businessassociate", foreign.pk])
    assert client.get(url).status_code == 404
    assert "Foreign Vendor" not in client.get(reverse("activity_log")).text
    # Untracked or unknown models are 404 too, not a crash.
    assert (
        client.get(reverse("object_history", args=["auth", "user", cast.bob.user.pk])).status_code
        == 404
    )
    assert client.get(reverse("object_history", args=["nope", "nothing", 1])).status_code == 404


def test_anonymous_is_redirected(client, cast, vendor):
    for url in (
        reverse("activity_log"),
        reverse("object_history", args=["vendors", "businessassociate", vendor.pk]),
    ):
        assert client.get(url)["Location"].startswith(reverse("account_login"))


def test_activity_log_prints_times_in_the_practice_zone(cast, login, vendor):
    """Each row's time is the practice's wall clock with its zone; in the hour the clocks go
    back, which happens twice, the time is printed without a zone it cannot tell."""
    assert cast.practice.timezone == "America/New_York"
    bob = login(cast.bob)
    for criticality in ("high", "low", "medium"):
        edit_vendor(bob, vendor, criticality=criticality)
    changes = list(vendor.history.filter(history_type="~").order_by("history_id"))
    moments = [
        "2025-07-01T12:00:00+00:00",
        "2025-12-01T17:30:00+00:00",
        "2025-11-02T05:30:00+00:00",  # 01:30 on the night 01:00-02:00 happens twice
    ]
    for record, moment in zip(changes, moments, strict=True):
        type(record).objects.filter(history_id=record.history_id).update(history_date=moment)
    text = login(cast.charlie).get(reverse("activity_log")).text
    assert "2025-07-01 08:00 EDT" in text
    assert "2025-12-01 12:30 EST" in text
    assert "2025-11-02 01:30 </td>" in text
    history = bob.get(reverse("object_history", args=["vendors", "businessassociate", vendor.pk]))
    assert "2025-07-01 08:00 EDT" in history.text
