"""The Reminders page (upcoming, sent, failed, sweep errors), resend, and the member's own
reminder preference. Every query is scoped to the current practice."""

import logging

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from oversight.models import Membership, rules_for
from oversight.tenancy import admin_required, get_for_member, member_required, scoped

from . import forecast, services
from .choices import ReminderStatus
from .forms import ReminderPreferenceForm
from .models import Reminder, SweepError

LIST_LIMIT = 100
logger = logging.getLogger(__name__)


def _forecast(practice):
    """What will be sent when: the next reminder of each current due item, with its recipient."""
    today = practice.today()
    rules = rules_for([practice.id])
    try:
        with transaction.atomic():
            # ``policy.forecast`` of every item, building only the items it shows.
            upcoming = forecast.upcoming(practice, rules, today, LIST_LIMIT)
    except Exception:  # a broken record must not take the page down; the sweep reports it
        logger.warning("reminders page: forecast unavailable for practice %s", practice.id)
        return None
    members = {
        m.id: m for m in Membership.objects.filter(organization=practice).select_related("user")
    }
    admins = [m for m in members.values() if m.is_admin]
    rows = []
    for entry in upcoming[:LIST_LIMIT]:
        owner = members.get(entry.item.owner_membership_id)
        if entry.item.contact_email and entry.stage != "escalation":
            # A vendor's contact, chased outside the practice (``reminders.policy``).
            rows.append({"entry": entry, "to": f"{entry.item.contact_email} (vendor contact)"})
            continue
        if entry.stage == "escalation" and entry.item.contact_email and owner is not None:
            to = [owner]
        else:
            to = admins if entry.stage == "escalation" or owner is None else [owner]
        rows.append({"entry": entry, "to": ", ".join(m.user.email for m in to)})
    return rows


@member_required
def reminder_list(request):
    reminders = scoped(request, Reminder)
    context = {
        "pending": reminders.filter(
            status__in=[ReminderStatus.PENDING, ReminderStatus.SENDING]
        ).order_by("send_after", "id")[:LIST_LIMIT],
        "forecast": _forecast(request.practice),
        "sent": reminders.filter(status=ReminderStatus.SENT).order_by("-sent_at", "-id")[
            :LIST_LIMIT
        ],
        "failed": reminders.filter(status=ReminderStatus.FAILED).order_by("-id")[:LIST_LIMIT],
        "sweep_errors": scoped(request, SweepError)[:20],
        "can_resend": request.membership.is_admin,
        "forecast_limit": LIST_LIMIT,
    }
    return render(request, "reminders/reminder_list.html", context)


@require_POST
@admin_required
def reminder_resend(request, pk: int):
    reminder = get_for_member(request, Reminder, pk=pk)
    if reminder.status != ReminderStatus.FAILED:
        messages.error(request, "Only a failed reminder can be resent.")
        return redirect("reminder_list")
    services.reminder_resend(reminder=reminder, actor=request.user)
    messages.success(
        request,
        f"The reminder about {reminder.vendor_name} to {reminder.recipient_email} is resent.",
    )
    return redirect("reminder_list")


@member_required
def reminder_preference(request):
    """Each member's own choice (viewers too: it is a preference, not a compliance record)."""
    membership = request.membership
    form = ReminderPreferenceForm(
        request.POST or None, initial={"reminder_mode": membership.reminder_mode}
    )
    if request.method == "POST" and form.is_valid():
        services.reminder_mode_set(membership=membership, mode=form.cleaned_data["reminder_mode"])
        messages.success(request, "Your reminder preference is saved.")
        return redirect("reminder_preference")
    return render(request, "reminders/preference.html", {"form": form})
