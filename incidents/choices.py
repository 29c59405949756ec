"""Statuses and kinds of the incident log. The clocks are in ``clocks.py``."""

from django.db import models


class IncidentStatus(models.TextChoices):
    INVESTIGATING = "investigating", "Investigating"
    ASSESSED = "assessed", "Assessed"
    NOTIFIED = "notified", "Notified"
    CLOSED = "closed", "Closed"


class DiscoveryBasis(models.TextChoices):
    """From which discovery the practice's clocks run (164.404(a)(2)); ``clocks.DiscoveryBasis``."""

    VENDOR = "vendor", "The vendor's discovery (the vendor is our agent: the safe default)"
    PRACTICE = "practice", "Our own discovery (counsel decided the vendor is not our agent)"


class Conclusion(models.TextChoices):
    """The outcome of the 164.402(2) risk assessment; ``clocks.Conclusion``."""

    PENDING = "pending", "Not assessed yet (a breach is presumed)"
    BREACH = "breach", "Breach: notification required"
    LOW_PROBABILITY = "low_probability", "Low probability that the PHI has been compromised"


class BreachException(models.TextChoices):
    """164.402(1): what is not a breach."""

    NONE = "", "None"
    WORKFORCE = (
        "workforce",
        "164.402(1)(i): unintentional, good-faith access by a workforce member or agent",
    )
    INADVERTENT = (
        "inadvertent",
        "164.402(1)(ii): inadvertent disclosure between persons authorized at the same entity",
    )
    CANNOT_RETAIN = (
        "cannot_retain",
        "164.402(1)(iii): the recipient could not reasonably have retained the information",
    )


class PhiCategory(models.TextChoices):
    DEMOGRAPHIC = "demographic", "Names, addresses, dates of birth"
    SSN = "ssn", "Social Security numbers"
    FINANCIAL = "financial", "Financial or payment data"
    INSURANCE = "insurance", "Health-plan or member numbers"
    CLINICAL = "clinical", "Diagnoses, treatment, medications, results"
    IMAGES = "images", "Images or scanned documents"
    CREDENTIALS = "credentials", "Portal or account credentials"
    OTHER = "other", "Other"


class BreachType(models.TextChoices):
    """The HHS breach portal's "type of breach"."""

    HACKING = "hacking", "Hacking/IT incident"
    UNAUTHORIZED = "unauthorized", "Unauthorized access/disclosure"
    THEFT = "theft", "Theft"
    LOSS = "loss", "Loss"
    DISPOSAL = "disposal", "Improper disposal"
    OTHER = "other", "Other"


class BreachLocation(models.TextChoices):
    """The HHS breach portal's "location of breached information"."""

    LAPTOP = "laptop", "Laptop"
    DESKTOP = "desktop", "Desktop computer"
    SERVER = "server", "Network server"
    EMAIL = "email", "Email"
    PORTABLE = "portable", "Other portable electronic device"
    EHR = "ehr", "Electronic medical record"
    PAPER = "paper", "Paper/films"
    OTHER = "other", "Other"


class NoticeKind(models.TextChoices):
    INDIVIDUALS = "individuals", "Individuals (164.404)"
    MEDIA = "media", "Media (164.406)"
    HHS = "hhs", "HHS (164.408)"
    STATE = "state", "State authority (state law)"


class NoticeMethod(models.TextChoices):
    MAIL = "mail", "First-class mail"
    EMAIL = "email", "Email (individual agreed to electronic notice)"
    SUBSTITUTE = "substitute", "Substitute notice (web posting or media, 164.404(d)(2))"
    PRESS = "press", "Press release to prominent media"
    PORTAL = "portal", "HHS breach portal"
    OTHER = "other", "Other"
