"""Demo agreements for ``seed_demo``: together they exercise every finding of ``findings.py``.

- FrontDesk Scheduling SaaS (onboarding, PHI): no BAA at all -> compliance gap.
- ChartWell EHR: a good negotiated BAA (mutual, cap above exposure, every carve-out).
- ClaimPath Billing: the vendor's paper: vendor-favourable indemnification, 3 months' fees cap
  far below exposure, no carve-outs, 90-day breach notice counted from "confirmation", one
  provision absent (deficient), no audit rights, rights to de-identify and aggregate PHI.
- Northwind IT Services: signed in 2011, never amended (pre-Omnibus), evergreen, not reviewed;
  a fixed cap that cannot be compared (record count unknown).
- VaultSafe Backup: expiring soon with auto-renewal, no indemnification clause, subcontractor
  provision absent, offshore with no restriction.
- SecureMail Relay: expired while active (a gap), mutual without a gross-negligence carve-out.
- Compliance Partners LLC: signed after PHI access began; no breach-notice window.
- ShredRight: practice template, evergreen, clean. ScribeRight (prospective): in negotiation,
  45-day breach notice (over the practice's 30 days).

Each signed agreement gets a small generated PDF as its signed copy. Idempotent: a vendor that
already has an agreement is left alone.
"""

import io
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from oversight.demo import DemoPractice
from vendors.models import BusinessAssociate

from . import services
from .choices import (
    AgreementStatus,
    CapKind,
    CarveOut,
    DayKind,
    Indemnification,
    IndemnityCover,
    NoticeTrigger,
    ProvisionState,
    ReturnDestroy,
    TemplateSource,
    Term,
)
from .models import BusinessAssociateAgreement
from .provisions import PROVISIONS

ALL_CARVE_OUTS = list(CarveOut.values)
ALL_PRESENT = {p.key: ProvisionState.PRESENT for p in PROVISIONS}


def minimal_pdf(title: str) -> bytes:
    """A small, valid one-page PDF with a line of text (written by hand: no extra library)."""
    text = title.replace("\\", "").replace("(", "").replace(")", "")[:80]
    stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def _plan(today: date) -> dict[str, dict]:
    return {
        "ChartWell EHR": {
            "sign": date(2020, 11, 2),
            "terms": {
                "template_source": TemplateSource.NEGOTIATED,
                "service_agreement": "ChartWell Master Subscription Agreement 2020",
                "annual_contract_value": Decimal("48000"),
                "effective_on": date(2020, 11, 2),
                "expires_on": today + timedelta(days=700),
                "breach_notice_days": 5,
                "breach_notice_day_kind": DayKind.BUSINESS,
                "breach_contact_name": "ChartWell Privacy Office",
                "breach_contact_email": "privacy@chartwell.example",
                "indemnification": Indemnification.MUTUAL,
                "indemnification_covers": list(IndemnityCover.values),
                "cap_kind": CapKind.FIXED,
                "cap_amount": Decimal("10000000"),
                "carve_outs": ALL_CARVE_OUTS,
                "cyber_insurance_amount": Decimal("10000000"),
                "return_destroy": ReturnDestroy.EITHER,
                "audit_rights": Term.YES,
                "offshore_restricted": Term.YES,
                "breach_notice_trigger": NoticeTrigger.DISCOVERY,
            },
            "checklist": ALL_PRESENT,
        },
        "ClaimPath Billing": {
            "sign": date(2021, 2, 15),
            "terms": {
                "template_source": TemplateSource.VENDOR,
                "service_agreement": "ClaimPath Services Agreement",
                "annual_contract_value": Decimal("24000"),
                "effective_on": date(2021, 2, 15),
                "expires_on": today + timedelta(days=400),
                "breach_notice_days": 90,
                "breach_notice_trigger": NoticeTrigger.LATER,
                "indemnification": Indemnification.VENDOR_FAVOURABLE,
                "cap_kind": CapKind.FEES_MONTHS,
                "cap_months": 3,
                "carve_outs": [],
                "audit_rights": Term.NO,
                "return_destroy": ReturnDestroy.RETURN,
                "own_use_deidentify": True,
                "own_use_aggregate": True,
            },
            "checklist": {**ALL_PRESENT, "accounting": ProvisionState.ABSENT},
        },
        "Northwind IT Services": {
            "sign": date(2011, 6, 1),
            "terms": {
                "template_source": TemplateSource.VENDOR,
                "service_agreement": "Managed services contract 2011",
                "effective_on": date(2011, 6, 1),
                "breach_notice_days": 30,
                "indemnification": Indemnification.MUTUAL,
                "cap_kind": CapKind.FIXED,
                "cap_amount": Decimal("250000"),
                "carve_outs": ALL_CARVE_OUTS,
            },
            "checklist": {},
        },
        "VaultSafe Backup": {
            "sign": date(2020, 12, 1),
            "terms": {
                "template_source": TemplateSource.VENDOR,
                "annual_contract_value": Decimal("6000"),
                "effective_on": date(2020, 12, 1),
                "expires_on": today + timedelta(days=45),
                "auto_renews": True,
                "renewal_notice_days": 30,
                "breach_notice_days": 30,
                "indemnification": Indemnification.NONE,
                "cap_kind": CapKind.MULTIPLE,
                "cap_multiple": Decimal("1"),
                "carve_outs": [CarveOut.GROSS_NEGLIGENCE, CarveOut.WILLFUL_MISCONDUCT],
                "offshore_restricted": Term.NO,
                "return_destroy": ReturnDestroy.DESTROY,
            },
            "checklist": {**ALL_PRESENT, "subcontractors": ProvisionState.ABSENT},
        },
        "SecureMail Relay": {
            "sign": date(2019, 4, 1),
            "terms": {
                "template_source": TemplateSource.NEGOTIATED,
                "effective_on": date(2019, 4, 1),
                "expires_on": today - timedelta(days=20),
                "breach_notice_days": 10,
                "indemnification": Indemnification.MUTUAL,
                "indemnification_covers": [
                    IndemnityCover.NOTIFICATION,
                    IndemnityCover.REGULATORY_FINES,
                ],
                "cap_kind": CapKind.FIXED,
                "cap_amount": Decimal("1000000"),
                "carve_outs": [CarveOut.FRAUD, CarveOut.VIOLATION_OF_LAW],
                "return_destroy": ReturnDestroy.EITHER,
            },
            "checklist": ALL_PRESENT,
        },
        "Compliance Partners LLC": {
            "sign": date(2022, 5, 10),
            "terms": {
                "template_source": TemplateSource.PRACTICE,
                "effective_on": date(2022, 5, 10),
                "expires_on": today + timedelta(days=900),
                "indemnification": Indemnification.PRACTICE_FAVOURABLE,
                "cap_kind": CapKind.NONE,
                "return_destroy": ReturnDestroy.EITHER,
            },
            "checklist": ALL_PRESENT,
        },
        "ShredRight Mobile Shredding": {
            "sign": date(2020, 1, 6),
            "terms": {
                "template_source": TemplateSource.PRACTICE,
                "effective_on": date(2020, 1, 6),
                "breach_notice_days": 10,
                "indemnification": Indemnification.MUTUAL,
                "indemnification_covers": [IndemnityCover.NOTIFICATION],
                "cap_kind": CapKind.NONE,
                "return_destroy": ReturnDestroy.DESTROY,
            },
            "checklist": ALL_PRESENT,
        },
        "ScribeRight Transcription": {
            "sign": None,
            "status": AgreementStatus.NEGOTIATION,
            "terms": {
                "template_source": TemplateSource.VENDOR,
                "breach_notice_days": 45,
                "indemnification": Indemnification.VENDOR_FAVOURABLE,
                "cap_kind": CapKind.FEES_MONTHS,
                "cap_months": 6,
                "annual_contract_value": Decimal("3600"),
            },
            "checklist": {},
        },
    }


def seed(demo: DemoPractice) -> None:
    practice = demo.practice
    actor = demo.manager.user
    today = services.practice_today(practice)
    vendors = {v.name: v for v in BusinessAssociate.objects.for_org(practice)}
    for name, spec in _plan(today).items():
        vendor = vendors.get(name)
        if vendor is None:
            continue
        if BusinessAssociateAgreement.objects.filter(vendor=vendor).exists():
            continue
        agreement = services.agreement_create(
            agreement=BusinessAssociateAgreement(
                organization=practice,
                vendor=vendor,
                status=spec.get("status", AgreementStatus.DRAFT),
                **spec["terms"],
            ),
            actor=actor,
        )
        if spec["checklist"]:
            absent = [k for k, v in spec["checklist"].items() if v == ProvisionState.ABSENT]
            services.checklist_update(
                agreement=agreement,
                actor=actor,
                states=spec["checklist"],
                notes={k: "Not found: read sections 1-14 and the exhibits" for k in absent},
            )
        if spec["sign"] is None:
            continue
        # Backdated signatures: signed in the past, so the date check passes.
        services.baa_sign(
            agreement=agreement,
            actor=actor,
            signed_on=spec["sign"],
            practice_signatory_name="Dana Whitfield",
            practice_signatory_title="Privacy Officer",
            vendor_signatory_name=f"{name.split()[0]} Legal",
            vendor_signatory_title="General Counsel",
        )
        upload = SimpleUploadedFile(
            f"{name} BAA signed {spec['sign']:%Y-%m-%d}.pdf",
            minimal_pdf(f"Business Associate Agreement - {name}"),
            content_type="application/pdf",
        )
        services.document_add(agreement=agreement, actor=actor, upload=upload)
