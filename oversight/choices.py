from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MANAGER = "manager", "Manager"
    VIEWER = "viewer", "Viewer (read-only)"
    AUDITOR = "auditor", "Auditor (read-only, may export the audit binder)"


WRITE_ROLES = frozenset({Role.ADMIN, Role.MANAGER})
BINDER_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.AUDITOR})


class ReminderMode(models.TextChoices):
    DIGEST = "digest", "One daily digest"
    IMMEDIATE = "immediate", "Immediate emails"


class AuditAction(models.TextChoices):
    LOGIN = "login", "Signed in"
    LOGIN_FAILED = "login_failed", "Failed sign-in"
    LOCKED_OUT = "locked_out", "Locked out"
    UNLOCKED = "unlocked", "Unlocked"
    LOGOUT = "logout", "Signed out"
    PASSWORD_CHANGED = "password_changed", "Password changed"
    PASSWORD_RESET = "password_reset", "Password reset"
    MFA_ENABLED = "mfa_enabled", "MFA enrolled"
    MFA_DISABLED = "mfa_disabled", "MFA removed"
    DOCUMENT_DOWNLOADED = "document_downloaded", "Document downloaded"
    EXPORTED = "exported", "Data exported"
    BINDER_GENERATED = "binder_generated", "Audit binder generated"
    BINDER_DOWNLOADED = "binder_downloaded", "Audit binder downloaded"
    PRIVATE_LINK = "private_link", "Private link used (vendor portal)"
