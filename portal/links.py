"""Private links for people outside the practice: the only way to make or read one.

- ``link_issue`` makes a random token (``secrets.token_urlsafe(32)``, 256 bits) and stores
  only its SHA-256; the raw token goes into one email and is never stored or logged.
- ``link_resolve`` answers ``Http404`` alike for an unknown, malformed, expired, revoked or
  other-purpose token, so a visitor learns nothing from the answer.
- ``link_record_access`` puts every use in the practice's activity log (IP and time; no PHI).
- ``portal_rate_limited`` guards every view that takes a token: a per-IP limit on all
  requests, and a much lower one on failed lookups (guessing tokens), answered with 429.
"""

import base64
import hashlib
import hmac
import re
import secrets
from functools import wraps

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django_ratelimit.core import get_usage

from oversight.choices import AuditAction
from oversight.models import audit

from .choices import LinkPurpose
from .models import AccessLink

# What secrets.token_urlsafe(32) produces: 43 characters of the URL-safe base64 alphabet.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")


def _hash(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


@transaction.atomic
def link_issue(
    *, organization, vendor, purpose: str, email: str, expires_at, created_by
) -> tuple[AccessLink, str]:
    """Make a link for ``email``; returns ``(link, raw_token)``. Only the hash is stored."""
    if purpose not in LinkPurpose.values:
        raise ValueError(f"unknown link purpose {purpose!r}")
    if vendor.organization_id != organization.id:
        raise ValueError("the vendor is not in this practice")
    raw_token = secrets.token_urlsafe(32)
    link = AccessLink.objects.create(
        organization=organization,
        vendor=vendor,
        purpose=purpose,
        email=email,
        token_hash=_hash(raw_token),
        expires_at=expires_at,
        created_by=created_by,
    )
    return link, raw_token


def derived_token(seed: str) -> str:
    """A token derived from ``seed`` with the project's secret key (HMAC-SHA256, the same
    43-character shape as a random one): a reminder email sent again (a retry, a resend)
    carries the same link as its first attempt, while nothing but its hash is stored."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"portal-link:{seed}".encode(), "sha256")
    return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")


@transaction.atomic
def link_replace(*, link: AccessLink, raw_token: str) -> AccessLink:
    """The link for ``raw_token`` in place of ``link`` (same practice, vendor, purpose, email
    and expiry): the old one is revoked, so one link per request works at a time. Replacing
    with the token of the current link changes nothing; with the token of an earlier one, that
    one works again (the latest email sent holds the working link)."""
    token_hash = _hash(raw_token)
    if link.token_hash == token_hash:
        return link
    new, _ = AccessLink.objects.get_or_create(
        token_hash=token_hash,
        defaults={
            "organization_id": link.organization_id,
            "vendor_id": link.vendor_id,
            "purpose": link.purpose,
            "email": link.email,
            "expires_at": link.expires_at,
            "created_by": None,
        },
    )
    if new.revoked_at is not None or new.expires_at != link.expires_at:
        # Its email is being sent again (a retry after a later one went out): it is the one
        # that works now, until the same date as the link it replaces.
        new.revoked_at, new.revoked_by, new.expires_at = None, None, link.expires_at
        new.save(update_fields=["revoked_at", "revoked_by", "expires_at"])
    link_revoke(link=link, by=None)
    return new


def link_lookup(raw_token: str, *, purpose: str) -> AccessLink | None:
    """The link of ``raw_token`` for ``purpose``, usable or not (revoked, expired), or None.
    For the portal's own "your link has expired, your answers are below" page only; every
    other caller uses ``link_resolve``."""
    if not isinstance(raw_token, str) or not _TOKEN_SHAPE.fullmatch(raw_token):
        return None
    return (
        AccessLink.objects.select_related("organization", "vendor")
        .filter(token_hash=_hash(raw_token), purpose=purpose)
        .first()
    )


def link_resolve(raw_token: str, *, purpose: str) -> AccessLink:
    """The usable link of ``raw_token`` for ``purpose``; ``Http404`` for anything else
    (unknown, malformed, expired, revoked, other purpose), all alike. Records the opening."""
    link = link_lookup(raw_token, purpose=purpose)
    if link is None or not link.is_usable:
        raise Http404("No such page.")
    link.last_opened_at = timezone.now()
    AccessLink.objects.filter(pk=link.pk).update(last_opened_at=link.last_opened_at)
    return link


@transaction.atomic
def link_revoke(*, link: AccessLink, by) -> None:
    """Make the link answer 404 from now on. Revoking twice keeps the first time."""
    if link.revoked_at is not None:
        return
    link.revoked_at = timezone.now()
    link.revoked_by = by
    link.save(update_fields=["revoked_at", "revoked_by"])


def link_record_access(*, link: AccessLink, request, action: str) -> None:
    """One row in the practice's activity log: which link, what was done ("opened",
    "saved", "submitted"...), the client's IP and the time. The vendor's name and the
    link's purpose only: no PHI, never the token."""
    audit(
        request,
        AuditAction.PRIVATE_LINK,
        obj=link,
        organization=link.organization,
        user=None,
        email=link.email,
        purpose=link.purpose,
        link_action=action,
    )


# --- rate limits -------------------------------------------------------------------------------

_ALL = "portal-link"
_FAILED = "portal-link-failed"


def _all_rate(group, request) -> str:
    return settings.PORTAL_LINK_RATE


def _failed_rate(group, request) -> str:
    return settings.PORTAL_LINK_FAILED_RATE


def _limited(request, group: str, rate, *, increment: bool) -> bool:
    """Over the limit: this request is one too many (counted), or the failures allowed in the
    period are used up (checked without counting)."""
    usage = get_usage(request, group=group, key="ip", rate=rate, increment=increment)
    if not usage:
        return False
    return usage["count"] > usage["limit"] if increment else usage["count"] >= usage["limit"]


def too_many_requests(request):
    """The 429 page: nothing about the link or the practice."""
    return render(request, "429.html", status=429)


def portal_rate_limited(view):
    """Per-IP limits on a view that takes a token: every request counts against
    ``PORTAL_LINK_RATE``; a request that answers 404 (a wrong, expired or revoked token) also
    counts against ``PORTAL_LINK_FAILED_RATE``, so guessing stops long before it could find
    anything. Over either limit: 429, whatever the token."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if _limited(request, _FAILED, _failed_rate, increment=False) or _limited(
            request, _ALL, _all_rate, increment=True
        ):
            return too_many_requests(request)
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            _limited(request, _FAILED, _failed_rate, increment=True)
            raise
        if response.status_code == 404:
            _limited(request, _FAILED, _failed_rate, increment=True)
        return response

    return wrapper
