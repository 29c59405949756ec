from django.db import models


class DiligenceKind(models.TextChoices):
    QUESTIONNAIRE = "questionnaire", "Security questionnaire"
    SOC2 = "soc2_type2", "SOC 2 Type II report"
    HITRUST = "hitrust", "HITRUST certification"
    ISO27001 = "iso27001", "ISO 27001 certificate"
    PENTEST = "pentest", "Penetration-test summary"
    CYBER_INSURANCE = "cyber_insurance", "Cyber-insurance certificate"
    # The proposed Security Rule update (NPRM, 90 FR 898, not final) would require a written
    # verification of each business associate's technical safeguards at least every 12 months.
    SAFEGUARDS_VERIFICATION = (
        "safeguards_verification",
        "Written verification of technical safeguards (proposed Security Rule, 90 FR 898, "
        "not final)",
    )
    OTHER = "other", "Other"


class DiligenceOutcome(models.TextChoices):
    SATISFACTORY = "satisfactory", "Satisfactory"
    CONCERNS = "concerns", "Satisfactory with concerns"
    UNSATISFACTORY = "unsatisfactory", "Unsatisfactory"


# Outcomes that count as "a satisfactory diligence record" before a vendor goes active.
SATISFACTORY_OUTCOMES = (DiligenceOutcome.SATISFACTORY, DiligenceOutcome.CONCERNS)


class Control(models.TextChoices):
    MFA = "mfa", "MFA for remote and privileged access"
    ENCRYPTION_AT_REST = "encryption_at_rest", "Encryption at rest"
    ENCRYPTION_IN_TRANSIT = "encryption_in_transit", "Encryption in transit"
    EDR = "edr", "Endpoint detection and response"
    BACKUPS = "backups_restore_tested", "Backups tested by restore"
    INCIDENT_RESPONSE = "incident_response", "Incident-response plan"
    TRAINING = "training", "Security awareness training"
    ACCESS_REVIEWS = "access_reviews", "Access reviews / offboarding of staff"
    VULNERABILITY = "vulnerability_management", "Vulnerability management and patching"
    SUBCONTRACTORS = "subcontractor_oversight", "Subcontractor oversight"
    CYBER_INSURANCE = "cyber_insurance", "Cyber insurance"


class Answer(models.TextChoices):
    YES = "yes", "Yes"
    PARTIAL = "partial", "Partial"
    NO = "no", "No"
    UNKNOWN = "unknown", "Unknown"


# Tiers that need a satisfactory diligence record before going active (``activation.py``).
# Which control answers are findings, per tier: ``controls.py``.
FINDING_TIERS = ("critical", "high")


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    ACCEPTED_RISK = "accepted_risk", "Risk accepted"


class ReviewOutcome(models.TextChoices):
    CONTINUE = "continue", "Continue"
    CONTINUE_WITH_ACTIONS = "continue_with_actions", "Continue with follow-up actions"
    RETIER = "retier", "Re-tier"
    OFFBOARD = "offboard", "Begin offboarding"


class Disposition(models.TextChoices):
    # 164.504(e)(2)(ii)(J): return or destroy PHI at termination, or extend the contract's
    # protections if return or destruction is infeasible.
    RETURNED = "returned", "PHI returned"
    DESTROYED = "destroyed", "PHI destroyed"
    INFEASIBLE = "infeasible", "Return or destruction infeasible: protections extended"
