import logging

from celery import shared_task

from oversight.models import Organization

from .services import baa_refresh_practice

log = logging.getLogger(__name__)


@shared_task
def refresh_findings() -> int:
    """Nightly: recount every vendor's BAA findings, since some depend on today's date
    (expiring, renewal-notice deadline). One failing practice does not stop the others."""
    refreshed = 0
    for practice in Organization.objects.all():
        try:
            refreshed += baa_refresh_practice(organization=practice)
        except Exception:  # logged with the id only, no PHI
            log.exception("BAA findings refresh failed for practice %s", practice.pk)
    return refreshed
