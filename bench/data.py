"""Scale data for the benchmarks, written with bulk inserts (and their history rows) so that
every page has real content: vendors of every tier and status, agreements of every status with
their checklists, diligence records, reviews, follow-up actions, schedules, reminders and a
trail of changes for the activity log.

Derived values that the services normally keep (the vendor's stored BAA state, its schedule)
are set in bulk the way the services would; ``refresh=True`` then runs the services' own
practice-wide refreshes so that finding counts are exact (slower; used for page data, not for
the sweep's hundred thousand vendors).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from baas.choices import AgreementStatus, ProvisionState
from baas.models import BusinessAssociateAgreement, ChecklistItem
from baas.provisions import PROVISIONS
from diligence.choices import ActionStatus, DiligenceKind, DiligenceOutcome, ReviewOutcome
from diligence.models import DueDiligenceRecord, FollowUpAction, VendorReview, VendorSchedule
from oversight.choices import Role
from oversight.models import Membership, Organization
from vendors.baa_status import BaaState
from vendors.choices import AccessLevel, Category, Criticality, RelationshipStatus
from vendors.models import BusinessAssociate
from vendors.services import _apply_tier

BATCH = 2000


@dataclass
class Practice:
    organization: Organization
    admin: object  # the admin user the page benchmark signs in as
    vendors: int


def _bulk(model, rows, history: bool) -> None:
    if history:
        bulk_create_with_history(rows, model, batch_size=BATCH)
    else:
        model.objects.bulk_create(rows, batch_size=BATCH)


def _status(i: int) -> str:
    # Mostly active; some onboarding, offboarding, prospective and terminated.
    r = i % 20
    if r < 14:
        return RelationshipStatus.ACTIVE
    return {
        14: RelationshipStatus.ONBOARDING,
        15: RelationshipStatus.ONBOARDING,
        16: RelationshipStatus.PROSPECTIVE,
        17: RelationshipStatus.OFFBOARDING,
        18: RelationshipStatus.TERMINATED,
        19: RelationshipStatus.ACTIVE,
    }[r]


def _vendor(org, i: int, today: date, rng: random.Random) -> BusinessAssociate:
    categories = list(Category.values)
    levels = list(AccessLevel.values)
    level = levels[i % len(levels)]
    vendor = BusinessAssociate(
        organization=org,
        name=f"Vendor {i:05d} {categories[i % len(categories)].replace('_', ' ').title()}",
        external_id=f"B-{i:06d}",
        category=categories[i % len(categories)],
        services="Bench services",
        status=_status(i),
        phi_electronic=level != AccessLevel.NONE,
        phi_paper=i % 11 == 0,
        record_count=rng.choice([None, 50, 400, 2500, 12000, 60000]),
        access_level=level,
        remote_access=i % 7 == 0,
        offshore=i % 23 == 0,
        uses_subcontractors=i % 5 == 0,
        criticality=list(Criticality.values)[i % 3],
        phi_access_began=today - timedelta(days=30 + (i * 13) % 2000),
    )
    _apply_tier(vendor)
    return vendor


def _agreement_plan(i: int, today: date):
    """(status, expires_on, terminated_on) for the i-th vendor's agreement, or None."""
    r = i % 10
    if r in (0, 1, 2, 3):  # signed, current
        return AgreementStatus.SIGNED, today + timedelta(days=120 + (i * 17) % 900), None
    if r == 4:  # signed, expiring within 90 days
        return AgreementStatus.SIGNED, today + timedelta(days=1 + i % 89), None
    if r == 5:
        return AgreementStatus.EXPIRED, today - timedelta(days=1 + i % 400), None
    if r == 6:
        return AgreementStatus.DRAFT, None, None
    if r == 7:
        return AgreementStatus.TERMINATED, None, today - timedelta(days=10 + i % 300)
    if r == 8:
        return AgreementStatus.NEGOTIATION, None, None
    return None  # no agreement at all


def build_practice(
    name: str,
    vendors: int,
    *,
    today: date | None = None,
    history: bool = True,
    refresh: bool = True,
    seed: int = 7,
) -> Practice:
    """One practice with ``vendors`` business associates and everything hanging off them."""
    rng = random.Random(seed)
    today = today or date.today()
    User = get_user_model()
    with transaction.atomic():
        org = Organization.objects.create(name=name)
        tag = f"p{org.pk}"
        admin = User.objects.create(username=f"admin-{tag}", email=f"admin-{tag}@bench.example")
        manager = User.objects.create(
            username=f"manager-{tag}", email=f"manager-{tag}@bench.example"
        )
        Membership.objects.create(user=admin, organization=org, role=Role.ADMIN)
        owner = Membership.objects.create(user=manager, organization=org, role=Role.MANAGER)

        rows = [_vendor(org, i, today, rng) for i in range(vendors)]
        for i, vendor in enumerate(rows):
            vendor.owner = owner if i % 3 else None
        _bulk(BusinessAssociate, rows, history)
        saved = list(BusinessAssociate.objects.filter(organization=org).order_by("pk"))

        agreements, vendor_updates = [], []
        for i, vendor in enumerate(saved):
            plan = _agreement_plan(i, today)
            if plan is None:
                continue
            status, expires_on, terminated_on = plan
            effective = today - timedelta(days=200 + (i * 29) % 3000)
            if expires_on is not None and effective >= expires_on:  # the database's check
                effective = expires_on - timedelta(days=365)
            agreements.append(
                BusinessAssociateAgreement(
                    organization=org,
                    vendor=vendor,
                    status=status,
                    effective_on=effective,
                    signed_on=effective if status != AgreementStatus.DRAFT else None,
                    expires_on=expires_on,
                    terminated_on=terminated_on,
                    breach_notice_days=[5, 10, 30, 60, None][i % 5],
                )
            )
            state = {
                AgreementStatus.SIGNED: BaaState.SIGNED,
                AgreementStatus.EXPIRED: BaaState.EXPIRED,
                AgreementStatus.TERMINATED: BaaState.TERMINATED,
            }.get(status, BaaState.DRAFT)
            vendor.baa_state = state
            vendor.baa_expires_on = expires_on if state == BaaState.SIGNED else None
            vendor_updates.append(vendor)
        _bulk(BusinessAssociateAgreement, agreements, history)
        BusinessAssociate.objects.bulk_update(
            vendor_updates, ["baa_state", "baa_expires_on"], batch_size=BATCH
        )
        agreement_ids = list(
            BusinessAssociateAgreement.objects.filter(organization=org).values_list("pk", flat=True)
        )
        items = []
        for n, pk in enumerate(agreement_ids):
            for position, provision in enumerate(PROVISIONS):
                state = ProvisionState.PRESENT
                if n % 9 == 0 and position == 3:
                    state = ProvisionState.ABSENT
                elif n % 4 == 0:
                    state = ProvisionState.NOT_REVIEWED
                items.append(
                    ChecklistItem(
                        organization=org,
                        agreement_id=pk,
                        provision=provision.key,
                        state=state,
                        position=position,
                    )
                )
        ChecklistItem.objects.bulk_create(items, batch_size=BATCH * 4)

        _oversight(org, saved, owner, today, history=history)
        if history:
            _changes(saved[:: max(1, len(saved) // 200)])
    if refresh:
        from baas.services import baa_refresh_practice

        baa_refresh_practice(organization=org, today=today)
    return Practice(organization=org, admin=admin, vendors=vendors)


def existing_practice(name: str, vendors: int) -> Practice | None:
    """The practice of that name an earlier run built on this database (``--keep-db``)."""
    org = Organization.objects.filter(name=name).order_by("-pk").first()
    if org is None:
        return None
    admin = Membership.objects.filter(organization=org, role=Role.ADMIN).select_related("user")
    return Practice(organization=org, admin=admin.first().user, vendors=vendors)


def _oversight(org, vendors, owner, today: date, *, history: bool) -> None:
    records, reviews, schedules = [], [], []
    for i, vendor in enumerate(vendors):
        last_review = today - timedelta(days=(i * 11) % 900) if i % 4 else None
        if last_review:
            reviews.append(
                VendorReview(
                    organization=org,
                    vendor=vendor,
                    reviewed_on=last_review,
                    reviewer=owner,
                    outcome=ReviewOutcome.CONTINUE
                    if i % 6
                    else ReviewOutcome.CONTINUE_WITH_ACTIONS,
                )
            )
        cadence = {"critical": 365, "high": 365, "medium": 730, "low": 1095}[vendor.tier]
        schedules.append(
            VendorSchedule(
                organization=org,
                vendor=vendor,
                last_review_on=last_review,
                next_review_due=(last_review + timedelta(days=cadence)) if last_review else today,
            )
        )
        if vendor.tier in ("critical", "high") or i % 3 == 0:
            performed = today - timedelta(days=(i * 7) % 700)
            records.append(
                DueDiligenceRecord(
                    organization=org,
                    vendor=vendor,
                    kind=[DiligenceKind.QUESTIONNAIRE, DiligenceKind.SOC2, DiligenceKind.PENTEST][
                        i % 3
                    ],
                    performed_on=performed,
                    valid_until=performed + timedelta(days=365),
                    reviewer=owner,
                    outcome=[
                        DiligenceOutcome.SATISFACTORY,
                        DiligenceOutcome.CONCERNS,
                        DiligenceOutcome.UNSATISFACTORY,
                    ][i % 3],
                )
            )
    _bulk(VendorReview, reviews, history)
    _bulk(VendorSchedule, schedules, history)
    _bulk(DueDiligenceRecord, records, history)
    saved_reviews = list(VendorReview.objects.filter(organization=org).order_by("pk")[::5])
    actions = [
        FollowUpAction(
            organization=org,
            vendor_id=review.vendor_id,
            review=review,
            description="Bench follow-up: obtain the bridge letter",
            owner=owner,
            due_on=today + timedelta(days=((n * 5) % 120) - 60),
            status=ActionStatus.OPEN if n % 3 else ActionStatus.DONE,
        )
        for n, review in enumerate(saved_reviews)
    ]
    _bulk(FollowUpAction, actions, history)


def _changes(vendors) -> None:
    """A trail of edits (history rows of type "changed") for the activity log."""
    for vendor in vendors:
        vendor.services = "Bench services, renegotiated"
        vendor.notes = "Reviewed in the benchmark"
    bulk_update_with_history(vendors, BusinessAssociate, ["services", "notes"], batch_size=BATCH)


def analyze() -> None:
    """PostgreSQL here runs with autovacuum off: without statistics the planner guesses (one
    anti-join went from 18 ms to 2 s). Production runs autovacuum; the benchmark analyses."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
