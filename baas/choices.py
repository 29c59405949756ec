"""Statuses and kinds of the BAA app. The required-provision table is in ``provisions.py``."""

from django.db import models


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    NEGOTIATION = "negotiation", "In negotiation"
    SIGNED = "signed", "Signed"
    EXPIRED = "expired", "Expired"
    TERMINATED = "terminated", "Terminated"
    SUPERSEDED = "superseded", "Superseded"


# Statuses a user picks in the create/edit form; the others come from actions (sign, terminate,
# supersede) so that the one-signed-agreement rule and the vendor's BAA status stay consistent.
EDITABLE_STATUSES = (AgreementStatus.DRAFT, AgreementStatus.NEGOTIATION)
OPEN_STATUSES = (AgreementStatus.DRAFT, AgreementStatus.NEGOTIATION)


class TemplateSource(models.TextChoices):
    VENDOR = "vendor", "The vendor's paper"
    PRACTICE = "practice", "Our own template"
    NEGOTIATED = "negotiated", "Negotiated"


class DayKind(models.TextChoices):
    """The unit of the breach-notice window (the field keeps its historical name)."""

    CALENDAR = "calendar", "Calendar days"
    BUSINESS = "business", "Business days"
    HOURS = "hours", "Hours"


class NoticeTrigger(models.TextChoices):
    """What starts the vendor's breach-notice clock."""

    UNKNOWN = "unknown", "Not recorded yet"
    DISCOVERY = "discovery", "Discovery (first day the breach is known, or should have been)"
    LATER = "later", "Something later (e.g. confirmation or the end of an investigation)"


class Indemnification(models.TextChoices):
    UNKNOWN = "unknown", "Not recorded yet"
    MUTUAL = "mutual", "Mutual (each party covers losses from its own fault)"
    VENDOR_FAVOURABLE = (
        "vendor_favourable",
        "One-sided in the vendor's favour (we indemnify the vendor)",
    )
    PRACTICE_FAVOURABLE = (
        "practice_favourable",
        "One-sided in our favour (the vendor indemnifies us)",
    )
    NONE = "none", "No indemnification clause"


class IndemnityCover(models.TextChoices):
    NOTIFICATION = "notification", "Breach notification costs"
    CREDIT_MONITORING = "credit_monitoring", "Credit monitoring"
    REGULATORY_FINES = "regulatory_fines", "Regulatory fines"
    LEGAL_DEFENSE = "legal_defense", "Legal defense"
    CIVIL_LIABILITY = "civil_liability", "Civil liability"


class CapKind(models.TextChoices):
    UNKNOWN = "unknown", "Not recorded yet"
    NONE = "none", "No cap"
    FEES_MONTHS = "fees_months", "Fees paid in the prior N months"
    FIXED = "fixed", "Fixed amount"
    MULTIPLE = "multiple", "Multiple of annual contract value"


class CarveOut(models.TextChoices):
    GROSS_NEGLIGENCE = "gross_negligence", "Gross negligence"
    WILLFUL_MISCONDUCT = "willful_misconduct", "Willful misconduct"
    FRAUD = "fraud", "Fraud"
    INTENTIONAL_MISREPRESENTATION = "misrepresentation", "Intentional misrepresentation"
    VIOLATION_OF_LAW = "violation_of_law", "Violations of law"


class Term(models.TextChoices):
    """A contract term that is either in the agreement, not in it, or not yet read."""

    UNKNOWN = "unknown", "Not reviewed"
    YES = "yes", "Yes"
    NO = "no", "No"


class ReturnDestroy(models.TextChoices):
    UNKNOWN = "unknown", "Not reviewed"
    RETURN = "return", "Return PHI"
    DESTROY = "destroy", "Destroy PHI"
    EITHER = "either", "Return or destroy, at our choice"
    NOT_ADDRESSED = "not_addressed", "Not addressed"


class ProvisionState(models.TextChoices):
    NOT_REVIEWED = "not_reviewed", "Not reviewed"
    PRESENT = "present", "Present"
    ABSENT = "absent", "Absent"


class DocumentKind(models.TextChoices):
    SIGNED = "signed", "Signed BAA"
    AMENDMENT = "amendment", "Amendment"
    OTHER = "other", "Other"


class Severity(models.TextChoices):
    CRITICAL = "critical", "Critical"
    WARNING = "warning", "Warning"
    INFO = "info", "Info"
