"""The Reminders page (upcoming, sent, failed, sweep errors), resend, and the member's own
reminder preference. Every query is scoped to the current practice."""

import logging

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils import dateformat
from django.views.decorators.http import require_POST

from oversight.keep import kept
from oversight.models import Membership
from oversight.reversing import url_pattern
from oversight.tenancy import admin_required, get_for_member, member_required, scoped

from . import forecast, freshness, policy, services
from .choices import ReminderStatus
from .forms import ReminderPreferenceForm
from .models import Reminder, SweepError

LIST_LIMIT = 100
# Each section of the page shows this many rows and links to its next page: the page builds
# and renders only what it shows (issue 13), and says how many there are in all.
SECTION_SIZE = 25
FORECAST_PAGES = 40  # the forecast is built up to the page asked for: bounded
# The statuses of the reminders waiting to be sent (the "recorded" rows of Upcoming).
WAITING = (ReminderStatus.PENDING, ReminderStatus.SENDING)
# Part of the key of what the page keeps (``_kept``): bump it when ``SHOWN`` or a section's
# query changes (a kept answer of the old code must not be read).
CACHE_FORMAT = 1
logger = logging.getLogger(__name__)


def _page_number(request, name: str, last: int | None = None) -> int:
    try:
        number = max(1, int(request.GET.get(name, 1)))
    except (TypeError, ValueError):
        number = 1
    return min(number, last) if last else number


def _link(request, name: str, number: int) -> str:
    """The query string of this page with the section ``name`` at page ``number``."""
    query = request.GET.copy()
    query[name] = str(number)
    return "?" + query.urlencode()


def _section(request, name: str, queryset, total: int, keep: str | None):
    """One page of a section's rows (``_rows``, kept under ``keep``: ``_kept``), its total
    (counted with the others: ``_totals``) and the links to its neighbours."""
    paginator = Paginator(queryset, SECTION_SIZE)
    paginator.count = total  # (a cached property: no COUNT query of its own)
    page = paginator.get_page(request.GET.get(name))
    rows = _kept(keep, f"{name}:{page.number}", lambda: list(page.object_list))
    return {
        "rows": _rows(rows, request.practice.tzinfo),
        "total": total,
        "first": page.start_index(),
        "last": page.end_index(),
        "previous": _link(request, name, page.number - 1) if page.has_previous() else "",
        "next": _link(request, name, page.number + 1) if page.has_next() else "",
    }


def _kept(keep: str | None, name: str, compute):
    """``compute()`` (what the page reads of the practice's reminder rows), kept in the cache
    under ``keep`` (``freshness.tokens``, read before: it changes with every reminder recorded,
    every status change, every deletion, so a kept answer is never stale) and ``name``;
    ``None``: not kept."""
    return kept(keep, f"reminders.page:{CACHE_FORMAT}:{name}", compute)


# What the page shows of a recorded reminder (``values()`` rows: no model instance per row).
SHOWN = (
    "id",
    "send_after",
    "sent_at",
    "status",
    "attempts",
    "last_error",
    "vendor_id",
    "vendor_name",
    "url",
    "title",
    "stage",
    "threshold",
    "due_date",
    "tier",
    "recipient_email",
    "immediate",
)


def _local(moment, tz) -> str:
    """``moment|date:"Y-m-d H:i T"`` in the practice's time zone, as the template would say it."""
    return dateformat.format(moment.astimezone(tz), "Y-m-d H:i T") if moment else ""


def _rows(rows, tz) -> list[dict]:
    """The ``values(*SHOWN)`` rows with what the page says of each: its
    times in the practice's time zone ``tz``, the phrase of its stage (``Reminder.describe``)
    and the links to its vendor and its resend (per row, a template filter or tag cost more
    than the row's query)."""
    vendor_url = url_pattern("vendor_detail")
    resend_url = url_pattern("reminder_resend")
    rows = list(rows)  # (the cache keeps its own copy: adding to these changes nothing kept)
    for row in rows:
        row["send_after_local"] = _local(row["send_after"], tz)
        row["sent_at_local"] = _local(row["sent_at"], tz)
        row["describe"] = policy.describe(row["stage"], row["threshold"], row["due_date"])
        row["vendor_link"] = vendor_url.format(row["vendor_id"]) if row["vendor_id"] else ""
        row["resend_link"] = resend_url.format(row["id"])
    return rows


def _totals(reminders, keep: str | None) -> dict:
    """The practice's reminders by status, in one query (the sections' totals), kept
    (``_kept``): counting is the only part of the page that grows with the practice."""
    return _kept(
        keep,
        "totals",
        lambda: dict(reminders.order_by().values_list("status").annotate(n=Count("id"))),
    )


def _forecast(practice, number: int = 1, size: int = LIST_LIMIT, keep: str | None = None):
    """What will be sent when: the next reminder of each current due item, with its recipient;
    the ``number``-th page of ``size`` entries, and whether a later page exists. Kept in the
    cache under ``keep`` (``freshness.token``, read before; ``None``: not kept)."""
    today = practice.today()
    try:
        # ``policy.forecast`` of every item, building only the items it shows; kept.
        upcoming = forecast.kept(practice, today, number * size + 1, keep)
    except Exception:  # a broken record must not take the page down; the sweep reports it
        logger.warning("reminders page: forecast unavailable for practice %s", practice.id)
        return None, False
    more = len(upcoming) > number * size
    upcoming = upcoming[(number - 1) * size : number * size]
    members = {
        m.id: m for m in Membership.objects.filter(organization=practice).select_related("user")
    }
    admins = [m for m in members.values() if m.is_admin]
    rows = []
    for entry in upcoming:
        item = entry.item
        owner = members.get(item.owner_membership_id)
        if item.contact_email and entry.stage != "escalation":
            # A vendor's contact, chased outside the practice (``reminders.policy``).
            to = f"{item.contact_email} (vendor contact)"
        else:
            if entry.stage == "escalation" and item.contact_email and owner is not None:
                members_to = [owner]
            else:
                members_to = admins if entry.stage == "escalation" or owner is None else [owner]
            to = ", ".join(m.user.email for m in members_to)
        # What the row shows, flat (one dictionary lookup per cell in the template).
        rows.append(
            {
                "entry": entry,
                "on": entry.on.isoformat(),  # (``|date:"Y-m-d"``)
                "stage": entry.stage,
                "threshold": entry.threshold,
                "url": item.url,
                "vendor_name": item.vendor_name,
                "title": item.title,
                "due_date": item.due_date.isoformat(),
                "tier": item.tier,
                "to": to,
            }
        )
    return rows, more


@member_required
def reminder_list(request):
    reminders = scoped(request, Reminder)
    # Read before anything is read (and outside any transaction): see ``freshness.tokens``.
    data_token, reminders_token = freshness.tokens(request.practice.id)
    number = _page_number(request, "forecast", FORECAST_PAGES)
    forecast_rows, forecast_more = _forecast(request.practice, number, SECTION_SIZE, data_token)
    totals = _totals(reminders, reminders_token)
    context = {
        "pending": _section(
            request,
            "recorded",
            reminders.filter(status__in=WAITING).order_by("send_after", "id").values(*SHOWN),
            sum(totals.get(status, 0) for status in WAITING),
            reminders_token,
        ),
        "forecast": forecast_rows,
        "forecast_first": (number - 1) * SECTION_SIZE + 1,
        "forecast_last": (number - 1) * SECTION_SIZE + len(forecast_rows or ()),
        "forecast_previous": _link(request, "forecast", number - 1) if number > 1 else "",
        "forecast_next": _link(request, "forecast", number + 1) if forecast_more else "",
        "sent": _section(
            request,
            "sent",
            reminders.filter(status=ReminderStatus.SENT).order_by("-sent_at", "-id").values(*SHOWN),
            totals.get(ReminderStatus.SENT, 0),
            reminders_token,
        ),
        "failed": _rows(
            _kept(
                reminders_token,
                "failed",
                lambda: list(
                    reminders.filter(status=ReminderStatus.FAILED)
                    .order_by("-id")
                    .values(*SHOWN)[:LIST_LIMIT]
                ),
            ),
            request.practice.tzinfo,
        ),
        "sweep_errors": scoped(request, SweepError)[:20],
        "can_resend": request.membership.is_admin,
        "section_size": SECTION_SIZE,
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
