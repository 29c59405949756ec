"""Demo incidents for ``seed_demo``: an open breach at the billing service with its clocks
running (one notice given) and a closed incident assessed as a low probability of compromise.
Counts only, no identifiers. Idempotent."""

from datetime import timedelta

from oversight.demo import DemoPractice
from vendors.models import BusinessAssociate

from . import services
from .choices import Conclusion, NoticeKind, NoticeMethod
from .models import IncidentNotice, VendorIncident


def seed(demo: DemoPractice) -> None:
    practice = demo.practice
    if VendorIncident.objects.for_org(practice).exists():
        return
    vendors = {v.name: v for v in BusinessAssociate.objects.for_org(practice)}
    billing = vendors.get("ClaimPath Billing")
    mail = vendors.get("SecureMail Relay")
    if billing is None:
        return
    today = practice.today()
    actor = demo.manager.user
    breach = services.incident_save(
        incident=VendorIncident(
            organization=practice,
            vendor=billing,
            title="Phishing: a billing mailbox was accessed",
            vendor_discovered_on=today - timedelta(days=40),
            vendor_notified_on=today - timedelta(days=33),
            practice_discovered_on=today - timedelta(days=33),
            description="A billing specialist's mailbox was accessed for two days; claim "
            "attachments were in it.",
            breach_types=["hacking"],
            locations=["email"],
            phi_categories=["demographic", "insurance", "clinical"],
            individuals_affected=640,
            states={"NY": 560, "NJ": 80},
            breach_started_on=today - timedelta(days=42),
            breach_ended_on=today - timedelta(days=40),
            factor_nature="Names, dates of birth, member numbers and diagnosis codes.",
            factor_recipient="Unknown external actor.",
            factor_acquired="Mailbox access logs show attachments were opened.",
            factor_mitigation="Password reset, MFA enforced; no evidence of further use.",
            conclusion=Conclusion.BREACH,
            # Concluded four weeks ago: the vendor's next review is brought forward to two
            # days from now (``clocks.review_proposed_by``).
            assessed_on=today - timedelta(days=28),
        ),
        actor=actor,
    )
    services.notice_record(
        notice=IncidentNotice(
            organization=practice,
            incident=breach,
            kind=NoticeKind.HHS,
            given_on=today - timedelta(days=5),
            method=NoticeMethod.PORTAL,
        ),
        actor=actor,
    )
    if mail is not None:
        services.incident_save(
            incident=VendorIncident(
                organization=practice,
                vendor=mail,
                title="Lost laptop, full-disk encryption",
                vendor_discovered_on=today - timedelta(days=120),
                vendor_notified_on=today - timedelta(days=118),
                practice_discovered_on=today - timedelta(days=118),
                description="An engineer's laptop was stolen from a car.",
                breach_types=["theft"],
                locations=["laptop"],
                phi_categories=["demographic"],
                individuals_affected=None,
                phi_secured=True,
                secured_how="BitLocker full-disk encryption (AES-256), key not on the device.",
            ),
            actor=actor,
            close=True,
        )
