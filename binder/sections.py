"""Per-vendor binder sections contributed by the apps above vendors (BAAs, diligence,
reminders). Each collector runs a bounded number of queries for the whole practice."""

from .builder import collectors  # noqa: F401
