from celery import shared_task
from django.utils import timezone

from oversight.models import Organization

from . import posture


@shared_task
def record_snapshots() -> int:
    """Daily: record each practice's posture for the trend chart (one bad practice does not
    stop the others)."""
    done = 0
    for practice in Organization.objects.all():
        try:
            today = timezone.localdate(timezone=practice.tzinfo)
            posture.record_snapshot(practice, posture.compute(practice, today))
            done += 1
        except Exception:  # noqa: BLE001 - logged with the id only, no PHI
            import logging

            logging.getLogger(__name__).exception("snapshot failed for practice %s", practice.pk)
    return done
