import secrets
from datetime import timedelta

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from .calendar import build_calendar
from .due import calendar_items
from .models import CalendarFeed, rules_for
from .tenancy import member_required


@member_required
def calendar_settings(request):
    """Turn the member's private feed on, replace its address, or turn it off."""
    membership = request.membership
    feed_url = None
    if request.method == "POST":
        action = request.POST.get("action")
        with transaction.atomic():
            CalendarFeed.objects.filter(membership=membership, revoked_at__isnull=True).update(
                revoked_at=timezone.now()
            )
            if action in ("enable", "regenerate"):
                token = secrets.token_urlsafe(32)
                CalendarFeed.objects.create(
                    membership=membership, token_hash=CalendarFeed.hash(token)
                )
                feed_url = request.build_absolute_uri(reverse("calendar_feed", args=[token]))
                messages.success(
                    request,
                    "Your calendar feed is on. Copy its address now: it is shown only once.",
                )
            else:
                messages.success(
                    request, "Your calendar feed is off; its old address no longer works."
                )
    active = CalendarFeed.objects.filter(membership=membership, revoked_at__isnull=True).first()
    return render(request, "oversight/calendar.html", {"active": active, "feed_url": feed_url})


@require_GET
def calendar_feed(request, token: str):
    feed = (
        CalendarFeed.objects.select_related("membership__organization")
        .filter(
            token_hash=CalendarFeed.hash(token),
            revoked_at__isnull=True,
            membership__user__is_active=True,
        )
        .first()
    )
    if feed is None:
        raise Http404
    practice = feed.membership.organization
    today = practice.today()
    # What is due or overdue now, and every dated obligation of the next 18 months.
    items = calendar_items(
        [practice.pk], today, today + timedelta(days=548), rules_for([practice.pk])
    )
    body = build_calendar(items, name=f"{practice.name}: vendor oversight")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="vendor-oversight.ics"'
    response["Cache-Control"] = "private, max-age=900"
    return response
