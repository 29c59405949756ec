import logging
import threading
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from oversight.choices import AuditAction
from oversight.models import audit

from .models import BinderExport
from .tasks import generate_binder

log = logging.getLogger(__name__)


def _build_in_thread(export_id: int) -> None:
    try:
        generate_binder(export_id)
    except Exception:  # the task records failures itself; this is the last resort
        log.exception("binder %s: background build failed", export_id)
    finally:
        connection.close()


def _start(export_id: int) -> None:
    """Hand the build to the Celery worker. Without a broker (Celery runs tasks inline),
    build in a background thread so that the request returns at once and the page polls the
    progress, instead of blocking for the whole build. A thread sees only committed rows:
    when the caller is still inside a transaction (a test wrapping the request), the build
    runs inline."""
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        generate_binder.delay(export_id)
    elif connection.in_atomic_block:
        generate_binder(export_id)
    else:
        threading.Thread(
            target=_build_in_thread, args=(export_id,), name=f"binder-{export_id}", daemon=True
        ).start()


@transaction.atomic
def binder_request(*, request, as_of: date, period_start: date) -> BinderExport:
    """Queue the generation of a binder for the member's practice; logged as an export."""
    if period_start > as_of:
        raise ValidationError(
            {"period_start": "The activity period must start before the as-of date."}
        )
    export = BinderExport.objects.create(
        organization=request.practice,
        requested_by=request.user,
        as_of=as_of,
        period_start=period_start,
    )
    audit(request, AuditAction.BINDER_GENERATED, obj=export)
    transaction.on_commit(lambda: _start(export.pk))
    return export
