from django.db import models


class LinkPurpose(models.TextChoices):
    QUESTIONNAIRE = "questionnaire", "Security questionnaire"
    SIGNATURE = "signature", "BAA signature"


class RequestStatus(models.TextChoices):
    SENT = "sent", "Sent"
    OPENED = "opened", "Opened"
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted"
    ACCEPTED = "accepted", "Accepted"
    RETURNED = "returned", "Returned for changes"
    REVOKED = "revoked", "Revoked"


# Statuses in which the vendor may still answer (until the link expires).
OPEN_STATUSES = (
    RequestStatus.SENT,
    RequestStatus.OPENED,
    RequestStatus.IN_PROGRESS,
    RequestStatus.RETURNED,
)
# What the lists show: the stored status, or "expired" for an open request past its link.
EXPIRED = "expired"
STATE_LABELS = {**dict(RequestStatus.choices), EXPIRED: "Expired"}
