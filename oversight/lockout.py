"""Sign-in lockout (django-axes): who is locked out now, and the practice admin's unlock.

Failed sign-ins are counted per account and address (``AXES_LOCKOUT_PARAMETERS``): five
failures lock that account from that address for ``AXES_COOLOFF_TIME``. Per account from any
address, and per address alone, allauth's rate limits refuse further attempts for a while
(``ACCOUNT_RATE_LIMITS``); the limit per address is high, because a practice's whole office
often shares one address.
"""

from __future__ import annotations

from contextvars import ContextVar

from axes.models import AccessAttempt
from django.conf import settings
from django.utils import timezone

# Set while ``unlock`` deletes attempts: the deletion signal then leaves the logging to it.
UNLOCKING: ContextVar[bool] = ContextVar("oversight_unlocking", default=False)


def still_locked(attempt: AccessAttempt) -> bool:
    return (
        attempt.failures_since_start >= settings.AXES_FAILURE_LIMIT
        and attempt.attempt_time > timezone.now() - settings.AXES_COOLOFF_TIME
    )


def locked_out(emails) -> set[str]:
    """The lower-cased addresses among ``emails`` locked out now (from any address)."""
    keys = {e.lower() for e in emails if e}
    if not keys:
        return set()
    attempts = AccessAttempt.objects.filter(
        username__in=keys,
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
        attempt_time__gt=timezone.now() - settings.AXES_COOLOFF_TIME,
    )
    return set(attempts.values_list("username", flat=True))


def clear(request, email: str) -> int:
    """Remove every failure counted against ``email`` (axes, from every address; allauth's
    per-account rate limit). Returns the number of axes records removed."""
    from allauth.account.adapter import get_adapter

    token = UNLOCKING.set(True)
    try:
        deleted, _ = AccessAttempt.objects.filter(username=email.lower()).delete()
    finally:
        UNLOCKING.reset(token)
    # allauth keeps its counters in the cache; this is its own call after a password reset.
    get_adapter(request)._delete_login_attempts_cached_email(request, email=email.lower())
    return deleted
