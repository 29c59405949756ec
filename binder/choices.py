from django.db import models


class BinderStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Generating"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"
