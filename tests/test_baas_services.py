"""Agreement writes: database constraints, signing supersedes, the vendor's stored BAA state,
the derived BAA status (SQL and Python agree), activation check and due items."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from baas import services
from baas.choices import AgreementStatus, CarveOut, ProvisionState
from baas.models import BusinessAssociateAgreement, ChecklistItem
from oversight import due
from oversight.models import rules_for
from vendors import activation
from vendors.baa_status import COMPLIANT, BaaState, BaaStatus, annotate, derived_status
from vendors.choices import RelationshipStatus
from vendors.models import BusinessAssociate

from .baas_factories import ALL_PRESENT, make_agreement, make_signed
from .factories import VendorFactory

pytestmark = pytest.mark.django_db


def fresh(vendor):
    return BusinessAssociate.objects.get(pk=vendor.pk)


def test_new_agreement_gets_the_twelve_provision_checklist(vendor, cast):
    agreement = make_agreement(vendor, actor=cast.bob.user)
    rows = list(agreement.checklist.all())
    assert len(rows) == 12
    assert {r.state for r in rows} == {ProvisionState.NOT_REVIEWED}
    assert rows[0].cite == "164.504(e)(2)(i)"
    assert fresh(vendor).baa_state == BaaState.DRAFT


def test_database_refuses_effective_date_after_expiry(vendor):
    agreement = make_agreement(vendor)
    agreement.effective_on = date(2025, 1, 1)
    agreement.expires_on = date(2024, 1, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        BusinessAssociateAgreement.objects.filter(pk=agreement.pk).update(
            effective_on=date(2025, 1, 1), expires_on=date(2024, 1, 1)
        )
    with pytest.raises(ValidationError) as error:
        services.agreement_update(agreement=agreement, actor=None)
    assert "expires_on" in error.value.message_dict


def test_database_allows_only_one_signed_agreement_per_vendor(vendor):
    first = make_signed(vendor)
    second = make_agreement(vendor)
    with pytest.raises(IntegrityError), transaction.atomic():
        BusinessAssociateAgreement.objects.filter(pk=second.pk).update(
            status=AgreementStatus.SIGNED, signed_on=date(2025, 1, 1)
        )
    assert BusinessAssociateAgreement.objects.get(pk=first.pk).status == AgreementStatus.SIGNED


def test_signing_a_new_agreement_supersedes_the_previous_one(vendor, cast):
    old = make_signed(vendor, signed_on=date(2020, 1, 1))
    new = services.agreement_new_version(agreement=old, actor=cast.bob.user)
    assert new.supersedes == old and new.status == AgreementStatus.DRAFT
    # The old one stays in force until the new one is signed.
    assert BusinessAssociateAgreement.objects.get(pk=old.pk).status == AgreementStatus.SIGNED
    services.baa_sign(agreement=new, actor=cast.bob.user, signed_on=date(2025, 3, 1))
    old.refresh_from_db()
    assert old.status == AgreementStatus.SUPERSEDED
    assert list(BusinessAssociateAgreement.objects.signed().filter(vendor=vendor)) == [new]
    vendor = fresh(vendor)
    assert vendor.baa_state == BaaState.SIGNED


def test_new_version_carries_the_terms_and_checklist_states(vendor):
    old = make_signed(vendor, checklist={"access": ProvisionState.ABSENT}, breach_notice_days=15)
    new = services.agreement_new_version(agreement=old, actor=None)
    assert new.breach_notice_days == 15
    assert new.checklist.get(provision="access").state == ProvisionState.ABSENT


def test_sign_refuses_a_future_date_and_a_signed_agreement(vendor):
    agreement = make_agreement(vendor)
    with pytest.raises(ValidationError):
        services.baa_sign(
            agreement=agreement, actor=None, signed_on=date.today() + timedelta(days=3)
        )
    services.baa_sign(agreement=agreement, actor=None, signed_on=date(2024, 1, 1))
    with pytest.raises(ValidationError):
        services.baa_sign(agreement=agreement, actor=None, signed_on=date(2024, 1, 1))


def test_terminate_needs_a_reason_and_leaves_a_gap(vendor):
    agreement = make_signed(vendor)
    with pytest.raises(ValidationError):
        services.agreement_terminate(
            agreement=agreement, actor=None, terminated_on=date(2025, 1, 1), reason=" "
        )
    services.agreement_terminate(
        agreement=agreement, actor=None, terminated_on=date(2025, 1, 1), reason="Left"
    )
    assert fresh(vendor).baa_state == BaaState.TERMINATED
    assert BusinessAssociateAgreement.objects.filter(pk=agreement.pk).exists()  # kept


def test_vendor_counts_follow_the_checklist(vendor, cast):
    agreement = make_signed(vendor)
    before = fresh(vendor)
    assert before.baa_findings_warning >= 1  # provisions not reviewed
    states = {**ALL_PRESENT, "accounting": ProvisionState.ABSENT}
    services.checklist_update(agreement=agreement, actor=cast.bob.user, states=states)
    after = fresh(vendor)
    assert after.baa_findings_critical == before.baa_findings_critical + 1
    row = ChecklistItem.objects.get(agreement=agreement, provision="accounting")
    assert row.reviewed_by == cast.bob.user and row.reviewed_at is not None
    agreement.refresh_from_db()
    assert agreement.findings_critical == after.baa_findings_critical


def test_history_is_recorded_for_agreements(vendor):
    agreement = make_signed(vendor)
    assert agreement.history.count() >= 2  # created, then signed


# --- derived status ----------------------------------------------------------------------------

CASES = [
    # (vendor status, handles PHI, baa_state, expires in days (None: evergreen), expected
    #  [, a "not a business associate" determination is recorded])
    ("active", True, BaaState.MISSING, None, BaaStatus.GAP),
    ("onboarding", True, BaaState.DRAFT, None, BaaStatus.GAP),
    ("active", True, BaaState.SIGNED, -1, BaaStatus.GAP),
    ("prospective", True, BaaState.SIGNED, -1, BaaStatus.EXPIRED),
    ("active", True, BaaState.SIGNED, 30, BaaStatus.EXPIRING),
    ("active", True, BaaState.SIGNED, 300, BaaStatus.CURRENT),
    ("active", True, BaaState.SIGNED, None, BaaStatus.CURRENT),
    ("prospective", True, BaaState.DRAFT, None, BaaStatus.DRAFT),
    ("prospective", True, BaaState.MISSING, None, BaaStatus.MISSING),
    ("terminated", True, BaaState.TERMINATED, None, BaaStatus.TERMINATED),
    # Issue 10: no PHI and nothing documented is not "not required"; offboarding still needs one.
    ("active", False, BaaState.MISSING, None, BaaStatus.UNDETERMINED),
    ("active", False, BaaState.MISSING, None, BaaStatus.NOT_REQUIRED, True),
    ("offboarding", True, BaaState.MISSING, None, BaaStatus.GAP),
    ("offboarding", True, BaaState.SIGNED, -1, BaaStatus.GAP),
]


def test_sql_annotation_and_python_agree(cast):
    today = date.today()
    rules = rules_for([cast.practice.pk])[cast.practice.pk]
    warning = {tier: r.first_warning_days for tier, r in rules.items()}
    expected = {}
    for i, (status, phi, state, days, want, *determined) in enumerate(CASES):
        vendor = VendorFactory(
            organization=cast.practice,
            status=status,
            phi_electronic=phi,
            access_level="limited" if phi else "none",
        )
        expires = today + timedelta(days=days) if days is not None else None
        BusinessAssociate.objects.filter(pk=vendor.pk).update(
            baa_state=state, baa_expires_on=expires, determined_not_ba=bool(determined)
        )
        vendor.refresh_from_db()
        python = derived_status(
            baa_state=state,
            baa_expires_on=expires,
            status=status,
            needs_baa=vendor.needs_baa,
            today=today,
            warning_days=warning[vendor.tier],
            determined_not_ba=vendor.determined_not_ba,
        )
        assert python == want, (i, python, want)
        expected[vendor.pk] = want
    annotated = annotate(BusinessAssociate.objects.for_org(cast.practice), today, warning)
    assert {v.pk: v.baa_status for v in annotated} == expected
    ranks = [v.baa_status for v in annotated.order_by("baa_rank", "id")]
    assert ranks[0] == BaaStatus.GAP


# --- activation and due items ------------------------------------------------------------------


def test_going_active_without_a_signed_baa_needs_a_reason(cast):
    vendor = VendorFactory(organization=cast.practice, status=RelationshipStatus.PROSPECTIVE)
    assert activation.needs_override(vendor, RelationshipStatus.ACTIVE) == [
        "No signed, current BAA"
    ]
    make_signed(vendor)
    assert activation.needs_override(fresh(vendor), RelationshipStatus.ACTIVE) == []


@time_machine.travel(date(2026, 6, 1))
def test_due_items_for_expiry_renewal_expired_and_gap(cast):
    org = cast.practice
    soon = VendorFactory(organization=org, name="Soon", criticality="low")
    far = VendorFactory(organization=org, name="Far")
    expired = VendorFactory(organization=org, name="Gone")
    gap = VendorFactory(
        organization=org, name="Gap", status="onboarding", phi_access_began=date(2026, 3, 1)
    )
    a_soon = make_signed(
        soon,
        signed_on=date(2025, 1, 1),
        expires_on=date(2026, 6, 20),
        auto_renews=True,
        renewal_notice_days=10,
    )
    make_signed(far, signed_on=date(2025, 1, 1), expires_on=date(2028, 1, 1))
    a_gone = make_signed(expired, signed_on=date(2024, 1, 1), expires_on=date(2026, 5, 1))
    items = due.collect([org.pk], date(2026, 6, 1), rules_for([org.pk]))
    mine = {(i.kind, i.key): i for i in items if i.key.startswith(("baa:", "gap:"))}
    assert mine[(due.DueKind.BAA_EXPIRY, f"baa:{a_soon.pk}")].due_date == date(2026, 6, 20)
    renewal = mine[(due.DueKind.RENEWAL_NOTICE, f"baa:{a_soon.pk}:renewal")]
    assert renewal.due_date == date(2026, 6, 10)
    assert renewal.url == f"/agreements/{a_soon.pk}/"
    assert (due.DueKind.BAA_EXPIRED, f"baa:{a_gone.pk}:expired") in mine
    assert mine[(due.DueKind.COMPLIANCE_GAP, f"gap:vendor:{gap.pk}")].due_date == date(2026, 3, 1)
    # The expired BAA of an active vendor is also a gap; the far one is not due.
    assert (due.DueKind.COMPLIANCE_GAP, f"gap:vendor:{expired.pk}") in mine
    assert not any(i.vendor_id == far.pk for i in items if i.key.startswith(("baa:", "gap:")))


def test_due_provider_runs_a_bounded_number_of_queries(cast, django_assert_max_num_queries):
    org = cast.practice
    for i in range(6):
        v = VendorFactory(organization=org, status="onboarding" if i % 2 else "active")
        if i % 2 == 0:
            make_signed(v, expires_on=date.today() + timedelta(days=10))
    from baas.integration import baa_due_items

    rules = rules_for([org.pk])
    with django_assert_max_num_queries(2):
        items = list(baa_due_items([org.pk], date.today(), rules))
    assert len(items) >= 6


def test_cap_in_dollars_on_the_model(vendor):
    agreement = make_agreement(
        vendor, cap_kind="fees_months", cap_months=6, annual_contract_value=Decimal("12000")
    )
    assert agreement.cap_dollars == Decimal("6000")


def test_editing_the_vendor_recounts_its_findings(vendor):
    from vendors.services import vendor_save

    BusinessAssociate.objects.filter(pk=vendor.pk).update(record_count=1_000)  # $408,000
    vendor = fresh(vendor)
    make_signed(
        vendor,
        checklist=ALL_PRESENT,
        breach_notice_days=10,
        indemnification="mutual",
        cap_kind="fixed",
        cap_amount=Decimal("1000000"),
        carve_outs=list(CarveOut.values),
    )
    assert fresh(vendor).baa_findings_warning == 0
    vendor = fresh(vendor)
    vendor.record_count = 50_000  # exposure $20.4M: now above the $1M cap
    vendor_save(vendor=vendor, actor=None)
    assert fresh(vendor).baa_findings_warning == 1


def test_nightly_refresh_counts_a_baa_entering_its_warning_window(cast):
    vendor = VendorFactory(organization=cast.practice, criticality="low")
    with time_machine.travel(datetime(2026, 1, 1, 17, tzinfo=UTC)):
        make_signed(
            vendor,
            checklist=ALL_PRESENT,
            breach_notice_days=10,
            indemnification="mutual",
            cap_kind="none",
            expires_on=date(2026, 12, 31),
        )
        assert fresh(vendor).baa_findings_warning == 0
    # Noon in the practice's time zone: 'today' is the practice's local date.
    with time_machine.travel(datetime(2026, 12, 1, 17, tzinfo=UTC)):
        assert services.baa_refresh_practice(organization=cast.practice) == 1
    assert fresh(vendor).baa_findings_warning == 1  # "expires in 30 days"


def test_admin_pages_for_agreements_documents_and_checklist(
    admin_client, vendor, settings, tmp_path
):
    from django.urls import reverse

    from .baas_factories import pdf_upload

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path), "base_url": None},
        },
    }
    agreement = make_signed(vendor)
    services.document_add(agreement=agreement, actor=None, upload=pdf_upload())
    # The admin shows UTC times: they say so, and are not mistaken for the practice's time.
    document = agreement.documents.get()
    listing = admin_client.get(reverse("admin:baas_agreementdocument_changelist")).text
    assert f"{document.uploaded_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC" in listing
    for name in ("businessassociateagreement", "agreementdocument", "checklistitem", "amendment"):
        response = admin_client.get(
            reverse(f"admin:baas_{name}_changelist") + "?organization__id__exact=1"
        )
        assert response.status_code == 200, name
    page = admin_client.get(
        reverse("admin:baas_businessassociateagreement_change", args=[agreement.pk])
    )
    assert page.status_code == 200 and vendor.name in page.content.decode()


def test_nightly_task_recounts_date_dependent_findings(cast, time_machine):
    from datetime import date

    from baas.tasks import refresh_findings
    from vendors.models import BusinessAssociate

    from .baas_factories import make_signed
    from .factories import VendorFactory

    time_machine.move_to("2026-01-01 12:00Z")
    vendor = VendorFactory(organization=cast.practice)
    make_signed(vendor, effective_on=date(2024, 1, 1), expires_on=date(2026, 12, 31))
    before = BusinessAssociate.objects.get(pk=vendor.pk).baa_findings_warning
    time_machine.move_to("2026-12-20 12:00Z")  # now within the expiry warning window
    assert refresh_findings() >= 1
    after = BusinessAssociate.objects.get(pk=vendor.pk).baa_findings_warning
    assert after > before


# --- issue 10: deficient agreements, practice threshold, one fact asked once ------------------


def test_an_absent_provision_makes_the_signed_baa_deficient_not_current(cast):
    today = cast.practice.today()
    rules = rules_for([cast.practice.pk])[cast.practice.pk]
    warning = {tier: r.first_warning_days for tier, r in rules.items()}
    vendor = VendorFactory(organization=cast.practice, status="active")
    agreement = make_signed(
        vendor,
        signed_on=today - timedelta(days=30),
        checklist={**ALL_PRESENT, "books_records": ProvisionState.ABSENT},
    )
    vendor = fresh(vendor)
    assert vendor.baa_state == BaaState.SIGNED and vendor.baa_deficient
    python = derived_status(
        baa_state=vendor.baa_state,
        baa_expires_on=vendor.baa_expires_on,
        status=vendor.status,
        needs_baa=vendor.needs_baa,
        today=today,
        warning_days=warning[vendor.tier],
        baa_deficient=vendor.baa_deficient,
    )
    sql = annotate(BusinessAssociate.objects.filter(pk=vendor.pk), today, warning).get()
    assert python == sql.baa_status == BaaStatus.DEFICIENT
    assert BaaStatus.DEFICIENT.label.startswith("Signed, deficient")
    assert BaaStatus.DEFICIENT not in COMPLIANT
    from baas.integration import signed_baa_check

    assert signed_baa_check(vendor) == [
        "The signed BAA is deficient: a required provision is absent"
    ]
    # Adding the provision (an amendment, then the checklist) makes it current again.
    services.checklist_update(
        agreement=agreement, actor=None, states={"books_records": ProvisionState.PRESENT}
    )
    vendor = fresh(vendor)
    assert not vendor.baa_deficient
    sql = annotate(BusinessAssociate.objects.filter(pk=vendor.pk), today, warning).get()
    assert sql.baa_status == BaaStatus.CURRENT


def test_return_destruction_is_answered_by_its_term_and_syncs_the_checklist(vendor):
    agreement = make_signed(vendor, checklist=ALL_PRESENT)
    row = agreement.checklist.get(provision="return_destroy")
    assert row.state == ProvisionState.PRESENT
    agreement.return_destroy = "not_addressed"
    services.agreement_update(agreement=agreement, actor=None)
    row.refresh_from_db()
    assert row.state == ProvisionState.ABSENT
    assert fresh(vendor).baa_deficient
    # The checklist cannot contradict the term.
    services.checklist_update(
        agreement=agreement, actor=None, states={"return_destroy": ProvisionState.PRESENT}
    )
    row.refresh_from_db()
    assert row.state == ProvisionState.ABSENT


def test_the_practice_sets_its_breach_notice_threshold(vendor):
    make_signed(
        vendor,
        checklist=ALL_PRESENT,
        breach_notice_days=45,
        breach_notice_trigger="discovery",
        indemnification="mutual",
        cap_kind="none",
        return_destroy="destroy",
    )
    assert fresh(vendor).baa_findings_warning == 1  # over the default 30 days
    org = vendor.organization
    org.breach_notice_threshold_days = 60
    org.save()
    services.vendor_baa_refresh(vendor=fresh(vendor))
    assert fresh(vendor).baa_findings_warning == 0


def test_subcontractor_rows_count_as_using_subcontractors(vendor):
    from vendors.models import Subcontractor

    not_reviewed = {**ALL_PRESENT, "subcontractors": ProvisionState.NOT_REVIEWED}
    agreement = make_signed(
        vendor,
        checklist=not_reviewed,
        breach_notice_days=10,
        indemnification="mutual",
        cap_kind="none",
    )
    before = services.vendor_baa_refresh(vendor=fresh(vendor))
    assert "subcontractor_provision_absent" not in {f.code for f in before}
    Subcontractor.objects.create(organization=vendor.organization, vendor=vendor, name="Cloud host")
    found = services.vendor_baa_refresh(vendor=fresh(vendor))
    assert "subcontractor_provision_absent" in {f.code for f in found}
    assert agreement.pk


def test_before_phi_flows_the_gap_item_counts_down_to_the_planned_date(cast):
    org = cast.practice
    today = org.today()
    planned = today + timedelta(days=10)
    vendor = VendorFactory(organization=org, status="onboarding", phi_access_began=planned)
    items = due.collect([org.pk], today, rules_for([org.pk]))
    gap = next(i for i in items if i.key == f"gap:vendor:{vendor.pk}")
    assert gap.title == (
        f"BAA must be signed before PHI is shared (access planned for {planned:%Y-%m-%d})"
    )
    assert gap.due_date == planned  # not overdue: the queue counts down to it
    began = VendorFactory(
        organization=org, status="active", phi_access_began=today - timedelta(days=3)
    )
    items = due.collect([org.pk], today, rules_for([org.pk]))
    assert next(i for i in items if i.key == f"gap:vendor:{began.pk}").title == (
        "PHI shared without a signed, current BAA"
    )


def test_the_gap_email_before_phi_flows_does_not_say_phi_is_shared(cast):
    from django.utils import timezone

    from reminders import emails
    from reminders.choices import Stage

    from .reminders_factories import ReminderFactory

    planned = cast.practice.today() + timedelta(days=10)
    reminder = ReminderFactory(
        recipient=cast.bob,
        kind=due.DueKind.COMPLIANCE_GAP,
        stage=Stage.GAP,
        threshold=0,
        due_date=planned,
        title=f"BAA must be signed before PHI is shared (access planned for {planned:%Y-%m-%d})",
    )
    message = emails.build(
        [reminder], organization=cast.practice, to="x@example.com", digest=False, now=timezone.now()
    )
    html = message.alternatives[0][0]
    for text in (message.body, html):
        assert "No PHI may be shared with this vendor before a BAA is signed" in text
        assert "handles PHI without" not in text


def test_the_vendor_page_counts_down_like_the_work_queue_before_phi_flows(cast, login):
    from django.urls import reverse

    planned = cast.practice.today() + timedelta(days=10)
    vendor = VendorFactory(
        organization=cast.practice, status="onboarding", phi_access_began=planned
    )
    page = login(cast.bob).get(reverse("vendor_detail", args=[vendor.pk])).content.decode()
    assert (
        f"BAA must be signed before PHI is shared (access planned for {planned:%Y-%m-%d})" in page
    )
    assert f"since {planned:%Y-%m-%d}" not in page
