import logging

from celery import shared_task
from django.utils import timezone

from . import builder
from .choices import BinderStatus
from .models import BinderExport

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def generate_binder(export_id: int) -> str:
    # Claim the export so a redelivered task does not build it twice.
    claimed = BinderExport.objects.filter(pk=export_id, status=BinderStatus.QUEUED).update(
        status=BinderStatus.RUNNING, progress=5, stage="Starting"
    )
    if not claimed:
        return "skipped"
    export = BinderExport.objects.select_related("organization").get(pk=export_id)

    def progress(percent: int, stage: str) -> None:
        BinderExport.objects.filter(pk=export_id).update(progress=percent, stage=stage)

    try:
        builder.generate(export, progress)
    except Exception as error:  # recorded on the page; the log has no PHI, only ids
        log.exception("binder %s failed", export_id)
        BinderExport.objects.filter(pk=export_id).update(
            status=BinderStatus.FAILED,
            error=f"{type(error).__name__}: the binder could not be generated.",
            finished_at=timezone.now(),
        )
        return "failed"
    export.status = BinderStatus.DONE
    export.progress = 100
    export.stage = "Ready"
    export.finished_at = timezone.now()
    export.save()
    return "done"
