from django.db import models


class Category(models.TextChoices):
    EHR = "ehr", "EHR / practice management"
    BILLING = "billing", "Billing / revenue cycle"
    CLEARINGHOUSE = "clearinghouse", "Clearinghouse"
    CLOUD_HOSTING = "cloud_hosting", "Cloud hosting"
    BACKUP = "backup", "Backup"
    MSP = "msp", "IT managed services (MSP)"
    EMAIL = "email", "Email / messaging"
    TRANSCRIPTION = "transcription", "Transcription"
    TELEHEALTH = "telehealth", "Telehealth"
    SHREDDING = "shredding", "Shredding / records disposal"
    LEGAL = "legal", "Legal"
    ACCOUNTING = "accounting", "Accounting"
    CONSULTING = "consulting", "Consulting"
    OTHER = "other", "Other"


class RelationshipStatus(models.TextChoices):
    PROSPECTIVE = "prospective", "Prospective"
    ONBOARDING = "onboarding", "Onboarding"
    ACTIVE = "active", "Active"
    OFFBOARDING = "offboarding", "Offboarding"
    TERMINATED = "terminated", "Terminated"


# A vendor in one of these states is engaged: needing a BAA and without a signed, current one it
# is a compliance gap. An offboarding vendor still holds the practice's PHI until it is returned
# or destroyed (164.504(e)(2)(ii)(J)), so the BAA must stay in force until then.
ENGAGED_STATUSES = (
    RelationshipStatus.ONBOARDING,
    RelationshipStatus.ACTIVE,
    RelationshipStatus.OFFBOARDING,
)


class AccessLevel(models.TextChoices):
    NONE = "none", "None"
    INCIDENTAL = "incidental", "Incidental"
    LIMITED = "limited", "Limited view"
    FULL = "full", "Full read/write"
    HOSTS = "hosts", "Hosts or stores ePHI"


class Criticality(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Tier(models.TextChoices):
    CRITICAL = "critical", "Critical"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


# Most urgent first; used for sorting.
TIER_RANK = {Tier.CRITICAL: 0, Tier.HIGH: 1, Tier.MEDIUM: 2, Tier.LOW: 3}


class PhiType(models.TextChoices):
    DEMOGRAPHICS = "demographics", "Demographics and contact details"
    IDENTIFIERS = "identifiers", "SSN, driver's licence or other government IDs"
    INSURANCE = "insurance", "Insurance and billing information"
    CLINICAL = "clinical", "Clinical records, diagnoses and treatment"
    LAB_IMAGING = "lab_imaging", "Lab results and imaging"
    PRESCRIPTIONS = "prescriptions", "Prescriptions"
    PAYMENT = "payment", "Payment card or bank details"
    SENSITIVE = "sensitive", "Sensitive: mental health, substance use, HIV, genetic"


class ContactRole(models.TextChoices):
    ACCOUNT_MANAGER = "account_manager", "Account manager"
    PRIVACY_OFFICER = "privacy_officer", "Privacy officer"
    SECURITY = "security", "Security contact"
    BREACH = "breach", "Breach-notification contact"
    OTHER = "other", "Other"


class TierChangeSource(models.TextChoices):
    COMPUTED = "computed", "Computed by the rubric"
    OVERRIDE = "override", "Manual override"
    OVERRIDE_CLEARED = "override_cleared", "Override removed"


class DeterminationBasis(models.TextChoices):
    """Why a vendor is not a business associate (``vendors/determination.py``)."""

    NO_PHI = "no_phi", "No access to PHI: it does not create, receive, maintain or transmit PHI"
    CONDUIT = "conduit", "Conduit: transmission only, with transient access (78 FR 5566)"
    TREATMENT = (
        "treatment",
        "Health care provider receiving PHI for treatment (45 CFR 160.103, business associate (4))",
    )
    OTHER = "other", "Other (explained below)"
