"""Demo vendors for ``seed_demo``: a realistic inventory across every tier."""

from datetime import date

from oversight.demo import DemoPractice

from .choices import (
    AccessLevel,
    Category,
    ContactRole,
    Criticality,
    DeterminationBasis,
    PhiType,
    RelationshipStatus,
)
from .models import BusinessAssociate, Subcontractor, VendorContact
from .services import determination_record, tier_override_set, vendor_save

A, S = RelationshipStatus.ACTIVE, RelationshipStatus

VENDORS = [
    # name, category, status, access, electronic, paper, records, remote, offshore, subs,
    # criticality, phi types, services
    (
        "ChartWell EHR",
        Category.EHR,
        A,
        AccessLevel.HOSTS,
        True,
        False,
        20_000,
        False,
        False,
        True,
        Criticality.HIGH,
        [PhiType.DEMOGRAPHICS, PhiType.CLINICAL, PhiType.INSURANCE, PhiType.LAB_IMAGING],
        "Cloud EHR and practice management; hosts all patient charts.",
    ),
    (
        "ClaimPath Billing",
        Category.BILLING,
        A,
        AccessLevel.FULL,
        True,
        False,
        5_000,
        False,
        False,
        False,
        Criticality.MEDIUM,
        [PhiType.DEMOGRAPHICS, PhiType.INSURANCE, PhiType.IDENTIFIERS],
        "Outsourced billing and claims follow-up.",
    ),
    (
        "Northwind IT Services",
        Category.MSP,
        A,
        AccessLevel.FULL,
        True,
        False,
        None,
        True,
        False,
        False,
        Criticality.HIGH,
        [],
        "Managed IT: servers, workstations, firewall, remote support.",
    ),
    (
        "VaultSafe Backup",
        Category.BACKUP,
        A,
        AccessLevel.HOSTS,
        True,
        False,
        20_000,
        False,
        True,
        True,
        Criticality.MEDIUM,
        [PhiType.CLINICAL],
        "Nightly encrypted offsite backup of the EHR.",
    ),
    (
        "SecureMail Relay",
        Category.EMAIL,
        A,
        AccessLevel.LIMITED,
        True,
        False,
        None,
        False,
        False,
        False,
        Criticality.MEDIUM,
        [PhiType.DEMOGRAPHICS],
        "Encrypted email to patients and labs.",
    ),
    (
        "ShredRight Mobile Shredding",
        Category.SHREDDING,
        A,
        AccessLevel.NONE,
        False,
        True,
        3_000,
        False,
        False,
        False,
        Criticality.LOW,
        [PhiType.CLINICAL],
        "Monthly on-site paper shredding.",
    ),
    (
        "FrontDesk Scheduling SaaS",
        Category.CLOUD_HOSTING,
        S.ONBOARDING,
        AccessLevel.LIMITED,
        True,
        False,
        12_000,
        False,
        False,
        True,
        Criticality.MEDIUM,
        [PhiType.DEMOGRAPHICS],
        "Online appointment booking and reminders.",
    ),
    (
        "ScribeRight Transcription",
        Category.TRANSCRIPTION,
        S.PROSPECTIVE,
        AccessLevel.FULL,
        True,
        False,
        800,
        False,
        True,
        False,
        Criticality.LOW,
        [PhiType.CLINICAL],
        "Dictation transcription (being evaluated).",
    ),
    (
        "Compliance Partners LLC",
        Category.CONSULTING,
        A,
        AccessLevel.INCIDENTAL,
        True,
        False,
        None,
        False,
        False,
        False,
        Criticality.LOW,
        [],
        "HIPAA risk assessment consultant.",
    ),
    (
        "Office Coffee Co.",
        Category.OTHER,
        A,
        AccessLevel.NONE,
        False,
        False,
        None,
        False,
        False,
        False,
        Criticality.LOW,
        [],
        "Break-room supplies; no PHI (kept to show a low-tier vendor).",
    ),
]


def seed(demo: DemoPractice) -> None:
    practice = demo.practice
    owners = [demo.manager, demo.admin]
    for i, row in enumerate(VENDORS):
        (
            name,
            category,
            status,
            access,
            electronic,
            paper,
            records,
            remote,
            offshore,
            subs,
            criticality,
            phi_types,
            services,
        ) = row
        vendor = BusinessAssociate.objects.for_org(practice).filter(name=name).first()
        if vendor is not None:
            continue
        vendor = BusinessAssociate(
            organization=practice,
            name=name,
            category=category,
            status=status,
            access_level=access,
            phi_electronic=electronic,
            phi_paper=paper,
            record_count=records,
            remote_access=remote,
            offshore=offshore,
            uses_subcontractors=subs,
            criticality=criticality,
            phi_types=list(phi_types),
            services=services,
            owner=owners[i % 2],
            phi_access_began=date(2021, 3, 1) if status == A else None,
            website=f"https://www.{name.split()[0].lower()}.example",
        )
        vendor_save(vendor=vendor, actor=demo.admin.user)
        VendorContact.objects.create(
            organization=practice,
            vendor=vendor,
            name=f"{name.split()[0]} Account Team",
            role=ContactRole.ACCOUNT_MANAGER,
            email=f"accounts@{name.split()[0].lower()}.example",
        )
        if vendor.needs_baa:
            VendorContact.objects.create(
                organization=practice,
                vendor=vendor,
                name=f"{name.split()[0]} Privacy Office",
                role=ContactRole.BREACH,
                email=f"privacy@{name.split()[0].lower()}.example",
                phone="+1 555 0100",
            )
    vendors = {v.name: v for v in BusinessAssociate.objects.for_org(practice)}
    ehr, backup = vendors["ChartWell EHR"], vendors["VaultSafe Backup"]
    if not ehr.subcontractors.exists():
        Subcontractor.objects.create(
            organization=practice,
            vendor=ehr,
            linked_vendor=backup,
            services="Stores encrypted EHR backups",
        )
        Subcontractor.objects.create(
            organization=practice,
            vendor=ehr,
            name="Amazon Web Services",
            services="Hosting of the EHR database",
        )
    consultant = vendors["Compliance Partners LLC"]
    if not consultant.tier_override:
        tier_override_set(
            vendor=consultant,
            actor=demo.manager.user,
            tier="medium",
            reason="Reads the full risk assessment, which lists systems holding ePHI.",
        )
    coffee = vendors["Office Coffee Co."]
    if not coffee.determinations.exists():
        determination_record(
            vendor=coffee,
            basis=DeterminationBasis.NO_PHI,
            explanation="Delivers break-room supplies to the front desk; no access to records, "
            "systems or the clinical areas.",
            determined_by=demo.admin,
            determined_on=practice.today(),
            actor=demo.admin.user,
        )
