"""Every list page and the dashboard run the same number of queries at 3 and at 30 vendors
(performance issue: "the count for each page is the same at 20 and at 2,000 vendors"), with
every kind of record a page lists: agreements of every status, diligence evidence gone
stale, reviews, follow-up actions, reminders pending and sent, vendor incidents (breaches
among them), questionnaires sent to vendors, and their history."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from baas.choices import AgreementStatus
from diligence.choices import DiligenceKind
from incidents import services as incident_services
from incidents.models import VendorIncident
from portal import library
from portal import services as portal_services
from reminders.choices import ReminderStatus
from vendors.choices import RelationshipStatus
from vendors.models import BusinessAssociate

from .baas_factories import make_agreement, make_signed
from .diligence_factories import ActionFactory, DiligenceFactory, ReviewFactory
from .factories import ContactFactory, VendorFactory
from .reminders_factories import ReminderFactory

PAGES = [
    reverse("home"),
    reverse("vendor_list"),
    reverse("vendor_list") + "?tier=critical&tier=high&baa=gap&sort=-tier",
    reverse("vendor_list") + "?q=Scale",
    reverse("vendor_list") + "?sort=baa",
    reverse("agreement_list"),
    reverse("agreement_list") + "?q=scale&status=signed",
    reverse("agreement_list") + "?critical=true&expiring_within=90",
    reverse("work_queue"),
    reverse("work_queue") + "?overdue=1",
    reverse("work_queue") + "?kind=evidence&owner=none",
    reverse("work_queue") + "?page=2",
    reverse("action_list"),
    reverse("reminder_list"),
    reverse("activity_log"),
    reverse("binder_page"),
    reverse("incident_list"),
    reverse("portal_requests"),
]


def _grow(cast, start, n):
    today = cast.practice.today()
    for i in range(start, start + n):
        vendor = VendorFactory(
            organization=cast.practice,
            name=f"Scale {i:03d}",
            owner=cast.bob if i % 2 else None,
            status=RelationshipStatus.ONBOARDING if i % 5 == 4 else RelationshipStatus.ACTIVE,
        )
        contact = ContactFactory(vendor=vendor)
        if i % 4 == 0:
            incident_services.incident_save(
                incident=VendorIncident(
                    organization=cast.practice,
                    vendor=vendor,
                    title=f"Misdirected export {i}",
                    vendor_discovered_on=today - timedelta(days=10 + i),
                    vendor_notified_on=today - timedelta(days=8 + i),
                    description="A billing file was sent to the wrong account.",
                    individuals_affected=100 + i,
                    states={"NY": 100 + i},
                ),
                actor=cast.bob.user,
            )
        elif i % 4 == 1:
            short = library.LIBRARY[library.HIPAA_SHORT]
            portal_services.request_send(
                organization=cast.practice,
                vendor=vendor,
                contact=contact,
                title=short.title,
                questions=[q.as_dict() for q in short.questions],
                evidence_requested=[],
                confirm_breach_contact=False,
                due_on=today + timedelta(days=i % 10),
                actor=cast.bob.user,
            )
        if i % 3 == 0:
            make_signed(
                vendor,
                effective_on=today - timedelta(days=700),
                signed_on=today - timedelta(days=700),
                expires_on=today + timedelta(days=[45, -20, 400][(i // 3) % 3]),
            )
        elif i % 3 == 1:
            make_agreement(vendor, status=AgreementStatus.NEGOTIATION)
        DiligenceFactory(
            vendor=vendor,
            kind=DiligenceKind.SOC2,
            performed_on=today - timedelta(days=300 + i),
            valid_until=today - timedelta(days=i % 40 - 20),
        )
        review = ReviewFactory(vendor=vendor, reviewed_on=today - timedelta(days=400 + i))
        ActionFactory(vendor=vendor, review=review, due_on=today + timedelta(days=i % 20 - 10))
        ReminderFactory(recipient=cast.bob, vendor=vendor, vendor_name=vendor.name)
        ReminderFactory(
            recipient=cast.alice,
            vendor=vendor,
            vendor_name=vendor.name,
            status=ReminderStatus.SENT,
            sent_at=timezone.now(),
        )
    return BusinessAssociate.objects.filter(organization=cast.practice).order_by("pk").first()


def _counts(client, vendor) -> dict[str, int]:
    counts = {}
    for url in [*PAGES, reverse("vendor_detail", args=[vendor.pk])]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[url.replace(str(vendor.pk), "<pk>")] = len(queries)
        if url == reverse("activity_log"):
            # The activity log reads the rows it shows by kind of record (one query a kind
            # at most, never one a row): what must not grow is the rest.
            kinds = {entry.object_type for entry in response.context["entries"]}
            counts[url] -= len(kinds)
    return counts


def test_every_list_page_and_the_dashboard_cost_the_same_queries_at_3_and_30_vendors(cast, login):
    client = login(cast.alice)
    first = _grow(cast, 0, 3)
    _counts(client, first)  # warm: session, the day's dashboard snapshot
    small = _counts(client, first)
    _grow(cast, 3, 27)
    large = _counts(client, first)
    assert BusinessAssociate.objects.filter(organization=cast.practice).count() == 30
    # (The activity log's figure is net of the kinds of record its page shows: see _counts;
    # test_activity_scale holds its whole count equal at 10 and 40 vendors of a few kinds.)
    assert large == small
    # The pages list what was added (not an empty page that would trivially be constant).
    assert "Scale 029" in client.get(reverse("vendor_list") + "?q=Scale+029").text
    assert "Scale 027" in client.get(reverse("agreement_list") + "?q=scale+027").text
    assert "Misdirected export 28" in client.get(reverse("incident_list")).text
    assert "Scale 029" in client.get(reverse("portal_requests")).text
    queue = client.get(reverse("work_queue")).context
    assert queue["total"] > 30 and len(queue["rows"]) == min(queue["total"], 50)  # one page
