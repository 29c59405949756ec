"""Statuses of the BAA reader's readings and proposals."""

from django.db import models


class ReadingStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Reading"
    DONE = "done", "Read"
    FAILED = "failed", "Could not be read"


class ProposalStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a decision"
    ACCEPTED = "accepted", "Accepted"
    EDITED = "edited", "Accepted as edited"
    REJECTED = "rejected", "Rejected"
