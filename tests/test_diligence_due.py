"""Due items of the oversight program (reviews, stale evidence, actions, certificates), the
work queue that lists them, the tier-policy page, and the schedule's response to tier and
policy changes."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from diligence import due as diligence_due
from diligence.choices import ActionStatus
from diligence.models import DispositionCertificate, VendorSchedule
from oversight.due import DueKind
from oversight.models import TierPolicy, rules_for
from vendors.choices import AccessLevel, Criticality, RelationshipStatus
from vendors.services import tier_override_set

from .baas_factories import pdf_upload
from .diligence_factories import ActionFactory, DiligenceFactory, ReviewFactory
from .factories import MembershipFactory, VendorFactory

TODAY = date(2026, 6, 15)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2026, 6, 15, 12, 0, tzinfo=UTC), tick=False):
        yield


def items(org, today=TODAY):
    return {i.key: i for i in diligence_due.provide([org.id], today, rules_for([org.id]))}


def test_review_item_appears_when_due_soon_or_overdue(cast, vendor):
    # Medium tier: 24 months. Reviewed 2024-06-20 -> due 2026-06-20 (in 5 days).
    ReviewFactory(vendor=vendor, reviewed_on=date(2024, 6, 20))
    item = items(cast.practice)[f"review:{vendor.id}"]
    assert item.kind == DueKind.REVIEW and item.due_date == date(2026, 6, 20)
    assert item.extra["state"] == "due_soon"
    assert item.url == reverse("review_create", args=[vendor.id])
    ReviewFactory(vendor=vendor, reviewed_on=date(2026, 6, 1))
    assert f"review:{vendor.id}" not in items(cast.practice)


def test_review_overdue_and_owner(cast, vendor):
    vendor.owner = cast.bob
    vendor.save()
    ReviewFactory(vendor=vendor, reviewed_on=date(2024, 1, 1))
    item = items(cast.practice)[f"review:{vendor.id}"]
    assert item.extra["state"] == "overdue" and item.owner_membership_id == cast.bob.id
    assert item.title == "Periodic review overdue"


def test_prospective_terminated_and_archived_vendors_have_no_review_item(cast):
    for status in (RelationshipStatus.PROSPECTIVE, RelationshipStatus.TERMINATED):
        v = VendorFactory(organization=cast.practice, status=status, phi_access_began=None)
        VendorSchedule.objects.filter(vendor=v).update(next_review_due=date(2020, 1, 1))
    archived = VendorFactory(
        organization=cast.practice, archived_at=datetime(2026, 1, 1, tzinfo=UTC)
    )
    ReviewFactory(vendor=archived, reviewed_on=date(2020, 1, 1))
    assert not [k for k in items(cast.practice) if k.startswith("review:")]


def test_evidence_item_only_for_the_newest_record_of_a_kind(cast, vendor):
    old = DiligenceFactory(vendor=vendor, performed_on=date(2024, 1, 1))
    found = items(cast.practice)
    # 12 months for a SOC 2 report whatever the tier (no period end recorded: from receipt).
    assert found[f"evidence:{old.id}"].extra["state"] == "overdue"
    assert found[f"evidence:{old.id}"].due_date == date(2025, 1, 1)
    assert found[f"evidence:{old.id}"].title == "SOC 2 Type II report is stale"
    DiligenceFactory(vendor=vendor, performed_on=date(2026, 5, 1))
    assert not [k for k in items(cast.practice) if k.startswith("evidence:")]


def test_a_low_tier_vendors_soc2_report_is_stale_twelve_months_after_its_period_end(cast):
    vendor = VendorFactory(organization=cast.practice)
    tier_override_set(vendor=vendor, actor=None, tier="low", reason="Shredding only")
    # Received in February; the audit period ended on 2025-05-31: stale since 2026-06-01.
    soc2 = DiligenceFactory(
        vendor=vendor, performed_on=date(2026, 2, 1), period_end=date(2025, 5, 31)
    )
    item = items(cast.practice)[f"evidence:{soc2.id}"]
    assert item.due_date == date(2026, 5, 31) and item.extra["state"] == "overdue"
    assert item.title == "SOC 2 Type II report is stale"


def test_a_bridge_letter_extends_the_soc2_report_in_the_work_queue(cast, vendor):
    soc2 = DiligenceFactory(
        vendor=vendor,
        performed_on=date(2025, 8, 1),
        period_end=date(2025, 5, 31),
        bridge_until=date(2025, 6, 30),
    )
    item = items(cast.practice)[f"evidence:{soc2.id}"]
    assert item.due_date == date(2026, 6, 30) and item.extra["state"] == "due_soon"
    assert item.title == "SOC 2 Type II report goes stale soon"


def test_a_critical_vendor_is_asked_for_a_fresh_certificate_every_twelve_months(cast, vendor):
    tier_override_set(vendor=vendor, actor=None, tier="critical", reason="Hosts all charts")
    iso = DiligenceFactory(vendor=vendor, kind="iso27001", performed_on=date(2025, 6, 1))
    item = items(cast.practice)[f"evidence:{iso.id}"]
    assert item.due_date == date(2026, 6, 1) and item.extra["state"] == "overdue"
    assert item.title.startswith("Fresh ISO 27001 certificate overdue")


def test_evidence_with_a_stated_end_goes_stale_on_it(cast, vendor):
    iso = DiligenceFactory(
        vendor=vendor, kind="iso27001", performed_on=date(2026, 1, 1), valid_until=date(2026, 7, 1)
    )
    assert items(cast.practice)[f"evidence:{iso.id}"].extra["state"] == "due_soon"
    assert f"evidence:{iso.id}" not in items(cast.practice, date(2026, 5, 1))
    assert items(cast.practice, date(2026, 7, 2))[f"evidence:{iso.id}"].extra["state"] == "overdue"


def test_action_items_open_only(cast, vendor):
    overdue = ActionFactory(vendor=vendor, due_on=date(2026, 6, 1), owner=cast.bob)
    later = ActionFactory(vendor=vendor, due_on=date(2026, 12, 1))
    done = ActionFactory(vendor=vendor, due_on=date(2026, 6, 1), status=ActionStatus.DONE)
    found = items(cast.practice)
    assert found[f"action:{overdue.id}"].owner_membership_id == cast.bob.id
    # Free text stays out of the title that reminder emails use.
    assert found[f"action:{overdue.id}"].title == "Follow-up action overdue"
    assert found[f"action:{overdue.id}"].extra["detail"] == overdue.description
    assert f"action:{later.id}" not in found and f"action:{done.id}" not in found


def test_certificate_item_for_terminated_vendor_without_certificate(cast, private_storage):
    vendor = VendorFactory(organization=cast.practice, status=RelationshipStatus.TERMINATED)
    offboarding = vendor.offboarding
    offboarding.started_on = date(2026, 4, 1)
    offboarding.ended_on = date(2026, 5, 1)
    offboarding.save()
    key = f"certificate:{offboarding.id}"
    item = items(cast.practice)[key]
    assert item.due_date == date(2026, 5, 31) and item.extra["state"] == "overdue"
    DispositionCertificate.from_upload(
        pdf_upload(), organization=cast.practice, uploaded_by=None, offboarding=offboarding
    ).save()
    assert key not in items(cast.practice)


def test_policy_change_moves_due_dates(cast, vendor):
    ReviewFactory(vendor=vendor, reviewed_on=date(2025, 6, 1))
    assert VendorSchedule.objects.get(vendor=vendor).next_review_due == date(2027, 6, 1)
    client_policy = TierPolicy(
        organization=cast.practice,
        tier="medium",
        review_interval_months=6,
        expiry_warning_days=[30],
        evidence_valid_months=12,
        resend_days=7,
        escalate_days=7,
        certificate_days=30,
    )
    client_policy.save()
    assert VendorSchedule.objects.get(vendor=vendor).next_review_due == date(2025, 12, 1)
    assert items(cast.practice)[f"review:{vendor.id}"].extra["state"] == "overdue"


def test_tier_change_applies_the_new_policy_from_that_moment(cast, vendor):
    ReviewFactory(vendor=vendor, reviewed_on=date(2025, 3, 1))  # medium: due 2027-03-01
    tier_override_set(vendor=vendor, actor=None, tier="critical", reason="Now hosts all charts")
    # Critical: 6 months after the review is already past: due on the day of the change.
    assert VendorSchedule.objects.get(vendor=vendor).next_review_due == TODAY
    assert items(cast.practice)[f"review:{vendor.id}"].tier == "critical"


@pytest.fixture
def private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }


# --- the work queue ------------------------------------------------------------------------------


def _queue_rows(client, query=""):
    html = client.get(reverse("work_queue") + query).content.decode()
    body = html.split('id="work-queue"')[1].split("</table>")[0]
    return [row for row in body.split("<tr data-key=")[1:]]


def test_work_queue_sorted_most_overdue_first(cast, login):
    low = VendorFactory(
        organization=cast.practice, name="Low Co", access_level=AccessLevel.INCIDENTAL
    )
    high = VendorFactory(
        organization=cast.practice,
        name="High Co",
        access_level=AccessLevel.FULL,
        remote_access=True,
        criticality=Criticality.HIGH,
    )
    ActionFactory(vendor=low, due_on=date(2026, 6, 20), description="Soon on low")
    ActionFactory(vendor=low, due_on=date(2026, 6, 1), description="Overdue on low")
    ActionFactory(vendor=high, due_on=date(2026, 6, 10), description="Overdue on high")
    rows = _queue_rows(login(cast.charlie))
    titles = [
        r.split('class="small text-muted">')[1].split("<")[0] for r in rows if "Follow-up" in r
    ]
    # Urgency is days overdue: the low-tier action overdue 14 days before the high one at 5.
    assert titles == ["Overdue on low", "Overdue on high", "Soon on low"]
    assert "Overdue 14 days" in rows[0]
    assert "High" in rows[1]  # the tier is a column


def test_work_queue_my_items(cast, login, vendor):
    ActionFactory(vendor=vendor, due_on=date(2026, 6, 1), owner=cast.bob, description="Bob's")
    ActionFactory(vendor=vendor, due_on=date(2026, 6, 1), owner=cast.alice, description="Alice's")
    ActionFactory(vendor=vendor, due_on=date(2026, 6, 1), description="Nobody's")
    mine = _queue_rows(login(cast.bob), "?mine=1")
    assert len(mine) == 1 and "Bob&#x27;s" in mine[0]
    everyone = _queue_rows(login(cast.bob))
    assert len(everyone) >= 2
    alices = _queue_rows(login(cast.bob), f"?owner={cast.alice.pk}")
    assert len(alices) == 1 and "Alice&#x27;s" in alices[0]
    # An owner of another practice, or nonsense, shows everything rather than failing.
    assert len(_queue_rows(login(cast.bob), f"?owner={cast.olivia.pk}")) == len(everyone)
    assert len(_queue_rows(login(cast.bob), "?owner=%00abc")) == len(everyone)
    unowned = _queue_rows(login(cast.bob), "?owner=none")
    assert any("Nobody&#x27;s" in r for r in unowned)
    assert not any("Alice&#x27;s" in r or "Bob&#x27;s" in r for r in unowned)


def test_work_queue_constant_query_count(cast, login):
    client = login(cast.bob)
    owner = MembershipFactory(organization=cast.practice)

    def build(n):
        for _ in range(n):
            v = VendorFactory(
                organization=cast.practice, owner=owner, phi_access_began=date(2020, 1, 1)
            )
            DiligenceFactory(vendor=v, performed_on=date(2023, 1, 1))
            ActionFactory(vendor=v, due_on=date(2026, 6, 1), owner=owner)
            v.status = RelationshipStatus.TERMINATED
            v.save()

    build(5)
    url = reverse("work_queue")
    client.get(url)
    with CaptureQueriesContext(connection) as at_5:
        assert client.get(url).status_code == 200
    build(45)
    with CaptureQueriesContext(connection) as at_50:
        response = client.get(url)
    assert len(at_50) == len(at_5), [q["sql"] for q in at_50.captured_queries]
    # Paginated: one page of rows, the count says how many there are in all.
    text = response.content.decode()
    assert text.count("<tr data-key=") == 50
    total = int(text.split('<strong id="queue-total">')[1].split("<")[0])
    assert total >= 100


# --- the tier-policy page ------------------------------------------------------------------------


def policy_data(**changes):
    data = {}
    for tier, rules in rules_for([0])[0].items():
        data.update(
            {
                f"{tier}-review_interval_months": rules.review_interval_months,
                f"{tier}-expiry_warning_days": ", ".join(map(str, rules.expiry_warning_days)),
                f"{tier}-evidence_valid_months": rules.evidence_valid_months,
                f"{tier}-resend_days": rules.resend_days,
                f"{tier}-escalate_days": rules.escalate_days,
                f"{tier}-certificate_days": rules.certificate_days,
            }
        )
    data.update(changes)
    return data


def test_the_vendor_page_follows_the_practices_own_policy(cast, login):
    """The vendor page reads the policy only when the practice changed it (a practice on the
    defaults costs no query): both show the interval that applies."""
    vendor = VendorFactory(organization=cast.practice, status=RelationshipStatus.ACTIVE)
    default = rules_for([0])[0][vendor.tier].review_interval_months
    client = login(cast.alice)
    page = client.get(vendor.get_absolute_url()).content.decode()
    assert f"every {default} months" in page
    client.post(reverse("tier_policy"), policy_data(**{f"{vendor.tier}-review_interval_months": 5}))
    page = client.get(vendor.get_absolute_url()).content.decode()
    assert "every 5 months" in page and f"every {default} months" not in page


def test_admin_edits_the_policy_and_sees_the_history(cast, login):
    client = login(cast.alice)
    response = client.post(
        reverse("tier_policy"),
        policy_data(**{"high-review_interval_months": 9, "high-expiry_warning_days": "7, 90, 30"}),
        follow=True,
    )
    assert "Policy saved for the high tier" in response.content.decode()
    policy = TierPolicy.objects.get(organization=cast.practice, tier="high")
    assert policy.review_interval_months == 9
    assert policy.expiry_warning_days == [90, 30, 7]
    assert TierPolicy.objects.filter(organization=cast.practice).count() == 1
    history = response.content.decode().split('id="policy-history"')[1]
    assert "alice@a.test" in history and "90, 30, 7" in history
    # Practice B still has the defaults.
    assert (
        rules_for([cast.other_practice.id])[cast.other_practice.id]["high"].review_interval_months
        == 12
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("high-review_interval_months", "0", "greater than or equal to 1"),
        ("high-review_interval_months", "-3", "greater than or equal to 1"),
        ("high-review_interval_months", "abc", "Enter a whole number"),
        ("low-expiry_warning_days", "30, 30", "Each threshold may appear once"),
        ("low-expiry_warning_days", "30, -1", "between 1 and 3650"),
        ("low-expiry_warning_days", "soon", "whole numbers of days"),
        ("low-expiry_warning_days", "", "This field is required"),
    ],
)
def test_policy_validation_errors_name_the_field(cast, login, field, value, message):
    response = login(cast.alice).post(reverse("tier_policy"), policy_data(**{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not TierPolicy.objects.exists()


def test_non_admins_read_the_policy_but_cannot_change_it(cast, login):
    for member in (cast.bob, cast.charlie):
        client = login(member)
        page = client.get(reverse("tier_policy")).content.decode()
        assert 'id="policy-table"' in page and 'id="policy-form"' not in page
        assert "6 months" in page  # the critical default
        response = client.post(
            reverse("tier_policy"), policy_data(**{"high-review_interval_months": 3})
        )
        assert response.status_code == 403
    assert not TierPolicy.objects.exists()


def test_policy_of_another_practice_is_not_shown_or_changed(cast, login):
    login(cast.olivia).post(
        reverse("tier_policy"), policy_data(**{"critical-review_interval_months": 3})
    )
    page = login(cast.alice).get(reverse("tier_policy")).content.decode()
    assert "olivia@b.test" not in page
    assert rules_for([cast.practice.id])[cast.practice.id]["critical"].review_interval_months == 6


def test_action_list_constant_query_count(cast, login, vendor):
    client = login(cast.bob)
    owner = MembershipFactory(organization=cast.practice)

    def build(n):
        for _ in range(n):
            v = VendorFactory(organization=cast.practice)
            ActionFactory(vendor=v, due_on=date(2026, 6, 1), owner=owner)

    build(5)
    url = reverse("action_list")
    client.get(url)
    with CaptureQueriesContext(connection) as at_5:
        assert client.get(url).status_code == 200
    build(45)
    with CaptureQueriesContext(connection) as at_50:
        response = client.get(url)
    assert len(at_50) == len(at_5), [q["sql"] for q in at_50.captured_queries]
    assert response.content.decode().count("overdue</span>") == 50


def test_backfill_gives_existing_vendors_the_same_schedule_as_the_service(cast, vendor):
    import importlib

    from django.apps import apps

    ReviewFactory(vendor=vendor, reviewed_on=date(2025, 2, 1))
    other = VendorFactory(organization=cast.practice, phi_access_began=date(2023, 5, 1))
    expected = dict(VendorSchedule.objects.values_list("vendor_id", "next_review_due"))
    VendorSchedule.objects.all().delete()
    module = importlib.import_module("diligence.migrations.0002_backfill_schedules")
    module.backfill(apps, None)
    assert dict(VendorSchedule.objects.values_list("vendor_id", "next_review_due")) == expected
    assert expected[vendor.id] == date(2027, 2, 1) and expected[other.id] == date(2025, 5, 1)


# --- offboarding vendors still hold PHI (issue 10; 164.504(e)(2)(ii)(J)) -------------------------


def offboarding_vendor(cast, started_on, ended_on=None, **fields):
    vendor = VendorFactory(
        organization=cast.practice, status=RelationshipStatus.OFFBOARDING, **fields
    )
    offboarding = vendor.offboarding
    offboarding.started_on = started_on
    offboarding.ended_on = ended_on
    offboarding.save()
    return vendor, offboarding


def test_access_and_certificate_fall_due_from_the_offboarding_start(cast):
    vendor, offboarding = offboarding_vendor(cast, started_on=date(2026, 5, 1))
    found = items(cast.practice)
    access = found[f"access:{offboarding.id}"]
    assert access.kind == DueKind.ACCESS and access.due_date == date(2026, 5, 1)
    assert access.extra["state"] == "overdue"
    certificate = found[f"certificate:{offboarding.id}"]
    assert certificate.due_date == date(2026, 5, 31)  # 30 days (medium tier) after the start
    assert certificate.extra["state"] == "overdue"
    # Recording the revocation clears that item; the certificate stays due.
    offboarding.access_revoked_on = date(2026, 5, 2)
    offboarding.save()
    found = items(cast.practice)
    assert f"access:{offboarding.id}" not in found and f"certificate:{offboarding.id}" in found


def test_a_later_end_date_moves_the_offboarding_clocks(cast):
    vendor, offboarding = offboarding_vendor(
        cast, started_on=date(2026, 5, 1), ended_on=date(2026, 6, 20)
    )
    found = items(cast.practice)
    assert found[f"access:{offboarding.id}"].due_date == date(2026, 6, 20)
    assert found[f"access:{offboarding.id}"].extra["state"] == "due_soon"
    assert f"certificate:{offboarding.id}" not in found  # due 2026-07-20: not yet within reach


def test_offboarding_vendor_without_a_current_baa_is_still_a_compliance_gap(cast, login):
    from baas.integration import baa_due_items

    vendor, _ = offboarding_vendor(cast, started_on=date(2026, 6, 1), name="Leaving Billing")
    today = cast.practice.today()
    gaps = baa_due_items([cast.practice.pk], today, rules_for([cast.practice.pk]))
    assert [(i.kind, i.vendor_id) for i in gaps] == [(DueKind.COMPLIANCE_GAP, vendor.pk)]
    page = login(cast.bob).get(reverse("vendor_list"), {"baa": "gap"}).text
    assert "Leaving Billing" in page


def test_the_nightly_task_terminates_vendors_whose_end_date_has_come(cast):
    from diligence.tasks import terminate_ended_relationships
    from oversight.celery import app

    ended, _ = offboarding_vendor(
        cast, started_on=date(2026, 5, 1), ended_on=date(2026, 6, 14), name="Ended"
    )
    later, _ = offboarding_vendor(
        cast, started_on=date(2026, 5, 1), ended_on=date(2026, 7, 1), name="Ends later"
    )
    assert terminate_ended_relationships() == 1
    ended.refresh_from_db()
    later.refresh_from_db()
    assert ended.status == RelationshipStatus.TERMINATED
    assert later.status == RelationshipStatus.OFFBOARDING
    last = ended.history.first()
    assert last.status == RelationshipStatus.TERMINATED
    assert last.history_change_reason == "Relationship end date passed (nightly task)"
    # A second run changes nothing and records nothing.
    rows = ended.history.count()
    assert terminate_ended_relationships() == 0
    assert ended.history.count() == rows
    scheduled = {e["task"] for e in app.conf.beat_schedule.values()}
    assert "diligence.tasks.terminate_ended_relationships" in scheduled
