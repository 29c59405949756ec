"""Answers kept in the cache under a practice's data token: the one mechanism behind the
dashboard's figures, the work queue's counts and page, the vendor list's count and page ids
and the Reminders page's sections and forecast.

The token (``reminders.freshness.token`` or ``tokens``, registered in ``oversight.queue``) is
read before the answer is computed and changes with every committed write to the practice's
rows, so a kept answer is never stale. ``None`` (SQLite, inside a transaction that wrote):
nothing is kept. A key names the question and everything its answer depends on besides the
practice's rows (the day, built-in defaults, a format number bumped when the answer changes
shape)."""

from collections.abc import Callable

from django.core.cache import cache

KEEP_SECONDS = 60 * 60 * 24


def kept(token: str | None, key: str, compute: Callable):
    """``compute()``, kept under ``key`` and ``token``; computed each time without a token."""
    if token is None:
        return compute()
    value = cache.get(f"{key}:{token}")
    if value is None:
        value = compute()
        keep(token, key, value)
    return value


def keep(token: str, key: str, value) -> None:
    """Keep ``value`` as the answer ``kept`` gives for ``key`` under ``token``."""
    cache.set(f"{key}:{token}", value, KEEP_SECONDS)
