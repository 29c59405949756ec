"""The vendor portal's records: private links sent to a vendor's contact."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from oversight.models import TenantModel
from vendors.models import BusinessAssociate

from .choices import LinkPurpose


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

    history = HistoricalRecords(excluded_fields=["last_opened_at"])

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
