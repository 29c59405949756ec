"""The history (django-simple-history) of the practice's compliance records."""

from django.db import models
from simple_history.models import HistoricalRecords


def _practice_owned(model) -> bool:
    return any(f.name == "organization" for f in model._meta.fields)


class PracticeHistory(HistoricalRecords):
    """``HistoricalRecords`` whose table of a practice-owned model (one with an
    ``organization``) is indexed on (practice, newest first): every read of a history table
    is one practice's (the activity log reads the newest rows of each table, the binder a
    period, the History tab one record). That index replaces simple-history's index on the
    date alone, which PostgreSQL would otherwise walk through every practice's rows, newest
    first, to find a small practice's latest changes."""

    def get_extra_fields(self, model, fields):
        extra = super().get_extra_fields(model, fields)
        if _practice_owned(model):
            extra["history_date"] = models.DateTimeField()
        return extra

    def get_meta_options(self, model):
        meta = super().get_meta_options(model)
        if _practice_owned(model):
            meta["indexes"] = (
                *meta.get("indexes", ()),
                models.Index(fields=["organization", "-history_date", "-history_id"]),
            )
        return meta
