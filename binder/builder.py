"""Builds the OCR audit binder: what a practice shows an auditor to prove it oversaw its
business associates (164.308(b), 164.502(e), 164.504(e); documentation kept six years,
164.316(b)(2)).

The PDF (WeasyPrint) has a cover, a table of contents, the inventory with tiers and reasons,
a section per vendor, the oversight policy in force and the activity log of the period. The ZIP
holds the PDF, every stored document of the practice (signed BAAs, amendments, evidence,
certificates), the inventory as CSV, and a manifest with each file's SHA-256.

Sections contributed by the apps are gathered through ``sections`` below; each one runs a
bounded number of queries for the whole practice (no query per vendor).
"""

import csv
import hashlib
import io
import logging
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from oversight.activity import activity
from oversight.files import StoredFile
from oversight.models import Organization, rules_for
from oversight.policy import DEFAULT_RULES
from vendors.models import BusinessAssociate, Subcontractor, TierChange, VendorContact

# WeasyPrint logs every layout step at INFO; keep the worker log readable.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

Progress = Callable[[int, str], None]

# The PDF prints the most recent entries of the period's activity log; the ZIP always holds
# all of them (activity-log.csv). Thousands of rows of PDF table would double the time to
# build a large binder without helping a reader.
PDF_ACTIVITY_LIMIT = 1000


@dataclass
class VendorFile:
    vendor: BusinessAssociate
    # Extra sections for this vendor: list of (template name, context) filled by collectors.
    sections: list[tuple[str, dict]] = field(default_factory=list)


@dataclass
class BinderData:
    practice: Organization
    as_of: date
    period_start: date
    generated_at: datetime
    vendors: list[VendorFile]
    policy: list[tuple[str, object]]
    activity: list
    documents: list[StoredFile]


def _end_of(day: date, tz) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min), tz)


def _vendors(practice, as_of_end) -> list[BusinessAssociate]:
    return list(
        BusinessAssociate.objects.for_org(practice)
        .filter(created_at__lt=as_of_end)
        .select_related("owner__user")
        .prefetch_related(
            Prefetch("contacts", queryset=VendorContact.objects.order_by("role", "name")),
            Prefetch(
                "subcontractors",
                queryset=Subcontractor.objects.select_related("linked_vendor"),
            ),
            Prefetch(
                "tier_changes",
                queryset=TierChange.objects.filter(changed_at__lt=as_of_end).select_related(
                    "changed_by"
                ),
            ),
        )
        .order_by("archived_at", "name")
    )


def stored_file_models() -> list[type[StoredFile]]:
    """Every concrete document model of every app (BAAs, evidence, certificates...)."""
    return [m for m in apps.get_models() if issubclass(m, StoredFile) and not m._meta.abstract]


def _documents(practice, as_of_end) -> list[StoredFile]:
    documents: list[StoredFile] = []
    for model in stored_file_models():
        documents.extend(
            model.objects.filter(organization=practice, uploaded_at__lt=as_of_end).order_by(
                "uploaded_at", "pk"
            )
        )
    return documents


# Collectors add per-vendor sections: (data, vendors_by_id) -> None. Registered at import time
# by binder/sections.py, which may import every app (binder is the top of the stack).
collectors: list[Callable] = []


def gather(practice: Organization, as_of: date, period_start: date) -> BinderData:
    as_of_end = _end_of(as_of, practice.tzinfo)
    rules = rules_for([practice.pk])[practice.pk]
    vendors = [VendorFile(v) for v in _vendors(practice, as_of_end)]
    data = BinderData(
        practice=practice,
        as_of=as_of,
        period_start=period_start,
        generated_at=timezone.now(),
        vendors=vendors,
        policy=[(tier, rules.get(tier, DEFAULT_RULES[tier])) for tier in DEFAULT_RULES],
        activity=activity(
            practice,
            since=_end_of(period_start - timedelta(days=1), practice.tzinfo),
            until=as_of_end,
            limit=5000,
        ),
        documents=_documents(practice, as_of_end),
    )
    by_id = {f.vendor.pk: f for f in vendors}
    from . import sections  # noqa: F401  (registers the collectors)

    for collect in collectors:
        collect(data, by_id, as_of_end)
    return data


def render_pdf(data: BinderData) -> bytes:
    """Two documents: the numbered body, then the cover and contents with the body's page
    numbers read from its layout. No page-based counter is left for WeasyPrint to resolve,
    which spares it a full re-layout of a long binder (3x faster at 200 vendors)."""
    from weasyprint import HTML

    base = str(settings.BASE_DIR)
    context = {
        "data": data,
        "site_url": settings.SITE_URL,
        # A CSS string in the page footer: no quote, backslash or markup can close it.
        "footer_name": "".join(c for c in data.practice.name if c not in '"\\<>\n\r'),
        "activity": data.activity[:PDF_ACTIVITY_LIMIT],
        "activity_cut": max(0, len(data.activity) - PDF_ACTIVITY_LIMIT),
    }
    body = HTML(string=render_to_string("binder/binder.html", context), base_url=base).render()
    first_page = {}
    for number, page in enumerate(body.pages, start=1):
        for anchor in page.anchors:
            first_page.setdefault(anchor, number)
    context["pages"] = {
        key: first_page.get(key, "")
        for key in ("inventory", "vendors", "policy", "activity", "documents")
    }
    context["vendor_pages"] = [
        (vf.vendor.name, f"vendor-{vf.vendor.pk}", first_page.get(f"vendor-{vf.vendor.pk}", ""))
        for vf in data.vendors
    ]
    front = HTML(
        string=render_to_string("binder/binder_front.html", context), base_url=base
    ).render()
    return front.copy(front.pages + body.pages).write_pdf()


INVENTORY_COLUMNS = [
    "name",
    "external_id",
    "tier",
    "computed_tier",
    "tier_reasons",
    "override_reason",
    "category",
    "status",
    "owner",
    "phi",
    "access_level",
    "record_count",
    "remote_access",
    "offshore",
    "uses_subcontractors",
    "criticality",
    "phi_access_began",
    "archived",
]


def inventory_csv(data: BinderData) -> bytes:
    from oversight.tabular import escape_formula

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(INVENTORY_COLUMNS)
    for vf in data.vendors:
        v = vf.vendor
        writer.writerow(
            escape_formula(x)
            for x in [
                v.name,
                v.external_id,
                v.tier,
                v.computed_tier,
                "; ".join(v.tier_reasons or []),
                v.tier_override_reason,
                v.get_category_display(),
                v.get_status_display(),
                v.owner.user.email if v.owner else "",
                v.phi_media_display,
                v.get_access_level_display(),
                v.record_count or "",
                v.remote_access,
                v.offshore,
                v.uses_subcontractors,
                v.criticality,
                v.phi_access_began.isoformat() if v.phi_access_began else "",
                v.archived_at.date().isoformat() if v.archived_at else "",
            ]
        )
    return out.getvalue().encode("utf-8")


def document_path(document: StoredFile) -> str:
    vendor = _vendor_of(document)
    folder = slugify(vendor.name)[:60] if vendor else "practice"
    kind = slugify(document._meta.verbose_name)
    name = slugify(document.original_name.rsplit(".", 1)[0])[:80] or "document"
    ext = document.file.name.rsplit(".", 1)[-1]
    return f"documents/{folder}/{kind}-{document.pk}-{name}.{ext}"


def _vendor_of(document):
    for attr in ("vendor", "agreement", "record", "review", "offboarding"):
        target = getattr(document, attr, None)
        if target is None:
            continue
        if isinstance(target, BusinessAssociate):
            return target
        vendor = getattr(target, "vendor", None)
        if isinstance(vendor, BusinessAssociate):
            return vendor
    return None


def activity_csv(data: BinderData) -> bytes:
    from oversight.tabular import escape_formula

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["when_utc", "who", "action", "record_type", "record", "changes"])
    for e in data.activity:
        changes = "; ".join(
            f"{c.field}: {c.old} -> {c.new}" if c.old else f"{c.field}: {c.new}" for c in e.changes
        )
        writer.writerow(
            escape_formula(x)
            for x in [
                e.when.strftime("%Y-%m-%d %H:%M:%S"),
                e.who,
                e.action,
                e.object_type,
                e.object_repr,
                changes,
            ]
        )
    return out.getvalue().encode("utf-8")


def build_archive(data: BinderData, pdf: bytes) -> bytes:
    """The ZIP: the PDF, every document, the inventory CSV and a SHA-256 manifest."""
    buffer = io.BytesIO()
    manifest: list[tuple[str, str, int]] = []

    def add(zf, path: str, content: bytes):
        zf.writestr(path, content)
        manifest.append((path, hashlib.sha256(content).hexdigest(), len(content)))

    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        add(zf, "binder.pdf", pdf)
        add(zf, "inventory.csv", inventory_csv(data))
        add(zf, "activity-log.csv", activity_csv(data))
        for document in data.documents:
            with document.file.open("rb") as handle:
                content = handle.read()
            add(zf, document_path(document), content)
        lines = io.StringIO()
        writer = csv.writer(lines)
        writer.writerow(["path", "sha256", "bytes"])
        writer.writerows(manifest)
        zf.writestr("manifest.csv", lines.getvalue())
    return buffer.getvalue()


def generate(export, progress: Progress) -> None:
    """Fill ``export`` (a BinderExport) with its PDF and ZIP, reporting progress."""
    practice = export.organization
    progress(10, "Gathering records")
    data = gather(practice, export.as_of, export.period_start)
    progress(40, f"Writing the PDF ({len(data.vendors)} vendors)")
    pdf = render_pdf(data)
    progress(75, f"Packing {len(data.documents)} documents")
    archive = build_archive(data, pdf)
    progress(95, "Saving")
    stamp = export.as_of.isoformat()
    export.pdf.save(f"audit-binder-{stamp}.pdf", ContentFile(pdf), save=False)
    export.archive.save(f"audit-binder-{stamp}.zip", ContentFile(archive), save=False)
    export.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    export.archive_sha256 = hashlib.sha256(archive).hexdigest()
    export.vendor_count = len(data.vendors)
