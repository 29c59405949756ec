"""Open questionnaire requests as due items (``oversight.due``): the reminder engine chases
the vendor's contact before and after the due date until the request is submitted, revoked
or its link expires, and escalates to the vendor's owner at the practice
(``reminders.policy``: items with a ``contact_email``). One query whatever the number of
requests.

The contact's email is written here (``contact_reminder``): the practice's name, the vendor's
name, the due date and a working link, nothing internal. The raw token of the link first sent
is not stored, so each reminder carries a fresh link (the old one is revoked: one working link
per request), derived from the reminder row, so a retry or a resend of the same row carries
the same link."""

from datetime import UTC, date, datetime, time, timedelta

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from oversight.due import DueItem, DueKind, register, register_contact_mail
from oversight.reversing import url_pattern

from .choices import OPEN_STATUSES
from .links import derived_token, link_replace
from .models import QuestionnaireRequest
from .services import vendor_url

# Requests enter the reminders this long before their due date (the first warning).
LEAD_DAYS = 3
KEY_PREFIX = "questionnaire:"


def questionnaire_items(org_ids, today: date, rules):
    """Open requests due within ``LEAD_DAYS`` or overdue whose link works on the practice's
    ``today``, except on the day they were sent (the request email has just arrived). A link
    that expires during the day is checked again when the email is written."""
    # A coarse bound in SQL (a day early for any time zone), the practice's own day below.
    yesterday = datetime.combine(today - timedelta(days=1), time.min, tzinfo=UTC)
    requests = (
        QuestionnaireRequest.objects.filter(
            organization_id__in=list(org_ids),
            status__in=OPEN_STATUSES,
            due_on__lte=today + timedelta(days=LEAD_DAYS),
            link__revoked_at__isnull=True,
            link__expires_at__gt=yesterday,
        )
        .select_related("organization", "vendor", "link")
        .order_by("id")
    )
    url = url_pattern("portal_request_detail")
    for request in requests:
        tz = request.organization.tzinfo
        if request.created_at.astimezone(tz).date() >= today:
            continue  # sent today (the practice's day): the request email has just arrived
        if request.link.expires_at.astimezone(tz).date() < today:
            continue  # the link has expired: chasing stops
        vendor = request.vendor
        yield DueItem(
            organization_id=request.organization_id,
            kind=DueKind.QUESTIONNAIRE,
            key=f"{KEY_PREFIX}{request.pk}",
            due_date=request.due_on,
            vendor_id=vendor.pk,
            vendor_name=vendor.name,
            tier=vendor.tier,
            title="Security questionnaire answers due",
            url=url.format(request.pk),
            owner_membership_id=vendor.owner_id,
            contact_email=request.link.email,
        )


@transaction.atomic
def contact_reminder(reminder, *, now: datetime):
    """The email to the vendor's contact for one reminder row, with a working link; None if
    the request no longer calls for it (submitted, revoked, link expired)."""
    if not reminder.key.startswith(KEY_PREFIX):
        return None
    request = (
        QuestionnaireRequest.objects.select_for_update(of=("self",))
        .select_related("organization", "vendor", "contact", "link")
        .filter(organization_id=reminder.organization_id, pk=reminder.key[len(KEY_PREFIX) :])
        .first()
    )
    if request is None or request.status not in OPEN_STATUSES:
        return None
    if request.link.revoked_at is not None or request.link.expires_at <= now:
        return None
    token = derived_token(f"reminder:{reminder.pk}")
    link = link_replace(link=request.link, raw_token=token)
    if link.pk != request.link_id:
        request.link = link
        request.save(update_fields=["link"])
    organization = request.organization
    overdue = request.due_on < now.astimezone(organization.tzinfo).date()
    context = {
        "practice": organization.name,
        "vendor": request.vendor.name,
        "contact_name": request.contact.name,
        "title": request.title,
        "due_on": request.due_on,
        "overdue": overdue,
        "expires_on": timezone.localtime(link.expires_at, organization.tzinfo),
        "link": vendor_url(token),
    }
    what = "is overdue" if overdue else f"is due {request.due_on:%Y-%m-%d}"
    message = EmailMultiAlternatives(
        subject=f"Reminder: the security questionnaire {organization.name} sent "
        f"{request.vendor.name} {what}",
        body=render_to_string("emails/portal_reminder.txt", context),
        to=[link.email],
    )
    message.attach_alternative(
        render_to_string("emails/portal_reminder.html", context), "text/html"
    )
    return message


def connect() -> None:
    register(questionnaire_items)
    register_contact_mail(DueKind.QUESTIONNAIRE, contact_reminder)
