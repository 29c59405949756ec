"""Choices of the practice's standard positions. Where a position becomes an agreement term,
the choices are a subset of ``baas.choices`` so a generated agreement maps onto
``BusinessAssociateAgreement`` exactly."""

from django.db import models

from baas.choices import CapKind, Indemnification, ReturnDestroy

# The positions a practice may take on its own paper (no "unknown", no vendor-favourable).
INDEMNIFICATION_CHOICES = [
    (v, label)
    for v, label in Indemnification.choices
    if v in (Indemnification.MUTUAL, Indemnification.PRACTICE_FAVOURABLE, Indemnification.NONE)
]
CAP_CHOICES = [
    (CapKind.NONE, "No cap for breaches of PHI"),
    (CapKind.FIXED, "A fixed amount"),
    (CapKind.FEES_MONTHS, "Fees paid in the prior N months"),
]
RETURN_DESTROY_CHOICES = [
    (v, label)
    for v, label in ReturnDestroy.choices
    if v in (ReturnDestroy.RETURN, ReturnDestroy.DESTROY, ReturnDestroy.EITHER)
]


class Flowdown(models.TextChoices):
    """What the vendor owes the practice about its subcontractors, beyond binding each of them
    to the same restrictions (that part is required: 164.504(e)(2)(ii)(D), 164.314(a)(2)(i)(B))."""

    SAME_TERMS = "same_terms", "Same restrictions only"
    NOTICE = "notice", "Same restrictions, and notice of each new subcontractor"
    CONSENT = "consent", "Same restrictions, and our written consent before each one"


class SignatureStatus(models.TextChoices):
    """Where a signature request stands. SENT -> SIGNED (by the vendor) -> COMPLETE (we
    countersigned: the agreement is signed); SENT -> DECLINED; SENT -> CANCELLED (sent again)."""

    SENT = "sent", "Sent to the vendor's signatory"
    SIGNED = "signed", "Signed by the vendor, waiting for our countersignature"
    DECLINED = "declined", "Declined by the vendor"
    COMPLETE = "complete", "Signed by both parties"
    CANCELLED = "cancelled", "Replaced by a later request"


OPEN_SIGNATURE = (SignatureStatus.SENT, SignatureStatus.SIGNED)
