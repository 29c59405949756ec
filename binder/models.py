"""Generated OCR audit binders: a PDF and a ZIP of the evidence, as of a date."""

from django.conf import settings
from django.db import models

from oversight.models import TenantModel

from .choices import BinderStatus


def _binder_path(instance, filename: str) -> str:
    return f"binders/{instance.organization_id}/{instance.pk or 'new'}-{filename}"


class BinderExport(TenantModel):
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    as_of = models.DateField("as of")
    period_start = models.DateField("activity from")
    status = models.CharField(
        max_length=16, choices=BinderStatus.choices, default=BinderStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=200, blank=True)
    pdf = models.FileField(upload_to=_binder_path, blank=True, max_length=255)
    archive = models.FileField(upload_to=_binder_path, blank=True, max_length=255)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    archive_sha256 = models.CharField(max_length=64, blank=True)
    vendor_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_start__lte=models.F("as_of")),
                name="binder_period_before_as_of",
                violation_error_message="The activity period must start before the as-of date.",
            )
        ]

    def __str__(self) -> str:
        return f"Audit binder of {self.organization} as of {self.as_of:%Y-%m-%d}"

    @property
    def is_finished(self) -> bool:
        return self.status in (BinderStatus.DONE, BinderStatus.FAILED)
