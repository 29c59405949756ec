"""The audit binder an auditor would accept: a cover with the summary of the date (the
dashboard's figures), an attestation page, the inventory's BAA status and expiry columns, the
activity of the period by month (every entry in the ZIP's CSV), and the record as it stood on
the as-of date (history tables), not today's values. PDFs are read back with pypdf."""

import csv
import io
import re
import zipfile
from datetime import date, timedelta

import pytest
from django.urls import reverse
from pypdf import PdfReader

from baas import services as baa_services
from baas.choices import ProvisionState
from binder import builder
from binder.choices import BinderStatus
from binder.models import BinderExport
from binder.tasks import generate_binder
from dashboard.posture import compute
from oversight.models import TierPolicy
from vendors.choices import AccessLevel, RelationshipStatus
from vendors.services import tier_override_set, vendor_archive

from .baas_factories import ALL_PRESENT, make_agreement, make_signed
from .factories import VendorFactory


def build(practice, as_of: date, *, user=None, period_start=None) -> BinderExport:
    export = BinderExport.objects.create(
        organization=practice,
        requested_by=user,
        as_of=as_of,
        period_start=period_start or as_of - timedelta(days=365),
    )
    assert generate_binder(export.pk) == "done"
    export.refresh_from_db()
    assert export.status == BinderStatus.DONE
    return export


def pdf_pages(export) -> list[str]:
    with export.pdf.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return [page.extract_text() for page in reader.pages]


def flat(text: str) -> str:
    return " ".join(text.split())


def figure(text: str, label: str) -> str:
    match = re.search(re.escape(label) + r"\s+([\d,]+(?: of [\d,]+ \(\d+%\))?)", text)
    assert match, f"{label!r} not on the cover"
    return match.group(1)


def cover_figures(pages: list[str]) -> dict:
    summary = flat(next(p for p in pages if "Summary as of" in p))
    return {
        "total": figure(summary, "Business associates"),
        **{tier: figure(summary, f"{tier} tier") for tier in ("Critical", "High", "Medium", "Low")},
        "coverage": figure(summary, "under a signed, current and complete BAA"),
        "gaps": figure(
            summary, "Compliance gaps: PHI or system access without a signed, current BAA"
        ),
        "expiring": figure(summary, "BAAs expiring within 90 days"),
        "reviews": figure(summary, "Periodic reviews overdue"),
    }


def dashboard_figures(posture) -> dict:
    return {
        "total": str(posture.total),
        **{label: str(n) for _, label, n in posture.by_tier},
        "coverage": f"{posture.active_phi_covered} of {posture.active_phi} "
        f"({posture.covered_percent}%)",
        "gaps": str(posture.gap_count),
        "expiring": str(posture.expiring_90),
        "reviews": str(posture.reviews_overdue),
    }


def a_varied_practice(practice, today: date):
    """Vendors in every state the summary counts."""
    make_signed(
        VendorFactory(organization=practice, name="Expiring Billing"),
        signed_on=today - timedelta(days=300),
        expires_on=today + timedelta(days=40),
    )
    make_signed(
        VendorFactory(organization=practice, name="Current Hosting", access_level=AccessLevel.FULL),
        signed_on=today - timedelta(days=100),
    )
    VendorFactory(organization=practice, name="Gap Courier")
    make_agreement(
        VendorFactory(
            organization=practice, name="Draft Scheduler", status=RelationshipStatus.ONBOARDING
        )
    )
    VendorFactory(
        organization=practice,
        name="No PHI Caterer",
        access_level=AccessLevel.NONE,
        phi_electronic=False,
    )
    # Engaged three years ago and never reviewed: the periodic review is overdue.
    make_signed(
        VendorFactory(
            organization=practice,
            name="Old Transcription",
            phi_access_began=today - timedelta(days=3 * 365),
        ),
        signed_on=today - timedelta(days=800),
    )
    vendor_archive(vendor=VendorFactory(organization=practice, name="Archived Shredder"))


def test_cover_summary_equals_the_dashboard_and_the_attestation_names_the_preparer(
    cast, time_machine
):
    time_machine.move_to("2026-06-15 15:00Z", tick=False)
    today = cast.practice.today()
    a_varied_practice(cast.practice, today)
    posture = compute(cast.practice, today)
    # The figures are not all zero: the comparison means something.
    assert posture.gap_count == 2 and posture.reviews_overdue >= 1 and posture.expiring_90 == 1

    pages = pdf_pages(build(cast.practice, today, user=cast.alice.user))
    assert "Business-associate oversight binder" in pages[0]
    assert cover_figures(pages) == dashboard_figures(posture)
    summary = flat(next(p for p in pages if "Summary as of" in p))
    assert "Draft Scheduler; Gap Courier" in summary, "the gaps are named"
    assert "Archived Shredder" not in summary

    attestation = flat(next(p for p in pages if "Attestation" in p))
    user = cast.alice.user
    assert f"Prepared by {user.first_name} {user.last_name} ({user.email})" in attestation
    assert "Role Admin" in attestation
    assert f"Date {today:%B} {today.day}, {today.year}" in attestation
    assert "Signature" in attestation


def test_binder_as_of_a_past_date_shows_the_values_in_force_then(cast, time_machine):
    time_machine.move_to("2026-03-10 15:00Z", tick=False)
    then = cast.practice.today()
    courier = VendorFactory(organization=cast.practice, name="Lab Courier")
    agreement = make_signed(
        courier,
        signed_on=then - timedelta(days=30),
        expires_on=then + timedelta(days=200),
        breach_notice_days=10,
        checklist=ALL_PRESENT,
    )
    policy = TierPolicy.objects.create(
        organization=cast.practice,
        tier=courier.tier,
        review_interval_months=18,
        expiry_warning_days=[60, 30],
        evidence_valid_months=12,
        resend_days=7,
        escalate_days=14,
        certificate_days=30,
    )
    old_tier = courier.get_tier_display()
    posture_then = compute(cast.practice, then)

    # Forty days later everything changes.
    time_machine.move_to("2026-04-19 15:00Z", tick=False)
    new_expiry = then + timedelta(days=500)
    agreement.refresh_from_db()
    agreement.expires_on = new_expiry
    agreement.breach_notice_days = 45
    baa_services.agreement_update(agreement=agreement, actor=None)
    baa_services.checklist_update(
        agreement=agreement, actor=None, states={"safeguards": ProvisionState.ABSENT}
    )
    courier.refresh_from_db()
    tier_override_set(vendor=courier, actor=None, tier="critical", reason="Now hosts ePHI")
    policy.review_interval_months = 3
    policy.save()
    VendorFactory(organization=cast.practice, name="Added Later")

    export = build(cast.practice, then, period_start=then - timedelta(days=30))
    text = flat("\n".join(pdf_pages(export)))
    old_expiry = (then + timedelta(days=200)).isoformat()
    assert f"expires {old_expiry}" in text and new_expiry.isoformat() not in text
    assert "Breach notice 10 Calendar days" in text and "45 Calendar" not in text
    assert f"Tier {old_tier} (" in text and "Override: Now hosts ePHI" not in text
    assert "18 months" in text and "3 months" not in text
    assert "Added Later" not in text
    assert cover_figures(pdf_pages(export)) == dashboard_figures(posture_then)

    data = builder.gather(cast.practice, then, then - timedelta(days=30))
    (courier_file,) = data.vendors
    baa = dict(courier_file.sections[0][1])
    states = {item.provision: item.state for _, item in baa["checklist"]}
    assert states["safeguards"] == ProvisionState.PRESENT
    assert dict(data.policy)[courier_file.vendor.tier].review_interval_months == 18

    # The same binder as of today shows today's values: the history, not a copy, was read.
    now = flat("\n".join(pdf_pages(build(cast.practice, cast.practice.today()))))
    assert f"expires {new_expiry.isoformat()}" in now and "Added Later" in now
    assert "Override: Now hosts ePHI" in now


def test_each_provision_shows_its_cite_its_state_and_who_reviewed_it_when(cast, time_machine):
    # The checklist is printed in two columns (the provision with its cite; the state with
    # the reviewer and the date): nothing an auditor read in the four-column table is lost.
    time_machine.move_to("2026-06-15 15:00Z", tick=False)
    make_signed(
        VendorFactory(organization=cast.practice, name="Reviewed Hosting"),
        actor=cast.alice.user,
        signed_on=date(2026, 6, 1),
        checklist=ALL_PRESENT | {"books_records": ProvisionState.ABSENT},
    )
    text = flat("\n".join(pdf_pages(build(cast.practice, cast.practice.today()))))
    assert "Required provision (cite) State (reviewed by, on)" in text
    assert (
        "Makes books and records available to HHS (164.504(e)(2)(ii)(I)) "
        "Absent (alice@a.test, 2026-06-15)"
    ) in text
    assert (
        "The practice may terminate for a material violation (164.504(e)(2)(iii)) "
        "Present (alice@a.test, 2026-06-15)"
    ) in text


def test_inventory_has_baa_status_and_expiry_columns(cast, time_machine):
    time_machine.move_to("2026-06-15 15:00Z", tick=False)
    today = cast.practice.today()
    expires = today + timedelta(days=400)
    make_signed(
        VendorFactory(organization=cast.practice, name="Signed Imaging", record_count=12500),
        signed_on=today - timedelta(days=10),
        expires_on=expires,
    )
    VendorFactory(organization=cast.practice, name="Unsigned Courier")
    export = build(cast.practice, today)
    pages = pdf_pages(export)
    inventory = flat(next(p for p in pages if p.lstrip().startswith("1. Business-associate")))
    assert "BAA status" in inventory and "BAA expires" in inventory
    assert expires.isoformat() in inventory
    assert "12,500 records" in inventory, "counts are formatted"
    text = flat("\n".join(pages))
    assert f"BAA status Signed and current; expires {expires.isoformat()}" in text
    assert "BAA status Compliance gap: PHI or system access without a signed BAA" in text

    with export.archive.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    rows = {
        r["name"]: r for r in csv.DictReader(io.StringIO(archive.read("inventory.csv").decode()))
    }
    assert rows["Signed Imaging"]["baa_status"] == "Signed and current"
    assert rows["Signed Imaging"]["baa_expires_on"] == expires.isoformat()
    assert rows["Unsigned Courier"]["baa_status"].startswith("Compliance gap")
    assert rows["Unsigned Courier"]["baa_expires_on"] == ""


def test_activity_is_summarized_by_month_and_the_zip_has_every_entry(cast, time_machine):
    time_machine.move_to("2026-04-20 15:00Z", tick=False)
    for i in range(3):
        VendorFactory(organization=cast.practice, name=f"April Vendor {i}")
    time_machine.move_to("2026-05-12 15:00Z", tick=False)
    may = VendorFactory(organization=cast.practice, name="May Vendor")
    for i in range(4):
        may.services = f"Courier, revision {i}"
        may.save()
    today = cast.practice.today()
    export = build(cast.practice, today, period_start=date(2026, 4, 1))
    pages = pdf_pages(export)
    section = flat(next(p for p in pages if p.lstrip().startswith("4. Activity log")))
    # Month | record type | created | changed | deleted | reads | total
    assert "April 2026 Business associate 3 0 0 0 3" in section
    assert "May 2026 Business associate 1 4 0 0 5" in section
    assert "schedule changed" not in section.lower()

    with export.archive.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    log = list(csv.DictReader(io.StringIO(archive.read("activity-log.csv").decode())))
    vendor_rows = [r for r in log if r["record_type"] == "business associate"]
    assert len(vendor_rows) == 3 + 1 + 4
    assert sum("revision 3" in r["changes"] for r in vendor_rows) == 1


@pytest.mark.parametrize("workers", [1, 2])
def test_a_binder_in_parts_is_numbered_and_its_contents_point_at_the_right_pages(
    cast, settings, workers
):
    # Two vendor files per part: five vendors make three parts of vendor files, laid out
    # in two child processes (or in this process) and joined.
    settings.BINDER_CHUNK_VENDORS = 2
    settings.BINDER_PDF_WORKERS = workers
    names = [f"Part Vendor {i}" for i in range(5)]
    for name in names:
        VendorFactory(organization=cast.practice, name=name)
    export = build(cast.practice, cast.practice.today())
    with export.pdf.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    pages = [page.extract_text() for page in reader.pages]
    contents_index = next(i for i, p in enumerate(pages) if p.lstrip().startswith("Contents"))
    body = pages[contents_index + 1 :]
    for number, text in enumerate(body, start=1):
        assert f"Page {number}" in text, f"body page {number} is numbered"
    assert not any(re.search(r"Page \d", p) for p in pages[: contents_index + 1]), "unnumbered"
    contents = flat(pages[contents_index])
    for name in names:
        page = int(re.search(re.escape(name) + r" (\d+)", contents).group(1))
        assert body[page - 1].lstrip().startswith(name), f"{name} starts on page {page}"
    assert {o.title for o in reader.outline if not isinstance(o, list)} >= {
        "1. Business-associate inventory",
        "2. Vendor files",
        "5. Documents in the archive",
    }


def test_the_six_year_preset_sets_the_activity_period(
    cast, login, django_capture_on_commit_callbacks
):
    today = cast.practice.today()
    with django_capture_on_commit_callbacks(execute=True):
        response = login(cast.bob).post(
            reverse("binder_page"), {"as_of": today.isoformat(), "period": "6y"}
        )
    assert response.status_code == 302
    export = BinderExport.objects.get()
    assert export.period_start == today.replace(year=today.year - 6) or (
        today.month == 2 and today.day == 29 and export.period_start == date(today.year - 6, 2, 28)
    )
    assert export.status == BinderStatus.DONE
    page = login(cast.bob).get(reverse("binder_page")).text
    assert "Last 6 years" in page
    # A custom period needs its first day.
    response = login(cast.bob).post(
        reverse("binder_page"), {"as_of": today.isoformat(), "period": "custom"}
    )
    assert "Enter the first day of the activity period." in str(response.context["form"].errors)
    assert BinderExport.objects.count() == 1
