from django.db import models


class ReminderKind(models.TextChoices):
    """What falls due (mirrors ``oversight.due.DueKind``)."""

    BAA_EXPIRY = "baa_expiry", "BAA expiring"
    BAA_EXPIRED = "baa_expired", "BAA expired"
    RENEWAL_NOTICE = "renewal_notice", "Auto-renewal notice deadline"
    COMPLIANCE_GAP = "compliance_gap", "Compliance gap: no signed BAA"
    REVIEW = "review", "Periodic review"
    EVIDENCE = "evidence", "Diligence evidence"
    ACTION = "action", "Follow-up action"
    ACCESS = "access_revocation", "Access revocation"
    CERTIFICATE = "certificate", "Disposition certificate"
    INCIDENT = "incident_notice", "Breach notification deadline"
    QUESTIONNAIRE = "questionnaire", "Vendor questionnaire"


class Stage(models.TextChoices):
    """Where the item stands when the reminder is decided (see ``reminders/policy.py``)."""

    WARNING = "warning", "Advance warning"  # threshold = days before the date
    OVERDUE = "overdue", "Overdue"  # threshold = re-send period index
    ESCALATION = "escalation", "Escalation to admins"  # threshold = re-send period index
    GAP = "gap", "Compliance gap"  # threshold = re-send period index


class ReminderStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
