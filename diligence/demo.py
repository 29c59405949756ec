"""Demo oversight data for ``seed_demo``: diligence with evidence and controls, reviews,
follow-up actions (one overdue) and offboarded vendors, so every state is visible: evidence
ok / going stale / stale, reviews ok / due soon / overdue, findings on high-tier vendors,
actions open / overdue / done / risk accepted, a closed offboarding with its certificate and a
terminated vendor whose certificate is missing. Idempotent."""

import io
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from oversight.demo import DemoPractice
from vendors.choices import AccessLevel, Category, Criticality, PhiType, RelationshipStatus
from vendors.models import BusinessAssociate
from vendors.services import vendor_save

from . import services
from .choices import (
    ActionStatus,
    Answer,
    Control,
    DiligenceKind,
    DiligenceOutcome,
    Disposition,
    ReviewOutcome,
)
from .models import DueDiligenceRecord, FollowUpAction, Offboarding, VendorReview

ALL_YES = {c: (Answer.YES, "") for c in Control.values}


def _pdf(name: str) -> SimpleUploadedFile:
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    writer.add_metadata({"/Title": name})
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


def _record(demo, vendor, kind, performed_on, outcome, *, controls=None, file=None, **fields):
    record = DueDiligenceRecord(
        organization=demo.practice,
        vendor=vendor,
        kind=kind,
        performed_on=performed_on,
        outcome=outcome,
        reviewer=demo.manager,
        **fields,
    )
    return services.diligence_record_save(
        record=record,
        actor=demo.manager.user,
        controls=controls or {},
        uploads=[_pdf(file)] if file else [],
    )


def _review(demo, vendor, reviewed_on, outcome=ReviewOutcome.CONTINUE, **fields):
    review = VendorReview(
        organization=demo.practice,
        vendor=vendor,
        reviewed_on=reviewed_on,
        reviewer=demo.admin,
        outcome=outcome,
        baa_current=True,
        evidence_current=True,
        **fields,
    )
    # Entered as the reviews were on their dates (the record has moved on since).
    return services.review_record(review=review, actor=demo.admin.user, check_record=False)


def _action(demo, vendor, description, due_on, *, status=ActionStatus.OPEN, **fields):
    action = FollowUpAction(
        organization=demo.practice,
        vendor=vendor,
        description=description,
        due_on=due_on,
        status=status,
        owner=demo.manager,
        **fields,
    )
    return services.action_save(action=action, actor=demo.manager.user)


def _terminated_vendor(demo, name, category, services_text):
    vendor = BusinessAssociate.objects.for_org(demo.practice).filter(name=name).first()
    if vendor is None:
        vendor = BusinessAssociate(
            organization=demo.practice,
            name=name,
            category=category,
            status=RelationshipStatus.TERMINATED,
            access_level=AccessLevel.FULL,
            phi_electronic=True,
            record_count=4_000,
            criticality=Criticality.MEDIUM,
            phi_types=[PhiType.CLINICAL],
            services=services_text,
            owner=demo.manager,
        )
        vendor_save(vendor=vendor, actor=demo.admin.user)
    return vendor


def seed(demo: DemoPractice) -> None:
    practice = demo.practice
    if DueDiligenceRecord.objects.for_org(practice).exists():
        return
    today = services.practice_today(practice)
    months = lambda n: today - relativedelta(months=n)  # noqa: E731
    vendors = {v.name: v for v in BusinessAssociate.objects.for_org(practice)}
    ehr = vendors["ChartWell EHR"]
    msp = vendors["Northwind IT Services"]
    billing = vendors["ClaimPath Billing"]
    backup = vendors["VaultSafe Backup"]
    mail = vendors["SecureMail Relay"]

    # EHR: current SOC 2 (going stale soon), all controls in place, review due soon.
    _record(
        demo,
        ehr,
        DiligenceKind.SOC2,
        months(9),
        DiligenceOutcome.SATISFACTORY,
        # Valid 12 months from the end of the audit period, not from the day received.
        period_end=months(11) - timedelta(days=10),
        period_covered="Twelve months",
        summary="SOC 2 Type II, unqualified opinion; complementary user controls reviewed.",
        controls={**ALL_YES, Control.EDR: (Answer.UNKNOWN, "Not covered by the report")},
        file="chartwell-soc2-type2.pdf",
    )
    _review(demo, ehr, months(5) - timedelta(days=10))

    # MSP: old questionnaire (stale), gaps in controls (findings), overdue review and action.
    questionnaire = _record(
        demo,
        msp,
        DiligenceKind.QUESTIONNAIRE,
        months(14),
        DiligenceOutcome.CONCERNS,
        summary="Questionnaire answered by the MSP's owner.",
        exceptions="No restore test in the last year; MFA only on the VPN.",
        controls={
            **ALL_YES,
            Control.MFA: (Answer.PARTIAL, "VPN only; RMM tool without MFA"),
            Control.BACKUPS: (Answer.NO, "Restores never tested"),
            Control.CYBER_INSURANCE: (Answer.UNKNOWN, ""),
        },
        file="northwind-security-questionnaire.pdf",
    )
    _review(demo, msp, months(14), ReviewOutcome.CONTINUE_WITH_ACTIONS)
    _action(
        demo,
        msp,
        "Obtain a restore-test report for the practice's server backups",
        today - timedelta(days=12),
        record=questionnaire,
    )
    _action(
        demo,
        msp,
        "Enable MFA on the remote-monitoring (RMM) tool",
        today + timedelta(days=20),
        record=questionnaire,
    )

    # Billing: recent questionnaire and review; one action done, one risk accepted.
    billing_q = _record(
        demo,
        billing,
        DiligenceKind.QUESTIONNAIRE,
        months(2),
        DiligenceOutcome.SATISFACTORY,
        controls=ALL_YES,
        file="claimpath-questionnaire.pdf",
    )
    _review(demo, billing, months(2))
    _action(
        demo,
        billing,
        "Confirm the breach-notification contact",
        months(1),
        status=ActionStatus.DONE,
        record=billing_q,
    )
    _action(
        demo,
        billing,
        "Ask for a penetration-test summary",
        months(1),
        status=ActionStatus.ACCEPTED_RISK,
        justification="The vendor does not share pen-test results; SOC 2 bridge letter accepted.",
        record=billing_q,
    )

    # Backup: ISO 27001 certificate with a stated expiry, insurance certificate.
    _record(
        demo,
        backup,
        DiligenceKind.ISO27001,
        months(8),
        DiligenceOutcome.SATISFACTORY,
        valid_until=today + relativedelta(months=16),
        file="vaultsafe-iso27001-certificate.pdf",
    )
    _record(
        demo,
        backup,
        DiligenceKind.CYBER_INSURANCE,
        months(3),
        DiligenceOutcome.SATISFACTORY,
        valid_until=today + relativedelta(months=9),
        summary="USD 5M cyber policy, practice named as certificate holder.",
    )
    _review(demo, backup, months(3))

    # Secure mail: the proposed Security Rule's written verification (90 FR 898, not final).
    _record(
        demo,
        mail,
        DiligenceKind.SAFEGUARDS_VERIFICATION,
        months(4),
        DiligenceOutcome.SATISFACTORY,
        summary="Signed letter from the vendor's CISO verifying technical safeguards.",
    )

    # A closed offboarding with its certificate, and one still waiting for the certificate.
    closed = _terminated_vendor(
        demo, "Legacy Transcribe Inc.", Category.TRANSCRIPTION, "Former transcription service."
    )
    offboarding = Offboarding.objects.filter(vendor=closed).first() or Offboarding(
        organization=practice, vendor=closed
    )
    offboarding.started_on = months(4)
    offboarding.access_revoked_on = months(4) + timedelta(days=2)
    offboarding.ended_on = months(4) + timedelta(days=14)
    offboarding.disposition = Disposition.DESTROYED
    offboarding.closed_on = months(3)
    services.offboarding_save(
        offboarding=offboarding,
        actor=demo.admin.user,
        certificate=_pdf("legacy-transcribe-certificate-of-destruction.pdf"),
    )
    pending = _terminated_vendor(
        demo, "FaxLine Cloud Fax", Category.OTHER, "Former cloud fax service for referrals."
    )
    offboarding = Offboarding.objects.filter(vendor=pending).first() or Offboarding(
        organization=practice, vendor=pending
    )
    offboarding.started_on = today - timedelta(days=50)
    offboarding.access_revoked_on = today - timedelta(days=49)
    offboarding.ended_on = today - timedelta(days=45)
    offboarding.disposition = Disposition.DESTROYED
    services.offboarding_save(offboarding=offboarding, actor=demo.admin.user)
