"""The dashboard: figures against a known data set, links to the lists behind them, charts
with text equivalents, daily snapshots, bounded queries, tenancy."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboard.models import PostureSnapshot
from vendors.choices import AccessLevel, Criticality, RelationshipStatus

from .baas_factories import make_signed
from .factories import VendorFactory

TODAY = date(2026, 11, 25)


@pytest.fixture
def known(cast, time_machine):
    time_machine.move_to("2026-11-25 15:00Z")
    org = cast.practice
    gap = VendorFactory(
        organization=org, name="Gap Billing", access_level=AccessLevel.FULL, record_count=5000
    )
    soon = VendorFactory(organization=org, name="Soon EHR")
    make_signed(soon, effective_on=date(2024, 1, 1), expires_on=TODAY + timedelta(days=20))
    later = VendorFactory(organization=org, name="Later Backup")
    make_signed(later, effective_on=date(2024, 1, 1), expires_on=TODAY + timedelta(days=60))
    VendorFactory(
        organization=org,
        name="Coffee",
        access_level=AccessLevel.NONE,
        phi_electronic=False,
        criticality=Criticality.LOW,
    )
    VendorFactory(organization=org, name="Prospect", status=RelationshipStatus.PROSPECTIVE)
    VendorFactory(organization=cast.other_practice, name="Other Gap", access_level=AccessLevel.FULL)
    return {"gap": gap}


def test_figures_and_links(cast, login, known):
    response = login(cast.charlie).get(reverse("home"))
    p = response.context["p"]
    assert p.total == 5
    assert p.gap_count == 1 and [v.name for v in p.gaps] == ["Gap Billing"]
    assert (p.active_phi_covered, p.active_phi) == (2, 3)
    assert (p.expiring_30, p.expiring_90) == (1, 2)
    assert dict((t, n) for t, _, n in p.by_tier)["low"] == 1
    text = response.text
    assert "Other Gap" not in text
    assert (
        'href="/vendors/?baa=gap" id="gap-count" data-figure="gap_count">1 compliance gap<' in text
    )
    assert 'href="/agreements/?expiring_within=30" id="expiring-30"' in text
    assert 'href="/vendors/?tier=low" id="tier-low"' in text
    # Charts have a text equivalent.
    assert "<svg" in text and "<desc" in text and "As a table" in text


def test_gap_link_lands_on_the_filtered_list(cast, login, known):
    client = login(cast.bob)
    names = [v.name for v in client.get(reverse("vendor_list") + "?baa=gap").context["page"]]
    assert names == ["Gap Billing"]


def test_snapshot_recorded_once_per_day(cast, login, known):
    client = login(cast.bob)
    client.get(reverse("home"))
    client.get(reverse("home"))
    snapshot = PostureSnapshot.objects.get(organization=cast.practice)
    assert (snapshot.day, snapshot.gaps, snapshot.vendors) == (TODAY, 1, 5)


def test_bounded_queries(cast, login, known):
    client = login(cast.bob)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("home"))
    for i in range(40):
        vendor = VendorFactory(organization=cast.practice, name=f"More {i}")
        if i % 2:
            make_signed(vendor, effective_on=date(2024, 1, 1), expires_on=TODAY + timedelta(days=i))
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("home"))
    assert len(large) == len(small), [q["sql"][:120] for q in large.captured_queries]


def test_needs_login_and_shows_only_own_practice(client, cast, login, known):
    assert client.get(reverse("home"))["Location"].startswith(reverse("account_login"))
    page = login(cast.olivia).get(reverse("home"))
    assert page.context["p"].gap_count == 1
    assert "Other Gap" in page.text and "Gap Billing" not in page.text


def test_work_queue_filters_behind_the_dashboard_links(cast, login, known):
    client = login(cast.bob)
    rows = client.get(reverse("work_queue"), {"kind": "compliance_gap"}).context["rows"]
    assert [r["item"].vendor_name for r in rows] == ["Gap Billing"]
    expiring = client.get(reverse("work_queue"), {"kind": "baa_expiry"}).context["rows"]
    assert {r["item"].vendor_name for r in expiring} == {"Soon EHR", "Later Backup"}
    overdue = client.get(reverse("work_queue"), {"overdue": "1"}).context["rows"]
    assert {r["item"].vendor_name for r in overdue} == {"Gap Billing"}
    # An unknown kind is ignored, not an error.
    assert client.get(reverse("work_queue"), {"kind": "nonsense"}).status_code == 200


@pytest.mark.django_db(transaction=True)  # kept only outside a transaction: as in a request
def test_figures_are_kept_until_the_next_write_and_never_stale(cast, login, known):
    from vendors.models import BusinessAssociate

    client = login(cast.bob)
    client.get(reverse("home"))  # records the day's snapshot: a write
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as kept:
        assert client.get(reverse("home")).context["p"].gap_count == 1
    assert not any("vendors_businessassociate" in q["sql"] for q in kept.captured_queries)
    # A write of any kind, even a bulk update that no service saw, shows at once.
    BusinessAssociate.objects.filter(pk=known["gap"].pk).update(needs_baa=False)
    response = client.get(reverse("home"))
    assert response.context["p"].gap_count == 0
    assert "No compliance gap" in response.text
    VendorFactory(organization=cast.practice, name="New Gap", access_level=AccessLevel.FULL)
    p = client.get(reverse("home")).context["p"]
    assert (p.gap_count, [v.name for v in p.gaps]) == (1, ["New Gap"])
    # Another practice's write does not matter, and its figures are its own.
    VendorFactory(
        organization=cast.other_practice, name="Other Gap 2", access_level=AccessLevel.FULL
    )
    assert client.get(reverse("home")).context["p"].gap_count == 1


def test_figures_follow_the_practice_date(cast, login, known, time_machine):
    client = login(cast.bob)
    p = client.get(reverse("home")).context["p"]
    assert (p.expiring_30, p.expiring_90) == (1, 2)
    time_machine.move_to("2026-12-20 15:00Z")  # no write: the 20-day BAA has expired, 60 in 35
    p = login(cast.bob).get(reverse("home")).context["p"]
    assert (p.expiring_30, p.expiring_90) == (0, 1)
    time_machine.move_to("2027-01-30 15:00Z")  # both expired
    assert login(cast.bob).get(reverse("home")).context["p"].expiring_90 == 0
