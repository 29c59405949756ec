"""What the BAA reader read from an agreement's document, and what it proposes.

Nothing here changes an agreement: a person accepts or rejects each ``Proposal``
(``services.proposals_decide``), and only then are the agreement's terms written.
"""

from django.conf import settings
from django.db import models

from baas.models import AgreementDocument, BusinessAssociateAgreement
from oversight.history import PracticeHistory
from oversight.models import TenantModel

from .choices import ProposalStatus, ReadingStatus


class DocumentReading(TenantModel):
    """One run of the reader over a document of an agreement (or text pasted by a user)."""

    agreement = models.ForeignKey(
        BusinessAssociateAgreement, on_delete=models.PROTECT, related_name="readings"
    )
    document = models.ForeignKey(
        AgreementDocument, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pasted_text = models.TextField(blank=True)
    status = models.CharField(
        max_length=12, choices=ReadingStatus.choices, default=ReadingStatus.QUEUED
    )
    error_code = models.CharField(max_length=32, blank=True)
    error_message = models.TextField(blank=True)
    method = models.CharField("how the text was obtained", max_length=12, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    seconds = models.FloatField("time taken (s)", null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    history = PracticeHistory()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organization", "agreement"], name="reading_org_agreement")]

    def __str__(self) -> str:
        source = self.document.original_name if self.document_id else "pasted text"
        return f"Reading of {source}"

    @property
    def source_name(self) -> str:
        return self.document.original_name if self.document_id else "pasted text"


class Proposal(TenantModel):
    """One proposed term with its evidence: the exact excerpt, page, section, confidence."""

    reading = models.ForeignKey(DocumentReading, on_delete=models.CASCADE, related_name="proposals")
    field = models.CharField(max_length=64)
    value = models.JSONField()
    excerpt = models.TextField(blank=True)
    page = models.PositiveIntegerField(null=True, blank=True)
    section = models.CharField(max_length=32, blank=True)
    confidence = models.FloatField()
    position = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # What the person accepted instead of ``value`` (agreement field -> value, as JSON), when
    # they edited the proposal first (status "edited"); the reader's own value is kept.
    edited_terms = models.JSONField(null=True, blank=True)

    history = PracticeHistory()

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["reading", "field"],
                name="proposal_once_per_reading_field",
                violation_error_message="The reading already proposes this term.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.field}: {self.value}"
