"""Evidence validity by kind, not by tier, on every screen that states it: the vendor page,
the binder (record lines and the policy section), the dashboard figure and the work queue."""

import html
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.template.loader import render_to_string
from django.urls import reverse

from binder import builder
from dashboard.posture import compute
from vendors.services import tier_override_set

from .diligence_factories import DiligenceFactory
from .factories import VendorFactory

TODAY = date(2026, 6, 15)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2026, 6, 15, 12, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def low_vendor_with_old_soc2(cast):
    vendor = VendorFactory(organization=cast.practice, name="Shred-It Right")
    tier_override_set(vendor=vendor, actor=None, tier="low", reason="Paper only, locked bins")
    # Received 2026-02-01 for an audit period that ended 2025-05-31: stale since 2026-06-01
    # (before: valid for the low tier's 36 months from receipt, until 2029).
    DiligenceFactory(vendor=vendor, performed_on=date(2026, 2, 1), period_end=date(2025, 5, 31))
    return vendor


def test_vendor_page_says_the_soc2_report_is_stale(cast, login, low_vendor_with_old_soc2):
    page = login(cast.charlie).get(low_vendor_with_old_soc2.get_absolute_url()).content.decode()
    records = page.split('id="diligence-records"')[1].split("</table>")[0]
    assert "Audit period ended 2025-05-31" in records
    assert "2026-05-31" in records and "stale" in records


def test_dashboard_figure_and_work_queue_count_the_stale_report(
    cast, login, low_vendor_with_old_soc2
):
    figure = compute(cast.practice, TODAY).figures["evidence_stale"]
    assert figure.count == 1
    queue = login(cast.charlie).get(reverse("work_queue") + "?kind=evidence&overdue=1")
    assert "SOC 2 Type II report is stale" in queue.content.decode()


def test_binder_states_validity_by_kind(cast, low_vendor_with_old_soc2):
    data = builder.gather(cast.practice, TODAY, date(2026, 1, 1))
    context = {"data": data, "site_url": "", "footer_name": ""}
    vendors = html.unescape(
        render_to_string(
            "binder/binder.html",
            context | {"part": "vendors", "group": data.vendors, "first_group": True},
        )
    )
    assert "audit period ended 2025-05-31" in vendors
    assert "valid through 2026-05-31 (stale on the binder's date)" in vendors
    closing = html.unescape(render_to_string("binder/binder.html", context | {"part": "closing"}))
    assert "Ask for fresh evidence every" in closing
    assert "12 months from the end of the audit period" in closing
