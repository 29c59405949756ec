"""Authentication events in the practice's activity log (164.312(b) audit controls).

Sign-in, sign-out, failed sign-in, lockout and unlock, password change and reset, and two-factor
enrolment and removal each become an ``AuditEvent`` for every practice the person belongs to,
so each practice's admins see them in their activity log. An event about an unknown address
(someone typing a wrong email) has no practice; it is visible in the Django admin only.

Connected in ``OversightConfig.ready()``.
"""

from __future__ import annotations

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import signals as auth_signals
from django.db.models.signals import post_delete

from .choices import AuditAction
from .lockout import UNLOCKING, still_locked
from .models import Membership, Organization, audit

# Typed addresses are kept short in the log; they are never PHI, only what someone typed.
_MAX_EMAIL = 254


def _user_for(identifier: str | None):
    if not identifier:
        return None
    User = get_user_model()
    lookup = {"email__iexact": identifier} if "@" in identifier else {"username": identifier}
    return User.objects.filter(**lookup).order_by("id").first()


def axes_username(request, credentials: dict | None = None) -> str | None:
    """The account key django-axes counts failures against: the lower-cased email address,
    whichever form it arrives in (allauth's ``login`` field, an ``email`` credential, or the
    username axes passes after a successful sign-in)."""
    creds = credentials or {}
    value = creds.get("email") or creds.get("login") or creds.get("username")
    if not value and request is not None:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        value = data.get("login") or data.get("email") or data.get("username")
    if not value or not isinstance(value, str):
        return None
    value = value.strip().lower()[:_MAX_EMAIL]
    if "@" not in value:
        user = _user_for(value)
        if user is not None and user.email:
            return user.email.lower()
    return value


def record_for_user(request, action: str, *, user=None, email: str = "", **details) -> int:
    """One AuditEvent per practice of ``user`` (one without a practice when there is none,
    or when the user is unknown). Returns the number of events written."""
    org_ids = (
        list(
            Membership.objects.filter(user=user)
            .order_by("organization_id")
            .values_list("organization_id", flat=True)
        )
        if user is not None
        else []
    )
    email = (email or (user.email if user is not None else ""))[:_MAX_EMAIL]
    if not org_ids:
        audit(request, action, user=user, email=email, organization=None, **details)
        return 1
    for org in Organization.objects.filter(id__in=org_ids):
        audit(request, action, user=user, email=email, organization=org, **details)
    return len(org_ids)


def _anonymous_safe(request):
    """``audit`` reads ``request.user``; signals may fire with a bare request."""
    return request if request is not None and hasattr(request, "user") else None


def _is_http(request) -> bool:
    """A sign-in made by code (``Client.force_login``, a shell) has no HTTP method: nobody
    authenticated, so it is not an authentication event."""
    return request is not None and bool(getattr(request, "method", None))


def on_login(sender, request, user, **kwargs):
    if not _is_http(request):
        return
    record_for_user(_anonymous_safe(request), AuditAction.LOGIN, user=user)
    if user.is_staff and settings.MFA_REQUIRED_FOR_STAFF and hasattr(request, "session"):
        from allauth.mfa.utils import is_mfa_enabled

        from .middleware import STAFF_MFA_SESSION_KEY

        if not is_mfa_enabled(user):
            # RequireMFAMiddleware sends this session to the enrolment page first.
            request.session[STAFF_MFA_SESSION_KEY] = True


def on_logout(sender, request, user, **kwargs):
    if user is not None and _is_http(request):
        record_for_user(_anonymous_safe(request), AuditAction.LOGOUT, user=user)


def on_login_failed(sender, credentials, request=None, **kwargs):
    identifier = axes_username(None, credentials)
    if not identifier and request is not None:
        identifier = axes_username(request)
    user = _user_for(identifier)
    record_for_user(
        _anonymous_safe(request), AuditAction.LOGIN_FAILED, user=user, email=identifier or ""
    )


def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    user = _user_for(username)
    record_for_user(
        _anonymous_safe(request), AuditAction.LOCKED_OUT, user=user, email=username or ""
    )


def on_unlocked(sender, instance: AccessAttempt, **kwargs):
    """Deleting the access attempt of a locked-out account before its cool-off ends (Django
    admin "Access attempts", ``manage.py axes_reset``) unlocks it. Attempts that axes removes
    itself (expired, or reset by a successful sign-in) are not an unlock and are not logged."""
    if UNLOCKING.get() or not still_locked(instance):
        return  # a practice admin's unlock is logged by oversight.services.member_unlock
    user = _user_for(instance.username)
    record_for_user(None, AuditAction.UNLOCKED, user=user, email=instance.username or "")


def on_password_changed(sender, request, user, **kwargs):
    record_for_user(_anonymous_safe(request), AuditAction.PASSWORD_CHANGED, user=user)


def on_password_reset(sender, request, user, **kwargs):
    record_for_user(_anonymous_safe(request), AuditAction.PASSWORD_RESET, user=user)


def on_authenticator_added(sender, request, user, authenticator, **kwargs):
    # Enrolling a TOTP app also creates recovery codes: one event for the enrolment.
    if authenticator.type != Authenticator.Type.RECOVERY_CODES:
        record_for_user(
            _anonymous_safe(request), AuditAction.MFA_ENABLED, user=user, kind=authenticator.type
        )


def on_authenticator_removed(sender, request, user, authenticator, **kwargs):
    if authenticator.type != Authenticator.Type.RECOVERY_CODES:
        record_for_user(
            _anonymous_safe(request), AuditAction.MFA_DISABLED, user=user, kind=authenticator.type
        )


def connect() -> None:
    uid = "oversight.signals."
    auth_signals.user_logged_in.connect(on_login, dispatch_uid=uid + "login")
    auth_signals.user_logged_out.connect(on_logout, dispatch_uid=uid + "logout")
    auth_signals.user_login_failed.connect(on_login_failed, dispatch_uid=uid + "failed")
    user_locked_out.connect(on_locked_out, dispatch_uid=uid + "locked")
    post_delete.connect(on_unlocked, sender=AccessAttempt, dispatch_uid=uid + "unlocked")
    account_signals.password_changed.connect(on_password_changed, dispatch_uid=uid + "pwchange")
    account_signals.password_set.connect(on_password_changed, dispatch_uid=uid + "pwset")
    account_signals.password_reset.connect(on_password_reset, dispatch_uid=uid + "pwreset")
    mfa_signals.authenticator_added.connect(on_authenticator_added, dispatch_uid=uid + "mfa+")
    mfa_signals.authenticator_removed.connect(on_authenticator_removed, dispatch_uid=uid + "mfa-")
