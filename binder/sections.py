"""Per-vendor binder sections from the apps above vendors, as they stood on the as-of date:
the BAA file (every version, terms, provision checklist with cites, findings, amendments,
documents), the oversight program (diligence with controls and evidence, reviews, follow-up
actions, offboarding) and the reminders sent. Each collector runs a bounded number of queries
for the whole practice (``binder/asof.py`` reads the history tables)."""

from django.db.models import prefetch_related_objects

from baas import findings
from baas.models import (
    AgreementDocument,
    Amendment,
    BusinessAssociateAgreement,
    ChecklistItem,
    practice_facts,
    vendor_facts,
)
from baas.provisions import BY_KEY
from baas.services import reference_agreement
from diligence import schedule
from diligence.controls import control_severity
from diligence.models import (
    ControlAnswer,
    DispositionCertificate,
    DueDiligenceRecord,
    EvidenceFile,
    FollowUpAction,
    Offboarding,
    VendorReview,
)
from incidents import clocks as incident_clocks
from incidents.models import IncidentNotice, VendorIncident
from reminders.choices import ReminderStatus
from reminders.models import Reminder
from vendors.models import BaDetermination

from .asof import by_key, rows_as_of
from .builder import collectors

CITES = BY_KEY


def _register(collector):
    if collector not in collectors:
        collectors.append(collector)
    return collector


def _documents(model, practice, moment, key):
    return by_key(
        model.objects.filter(organization=practice, uploaded_at__lte=moment).order_by(
            "uploaded_at", "pk"
        ),
        key,
    )


@_register
def determination_section(data, by_id, moment):
    """Each "not a business associate" determination recorded by the date, newest first, and
    whether one was in force on that date (the vendor's own record as it stood)."""
    rows = sorted(
        rows_as_of(BaDetermination, data.practice, moment),
        key=lambda d: (d.determined_on, d.pk),
        reverse=True,
    )
    determinations = by_key(rows, "vendor_id")
    for vendor_id, vendor_file in by_id.items():
        found = determinations.get(vendor_id, [])
        if not found:
            continue
        in_force = found[0] if vendor_file.vendor.determined_not_ba else None
        vendor_file.sections.append(
            ("binder/_determination.html", {"determinations": found, "in_force": in_force})
        )


@_register
def baa_section(data, by_id, moment):
    practice = data.practice
    rules = data.rules
    agreements = by_key(
        sorted(
            rows_as_of(BusinessAssociateAgreement, practice, moment),
            key=lambda a: (a.created_at, a.pk),
            reverse=True,
        ),
        "vendor_id",
    )
    checklist_items = rows_as_of(ChecklistItem, practice, moment)
    prefetch_related_objects(checklist_items, "reviewed_by")
    checklists = by_key(sorted(checklist_items, key=lambda i: (i.position, i.pk)), "agreement_id")
    amendments = by_key(
        sorted(rows_as_of(Amendment, practice, moment), key=lambda a: (a.amended_on, a.pk)),
        "agreement_id",
    )
    documents = _documents(AgreementDocument, practice, moment, "agreement_id")
    p = practice_facts(practice)
    for vendor_id, vendor_file in by_id.items():
        vendor = vendor_file.vendor
        versions = [
            (a, amendments.get(a.pk, []), documents.get(a.pk, []))
            for a in agreements.get(vendor_id, [])
        ]
        ref = reference_agreement([a for a, _, _ in versions])
        v = vendor_facts(vendor, subcontractor_count=len(vendor_file.subcontractors))
        found, facts, checklist = [], None, []
        if ref is not None:
            items = checklists.get(ref.pk, [])
            facts = ref.facts(
                provisions={i.provision: i.state for i in items},
                amendments=amendments.get(ref.pk, []),
            )
            found = findings.agreement_findings(
                facts, v, p, data.as_of, rules[vendor.tier].first_warning_days
            )
            checklist = [(CITES.get(i.provision), i) for i in items]
        else:
            found = findings.gap_findings(v, False, data.as_of)
        vendor_file.sections.append(
            (
                "binder/_baa.html",
                {
                    "versions": versions,
                    "history": len(versions) > 1 or (versions and versions[0][0] != ref),
                    "ref": ref,
                    "checklist": checklist,
                    "findings": findings.sort(found),
                    "cap": findings.cap_in_dollars(facts) if facts else None,
                    "exposure": findings.exposure(v, p),
                },
            )
        )


@_register
def oversight_section(data, by_id, moment):
    practice = data.practice
    record_rows = sorted(
        rows_as_of(DueDiligenceRecord, practice, moment),
        key=lambda r: (r.performed_on, r.pk),
        reverse=True,
    )
    prefetch_related_objects(record_rows, "reviewer__user")
    controls = by_key(
        sorted(
            (c for c in rows_as_of(ControlAnswer, practice, moment) if c.superseded_at is None),
            key=lambda c: (c.control, c.pk),
        ),
        "record_id",
    )
    files = _documents(EvidenceFile, practice, moment, "record_id")
    records: dict[int, list] = {}
    for r in record_rows:
        # The validity by kind (``diligence.schedule``), on the binder's date.
        r.valid_through = schedule.evidence_valid_through(r.as_evidence())
        r.stale_on_date = r.valid_through < data.as_of
        vendor_file = by_id.get(r.vendor_id)
        tier = vendor_file.vendor.tier if vendor_file else ""
        for c in controls.get(r.pk, []):
            # The vendor page's rule (``diligence.controls``), at the tier of the binder's date.
            c.severity = control_severity(tier, c.answer)
        records.setdefault(r.vendor_id, []).append((r, controls.get(r.pk, []), files.get(r.pk, [])))
    review_rows = sorted(
        rows_as_of(VendorReview, practice, moment),
        key=lambda r: (r.reviewed_on, r.pk),
        reverse=True,
    )
    prefetch_related_objects(review_rows, "reviewer__user")
    reviews = by_key(review_rows, "vendor_id")
    action_rows = sorted(
        rows_as_of(FollowUpAction, practice, moment), key=lambda a: (a.due_on, a.pk)
    )
    prefetch_related_objects(action_rows, "owner__user")
    actions = by_key(action_rows, "vendor_id")
    certificates = _documents(DispositionCertificate, practice, moment, "offboarding_id")
    offboardings = {o.vendor_id: o for o in rows_as_of(Offboarding, practice, moment)}
    for vendor_id, vendor_file in by_id.items():
        offboarding = offboardings.get(vendor_id)
        vendor_file.sections.append(
            (
                "binder/_oversight.html",
                {
                    "records": records.get(vendor_id, []),
                    "reviews": reviews.get(vendor_id, []),
                    "actions": actions.get(vendor_id, []),
                    "offboarding": offboarding,
                    "certificates": certificates.get(offboarding.pk, []) if offboarding else [],
                },
            )
        )


@_register
def incident_section(data, by_id, moment):
    """Each incident of the vendor recorded by the date, as it stood then: the record, the
    164.402(2) risk assessment, its clocks (``incidents.clocks``, on the binder's date) and the
    notices given by then."""
    practice = data.practice
    notices = by_key(
        sorted(rows_as_of(IncidentNotice, practice, moment), key=lambda n: (n.given_on, n.pk)),
        "incident_id",
    )
    incidents = by_key(
        sorted(
            rows_as_of(VendorIncident, practice, moment),
            key=lambda i: (i.vendor_discovered_on, i.pk),
        ),
        "vendor_id",
    )
    for vendor_id, vendor_file in by_id.items():
        rows = []
        for incident in incidents.get(vendor_id, []):
            given = notices.get(incident.pk, [])
            facts = incident.facts(given)
            rows.append(
                {
                    "incident": incident,
                    "notices": given,
                    "discovered": incident_clocks.discovery_date(facts),
                    "notice_required": incident_clocks.notice_required(facts),
                    "deadlines": [
                        (d, d.state(data.as_of).value.replace("_", " ").capitalize())
                        for d in incident_clocks.all_deadlines(facts)
                    ],
                }
            )
        if rows:
            vendor_file.sections.append(("binder/_incidents.html", {"incidents": rows}))


@_register
def reminders_section(data, by_id, moment):
    sent = by_key(
        Reminder.objects.filter(
            organization=data.practice,
            status=ReminderStatus.SENT,
            sent_at__lte=moment,
            vendor_id__in=list(by_id),
        ).order_by("sent_at"),
        "vendor_id",
    )
    for vendor_id, vendor_file in by_id.items():
        vendor_file.sections.append(("binder/_reminders.html", {"sent": sent.get(vendor_id, [])}))
