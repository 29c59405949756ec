"""The OCR audit binder: PDF with the expected sections and vendors, ZIP whose manifest
matches its files, generation states, access rules."""

import csv
import hashlib
import io
import zipfile
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from binder.choices import BinderStatus
from binder.models import BinderExport
from binder.tasks import generate_binder
from oversight.models import AuditEvent, Membership, Organization

from .factories import VendorFactory


@pytest.fixture
def demo_admin(db):
    call_command("seed_demo")
    return Membership.objects.get(user__email="admin@riverside.example")


def generate(client, capture, **data):
    with capture(execute=True):
        response = client.post(
            reverse("binder_page"), {"as_of": "2026-11-25", "period_start": "2025-11-25"} | data
        )
    assert response.status_code == 302, response.context["form"].errors
    return BinderExport.objects.latest("id")


def test_binder_for_demo_practice(client, demo_admin, django_capture_on_commit_callbacks):
    # The demo data is dated from today, so the binder is too (any day the suite runs).
    today = demo_admin.organization.today()
    client.force_login(demo_admin.user)
    export = generate(
        client,
        django_capture_on_commit_callbacks,
        as_of=today.isoformat(),
        period_start=(today - timedelta(days=365)).isoformat(),
    )
    assert export.status == BinderStatus.DONE and export.progress == 100

    pdf = client.get(reverse("binder_download", args=[export.pk, "pdf"]))
    assert pdf["Content-Disposition"].startswith("attachment")
    text = "\n".join(
        page.extract_text() for page in PdfReader(io.BytesIO(b"".join(pdf.streaming_content))).pages
    )
    for heading in (
        "Contents",
        "Business-associate inventory",
        "Vendor files",
        "Oversight policy in force",
        "Activity log",
    ):
        assert heading in text
    assert "Riverside Family Medicine" in text
    assert "ChartWell EHR" in text and "Hosts or stores ePHI" in text
    assert "Lakeview" not in text, "another practice never appears"
    for section in (
        "Business associate agreement",
        "Required provision",
        "164.504(e)(2)(ii)(J)",
        "Findings",
        "Due diligence",
        "Periodic reviews",
        "Follow-up actions",
        "Reminders sent",
    ):
        assert section in text, section

    archive = zipfile.ZipFile(
        io.BytesIO(
            b"".join(
                client.get(reverse("binder_download", args=[export.pk, "zip"])).streaming_content
            )
        )
    )
    manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode())))
    assert {row["path"] for row in manifest} >= {"binder.pdf", "inventory.csv", "activity-log.csv"}
    for row in manifest:
        assert hashlib.sha256(archive.read(row["path"])).hexdigest() == row["sha256"]
    inventory = archive.read("inventory.csv").decode()
    assert "ChartWell EHR" in inventory
    documents = [row["path"] for row in manifest if row["path"].startswith("documents/")]
    assert any(p.startswith("documents/chartwell-ehr/") and p.endswith(".pdf") for p in documents)
    actions = set(
        AuditEvent.objects.filter(organization=demo_admin.organization).values_list(
            "action", flat=True
        )
    )
    assert {"binder_generated", "binder_downloaded"} <= actions


def test_task_claims_once_and_respects_the_as_of_date(cast, time_machine):
    time_machine.move_to("2026-03-01 12:00Z")
    VendorFactory(organization=cast.practice, name="Before")
    time_machine.move_to("2026-06-01 12:00Z")
    VendorFactory(organization=cast.practice, name="After the as-of date")
    export = BinderExport.objects.create(
        organization=cast.practice, as_of="2026-04-01", period_start="2025-04-01"
    )
    assert generate_binder(export.pk) == "done"
    assert generate_binder(export.pk) == "skipped", "a redelivered task does not rebuild"
    export.refresh_from_db()
    assert export.status == BinderStatus.DONE and export.vendor_count == 1


def test_progress_row_polls_until_done(cast, login):
    export = BinderExport.objects.create(
        organization=cast.practice,
        as_of="2026-01-01",
        period_start="2025-01-01",
        status=BinderStatus.RUNNING,
        progress=40,
        stage="Writing the PDF",
    )
    row = login(cast.bob).get(reverse("binder_status", args=[export.pk])).text
    assert "40%" in row and "Writing the PDF" in row and "hx-trigger" in row
    BinderExport.objects.filter(pk=export.pk).update(status=BinderStatus.DONE, progress=100)
    row = login(cast.bob).get(reverse("binder_status", args=[export.pk])).text
    assert "Ready" in row and "hx-trigger" not in row


def test_form_errors(cast, login):
    response = login(cast.bob).post(
        reverse("binder_page"), {"as_of": "2999-01-01", "period_start": "nope"}
    )
    errors = response.context["form"].errors
    assert "as_of" in errors and "period_start" in errors
    assert not BinderExport.objects.exists()


def test_access_rules(client, cast, login):
    export = BinderExport.objects.create(
        organization=cast.practice,
        as_of="2026-01-01",
        period_start="2025-01-01",
        status=BinderStatus.DONE,
    )
    urls = [
        reverse("binder_page"),
        reverse("binder_status", args=[export.pk]),
        reverse("binder_download", args=[export.pk, "pdf"]),
    ]
    for url in urls:
        assert client.get(url)["Location"].startswith(reverse("account_login"))
    outsider = login(cast.olivia)
    for url in urls[1:]:
        assert outsider.get(url).status_code == 404
    viewer = login(cast.charlie)
    for url in urls:
        assert viewer.get(url).status_code == 403
    assert (
        viewer.post(urls[0], {"as_of": "2026-01-01", "period_start": "2025-01-01"}).status_code
        == 403
    )
    assert BinderExport.objects.count() == 1


def test_auditor_can_generate(cast, django_capture_on_commit_callbacks, client):
    from oversight.choices import Role

    from .factories import MembershipFactory

    auditor = MembershipFactory(organization=cast.practice, role=Role.AUDITOR)
    client.force_login(auditor.user)
    export = generate(
        client, django_capture_on_commit_callbacks, as_of="2026-01-01", period_start="2025-06-01"
    )
    assert export.organization == cast.practice
    assert Organization.objects.count() == 2
