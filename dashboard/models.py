from django.db import models

from oversight.models import TenantModel


class PostureSnapshot(TenantModel):
    """The practice's posture on one day, recorded daily (by the dashboard's Celery beat task
    and on the first dashboard view of the day) to draw the trend of gaps and overdue items."""

    day = models.DateField()
    vendors = models.PositiveIntegerField(default=0)
    gaps = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    expiring_90 = models.PositiveIntegerField(default=0)
    open_actions = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["organization", "day"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "day"], name="snapshot_one_per_practice_and_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} on {self.day}: {self.gaps} gaps, {self.overdue} overdue"
