"""The practice (covered entity), its members and their roles: the tenancy core."""

import hashlib
import secrets
import zoneinfo
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from .choices import BINDER_ROLES, WRITE_ROLES, AuditAction, ReminderMode, Role
from .history import PracticeHistory
from .net import client_ip

TIMEZONE_CHOICES = [
    (name, name.replace("_", " "))
    for name in sorted(zoneinfo.available_timezones())
    if name.startswith(("America/", "Pacific/", "US/", "UTC", "Europe/", "Asia/", "Australia/"))
]


class Organization(models.Model):
    """A healthcare practice: the HIPAA covered entity whose vendors are overseen."""

    name = models.CharField(max_length=200)
    timezone = models.CharField(max_length=64, choices=TIMEZONE_CHOICES, default="America/New_York")
    contact_name = models.CharField("privacy officer / contact", max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    # Estimated breach cost per record, used to compare liability caps with exposure.
    # Default: the 2018 Ponemon healthcare figure; a practice may update rate and year.
    cost_per_record = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("408.00")
    )
    cost_per_record_year = models.PositiveSmallIntegerField(default=2018)
    # The practice's own limit on a vendor's breach-notice window (baas/findings.py): 60
    # calendar days (164.410(b)) is an outer limit, and an agent's discovery counts as the
    # practice's (164.404(a)(2)).
    breach_notice_threshold_days = models.PositiveSmallIntegerField(
        "longest acceptable breach-notice window (calendar days)", default=30
    )
    # From which discovery a vendor incident's notice clocks run (``incidents.clocks``): the
    # vendor's, under the agency rule of 164.404(a)(2) (the earlier, safe date), or our own.
    breach_clock_from = models.CharField(
        "breach-notice clocks run from",
        max_length=8,
        choices=[
            ("vendor", "The vendor's discovery (vendors are our agents: the safe default)"),
            ("practice", "Our own discovery (counsel decided our vendors are not agents)"),
        ],
        default="vendor",
    )
    require_mfa = models.BooleanField(
        "require two-factor authentication for every member", default=False
    )
    digest_hour = models.PositiveSmallIntegerField(
        "daily digest hour (practice's local time, 0-23)", default=7
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = PracticeHistory()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cost_per_record__gte=0),
                name="organization_cost_per_record_not_negative",
                violation_error_message="The cost per record cannot be negative.",
            ),
            models.CheckConstraint(
                condition=models.Q(breach_notice_threshold_days__gte=1)
                & models.Q(breach_notice_threshold_days__lte=60),
                name="organization_breach_notice_threshold_1_60",
                violation_error_message="The breach-notice threshold is 1 to 60 days.",
            ),
            models.CheckConstraint(
                condition=models.Q(digest_hour__lte=23),
                name="organization_digest_hour_0_23",
                violation_error_message="The digest hour is between 0 and 23.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def today(self):
        """The date at the practice, in its timezone: every due date is counted from it."""
        return timezone.localdate(timezone=self.tzinfo)


class MembershipQuerySet(models.QuerySet):
    def for_org(self, org: Organization) -> "MembershipQuerySet":
        return self.filter(organization=org)

    def admins(self) -> "MembershipQuerySet":
        return self.filter(role=Role.ADMIN)


class CurrentMembershipManager(models.Manager.from_queryset(MembershipQuerySet)):
    """Members who still belong to the practice. A removed member's row stays (ended), so
    that every review, determination or action they recorded keeps its author; related
    lookups (``review.reviewer``) go through the base manager and still find it."""

    def get_queryset(self):
        return super().get_queryset().filter(ended_at__isnull=True)


class Membership(models.Model):
    """A user's role in one practice. A user may belong to several practices."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    reminder_mode = models.CharField(
        "reminder emails", max_length=16, choices=ReminderMode.choices, default=ReminderMode.DIGEST
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when the member is removed from the practice (164.316(b)(2)(i): the record of who did
    # what is kept): the person loses access, their name stays on what they recorded.
    ended_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = CurrentMembershipManager()
    all_objects = MembershipQuerySet.as_manager()
    history = PracticeHistory()

    class Meta:
        ordering = ["organization__name", "user__email"]
        base_manager_name = "all_objects"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"],
                name="membership_one_per_user_and_practice",
                violation_error_message="This person is already a member of the practice.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.get_role_display()}, {self.organization})"

    @property
    def display_name(self) -> str:
        user = self.user
        full = f"{user.first_name} {user.last_name}".strip()
        return full or user.email

    @property
    def can_write(self) -> bool:
        return self.role in WRITE_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def can_export_binder(self) -> bool:
        return self.role in BINDER_ROLES


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def pending(self) -> "InvitationQuerySet":
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )

    def by_token(self, token: str) -> "InvitationQuerySet":
        return self.filter(token_hash=_hash_token(token))


class Invitation(models.Model):
    """An admin's invitation for an email address to join the practice with a role.

    Only a hash of the token is stored; the raw token exists only in the emailed link.
    """

    VALID_FOR = timedelta(days=7)

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.organization} as {self.role}"

    @staticmethod
    def new_token() -> tuple[str, str]:
        token = secrets.token_urlsafe(32)
        return token, _hash_token(token)

    @property
    def is_pending(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


class TenantQuerySet(models.QuerySet):
    """Base queryset of every tenant model: request code starts from ``for_org``."""

    def for_org(self, org: Organization):
        return self.filter(organization=org)


class TenantModel(models.Model):
    """Abstract base: every row belongs to exactly one practice."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


class TierPolicy(TenantModel):
    """A practice's oversight policy for one risk tier (defaults in ``oversight/policy.py``).

    Edited by admins on the settings page; every change is kept in the history."""

    TIERS = ("critical", "high", "medium", "low")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="tier_policies"
    )
    tier = models.CharField(max_length=8)
    review_interval_months = models.PositiveSmallIntegerField("full review every (months)")
    expiry_warning_days = models.JSONField("BAA expiry warnings (days before)")
    # How often fresh diligence evidence is asked for. How long evidence stays valid depends on
    # its kind, not the tier (``diligence.schedule.EVIDENCE_VALIDITY``).
    evidence_valid_months = models.PositiveSmallIntegerField(
        "ask for fresh diligence evidence every (months)"
    )
    resend_days = models.PositiveSmallIntegerField("re-send overdue items every (days)")
    escalate_days = models.PositiveSmallIntegerField("escalate to admins after (days overdue)")
    certificate_days = models.PositiveSmallIntegerField(
        "disposition certificate due (days after termination)"
    )

    history = PracticeHistory()

    class Meta:
        ordering = ["organization", "tier"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "tier"],
                name="tierpolicy_one_per_tier",
                violation_error_message="This practice already has a policy for this tier.",
            ),
            models.CheckConstraint(
                condition=models.Q(tier__in=["critical", "high", "medium", "low"]),
                name="tierpolicy_known_tier",
            ),
            models.CheckConstraint(
                condition=models.Q(review_interval_months__gt=0)
                & models.Q(evidence_valid_months__gt=0)
                & models.Q(resend_days__gt=0)
                & models.Q(escalate_days__gt=0)
                & models.Q(certificate_days__gt=0),
                name="tierpolicy_positive_numbers",
                violation_error_message="Intervals and delays must be positive numbers.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization}: {self.tier} tier policy"

    def as_rules(self):
        from .policy import TierRules

        return TierRules(
            review_interval_months=self.review_interval_months,
            expiry_warning_days=tuple(sorted(self.expiry_warning_days, reverse=True)),
            evidence_valid_months=self.evidence_valid_months,
            resend_days=self.resend_days,
            escalate_days=self.escalate_days,
            certificate_days=self.certificate_days,
        )


def rules_for(org_ids) -> dict:
    """``{org_id: {tier: TierRules}}`` for the given practices, defaults where a practice has
    not changed its policy. One query whatever the number of practices."""
    from .policy import DEFAULT_RULES

    result = {org_id: dict(DEFAULT_RULES) for org_id in org_ids}
    for row in TierPolicy.objects.filter(organization_id__in=list(result)):
        result[row.organization_id][row.tier] = row.as_rules()
    return result


class AuditEvent(models.Model):
    """Events that are not changes to records but must be on file: authentication events,
    document downloads, exports and binders (who, what, when, from where). Changes to records
    are in the django-simple-history tables. Kept at least six years (164.316(b)(2))."""

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The email typed or known at the time, kept even if the user is later removed.
    email = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=32, choices=AuditAction.choices)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "-created_at"], name="auditevent_org_time")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.email} {self.action} {self.object_repr}"


def audit(
    request,
    action: str,
    *,
    obj=None,
    label: str = "",
    organization=None,
    user=None,
    email="",
    **details,
):
    """Record an AuditEvent from a request (IP, user agent) or without one (tasks)."""
    if request is not None:
        user = user or (request.user if request.user.is_authenticated else None)
        if organization is None:
            organization = getattr(request, "practice", None) or None
        ip = client_ip(request)
        agent = request.META.get("HTTP_USER_AGENT", "")[:300]
    else:
        ip, agent = None, ""
    return AuditEvent.objects.create(
        organization=organization if organization else None,
        user=user,
        email=email or (user.email if user else ""),
        action=action,
        object_type=obj._meta.verbose_name if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=(str(obj) if obj is not None else label)[:200],
        ip_address=ip or None,
        user_agent=agent,
        details=details,
    )


class CalendarFeed(models.Model):
    """A member's private calendar feed of the practice's due dates. The URL holds a random
    token (only its hash is stored); revoking it makes the URL answer 404. It grants nothing
    else: no page of the app accepts it."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="feeds")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership"],
                condition=models.Q(revoked_at__isnull=True),
                name="calendarfeed_one_active_per_member",
            )
        ]

    def __str__(self) -> str:
        return f"Calendar feed of {self.membership}"

    @staticmethod
    def hash(token: str) -> str:
        return _hash_token(token)
