import logging

from celery import shared_task

from oversight.models import Organization

from . import posture

log = logging.getLogger(__name__)


@shared_task
def record_snapshots() -> int:
    """Daily: record each practice's posture for the trend chart (one bad practice does not
    stop the others)."""
    done = 0
    for practice in Organization.objects.all():
        try:
            today = practice.today()
            posture.record_snapshot(practice, posture.compute(practice, today))
            done += 1
        except Exception:  # logged with the id only, no PHI
            log.exception("snapshot failed for practice %s", practice.pk)
    return done
