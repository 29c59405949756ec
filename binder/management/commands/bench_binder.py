"""Benchmark: build a practice with N vendors (each with a signed BAA and its PDF, a diligence
record with controls, a review and an action) and time the binder's stages.

    python manage.py bench_binder --vendors 200
"""

import time
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction

from baas import services as baa_services
from baas.demo import minimal_pdf
from baas.models import AgreementDocument, BusinessAssociateAgreement
from binder import builder
from binder.models import BinderExport
from oversight.choices import Role
from oversight.models import Membership, Organization
from vendors.choices import AccessLevel, Category, RelationshipStatus
from vendors.models import BusinessAssociate
from vendors.services import vendor_save


class Command(BaseCommand):
    help = "Time the audit binder for a practice with N vendors (creates a bench practice)."

    def add_arguments(self, parser):
        parser.add_argument("--vendors", type=int, default=200)

    def handle(self, *args, **options):
        n = options["vendors"]
        started = time.perf_counter()
        practice = self._build(n)
        self.stdout.write(f"built {n} vendors in {time.perf_counter() - started:.1f}s")
        export = BinderExport.objects.create(
            organization=practice,
            as_of=date.today(),
            period_start=date.today() - timedelta(days=365),
        )
        marks = []

        def progress(percent, stage):
            marks.append((time.perf_counter(), stage))

        t0 = time.perf_counter()
        builder.generate(export, progress)
        total = time.perf_counter() - t0
        previous = t0
        for moment, stage in marks:
            self.stdout.write(f"  {moment - previous:6.2f}s before '{stage}'")
            previous = moment
        self.stdout.write(f"  {time.perf_counter() - previous:6.2f}s to the end")
        pdf_size = export.pdf.size
        self.stdout.write(
            self.style.SUCCESS(
                f"binder for {n} vendors: {total:.1f}s (PDF {pdf_size / 1e6:.1f} MB, "
                f"ZIP {export.archive.size / 1e6:.1f} MB)"
            )
        )

    @transaction.atomic
    def _build(self, n: int) -> Organization:
        practice = Organization.objects.create(name=f"Bench practice {time.time():.0f}")
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.create(
            username=f"bench{practice.pk}", email=f"bench{practice.pk}@example.test"
        )
        Membership.objects.create(user=user, organization=practice, role=Role.ADMIN)
        pdf = minimal_pdf("Business Associate Agreement")
        for i in range(n):
            vendor = vendor_save(
                vendor=BusinessAssociate(
                    organization=practice,
                    name=f"Vendor {i:04d}",
                    category=list(Category.values)[i % len(Category.values)],
                    status=RelationshipStatus.ACTIVE,
                    access_level=list(AccessLevel.values)[i % len(AccessLevel.values)],
                    phi_electronic=True,
                    record_count=100 * i,
                ),
                actor=user,
            )
            agreement = baa_services.agreement_create(
                agreement=BusinessAssociateAgreement(
                    organization=practice,
                    vendor=vendor,
                    effective_on=date(2024, 1, 1),
                    expires_on=date(2027, 1, 1) + timedelta(days=i),
                ),
                actor=user,
            )
            baa_services.baa_sign(agreement=agreement, actor=user, signed_on=date(2024, 1, 2))
            document = AgreementDocument.from_upload(
                SimpleUploadedFile("baa.pdf", pdf, content_type="application/pdf"),
                organization=practice,
                uploaded_by=user,
                agreement=agreement,
            )
            document.save()
        return practice
