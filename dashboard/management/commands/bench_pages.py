"""Benchmark: time the main pages (and count their queries) for a practice with N vendors.

    python manage.py bench_pages --vendors 5000

Creates a bench practice (vendors with computed tiers, half of them with a signed BAA) and
requests each page through Django's test client, signed in as its admin.
"""

import statistics
import time
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from baas.models import BusinessAssociateAgreement
from baas.services import baa_refresh_vendors
from oversight.choices import Role
from oversight.models import Membership, Organization
from vendors.choices import AccessLevel, Category, RelationshipStatus
from vendors.models import BusinessAssociate
from vendors.services import _apply_tier

PAGES = [
    "/",
    "/vendors/",
    "/vendors/?baa=gap&sort=-tier",
    "/vendors/?page=40",
    "/agreements/",
    "/work-queue/",
    "/reminders/",
]


class Command(BaseCommand):
    help = "Time the main pages for a practice with N vendors."

    def add_arguments(self, parser):
        parser.add_argument("--vendors", type=int, default=5000)
        parser.add_argument("--repeat", type=int, default=5)

    def handle(self, *args, vendors, repeat, **options):
        started = time.perf_counter()
        user, practice = self._build(vendors)
        self.stdout.write(f"built {vendors} vendors in {time.perf_counter() - started:.1f}s")
        client = Client(SERVER_NAME="localhost")
        client.force_login(user)
        first = BusinessAssociate.objects.for_org(practice).order_by("pk").first()
        for path in [*PAGES, f"/vendors/{first.pk}/"]:
            client.get(path)  # warm
            timings = []
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as queries:
                    t = time.perf_counter()
                    response = client.get(path)
                    timings.append((time.perf_counter() - t) * 1000)
            self.stdout.write(
                f"{path:32} {response.status_code}  median {statistics.median(timings):7.1f} ms"
                f"  {len(queries):3d} queries"
            )

    @transaction.atomic
    def _build(self, n: int):
        practice = Organization.objects.create(name=f"Bench pages {time.time():.0f}")
        user = get_user_model().objects.create(
            username=f"benchpages{practice.pk}", email=f"benchpages{practice.pk}@example.test"
        )
        Membership.objects.create(user=user, organization=practice, role=Role.ADMIN)
        rows = []
        for i in range(n):
            vendor = BusinessAssociate(
                organization=practice,
                name=f"Vendor {i:05d}",
                category=list(Category.values)[i % len(Category.values)],
                status=RelationshipStatus.ACTIVE if i % 5 else RelationshipStatus.ONBOARDING,
                access_level=list(AccessLevel.values)[i % len(AccessLevel.values)],
                phi_electronic=True,
                record_count=(i * 37) % 40000,
            )
            _apply_tier(vendor)
            rows.append(vendor)
        BusinessAssociate.objects.bulk_create(rows, batch_size=1000)
        vendors = list(BusinessAssociate.objects.for_org(practice).order_by("pk"))
        BusinessAssociateAgreement.objects.bulk_create(
            [
                BusinessAssociateAgreement(
                    organization=practice,
                    vendor=v,
                    status="signed",
                    effective_on=date(2024, 1, 1),
                    signed_on=date(2024, 1, 2),
                    expires_on=date.today() + timedelta(days=(i * 7) % 700),
                )
                for i, v in enumerate(vendors)
                if i % 2 == 0
            ],
            batch_size=1000,
        )
        baa_refresh_vendors(organization=practice, vendor_ids=[v.pk for v in vendors[::2]])
        return user, practice
