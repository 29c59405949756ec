"""Demo questionnaire requests for ``seed_demo``: the MSP's questionnaire submitted and waiting
for review (with a document and two shortfalls), the billing service's in progress, and the
practice's own copy of the short questionnaire. Idempotent."""

import io
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from diligence.choices import DiligenceKind
from oversight.demo import DemoPractice
from vendors.models import BusinessAssociate

from . import library, services
from .models import PracticeQuestionnaire, QuestionnaireRequest


def _pdf(name: str) -> SimpleUploadedFile:
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


def _send(demo, vendor, base, *, days):
    contact = vendor.contacts.exclude(email="").order_by("id").first()
    questionnaire = library.LIBRARY[base]
    request, _ = services.request_send(
        organization=demo.practice,
        vendor=vendor,
        contact=contact,
        title=questionnaire.title,
        questions=[q.as_dict() for q in questionnaire.questions],
        evidence_requested=list(library.proposed_evidence(vendor.tier)),
        confirm_breach_contact=True,
        due_on=demo.practice.today() + timedelta(days=days),
        actor=demo.manager.user,
    )
    return request


def seed(demo: DemoPractice) -> None:
    practice = demo.practice
    if QuestionnaireRequest.objects.for_org(practice).exists():
        return
    vendors = {v.name: v for v in BusinessAssociate.objects.for_org(practice)}
    msp = vendors.get("Northwind IT Services")
    billing = vendors.get("ClaimPath Billing")
    if msp is not None:
        request = _send(demo, msp, library.MSP, days=10)
        answers = {q["key"]: {"answer": "yes", "comment": ""} for q in request.questions}
        answers["msp_named_accounts"] = {
            "answer": "partial",
            "comment": "Two legacy shared admin accounts are being retired this quarter.",
        }
        answers["msp_session_logging"] = {"answer": "no", "comment": ""}
        services.answers_save(request=request, answers=answers, breach_contact={"confirmed": True})
        services.file_add(
            request=request,
            upload=_pdf("northwind-cyber-insurance-certificate.pdf"),
            kind=DiligenceKind.CYBER_INSURANCE,
        )
        services.request_submit(request=request, name="Dana Reyes", title="Security Manager")
    if billing is not None:
        request = _send(demo, billing, library.HIPAA, days=21)
        services.request_opened(request=request)
        services.answers_save(
            request=request,
            answers={"mfa": {"answer": "yes", "comment": "Okta for all staff."}},
        )
    if not PracticeQuestionnaire.objects.for_org(practice).exists():
        services.questionnaire_copy(organization=practice, base=library.HIPAA_SHORT)
