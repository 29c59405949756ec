"""The vendor portal's records: private links sent to a vendor's contact."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from diligence.choices import DiligenceKind
from oversight.files import StoredFile
from oversight.history import PracticeHistory
from oversight.models import TenantModel
from vendors.models import BusinessAssociate

from .choices import EXPIRED, OPEN_STATUSES, STATE_LABELS, LinkPurpose, RequestStatus


class AccessLink(TenantModel):
    """A private link emailed to someone outside the practice (a vendor's contact).

    Only the SHA-256 of its random token is stored; the raw token exists only in the email.
    It expires, can be revoked, grants no sign-in and serves one purpose (a questionnaire
    request, a BAA signature). Made and read only through ``portal/links.py``."""

    vendor = models.ForeignKey(
        BusinessAssociate, on_delete=models.PROTECT, related_name="access_links"
    )
    purpose = models.CharField(max_length=16, choices=LinkPurpose.choices)
    email = models.EmailField("sent to")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_opened_at = models.DateTimeField(null=True, blank=True)

    history = PracticeHistory(excluded_fields=["last_opened_at"])

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(purpose__in=LinkPurpose.values),
                name="accesslink_known_purpose",
                violation_error_message="Unknown purpose of a private link.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} link for {self.vendor} ({self.email})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and not self.is_expired


class PracticeQuestionnaire(TenantModel):
    """A practice's own copy of a library questionnaire, with its questions edited or added.
    Requests take a snapshot of the questions when sent, so later edits change nothing sent."""

    base = models.CharField("copied from", max_length=32)
    title = models.CharField(max_length=200)
    # A list of ``portal.library.Question`` dicts (key, text, cite, control, follow_up).
    questions = models.JSONField(default=list)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = PracticeHistory()

    class Meta:
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title


class QuestionnaireRequest(TenantModel):
    """A request to a vendor's contact to answer a questionnaire, send evidence and confirm the
    breach-notification contact by a date, through a private link (``AccessLink``)."""

    vendor = models.ForeignKey(
        BusinessAssociate, on_delete=models.PROTECT, related_name="questionnaire_requests"
    )
    contact = models.ForeignKey(
        "vendors.VendorContact", on_delete=models.PROTECT, related_name="questionnaire_requests"
    )
    link = models.OneToOneField(AccessLink, on_delete=models.PROTECT, related_name="request")
    title = models.CharField("questionnaire", max_length=200)
    # The questions as sent (a snapshot of the library's or the practice's questionnaire).
    questions = models.JSONField(default=list)
    evidence_requested = models.JSONField(default=list, blank=True)
    confirm_breach_contact = models.BooleanField(default=True)
    due_on = models.DateField("answers due on")
    status = models.CharField(max_length=16, choices=RequestStatus.choices, default="sent")
    # The vendor's work in progress: {question key: {"answer": ..., "comment": ...}}.
    answers = models.JSONField(default=dict, blank=True)
    breach_contact_name = models.CharField(max_length=200, blank=True)
    breach_contact_email = models.EmailField(blank=True)
    breach_contact_phone = models.CharField(max_length=40, blank=True)
    breach_contact_confirmed = models.BooleanField(default=False)
    review_comments = models.TextField("comments to the vendor", blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    record = models.ForeignKey(
        "diligence.DueDiligenceRecord",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = PracticeHistory()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The practice-wide list and the vendor panel, newest first.
            models.Index(fields=["organization", "vendor"], name="qrequest_org_vendor"),
        ]

    def __str__(self) -> str:
        return f"{self.title} for {self.vendor}"

    @property
    def state(self) -> str:
        """The status the lists show: "expired" for a request still open past its link."""
        if self.status in OPEN_STATUSES and self.link.is_expired:
            return EXPIRED
        return self.status

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def vendor_may_answer(self) -> bool:
        return self.status in OPEN_STATUSES and self.link.is_usable


class Submission(TenantModel):
    """What the vendor submitted, as submitted: kept whatever happens to the request next, so
    the review can set it beside the previous one."""

    request = models.ForeignKey(
        QuestionnaireRequest, on_delete=models.PROTECT, related_name="submissions"
    )
    answers = models.JSONField(default=dict)
    breach_contact_name = models.CharField(max_length=200, blank=True)
    breach_contact_email = models.EmailField(blank=True)
    breach_contact_phone = models.CharField(max_length=40, blank=True)
    breach_contact_confirmed = models.BooleanField(default=False)
    submitted_by_name = models.CharField(max_length=200)
    submitted_by_title = models.CharField(max_length=200)
    submitted_at = models.DateTimeField(auto_now_add=True)

    history = PracticeHistory()

    class Meta:
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"Submission of {self.request} by {self.submitted_by_name}"


class PortalFile(StoredFile):
    """Evidence the vendor uploaded through the link (validated like every upload)."""

    request = models.ForeignKey(
        QuestionnaireRequest, on_delete=models.PROTECT, related_name="files"
    )
    kind = models.CharField(max_length=32, choices=DiligenceKind.choices)

    history = PracticeHistory()

    class Meta:
        ordering = ["uploaded_at", "id"]

    @property
    def vendor(self):
        """The vendor it came from (the binder files documents by vendor)."""
        return self.request.vendor
