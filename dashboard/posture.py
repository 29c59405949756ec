"""The figures of the dashboard, for one practice on one day, in a bounded number of queries
whatever the number of vendors (aggregates and the due-item providers, no query per vendor)."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth

from baas.models import BusinessAssociateAgreement
from diligence.choices import ActionStatus
from diligence.models import FollowUpAction, VendorSchedule
from oversight.due import DueKind, collect
from oversight.models import Organization, rules_for
from vendors import baa_status
from vendors.choices import TIER_RANK, RelationshipStatus, Tier
from vendors.models import BusinessAssociate

from .models import PostureSnapshot


@dataclass
class Posture:
    today: date
    total: int
    by_tier: list[tuple[str, str, int]]
    active_phi: int
    active_phi_covered: int
    gaps: list[BusinessAssociate]
    gap_count: int
    expiring_30: int
    expiring_90: int
    reviews_overdue: int
    evidence_stale: int
    actions_open: int
    actions_overdue: int
    critical_findings: int
    overdue_total: int
    timeline_months: list[str] = field(default_factory=list)
    timeline_expiries: list[int] = field(default_factory=list)
    timeline_reviews: list[int] = field(default_factory=list)

    @property
    def covered_percent(self) -> int:
        return round(100 * self.active_phi_covered / self.active_phi) if self.active_phi else 100


def compute(practice: Organization, today: date) -> Posture:
    rules = rules_for([practice.pk])
    warning = baa_status.warning_days_by_tier(rules[practice.pk])
    vendors = baa_status.annotate(
        BusinessAssociate.objects.for_org(practice).current(), today, warning
    )
    counts = vendors.aggregate(
        total=Count("id"),
        active_phi=Count("id", filter=Q(status=RelationshipStatus.ACTIVE, handles_phi=True)),
        active_phi_covered=Count(
            "id",
            filter=Q(
                status=RelationshipStatus.ACTIVE,
                handles_phi=True,
                baa_status__in=[baa_status.BaaStatus.CURRENT, baa_status.BaaStatus.EXPIRING],
            ),
        ),
        gaps=Count("id", filter=Q(baa_status=baa_status.BaaStatus.GAP)),
        expiring_30=Count(
            "id",
            filter=Q(baa_state="signed", baa_expires_on__gte=today)
            & Q(baa_expires_on__lte=today + timedelta(days=30)),
        ),
        expiring_90=Count(
            "id",
            filter=Q(baa_state="signed", baa_expires_on__gte=today)
            & Q(baa_expires_on__lte=today + timedelta(days=90)),
        ),
        critical_findings=Sum("baa_findings_critical"),
        **{f"tier_{t}": Count("id", filter=Q(tier=t)) for t in Tier.values},
    )
    gaps = sorted(
        vendors.filter(baa_status=baa_status.BaaStatus.GAP).only(
            "id", "name", "tier", "status", "organization_id"
        )[:200],
        key=lambda v: (TIER_RANK.get(v.tier, 9), v.name),
    )[:10]
    items = collect([practice.pk], today, rules)
    overdue = [i for i in items if i.due_date < today or i.kind == DueKind.COMPLIANCE_GAP]
    kinds = Counter(i.kind for i in items if i.due_date < today)
    actions = FollowUpAction.objects.filter(
        organization=practice, status=ActionStatus.OPEN
    ).aggregate(open=Count("id"), overdue=Count("id", filter=Q(due_on__lt=today)))

    months = [today.replace(day=1) + relativedelta(months=i) for i in range(12)]
    end = months[-1] + relativedelta(months=1)
    expiries = dict(
        BusinessAssociateAgreement.objects.filter(
            organization=practice, status="signed", expires_on__gte=months[0], expires_on__lt=end
        )
        .annotate(month=TruncMonth("expires_on"))
        .values("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    )
    reviews = dict(
        VendorSchedule.objects.filter(
            organization=practice,
            vendor__archived_at__isnull=True,
            next_review_due__gte=months[0],
            next_review_due__lt=end,
        )
        .annotate(month=TruncMonth("next_review_due"))
        .values("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    )

    def by_month(counts: dict, month: date) -> int:
        return sum(
            n for m, n in counts.items() if m and m.year == month.year and m.month == month.month
        )

    return Posture(
        today=today,
        total=counts["total"],
        by_tier=[(t, label, counts[f"tier_{t}"]) for t, label in Tier.choices],
        active_phi=counts["active_phi"],
        active_phi_covered=counts["active_phi_covered"],
        gaps=gaps,
        gap_count=counts["gaps"],
        expiring_30=counts["expiring_30"],
        expiring_90=counts["expiring_90"],
        reviews_overdue=kinds[DueKind.REVIEW],
        evidence_stale=kinds[DueKind.EVIDENCE],
        actions_open=actions["open"],
        actions_overdue=actions["overdue"],
        critical_findings=counts["critical_findings"] or 0,
        overdue_total=len(overdue),
        timeline_months=[m.strftime("%b") for m in months],
        timeline_expiries=[by_month(expiries, m) for m in months],
        timeline_reviews=[by_month(reviews, m) for m in months],
    )


def record_snapshot(practice: Organization, posture: Posture) -> PostureSnapshot:
    snapshot, _ = PostureSnapshot.objects.update_or_create(
        organization=practice,
        day=posture.today,
        defaults={
            "vendors": posture.total,
            "gaps": posture.gap_count,
            "overdue": posture.overdue_total,
            "expiring_90": posture.expiring_90,
            "open_actions": posture.actions_open,
        },
    )
    return snapshot
