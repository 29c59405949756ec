from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from oversight.choices import AuditAction
from oversight.models import audit

from .models import BinderExport
from .tasks import generate_binder


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
    generate_binder.delay_on_commit(export.pk)
    return export
