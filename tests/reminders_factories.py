"""Test helpers of the reminder engine: synthetic due items, a stand-in provider, a real local
SMTP server (aiosmtpd) whose answers a test chooses."""

import socket
from dataclasses import dataclass, field
from datetime import date

import factory
from aiosmtpd.controller import Controller
from django.utils import timezone

from oversight.due import DueItem, DueKind
from reminders.choices import ReminderStatus, Stage
from reminders.models import Reminder


def make_item(
    *,
    org_id=1,
    kind=DueKind.BAA_EXPIRY,
    key=None,
    due_date=date(2026, 6, 30),
    vendor_id=1,
    vendor_name="ChartWell EHR",
    tier="high",
    title=None,
    owner=None,
    contact_email="",
) -> DueItem:
    titles = {
        DueKind.BAA_EXPIRY: "BAA expires",
        DueKind.BAA_EXPIRED: "BAA expired",
        DueKind.RENEWAL_NOTICE: "Auto-renewal notice deadline",
        DueKind.COMPLIANCE_GAP: "No signed BAA",
        DueKind.REVIEW: "Periodic review due",
        DueKind.EVIDENCE: "SOC 2 report goes stale",
        DueKind.ACTION: "Follow-up action due",
        DueKind.ACCESS: "Revoke the vendor's access",
        DueKind.CERTIFICATE: "Disposition certificate missing",
        DueKind.INCIDENT: "Notice to individuals due (45 CFR 164.404(b))",
        DueKind.QUESTIONNAIRE: "Security questionnaire answers due",
    }
    return DueItem(
        organization_id=org_id,
        kind=kind,
        key=key or f"{kind}:{vendor_id}",
        due_date=due_date,
        vendor_id=vendor_id,
        vendor_name=vendor_name,
        tier=tier,
        title=title or titles[kind],
        url=f"/vendors/{vendor_id}/",
        owner_membership_id=owner,
        contact_email=contact_email,
    )


@dataclass
class FakeProvider:
    """Stands in for the BAA and diligence providers: returns the items a test put in it for
    the practices asked about (and can be told to fail for one practice)."""

    items: list = field(default_factory=list)
    fail_for: set = field(default_factory=set)
    calls: int = 0

    def __call__(self, org_ids, today, rules):
        self.calls += 1
        org_ids = set(org_ids)
        if org_ids & self.fail_for:
            raise RuntimeError("provider broke on a bad record")
        return [i for i in self.items if i.organization_id in org_ids]


class ReminderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reminder

    organization = factory.SelfAttribute("recipient.organization")
    key = factory.Sequence(lambda n: f"baa:{n}")
    kind = DueKind.BAA_EXPIRY
    stage = Stage.WARNING
    threshold = 30
    due_date = date(2026, 6, 30)
    vendor = None
    vendor_name = "ChartWell EHR"
    tier = "high"
    title = "BAA expires"
    url = "/vendors/1/"
    recipient_email = factory.SelfAttribute("recipient.user.email")
    immediate = True
    send_after = factory.LazyFunction(timezone.now)
    status = ReminderStatus.PENDING


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ScriptedHandler:
    """An SMTP server that answers DATA with the scripted replies in order (e.g. a 451), then
    accepts every message. Accepted messages are kept in ``delivered``."""

    def __init__(self, replies=()):
        self.replies = list(replies)
        self.delivered = []

    async def handle_DATA(self, server, session, envelope):
        if self.replies:
            return self.replies.pop(0)
        self.delivered.append(envelope)
        return "250 Message accepted for delivery"


def smtp_server(handler, port=None):
    controller = Controller(handler, hostname="127.0.0.1", port=port or free_port())
    controller.start()
    return controller
