"""The activity log at scale: it builds only the rows it shows (a page of PER_PAGE, older pages
behind a link), with the objects the rows name loaded in bulk, so its query count does not
grow with the number of vendors or changes."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from oversight.activity_views import PER_PAGE
from vendors.services import vendor_save

from .baas_factories import make_signed
from .diligence_factories import ReviewFactory
from .factories import VendorFactory


def _practice_with_changes(cast, n: int) -> None:
    for i in range(n):
        vendor = VendorFactory(organization=cast.practice, name=f"Scale Vendor {i:03d}")
        vendor.services = "Renegotiated"
        vendor_save(vendor=vendor, actor=cast.bob.user)
        make_signed(vendor, actor=cast.bob.user)
        ReviewFactory(vendor=vendor)


def _queries(client, path: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries), response.text


def test_the_activity_log_costs_the_same_queries_at_10_and_at_40_vendors(cast, login):
    client = login(cast.charlie)
    _practice_with_changes(cast, 10)  # already more changes than a page shows
    small, _ = _queries(client, reverse("activity_log"))
    _practice_with_changes(cast, 30)
    large, text = _queries(client, reverse("activity_log"))
    assert large == small, f"{small} queries at 10 vendors, {large} at 40"
    # The rows still name what changed: a review row names its vendor.
    assert "Scale Vendor 029" in text


def test_the_activity_log_pages_older_entries_without_repeating_any(cast, login):
    client = login(cast.charlie)
    _practice_with_changes(cast, 30)
    first = client.get(reverse("activity_log"))
    second = client.get(reverse("activity_log"), {"page": 2})
    page1, page2 = first.context["entries"], second.context["entries"]
    assert len(page1) == PER_PAGE
    assert page2, "the older entries are on page 2"
    assert "Older" in first.text and "Newer" in second.text
    assert page1[-1].when >= page2[0].when  # newest first, across pages
    seen = {(e.when, e.object_repr, e.action, e.object_type) for e in page1}
    assert not seen & {(e.when, e.object_repr, e.action, e.object_type) for e in page2}
    # A filter is kept across pages.
    vendors_only = client.get(
        reverse("activity_log"), {"object_type": "vendors.businessassociate", "page": 1}
    )
    assert {e.object_type for e in vendors_only.context["entries"]} == {"business associate"}
