"""The reminder engine chases the vendor's contact of an open questionnaire request (issue 15):
warnings before and on the due date, overdue reminders after it, each with a fresh working link
(the previous one stops working), until the request is submitted, revoked or its link expires;
the escalation goes to the vendor's owner at the practice. Through the real provider, sweep and
delivery path, once per stage however often the sweep runs."""

import re
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from oversight.due import DueKind, queue
from oversight.policy import DEFAULT_RULES
from portal import due as portal_due
from portal import library, services
from portal.choices import RequestStatus
from portal.models import QuestionnaireRequest
from reminders import policy
from reminders import services as reminders
from reminders.choices import ReminderStatus, Stage
from reminders.models import DeliveryAttempt, Reminder
from vendors.choices import AccessLevel, ContactRole, Criticality

from .factories import ContactFactory, VendorFactory
from .reminders_factories import make_item
from .test_reminder_delivery import smtp  # noqa: F401 (fixture: a real SMTP server)

SAM = "sam@chartwell.test"
LINK = re.compile(r"https?://\S+/portal/([A-Za-z0-9_-]{43})/")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def ehr(cast):
    """A high-tier vendor (re-sent every 7 days, escalated after 14) owned by bob."""
    vendor = VendorFactory(
        organization=cast.practice,
        name="ChartWell EHR",
        access_level=AccessLevel.HOSTS,
        criticality=Criticality.HIGH,
        owner=cast.bob,
    )
    ContactFactory(
        vendor=vendor, name="Sam Security", email="sam@chartwell.test", role=ContactRole.SECURITY
    )
    return vendor


def _at(practice, day, hour=9):
    """A moment of the practice's local day."""
    return datetime.combine(day, time(hour), tzinfo=practice.tzinfo)


class Chase:
    """A request sent on ``sent_on`` (a fixed local date), due ``days`` later, and sweeps
    through the real path at chosen days after the sending."""

    def __init__(self, cast, vendor, capture, *, days=10):
        self.practice = vendor.organization
        self.capture = capture
        self.sent_on = self.practice.today()
        with time_machine.travel(_at(self.practice, self.sent_on), tick=False):
            with capture(execute=True):
                self.request, url = services.request_send(
                    organization=self.practice,
                    vendor=vendor,
                    contact=vendor.contacts.get(role=ContactRole.SECURITY),
                    title="HIPAA security questionnaire",
                    questions=[q.as_dict() for q in library.LIBRARY[library.HIPAA_SHORT].questions],
                    evidence_requested=[],
                    confirm_breach_contact=True,
                    due_on=self.sent_on + timedelta(days=days),
                    actor=cast.alice.user,
                )
        self.first_token = LINK.search(url).group(1)

    def day(self, n):
        return self.sent_on + timedelta(days=n)

    def sweep(self, n, hour=9, *, to=None):
        """Sweep on day ``n`` (twice: the second must add nothing); the new emails (to
        ``to`` only, if given: the vendor also has the practice's own reminders)."""
        before = len(mail.outbox)
        with time_machine.travel(_at(self.practice, self.day(n), hour), tick=False):
            with self.capture(execute=True):
                reminders.run_sweep()
            with self.capture(execute=True):
                again = reminders.run_sweep()
        assert again.created == 0
        return [m for m in mail.outbox[before:] if to is None or m.to == [to]]


def _contact_rows(ids):
    return list(Reminder.objects.filter(id__in=ids, to_contact=True).values_list("id", flat=True))


def _to(messages, address):
    """The emails about questionnaires to ``address`` (not the practice's own reminders
    about the vendor's missing BAA)."""
    return [m for m in messages if m.to == [address] and "questionnaire" in m.subject.lower()]


def test_the_contact_is_chased_before_on_and_after_the_due_date_once_each(
    cast, ehr, client, django_capture_on_commit_callbacks
):
    chase = Chase(cast, ehr, django_capture_on_commit_callbacks, days=10)
    assert len(mail.outbox) == 1  # the request itself

    assert chase.sweep(0, to=SAM) == []  # the day it was sent: the request has just arrived
    assert chase.sweep(6, to=SAM) == []  # four days before: not yet

    three_days = chase.sweep(7, to=SAM)
    assert [m.to for m in three_days] == [["sam@chartwell.test"]]
    reminder = three_days[0]
    assert "ChartWell EHR" in reminder.subject and "Practice A" in reminder.subject
    assert chase.day(10).isoformat() in reminder.body
    assert "Open the questionnaire" in reminder.alternatives[0][0]
    # A fresh link that opens the questionnaire; the link of the first email no longer works.
    token = LINK.search(reminder.body).group(1)
    assert client.get(reverse("portal_answer", args=[chase.first_token])).status_code == 404
    page = client.get(reverse("portal_answer", args=[token]))
    assert page.status_code == 200 and "ChartWell EHR" in page.content.decode()

    assert chase.sweep(8, to=SAM) == []  # same stage: nothing new
    (on_the_day,) = chase.sweep(10, to=SAM)
    assert "is due " + chase.day(10).isoformat() in on_the_day.subject
    (overdue,) = chase.sweep(11, to=SAM)
    assert overdue.subject.endswith("is overdue") and "still waiting" in overdue.body
    assert chase.sweep(12, to=SAM) == []
    assert len(chase.sweep(18, to=SAM)) == 1  # re-sent after 7 days

    rows = Reminder.objects.filter(organization=cast.practice, to_contact=True).order_by("id")
    assert [(r.stage, r.threshold) for r in rows] == [
        (Stage.WARNING, 3),
        (Stage.WARNING, 0),
        (Stage.OVERDUE, 0),
        (Stage.OVERDUE, 1),
    ]
    assert {r.status for r in rows} == {ReminderStatus.SENT}
    assert {r.recipient_email for r in rows} == {"sam@chartwell.test"}
    # The delivery log, as for the practice's own reminders; one working link per request.
    assert DeliveryAttempt.objects.filter(reminder__in=rows, ok=True).count() == 4
    chase.request.refresh_from_db()
    assert chase.request.vendor.access_links.filter(revoked_at__isnull=True).count() == 1


def test_the_escalation_goes_to_the_vendors_owner_and_chasing_stops_when_the_link_expires(
    cast, ehr, django_capture_on_commit_callbacks
):
    chase = Chase(cast, ehr, django_capture_on_commit_callbacks, days=10)
    chase.sweep(11)
    escalated = chase.sweep(24)  # 14 days overdue (high tier), the link's last day
    assert len(_to(escalated, "sam@chartwell.test")) == 1  # still chased (period 1 -> 2)
    to_bob = _to(escalated, "bob@a.test")
    assert len(to_bob) == 1 and to_bob[0].subject.startswith("[Practice A] Escalated:")
    assert "ChartWell EHR" in to_bob[0].subject
    assert reverse("portal_request_detail", args=[chase.request.pk]) in to_bob[0].body
    assert not _to(escalated, "alice@a.test")  # the owner, not every admin
    escalation = Reminder.objects.get(stage=Stage.ESCALATION, kind="questionnaire")
    assert (escalation.recipient, escalation.to_contact) == (cast.bob, False)

    assert chase.sweep(25, to=SAM) == []  # the link expired at the end of day 24: nothing more
    assert chase.sweep(40, to=SAM) == []
    assert not Reminder.objects.filter(kind="questionnaire").exclude(status=ReminderStatus.SENT)


def test_submitted_revoked_and_other_practices_requests_are_not_chased(
    cast, ehr, django_capture_on_commit_callbacks
):
    submitted = Chase(cast, ehr, django_capture_on_commit_callbacks, days=5)
    revoked = Chase(cast, ehr, django_capture_on_commit_callbacks, days=5)
    services.request_revoke(request=revoked.request, actor=cast.alice.user)
    QuestionnaireRequest.objects.filter(pk=submitted.request.pk).update(
        status=RequestStatus.SUBMITTED
    )
    other = VendorFactory(organization=cast.other_practice, name="Vendor of B", owner=cast.olivia)
    ContactFactory(vendor=other, email="b@vendor.test", role=ContactRole.SECURITY)
    chased = Chase(cast, other, django_capture_on_commit_callbacks, days=5)

    emails = [m for m in submitted.sweep(6) if "questionnaire" in m.subject]
    assert [m.to for m in emails] == [["b@vendor.test"]]  # only the open request, in B
    assert "Practice B" in emails[0].body and "Practice A" not in emails[0].body
    assert not Reminder.objects.filter(organization=cast.practice, kind="questionnaire")
    assert chased.request.organization == cast.other_practice


def test_a_request_submitted_after_the_sweep_is_not_chased(
    cast, ehr, django_capture_on_commit_callbacks
):
    chase = Chase(cast, ehr, django_capture_on_commit_callbacks, days=10)
    moment = _at(cast.practice, chase.day(7))
    with time_machine.travel(moment, tick=False):
        result = reminders.sweep()  # recorded, not yet sent
        (row_id,) = _contact_rows(result.ready_immediate)
        QuestionnaireRequest.objects.filter(pk=chase.request.pk).update(
            status=RequestStatus.SUBMITTED
        )
        outcome = reminders.deliver_reminder(reminder_id=row_id)
    assert outcome.sent == 0 and len(mail.outbox) == 1
    assert Reminder.objects.get(pk=row_id).status == ReminderStatus.CANCELLED


def test_the_vendor_email_carries_no_practice_internal_information(
    cast, ehr, django_capture_on_commit_callbacks
):
    ehr.notes = "Internal: renegotiate, weak MFA"
    ehr.save()
    chase = Chase(cast, ehr, django_capture_on_commit_callbacks, days=10)
    (email,) = chase.sweep(11, to=SAM)
    text = " ".join(
        [email.subject, email.body, email.alternatives[0][0], str(email.extra_headers)]
    ).lower()
    for internal in (
        "bob",  # the owner
        "alice",
        "@a.test",
        "high",  # the tier
        "escalat",
        "/portal/requests/",  # practice-side pages
        "/vendors/",
        "weak mfa",
        "renegotiate",
    ):
        assert internal not in text, internal
    assert not email.attachments  # no calendar of the practice's obligations
    assert email.to == ["sam@chartwell.test"]
    assert chase.day(10).isoformat() in email.body and "ChartWell EHR" in email.body


def test_a_retried_reminder_carries_the_same_link_and_message_id(
    cast, ehr, django_capture_on_commit_callbacks
):
    chase = Chase(cast, ehr, django_capture_on_commit_callbacks, days=10)
    moment = _at(cast.practice, chase.day(7))
    with time_machine.travel(moment, tick=False):
        (row_id,) = _contact_rows(reminders.sweep().ready_immediate)
        row = Reminder.objects.get(pk=row_id)
        first = portal_due.contact_reminder(row, now=moment)
        second = portal_due.contact_reminder(row, now=moment)
    assert LINK.search(first.body).group(1) == LINK.search(second.body).group(1)
    with time_machine.travel(moment, tick=False):
        assert reminders.deliver_reminder(reminder_id=row_id).sent == 1
    sent = mail.outbox[-1]
    assert LINK.search(sent.body).group(1) == LINK.search(first.body).group(1)
    assert (
        sent.extra_headers["Message-ID"]
        == f"<reminder-{row_id}.{cast.practice.id}@"
        + (sent.extra_headers["Message-ID"].split("@")[1])
    )


def _plan(item, members, now, existing=frozenset()):
    plan = policy.plan(
        items=[item],
        rules=DEFAULT_RULES,
        members=members,
        tz=UTC,
        digest_hour=7,
        existing=existing,
        now=now,
    )
    assert plan.errors == []
    return plan.reminders


def test_the_policy_sends_the_contact_warnings_and_overdue_and_the_owner_the_escalation():
    """Pure: a digest member owns the vendor; the contact is no member and never waits."""
    members = [
        policy.Member(1, "admin", "digest", "alice@a.test"),
        policy.Member(2, "manager", "digest", "bob@a.test"),
    ]
    due_on = datetime(2026, 6, 10).date()
    item = make_item(
        kind=DueKind.QUESTIONNAIRE,
        key="questionnaire:9",
        due_date=due_on,
        owner=2,
        contact_email="sam@chartwell.test",
    )

    def planned(day):
        now = datetime.combine(due_on + timedelta(days=day), time(9), tzinfo=UTC)
        return [
            (p.stage, p.threshold, p.recipient_id, p.to_contact, p.immediate)
            for p in _plan(item, members, now)
        ]

    assert planned(-4) == []
    assert planned(-3) == [(Stage.WARNING, 3, None, True, True)]
    assert planned(0) == [(Stage.WARNING, 0, None, True, True)]
    assert planned(1) == [(Stage.OVERDUE, 0, None, True, True)]
    assert planned(14) == [
        (Stage.OVERDUE, 2, None, True, True),
        (Stage.ESCALATION, 0, 2, False, True),  # bob, not every admin
    ]
    # A second sweep the same day records nothing more (the contact's rows have an identity).
    on_the_day = _plan(item, members, datetime.combine(due_on, time(9), tzinfo=UTC))
    later = _plan(
        item,
        members,
        datetime.combine(due_on, time(10), tzinfo=UTC),
        existing={p.identity for p in on_the_day},
    )
    assert len(on_the_day) == 1 and later == []
    # The practice's work queue lists the unanswered request too (overdue after its date).
    assert queue([item], due_on + timedelta(days=3)) == [item]


def test_two_sweeps_deciding_at_once_record_the_contacts_reminder_once(
    cast, ehr, django_capture_on_commit_callbacks
):
    """Both sweeps decided before either recorded (the "already recorded" lookup saw nothing):
    the database's constraint keeps one row, although the contact's rows have no member."""
    chase = Chase(cast, ehr, django_capture_on_commit_callbacks, days=10)
    moment = _at(cast.practice, chase.day(7))
    with time_machine.travel(moment, tick=False):
        (row_id,) = _contact_rows(reminders.sweep().ready_immediate)
        row = Reminder.objects.get(pk=row_id)
        row.pk = None
        Reminder.objects.bulk_create([row], ignore_conflicts=True)
        assert Reminder.objects.filter(to_contact=True).count() == 1
        with django_capture_on_commit_callbacks(execute=True):
            reminders.run_sweep()
    assert len([m for m in mail.outbox if m.to == [SAM]]) == 2  # the request, one reminder


def test_the_reminders_page_shows_what_was_sent_to_the_contact_and_what_comes_next(
    cast, ehr, login, django_capture_on_commit_callbacks
):
    chase = Chase(cast, ehr, django_capture_on_commit_callbacks, days=10)
    chase.sweep(7, to=SAM)
    with time_machine.travel(_at(cast.practice, chase.day(7), 10), tick=False):
        page = login(cast.alice).get(reverse("reminder_list")).content.decode()
    assert "Security questionnaire answers due" in page
    assert "sam@chartwell.test (vendor contact)" in page  # the next one, on the due date
    assert page.count("sam@chartwell.test") >= 2  # and the one sent


def test_an_earlier_reminder_sent_again_carries_the_working_link(
    cast, ehr, client, django_capture_on_commit_callbacks
):
    """A reminder retried after a later one went out: its link works again, the later one's
    no longer (one working link per request, in the latest email)."""
    chase = Chase(cast, ehr, django_capture_on_commit_callbacks, days=10)
    moment = _at(cast.practice, chase.day(10))
    with time_machine.travel(moment, tick=False):
        (row_id,) = _contact_rows(reminders.sweep().ready_immediate)
        earlier = Reminder.objects.get(pk=row_id)
        first = LINK.search(portal_due.contact_reminder(earlier, now=moment).body).group(1)
        later = Reminder.objects.create(
            **{
                f.attname: getattr(earlier, f.attname)
                for f in Reminder._meta.concrete_fields
                if f.name not in ("id", "stage", "threshold", "created_at")
            },
            stage=Stage.OVERDUE,
            threshold=0,
        )
        second = LINK.search(portal_due.contact_reminder(later, now=moment).body).group(1)
        again = LINK.search(portal_due.contact_reminder(earlier, now=moment).body).group(1)
        assert again == first != second
        assert client.get(reverse("portal_answer", args=[first])).status_code == 200
        assert client.get(reverse("portal_answer", args=[second])).status_code == 404


def test_a_refused_reminder_to_the_contact_is_logged_retried_and_delivered_once_over_smtp(
    cast,
    ehr,
    client,
    smtp,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    chase = Chase(cast, ehr, django_capture_on_commit_callbacks, days=10)
    handler = smtp()
    refused = []

    async def refuse_the_contact_once(server, session, envelope):
        if envelope.rcpt_tos == [SAM] and not refused:
            refused.append(envelope)
            return "451 4.3.0 Mailbox busy, try later"
        handler.delivered.append(envelope)
        return "250 Message accepted for delivery"

    handler.handle_DATA = refuse_the_contact_once  # the practice's own reminders go through
    moment = _at(cast.practice, chase.day(7))
    with time_machine.travel(moment, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            reminders.run_sweep()
    (row,) = Reminder.objects.filter(to_contact=True)
    assert (row.status, row.attempts) == (ReminderStatus.PENDING, 1)
    assert row.last_error.startswith("451") and len(refused) == 1
    with time_machine.travel(moment + timedelta(minutes=15), tick=False):
        for _ in range(2):  # the next sweep, twice
            with django_capture_on_commit_callbacks(execute=True):
                reminders.run_sweep()
    row.refresh_from_db()
    assert row.status == ReminderStatus.SENT
    log = list(row.deliveries.order_by("at").values_list("ok", "smtp_code"))
    assert log == [(False, 451), (True, None)]
    (envelope,) = [e for e in handler.delivered if e.rcpt_tos == [SAM]]
    body = envelope.content.decode()
    assert f"<reminder-{row.pk}.{cast.practice.pk}@" in body  # the Message-ID of the row
    token = LINK.search(body.replace("=\r\n", "")).group(1)
    assert client.get(reverse("portal_answer", args=[token])).status_code == 200


def test_a_request_reopened_within_the_hour_is_chased_at_the_next_sweep(
    cast, ehr, django_capture_on_commit_callbacks
):
    """The sweep skips practices whose data did not change (``reminders.freshness``): a write
    to a request is a change, even within the same local hour."""
    chase = Chase(cast, ehr, django_capture_on_commit_callbacks, days=10)
    QuestionnaireRequest.objects.filter(pk=chase.request.pk).update(status=RequestStatus.SUBMITTED)
    assert chase.sweep(11, to=SAM) == []  # submitted: not chased
    QuestionnaireRequest.objects.filter(pk=chase.request.pk).update(status=RequestStatus.RETURNED)
    moment = _at(cast.practice, chase.day(11)) + timedelta(minutes=20)
    with time_machine.travel(moment, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            reminders.run_sweep()
    assert len([m for m in mail.outbox if m.to == [SAM]]) == 2  # the request, the reminder
