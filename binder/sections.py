"""Per-vendor binder sections from the apps above vendors: the BAA file (every version, terms,
provision checklist with cites, findings, amendments, documents), the oversight program
(diligence with controls and evidence, reviews, follow-up actions, offboarding) and the
reminders sent. Each collector runs a bounded number of queries for the whole practice."""

from collections import defaultdict

from django.db.models import Prefetch

from baas import findings
from baas.models import BusinessAssociateAgreement, ChecklistItem, practice_facts, vendor_facts
from baas.provisions import BY_KEY
from baas.services import reference_agreement
from diligence.models import (
    ControlAnswer,
    DueDiligenceRecord,
    FollowUpAction,
    Offboarding,
    VendorReview,
)
from oversight.models import rules_for
from reminders.choices import ReminderStatus
from reminders.models import Reminder

from .builder import collectors

CITES = BY_KEY


def _register(collector):
    if collector not in collectors:
        collectors.append(collector)
    return collector


@_register
def baa_section(data, by_id, as_of_end):
    practice = data.practice
    rules = rules_for([practice.pk])[practice.pk]
    agreements = (
        BusinessAssociateAgreement.objects.filter(organization=practice, created_at__lt=as_of_end)
        .prefetch_related(
            Prefetch("checklist", queryset=ChecklistItem.objects.select_related("reviewed_by")),
            "amendments",
            "documents",
        )
        .order_by("vendor_id", "-created_at")
    )
    grouped = defaultdict(list)
    for agreement in agreements:
        grouped[agreement.vendor_id].append(agreement)
    p = practice_facts(practice)
    for vendor_id, vendor_file in by_id.items():
        vendor = vendor_file.vendor
        versions = grouped.get(vendor_id, [])
        ref = reference_agreement(versions)
        v = vendor_facts(vendor)
        found, facts, checklist = [], None, []
        if ref is not None:
            facts = ref.facts(
                provisions={i.provision: i.state for i in ref.checklist.all()},
                amended=bool(ref.amendments.all()),
            )
            found = findings.agreement_findings(
                facts, v, p, data.as_of, rules[vendor.tier].first_warning_days
            )
            checklist = [(CITES.get(i.provision), i) for i in ref.checklist.all()]
        else:
            found = findings.gap_findings(v, False, data.as_of)
        vendor_file.sections.append(
            (
                "binder/_baa.html",
                {
                    "versions": versions,
                    "ref": ref,
                    "checklist": checklist,
                    "findings": findings.sort(found),
                    "cap": findings.cap_in_dollars(facts) if facts else None,
                    "exposure": findings.exposure(v, p),
                },
            )
        )


@_register
def oversight_section(data, by_id, as_of_end):
    practice = data.practice
    records = defaultdict(list)
    for record in (
        DueDiligenceRecord.objects.filter(organization=practice, created_at__lt=as_of_end)
        .select_related("reviewer__user")
        .prefetch_related(
            Prefetch("controls", queryset=ControlAnswer.objects.order_by("control")), "files"
        )
        .order_by("-performed_on")
    ):
        records[record.vendor_id].append(record)
    reviews = defaultdict(list)
    for review in (
        VendorReview.objects.filter(organization=practice, created_at__lt=as_of_end)
        .select_related("reviewer__user")
        .order_by("-reviewed_on")
    ):
        reviews[review.vendor_id].append(review)
    actions = defaultdict(list)
    for action in (
        FollowUpAction.objects.filter(organization=practice, created_at__lt=as_of_end)
        .select_related("owner__user")
        .order_by("due_on")
    ):
        actions[action.vendor_id].append(action)
    offboardings = {
        o.vendor_id: o
        for o in Offboarding.objects.filter(organization=practice).prefetch_related("certificates")
    }
    for vendor_id, vendor_file in by_id.items():
        vendor_file.sections.append(
            (
                "binder/_oversight.html",
                {
                    "records": records.get(vendor_id, []),
                    "reviews": reviews.get(vendor_id, []),
                    "actions": actions.get(vendor_id, []),
                    "offboarding": offboardings.get(vendor_id),
                },
            )
        )


@_register
def reminders_section(data, by_id, as_of_end):
    sent = defaultdict(list)
    for reminder in Reminder.objects.filter(
        organization=data.practice,
        status=ReminderStatus.SENT,
        sent_at__lt=as_of_end,
        vendor_id__in=list(by_id),
    ).order_by("sent_at"):
        sent[reminder.vendor_id].append(reminder)
    for vendor_id, vendor_file in by_id.items():
        vendor_file.sections.append(("binder/_reminders.html", {"sent": sent.get(vendor_id, [])}))
