"""Issue 11, "no way round the guards" and "dates that mean what they say": the edit pages of
contacts and subcontractors, the compliance-gap date, the import's activation guard, the review
form checked against the record, and the refusal of a stale save."""

import html
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from diligence import schedule
from diligence.models import VendorReview
from diligence.schedule import VendorFacts
from diligence.services import review_record
from oversight import due
from oversight.choices import ReminderMode
from oversight.models import rules_for
from oversight.policy import DEFAULT_RULES, add_months
from reminders import services as reminder_services
from reminders.choices import ReminderStatus
from reminders.models import Reminder
from vendors.baa_status import gap_since
from vendors.models import BusinessAssociate, Subcontractor, VendorContact

from .baas_factories import make_agreement, make_signed
from .diligence_factories import ActionFactory, DiligenceFactory, ReviewFactory
from .factories import ContactFactory, VendorFactory

NY = ZoneInfo("America/New_York")

# --- contact and subcontractor edit pages ------------------------------------------------------


def test_a_manager_can_load_and_save_a_contact(cast, login, vendor):
    contact = ContactFactory(vendor=vendor, name="Dana Reyes", email="dana@chartwell.test")
    client = login(cast.bob)
    url = reverse("contact_edit", args=[vendor.pk, contact.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Dana Reyes" in page.text
    response = client.post(
        url, {"name": "Dana Reyes-Ortiz", "role": "privacy_officer", "email": "dana@chartwell.test"}
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.name, contact.role) == ("Dana Reyes-Ortiz", "privacy_officer")


def test_a_manager_can_load_and_save_a_subcontractor(cast, login, vendor):
    sub = Subcontractor.objects.create(
        organization=cast.practice, vendor=vendor, name="CloudVault", services="Backups"
    )
    client = login(cast.bob)
    url = reverse("subcontractor_edit", args=[vendor.pk, sub.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "CloudVault" in page.text
    response = client.post(url, {"name": "CloudVault Inc.", "services": "Offsite backups"})
    assert response.status_code == 302
    sub.refresh_from_db()
    assert (sub.name, sub.services) == ("CloudVault Inc.", "Offsite backups")


def test_a_contact_of_another_vendor_is_not_found_through_this_vendor(cast, login, vendor):
    other = ContactFactory(vendor=VendorFactory(organization=cast.practice))
    client = login(cast.bob)
    response = client.get(reverse("contact_edit", args=[vendor.pk, other.pk]))
    assert response.status_code == 404
    assert VendorContact.objects.filter(vendor=vendor).count() == 0


# --- the compliance-gap date -------------------------------------------------------------------


def test_gap_since_is_the_first_day_without_a_signed_baa():
    today = date(2026, 12, 6)
    five_years = date(2021, 12, 6)
    common = {"added_on": five_years, "today": today}
    # Never a BAA: since PHI access began (else since the vendor was added).
    assert (
        gap_since(phi_access_began=five_years, last_expiry=None, last_termination=None, **common)
        == five_years
    )
    assert (
        gap_since(phi_access_began=None, last_expiry=None, last_termination=None, **common)
        == five_years
    )
    # The BAA covered its expiration day: the gap opens the day after.
    assert gap_since(
        phi_access_began=five_years,
        last_expiry=date(2026, 11, 11),
        last_termination=None,
        **common,
    ) == date(2026, 11, 12)
    # Terminated: from the termination date; the later end wins.
    assert gap_since(
        phi_access_began=five_years,
        last_expiry=date(2025, 1, 1),
        last_termination=date(2026, 3, 1),
        **common,
    ) == date(2026, 3, 1)
    # PHI access that began after the last BAA ended opens the gap that day.
    assert gap_since(
        phi_access_began=date(2026, 5, 1),
        last_expiry=date(2025, 1, 1),
        last_termination=None,
        **common,
    ) == date(2026, 5, 1)


@pytest.fixture
def lapsed(cast):
    """A vendor with PHI for five years whose signed BAA expired 25 days ago."""
    today = cast.practice.today()
    vendor = VendorFactory(
        organization=cast.practice,
        name="ClaimPath Billing",
        owner=cast.bob,
        phi_access_began=today - timedelta(days=5 * 365),
    )
    make_signed(
        vendor,
        signed_on=today - timedelta(days=3 * 365),
        effective_on=today - timedelta(days=3 * 365),
        expires_on=today - timedelta(days=25),
    )
    vendor.refresh_from_db()
    return vendor


def test_a_lapsed_baa_opens_the_gap_the_day_after_it_expired_on_every_screen(
    cast, login, lapsed, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "http://192.0.2.10:8123"  # the address the app was started on
    today = cast.practice.today()
    since = today - timedelta(days=24)
    began = lapsed.phi_access_began
    gap = [
        i
        for i in due.collect([cast.practice.pk], today, rules_for([cast.practice.pk]))
        if i.kind == due.DueKind.COMPLIANCE_GAP
    ]
    assert [i.due_date for i in gap] == [since]

    client = login(cast.bob)
    vendor_page = client.get(reverse("vendor_detail", args=[lapsed.pk])).text
    assert f"since {since:%Y-%m-%d}" in vendor_page
    queue = client.get(reverse("work_queue")).text
    assert f"since {since:%Y-%m-%d}" in queue and "Compliance gap, 24 days" in queue
    assert f"{began:%Y-%m-%d}" not in queue

    cast.bob.reminder_mode = ReminderMode.IMMEDIATE
    cast.bob.save()
    with django_capture_on_commit_callbacks(execute=True):
        reminder_services.run_sweep()
    gap_mails = [m for m in mail.outbox if "without a signed" in m.body]
    assert len(gap_mails) == 1
    event = Calendar.from_ical(gap_mails[0].attachments[0][1]).walk("VEVENT")[0]
    assert event.decoded("dtstart") == since
    assert f"{began:%Y-%m-%d}" not in gap_mails[0].body
    # The email links to the address the app was started on.
    assert f"http://192.0.2.10:8123/agreements/new/?vendor={lapsed.pk}" in gap_mails[0].body

    reminders_page = client.get(reverse("reminder_list")).text
    assert f"{since:%Y-%m-%d}" in reminders_page
    assert f"{began:%Y-%m-%d}" not in reminders_page


# --- the import respects the activation guard --------------------------------------------------

IMPORT_HEADER = "name,status,phi_electronic,access_level,record_count,activation_override_reason\n"


def _import(client, body: str):
    file = SimpleUploadedFile(
        "vendors.csv", (IMPORT_HEADER + body).encode(), content_type="text/csv"
    )
    return client.post(reverse("vendor_import"), {"file": file})


def test_an_import_row_making_a_phi_vendor_active_without_a_baa_is_an_error(cast, login):
    client = login(cast.bob)
    response = _import(
        client,
        "SecureMail Relay,active,yes,limited,300,\n"
        "PaperTrail Archive,onboarding,yes,limited,300,\n",
    )
    preview = response.context["preview"]
    assert [r.outcome for r in preview.rows] == ["error", "create"]
    assert "No signed, current BAA" in " ".join(preview.rows[0].errors["status"])
    assert "not ready to be active" in response.text
    assert "Import 2 rows" not in response.text
    # A forged confirmation writes nothing either, and no reason is invented.
    client.post(reverse("vendor_import_confirm"), {"token": response.context["token"]})
    assert not BusinessAssociate.objects.exists()


def test_a_reason_a_person_wrote_lets_the_row_through_and_is_kept(cast, login):
    client = login(cast.bob)
    reason = "Contract signed on paper; BAA scan arrives Friday"
    response = _import(client, f"SecureMail Relay,active,yes,limited,300,{reason}\n")
    assert response.context["preview"].ok
    client.post(reverse("vendor_import_confirm"), {"token": response.context["token"]})
    vendor = BusinessAssociate.objects.get()
    assert (vendor.status, vendor.activation_override_reason) == ("active", reason)


def test_an_import_error_shows_the_bad_value(cast, login):
    response = _import(login(cast.bob), "Odd Vendor,sometimes,maybe,limited,lots,\n")
    assert "the file says <code>sometimes</code>" in response.text
    assert "the file says <code>maybe</code>" in response.text
    assert "the file says <code>lots</code>" in response.text


def test_the_import_template_example_is_not_a_real_vendor(cast, login):
    from vendors import demo

    template = login(cast.bob).get(reverse("vendor_import_template", args=["csv"])).text
    example = template.splitlines()[1].split(",")[0]
    assert example.startswith("Example")
    assert example not in open(demo.__file__).read()


# --- a new critical vendor with no diligence is not "ok" ---------------------------------------


def test_schedule_a_critical_vendor_never_overseen_is_due_from_engagement():
    engaged = date(2026, 3, 1)
    never = VendorFacts(tier="critical", status="active", engaged_on=engaged, has_diligence=False)
    assert schedule.next_review_due(never, DEFAULT_RULES["critical"]) == engaged
    with_record = replace(never, has_diligence=True)
    assert schedule.next_review_due(with_record, DEFAULT_RULES["critical"]) == date(2026, 9, 1)
    # A low-tier vendor keeps the tier's interval (diligence first is for high and critical).
    low = replace(never, tier="low")
    assert schedule.next_review_due(low, DEFAULT_RULES["low"]) == date(2029, 3, 1)


def test_a_brand_new_critical_vendor_without_diligence_reads_due_not_ok(cast, login):
    vendor = VendorFactory(
        organization=cast.practice,
        name="ChartWell EHR",
        status="onboarding",
        access_level="hosts",
        criticality="high",
        record_count=50000,
        remote_access=True,
    )
    assert vendor.tier == "critical"
    today = cast.practice.today()
    client = login(cast.bob)
    page = client.get(reverse("vendor_detail", args=[vendor.pk])).text
    assert "Never reviewed, and no due diligence on file" in page
    assert f"<strong>{today:%Y-%m-%d}</strong>" in page
    assert 'text-bg-success">ok' not in page.split('id="next-review"')[1].split("</p>")[0]
    queue = client.get(reverse("work_queue")).text
    assert f'data-key="review:{vendor.pk}"' in queue

    DiligenceFactory(vendor=vendor, performed_on=today)
    page = client.get(reverse("vendor_detail", args=[vendor.pk])).text
    assert "Never reviewed, and no due diligence on file" not in page
    assert f"Next review due <strong>{add_months(today, 6):%Y-%m-%d}</strong>" in page


# --- the review form is checked against the record ---------------------------------------------


def test_the_review_form_starts_from_the_record_and_refuses_to_contradict_it(cast, login, vendor):
    today = cast.practice.today()
    ActionFactory(
        vendor=vendor, description="Enable MFA on the portal", due_on=today - timedelta(days=3)
    )
    client = login(cast.bob)
    url = reverse("review_create", args=[vendor.pk])
    form = client.get(url).context["form"]
    # No BAA and no evidence on record: both start unticked and say why.
    assert form["baa_current"].value() is False and form["evidence_current"].value() is False
    assert "On record: Compliance gap" in form.fields["baa_current"].help_text
    assert "no due-diligence evidence on file" in form.fields["evidence_current"].help_text
    response = client.post(
        url,
        {
            "reviewed_on": today.isoformat(),
            "baa_current": "on",
            "evidence_current": "on",
            "outcome": "continue",
            "last_review": "0",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "The record says otherwise" in errors["baa_current"][0]
    assert "The record says otherwise" in errors["evidence_current"][0]
    assert "overdue" in errors["overdue_reason"][0]
    assert not VendorReview.objects.exists()
    # With the facts as recorded and a reason to continue, the review is recorded with it.
    response = client.post(
        url,
        {
            "reviewed_on": today.isoformat(),
            "outcome": "continue",
            "overdue_reason": "MFA rollout slipped a week; vendor confirmed the date",
            "last_review": "0",
        },
    )
    assert response.status_code == 302
    review = VendorReview.objects.get()
    assert (review.baa_current, review.evidence_current) == (False, False)
    assert "MFA rollout slipped a week" in review.notes


def test_a_review_written_outside_the_form_is_held_to_the_same_record(cast, vendor):
    """The checks live in ``review_record``, not only in the form: an import, a script or a
    later screen cannot record a review that contradicts the record or doubles another."""
    today = cast.practice.today()
    claim = VendorReview(
        organization=cast.practice,
        vendor=vendor,
        reviewer=cast.bob,
        reviewed_on=today,
        outcome="continue",
        baa_current=True,
        evidence_current=False,
    )
    with pytest.raises(ValidationError) as refused:
        review_record(review=claim, actor=cast.bob.user)
    assert (
        "The record says otherwise: Compliance gap" in refused.value.message_dict["baa_current"][0]
    )
    assert not VendorReview.objects.exists()

    first = review_record(
        review=VendorReview(
            organization=cast.practice,
            vendor=vendor,
            reviewer=cast.bob,
            reviewed_on=today,
            outcome="continue",
        ),
        actor=cast.bob.user,
        last_review_seen=None,
    )
    late = VendorReview(
        organization=cast.practice,
        vendor=vendor,
        reviewer=cast.bob,
        reviewed_on=today,
        outcome="continue",
    )
    with pytest.raises(ValidationError) as stale:
        review_record(review=late, actor=cast.bob.user, last_review_seen=None)
    assert "recorded a review of this vendor after you opened this form" in stale.value.messages[0]
    assert list(VendorReview.objects.values_list("pk", flat=True)) == [first.pk]


def test_a_current_baa_and_fresh_evidence_are_pre_ticked(cast, login, vendor):
    today = cast.practice.today()
    make_signed(
        vendor, signed_on=today - timedelta(days=30), expires_on=today + timedelta(days=400)
    )
    DiligenceFactory(vendor=vendor, performed_on=today - timedelta(days=10))
    form = login(cast.bob).get(reverse("review_create", args=[vendor.pk])).context["form"]
    assert form["baa_current"].value() is True and form["evidence_current"].value() is True
    assert "overdue_reason" not in form.fields


def test_completing_a_review_removes_review_overdue_from_the_next_digest(
    cast, login, django_capture_on_commit_callbacks
):
    before_digest = datetime(2026, 6, 10, 5, 0, tzinfo=NY)
    with time_machine.travel(before_digest, tick=False):
        vendor = VendorFactory(organization=cast.practice, name="ClaimPath Billing", owner=cast.bob)
        make_signed(vendor, signed_on=date(2024, 1, 2), expires_on=date(2028, 1, 1))
        ReviewFactory(vendor=vendor, reviewed_on=date(2024, 1, 5))  # medium: due 2026-01-05
        with django_capture_on_commit_callbacks(execute=True):
            reminder_services.run_sweep()
        pending = Reminder.objects.filter(key=f"review:{vendor.pk}", recipient=cast.bob)
        assert pending.get().status == ReminderStatus.PENDING  # waits for the 07:00 digest
        login(cast.bob).post(
            reverse("review_create", args=[vendor.pk]),
            {"reviewed_on": "2026-06-10", "outcome": "continue", "baa_current": "on"},
        )
    assert VendorReview.objects.filter(vendor=vendor, reviewed_on=date(2026, 6, 10)).exists()
    sent_before = len(mail.outbox)  # the escalation to the admins went at once, before
    with time_machine.travel(datetime(2026, 6, 10, 7, 5, tzinfo=NY), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            reminder_services.run_sweep()
    assert pending.get().status == ReminderStatus.CANCELLED
    digest = mail.outbox[sent_before:]
    assert not [m for m in digest if "review" in m.body.lower() and "ClaimPath" in m.body]
    assert not [m for m in digest if m.to == [cast.bob.user.email]]


# --- two managers editing the same record: a stale save is refused -----------------------------


def form_data(form, **changes) -> dict:
    """The POST a browser would send for an unchanged form, with ``changes``."""
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        elif value is not None:
            data[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    data.update(changes)
    return data


def _stale_save(cast, login, url, field, mine, theirs):
    """Bob opens the form; Alice saves a change; Bob's save is refused with what changed; Bob
    saves again, having read it, and his value stands."""
    bob = login(cast.bob)
    page = bob.get(url)
    assert 'type="hidden" name="version"' in page.text  # the page carries what it showed
    bob_form = page.context["form"]
    bob_data = form_data(bob_form, **{field: mine})
    alice = Client()
    alice.force_login(cast.alice.user)
    alice_form = alice.get(url).context["form"]
    response = alice.post(url, form_data(alice_form, **{field: theirs}))
    assert response.status_code == 302, response.context["form"].errors
    refused = bob.post(url, bob_data)
    assert refused.status_code == 200
    text = html.unescape(refused.content.decode())
    assert "after you opened it. Nothing was saved" in text
    assert "alice@a.test" in text and theirs in text
    again = bob.post(url, form_data(refused.context["form"]))
    assert again.status_code == 302
    return text


def test_a_stale_vendor_save_is_refused_with_what_changed(cast, login, vendor):
    text = _stale_save(
        cast, login, reverse("vendor_edit", args=[vendor.pk]), "services", "Bob's", "Alice's"
    )
    assert "Services provided" in text or "Services" in text
    vendor.refresh_from_db()
    assert vendor.services == "Bob's"


def test_a_stale_agreement_save_is_refused_with_what_changed(cast, login, vendor):
    agreement = make_agreement(vendor)
    _stale_save(
        cast, login, reverse("agreement_edit", args=[agreement.pk]), "notes", "Bob's", "Alice's"
    )
    agreement.refresh_from_db()
    assert agreement.notes == "Bob's"


def test_a_stale_diligence_record_save_is_refused_with_what_changed(cast, login, vendor):
    today = cast.practice.today()
    record = DiligenceFactory(
        vendor=vendor, performed_on=today, period_end=today - timedelta(days=30)
    )
    _stale_save(
        cast, login, reverse("diligence_edit", args=[record.pk]), "summary", "Bob's", "Alice's"
    )
    record.refresh_from_db()
    assert record.summary == "Bob's"


def test_a_review_recorded_meanwhile_is_not_silently_doubled(cast, login, vendor):
    today = cast.practice.today().isoformat()
    url = reverse("review_create", args=[vendor.pk])
    bob = login(cast.bob)
    bob_form = bob.get(url).context["form"]
    ReviewFactory(vendor=vendor, reviewed_on=cast.practice.today(), reviewer=cast.alice)
    refused = bob.post(url, form_data(bob_form, reviewed_on=today, outcome="continue"))
    assert refused.status_code == 200
    assert "recorded a review of this vendor after you opened this form" in refused.text
    assert VendorReview.objects.filter(vendor=vendor).count() == 1
    again = bob.post(url, form_data(refused.context["form"]))
    assert again.status_code == 302
    assert VendorReview.objects.filter(vendor=vendor).count() == 2


def test_a_forged_last_review_on_a_never_reviewed_vendor_is_not_a_500(cast, login, vendor):
    today = cast.practice.today().isoformat()
    url = reverse("review_create", args=[vendor.pk])
    bob = login(cast.bob)
    form = bob.get(url).context["form"]
    data = form_data(form, reviewed_on=today, outcome="continue", last_review="5")
    response = bob.post(url, data)
    assert response.status_code in (200, 302)
    assert "after you opened this form" not in response.content.decode()


# --- times say their zone, the practice's ------------------------------------------------------


def test_times_on_pages_are_in_the_practice_zone_and_say_it(cast, login, vendor):
    change = vendor.tier_changes.get()
    local = timezone.localtime(change.changed_at, NY)
    shown = f"{local:%Y-%m-%d %H:%M} {local.tzname()}"  # e.g. "2026-12-06 06:12 EST"
    client = login(cast.bob)
    assert shown in client.get(reverse("vendor_detail", args=[vendor.pk])).text
    history = vendor.history.order_by("-history_date").first().history_date
    local = timezone.localtime(history, NY)
    assert f"{local:%Y-%m-%d %H:%M} {local.tzname()}" in client.get(reverse("activity_log")).text


def test_the_gap_dates_cost_no_query_per_vendor(cast, lapsed):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from baas.integration import baa_due_items

    today = cast.practice.today()
    rules = rules_for([cast.practice.pk])

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            items = list(baa_due_items([cast.practice.pk], today, rules))
        return len(queries), sum(1 for i in items if i.kind == due.DueKind.COMPLIANCE_GAP)

    few = count()
    for n in range(12):
        vendor = VendorFactory(organization=cast.practice, name=f"Lapsed {n}")
        make_signed(
            vendor, signed_on=today - timedelta(days=400), expires_on=today - timedelta(days=n + 1)
        )
    many = count()
    assert (few[1], many[1]) == (1, 13)
    assert few[0] == many[0] == 2, (few, many)
