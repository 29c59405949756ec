"""Builds the OCR audit binder: what a practice shows an auditor to prove it oversaw its
business associates (164.308(b), 164.502(e), 164.504(e); documentation kept six years,
164.316(b)(2)).

Everything is read **as it stood on the as-of date** (``binder/asof.py``: the
django-simple-history tables): vendors, tiers, statuses, BAA terms, checklist states,
diligence, reviews, actions and the oversight policy in force then, not today's values.

The PDF (WeasyPrint) has a cover with the summary of the date (``binder/summary.py``: the
dashboard's figures), an attestation page, the contents, the inventory with tiers, reasons and
BAA status and expiry, a file per vendor, the oversight policy in force and the activity of the
period summarized by month and record type. The ZIP holds the PDF, every stored document of the
practice (signed BAAs, amendments, evidence, certificates), the inventory and the full activity
log as CSV, and a manifest with each file's SHA-256.

The PDF is laid out in parts (``binder/pdf.py``) on every core and joined with pypdf. Sections
contributed by the apps are gathered through ``sections`` below; each runs a bounded number of
queries for the whole practice (no query per vendor).
"""

import csv
import hashlib
import io
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import Count, prefetch_related_objects
from django.db.models.functions import TruncMonth
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from oversight.activity import ACTIONS, activity, tracked_models
from oversight.files import StoredFile
from oversight.models import AuditEvent, Membership, Organization, TierPolicy
from oversight.policy import DEFAULT_RULES
from vendors import baa_status
from vendors.models import BusinessAssociate, Subcontractor, TierChange, VendorContact

from . import pdf as pdfparts
from .asof import by_key, rows_as_of
from .summary import Summary, VendorState, summarize

Progress = Callable[[int, str], None]

# Vendor files per part of the PDF laid out on its own (``binder/pdf.py``).
CHUNK_VENDORS = 20


@dataclass
class VendorFile:
    vendor: BusinessAssociate  # as it stood on the as-of date
    contacts: list = field(default_factory=list)
    subcontractors: list = field(default_factory=list)
    tier_changes: list = field(default_factory=list)
    baa_state: str = baa_status.BaaState.MISSING
    baa_expires_on: date | None = None
    baa_deficient: bool = False
    baa_status: str = ""
    next_review_due: date | None = None
    # Extra sections for this vendor: list of (template name, context) filled by collectors.
    sections: list[tuple[str, dict]] = field(default_factory=list)

    @property
    def baa_status_label(self) -> str:
        return str(baa_status.BaaStatus(self.baa_status).label) if self.baa_status else ""


@dataclass
class MonthRow:
    month: date
    record_type: str
    created: int = 0
    changed: int = 0
    deleted: int = 0
    reads: int = 0

    @property
    def total(self) -> int:
        return self.created + self.changed + self.deleted + self.reads


@dataclass
class BinderData:
    practice: Organization  # as it stood on the as-of date
    as_of: date
    period_start: date
    generated_at: datetime
    vendors: list[VendorFile]
    rules: dict  # {tier: TierRules} in force on the as-of date
    policy: list[tuple[str, object]]
    summary: Summary
    activity: list
    activity_by_month: list[MonthRow]
    documents: list[StoredFile]
    prepared_by: str = ""
    prepared_role: str = ""
    prepared_on: date | None = None

    @property
    def evidence_validity(self) -> list:
        """How long each kind of evidence stays valid (``diligence.schedule``), for the policy."""
        from diligence.choices import DiligenceKind
        from diligence.schedule import validity_of

        return [(label, validity_of(kind)) for kind, label in DiligenceKind.choices]


def _end_of(day: date, tz) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min), tz)


def moment_of(day: date, tz) -> datetime:
    """The last instant of ``day`` in the practice's zone: the values in force on that day."""
    return _end_of(day, tz) - timedelta(microseconds=1)


def rules_as_of(practice, moment) -> dict:
    """The oversight policy by tier in force at ``moment`` (defaults where unchanged)."""
    rules = dict(DEFAULT_RULES)
    for row in rows_as_of(TierPolicy, practice, moment):
        rules[row.tier] = row.as_rules()
    return rules


def _practice_as_of(practice, moment) -> Organization:
    rows = rows_as_of(Organization, practice, moment)
    return rows[0] if rows else practice


def _baa_state_of(agreements) -> tuple[str, date | None]:
    """The vendor's BAA state and expiry from its agreements, as ``baas.services`` stores them
    (``vendor_baa_refresh``: the agreement of reference's status)."""
    from baas.services import STATE_OF, reference_agreement

    ref = reference_agreement(agreements)
    state = STATE_OF[ref.status] if ref else baa_status.BaaState.MISSING
    return state, (ref.expires_on if ref and state == baa_status.BaaState.SIGNED else None)


def _deficient_of(agreements, checklists: dict) -> bool:
    """The signed agreement of reference lacked a required provision (``baas.findings``)."""
    from baas import findings
    from baas.services import reference_agreement

    ref = reference_agreement(agreements)
    if ref is None or ref.status != "signed":
        return False
    items = checklists.get(ref.pk, [])
    facts = ref.facts(provisions={i.provision: i.state for i in items}, amendments=[])
    return findings.is_deficient(facts)


def _vendors(practice, moment, rules, as_of) -> list[VendorFile]:
    from baas.models import BusinessAssociateAgreement, ChecklistItem
    from diligence.models import VendorSchedule

    vendors = rows_as_of(BusinessAssociate, practice, moment)
    prefetch_related_objects(vendors, "owner__user")
    contacts = by_key(rows_as_of(VendorContact, practice, moment), "vendor_id")
    subs = rows_as_of(Subcontractor, practice, moment)
    prefetch_related_objects(subs, "linked_vendor")
    subs_of = by_key(subs, "vendor_id")
    changes = by_key(
        TierChange.objects.filter(organization=practice, changed_at__lte=moment).select_related(
            "changed_by"
        ),
        "vendor_id",
    )
    agreements = by_key(rows_as_of(BusinessAssociateAgreement, practice, moment), "vendor_id")
    checklists = by_key(rows_as_of(ChecklistItem, practice, moment), "agreement_id")
    schedules = {s.vendor_id: s for s in rows_as_of(VendorSchedule, practice, moment)}
    files = []
    for v in sorted(vendors, key=lambda v: (v.archived_at is not None, v.name.lower(), v.pk)):
        state, expires = _baa_state_of(agreements.get(v.pk, []))
        vf = VendorFile(
            vendor=v,
            contacts=sorted(contacts.get(v.pk, []), key=lambda c: (c.role, c.name)),
            subcontractors=sorted(subs_of.get(v.pk, []), key=lambda s: s.display_name),
            tier_changes=sorted(changes.get(v.pk, []), key=lambda c: c.changed_at, reverse=True),
            baa_state=state,
            baa_expires_on=expires,
            baa_deficient=_deficient_of(agreements.get(v.pk, []), checklists),
            next_review_due=getattr(schedules.get(v.pk), "next_review_due", None),
        )
        vf.baa_status = baa_status.derived_status(
            baa_state=state,
            baa_expires_on=expires,
            status=v.status,
            needs_baa=v.needs_baa,
            today=as_of,
            warning_days=rules[v.tier].first_warning_days,
            determined_not_ba=v.determined_not_ba,
            baa_deficient=vf.baa_deficient,
        )
        files.append(vf)
    return files


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


def activity_by_month(practice, since: datetime, until: datetime) -> list[MonthRow]:
    """Changes (history rows) and reads that matter (``AuditEvent``) of the period, counted
    by month (in the practice's zone) and record type: one query per tracked model."""
    tz = practice.tzinfo
    rows: dict[tuple[date, str], MonthRow] = {}

    def row(month, record_type) -> MonthRow:
        month = timezone.localtime(month, tz).date() if isinstance(month, datetime) else month
        key = (month, record_type)
        if key not in rows:
            rows[key] = MonthRow(month, record_type)
        return rows[key]

    for model in tracked_models():
        history = model.history.filter(history_date__gte=since, history_date__lt=until)
        if model is Organization:
            history = history.filter(id=practice.pk)
        else:
            history = history.filter(organization_id=practice.pk)
        counted = (
            history.annotate(month=TruncMonth("history_date", tzinfo=tz))
            .values("month", "history_type")
            .annotate(n=Count("history_id"))
        )
        for r in counted:
            target = row(r["month"], str(model._meta.verbose_name))
            column = {"created": "created", "changed": "changed"}.get(
                ACTIONS.get(r["history_type"], ""), "deleted"
            )
            setattr(target, column, getattr(target, column) + r["n"])
    events = (
        AuditEvent.objects.filter(
            organization=practice, created_at__gte=since, created_at__lt=until
        )
        .annotate(month=TruncMonth("created_at", tzinfo=tz))
        .values("month", "action")
        .annotate(n=Count("id"))
    )
    labels = dict(AuditEvent._meta.get_field("action").flatchoices)
    for r in events:
        row(r["month"], str(labels.get(r["action"], r["action"])).lower()).reads += r["n"]
    return sorted(rows.values(), key=lambda r: (r.month, r.record_type))


# Collectors add per-vendor sections: (data, vendors_by_id, moment) -> None. Registered at
# import time by binder/sections.py, which may import every app (binder is the top of the stack).
collectors: list[Callable] = []


def _preparer(practice, user) -> tuple[str, str]:
    if user is None:
        return "", ""
    membership = (
        Membership.objects.filter(organization_id=practice.pk, user=user)
        .select_related("user")
        .first()
    )
    name = f"{user.first_name} {user.last_name}".strip()
    label = f"{name} ({user.email})" if name else user.email
    return label, membership.get_role_display() if membership else ""


def gather(practice: Organization, as_of: date, period_start: date, prepared_by=None) -> BinderData:
    tz = practice.tzinfo
    as_of_end = _end_of(as_of, tz)
    moment = moment_of(as_of, tz)
    since = _end_of(period_start - timedelta(days=1), tz)
    rules = rules_as_of(practice, moment)
    vendors = _vendors(practice, moment, rules, as_of)
    states = [
        VendorState(
            name=vf.vendor.name,
            tier=vf.vendor.tier,
            status=vf.vendor.status,
            handles_phi=vf.vendor.handles_phi,
            needs_baa=vf.vendor.needs_baa,
            determined_not_ba=vf.vendor.determined_not_ba,
            archived=vf.vendor.archived_at is not None,
            baa_state=vf.baa_state,
            baa_expires_on=vf.baa_expires_on,
            next_review_due=vf.next_review_due,
            baa_deficient=vf.baa_deficient,
        )
        for vf in vendors
    ]
    who, role = _preparer(practice, prepared_by)
    data = BinderData(
        practice=_practice_as_of(practice, moment),
        as_of=as_of,
        period_start=period_start,
        generated_at=timezone.now(),
        vendors=vendors,
        rules=rules,
        policy=[(tier, rules[tier]) for tier in DEFAULT_RULES],
        summary=summarize(states, as_of, rules),
        # The full log of the period, for the ZIP's CSV; the PDF prints its summary by month.
        activity=activity(practice, since=since, until=as_of_end, limit=10**9),
        activity_by_month=activity_by_month(practice, since, as_of_end),
        documents=_documents(practice, as_of_end),
        prepared_by=who,
        prepared_role=role,
        prepared_on=timezone.localdate(timezone=tz),
    )
    by_id = {f.vendor.pk: f for f in vendors}
    from . import sections  # noqa: F401  (registers the collectors)

    for collect in collectors:
        collect(data, by_id, moment)
    return data


SECTIONS = [
    ("inventory", "1. Business-associate inventory"),
    ("vendors", "2. Vendor files"),
    ("policy", "3. Oversight policy in force"),
    ("activity", "4. Activity log of the period"),
    ("documents", "5. Documents in the archive"),
]


def _workers() -> int:
    configured = getattr(settings, "BINDER_PDF_WORKERS", None)
    return configured or min(2, os.cpu_count() or 1)


def _chunk() -> int:
    return getattr(settings, "BINDER_CHUNK_VENDORS", None) or CHUNK_VENDORS


def render_pdf(
    data: BinderData, chunk: int | None = None, renderer: pdfparts.Renderer | None = None
) -> bytes:
    """The binder's PDF; its times are in the practice's zone (and say which).

    ``renderer``: layout workers already started (``generate`` starts them before gathering
    the records); without it, two are started for a binder of several parts."""
    with timezone.override(data.practice.tzinfo):
        if renderer is not None:
            return _render_pdf(data, renderer, chunk)
        chunk = chunk or _chunk()
        # A small binder is laid out in this process: starting workers would cost more.
        workers = _workers() if len(data.vendors) > chunk else 1
        with pdfparts.Renderer(workers) as renderer:
            return _render_pdf(data, renderer, chunk)


def _render_pdf(data: BinderData, renderer: pdfparts.Renderer, chunk: int | None) -> bytes:
    """The body in parts (the inventory, ``chunk`` vendor files at a time, the closing
    sections), laid out in parallel; then the cover, summary, attestation and contents with
    the page numbers the parts came out with."""
    chunk = chunk or _chunk()
    context = {
        "data": data,
        "site_url": settings.SITE_URL,
        # A CSS string in the page footer: no quote, backslash or markup can close it.
        "footer_name": "".join(c for c in data.practice.name if c not in '"\\<>\n\r'),
    }
    groups = [data.vendors[i : i + chunk] for i in range(0, len(data.vendors), chunk)] or [[]]
    parts = [render_to_string("binder/binder.html", context | {"part": "inventory"})]
    for index, group in enumerate(groups):
        parts.append(
            render_to_string(
                "binder/binder.html",
                context | {"part": "vendors", "group": group, "first_group": index == 0},
            )
        )
    parts.append(render_to_string("binder/binder.html", context | {"part": "closing"}))
    body = renderer.render(parts)

    first_page: dict[str, int] = {}
    offset = 0
    for part in body:
        for anchor, page in part.anchors.items():
            first_page.setdefault(anchor, offset + page + 1)
        offset += part.pages
    context["pages"] = {key: first_page.get(key, "") for key, _ in SECTIONS}
    context["sections"] = [(key, title, first_page.get(key, "")) for key, title in SECTIONS]
    context["vendor_pages"] = [
        (vf.vendor.name, first_page.get(f"vendor-{vf.vendor.pk}", "")) for vf in data.vendors
    ]
    front = renderer.render([render_to_string("binder/binder_front.html", context)])[0]
    outline = []
    for key, title in SECTIONS:
        outline.append((title, first_page.get(key, 0), 0))
        if key == "vendors":
            outline.extend((name, page or 0, 1) for name, page in context["vendor_pages"])
    return pdfparts.assemble(front, body, outline)


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
    "baa_status",
    "baa_expires_on",
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
                vf.baa_status_label,
                vf.baa_expires_on.isoformat() if vf.baa_expires_on else "",
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
    writer.writerow(["when", "who", "action", "record_type", "record", "changes"])
    tz = data.practice.tzinfo
    for e in data.activity:
        changes = "; ".join(
            f"{c.field}: {c.old} -> {c.new}" if c.old else f"{c.field}: {c.new}" for c in e.changes
        )
        writer.writerow(
            escape_formula(x)
            for x in [
                # The practice's zone, with its abbreviation (EST, MDT...).
                timezone.localtime(e.when, tz).strftime("%Y-%m-%d %H:%M:%S %Z"),
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
    # The layout workers start first and load WeasyPrint while the records are gathered. How
    # many: today's count of vendors decides (the binder's, as of its date, is not known yet;
    # a wrong guess costs time, not content).
    several_parts = BusinessAssociate.objects.filter(organization=practice).count() > _chunk()
    with pdfparts.Renderer(_workers() if several_parts else 1) as renderer:
        progress(10, "Gathering records")
        data = gather(practice, export.as_of, export.period_start, prepared_by=export.requested_by)
        progress(40, f"Writing the PDF ({len(data.vendors)} vendors)")
        pdf = render_pdf(data, renderer=renderer)
    progress(75, f"Packing {len(data.documents)} documents")
    archive = build_archive(data, pdf)
    progress(95, "Saving")
    stamp = export.as_of.isoformat()
    export.pdf.save(f"audit-binder-{stamp}.pdf", ContentFile(pdf), save=False)
    export.archive.save(f"audit-binder-{stamp}.zip", ContentFile(archive), save=False)
    export.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    export.archive_sha256 = hashlib.sha256(archive).hexdigest()
    export.vendor_count = len(data.vendors)
