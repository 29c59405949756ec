from datetime import timedelta

from django.shortcuts import render

from oversight.tenancy import member_required

from . import charts, posture
from .models import PostureSnapshot


@member_required
def home(request):
    practice = request.practice
    today = practice.today()
    figures = posture.cached(practice, today)
    history = list(
        PostureSnapshot.objects.for_org(practice)
        .filter(day__gt=today - timedelta(days=90), day__lte=today)
        .order_by("day")
    )
    if not history or history[-1].day != today:
        # The first view of the day records it (the daily task refreshes it): no write on
        # every GET.
        history.append(posture.record_snapshot(practice, figures))
    tier_chart = charts.bar_chart(
        [label for _, label, _ in figures.by_tier],
        [
            charts.Series(
                tier,
                f"{label} tier vendors",
                [n if t == tier else 0 for t, _, n in figures.by_tier],
            )
            for tier, label, _ in figures.by_tier
        ],
        title="Vendors by risk tier",
        desc=", ".join(f"{label}: {n}" for _, label, n in figures.by_tier),
    )
    timeline_chart = charts.bar_chart(
        figures.timeline_months,
        [
            charts.Series("expiries", "BAA expiries", figures.timeline_expiries),
            charts.Series("reviews", "reviews due", figures.timeline_reviews),
        ],
        title="Next 12 months: BAA expiries and reviews due",
        desc="; ".join(
            f"{m}: {e} expiries, {r} reviews"
            for m, e, r in zip(
                figures.timeline_months,
                figures.timeline_expiries,
                figures.timeline_reviews,
                strict=True,
            )
        ),
    )
    trend_chart = charts.line_chart(
        [s.day.strftime("%b %d") for s in history],
        [
            charts.Series("gaps", "Compliance gaps", [s.gaps for s in history]),
            charts.Series("overdue", "Overdue items", [s.overdue for s in history]),
        ],
        title="Gaps and overdue items, last 90 days",
        desc=f"{len(history)} daily snapshots",
    )
    context = {
        "p": figures,
        "figure_cards": [
            (figures.figures["reviews_overdue"], "reviews-overdue"),
            (figures.figures["evidence_stale"], "evidence-stale"),
            (figures.figures["critical_findings"], "critical-findings"),
            (figures.figures["breach_notices"], "breach-notices"),
        ],
        "history": history[-14:],
        "tier_chart": tier_chart,
        "timeline_chart": timeline_chart,
        "timeline_rows": list(
            zip(
                figures.timeline_months,
                figures.timeline_expiries,
                figures.timeline_reviews,
                strict=True,
            )
        ),
        "trend_chart": trend_chart,
    }
    return render(request, "dashboard/home.html", context)
