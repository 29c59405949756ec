"""Writes on practices, memberships and invitations. Views call these; they validate and
record in one transaction."""

from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .choices import AuditAction, Role
from .models import Invitation, Membership, Organization

User = get_user_model()


@transaction.atomic
def practice_create(*, user, name: str, timezone_name: str, **details) -> Organization:
    """Create a practice; its creator becomes its admin."""
    org = Organization.objects.create(name=name, timezone=timezone_name, **details)
    Membership.objects.create(user=user, organization=org, role=Role.ADMIN)
    return org


def invitation_create(
    *, organization: Organization, invited_by, email: str, role: str, request=None
):
    """Invite an email address with a role, and email the link. Returns (invitation, link)."""
    email = email.strip().lower()
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError({"email": "This person is already a member of the practice."})
    token, token_hash = Invitation.new_token()
    with transaction.atomic():
        # A new invitation replaces any earlier pending one for the same address.
        organization.invitations.pending().filter(email__iexact=email).update(
            revoked_at=timezone.now()
        )
        invitation = Invitation.objects.create(
            organization=organization,
            email=email,
            role=role,
            token_hash=token_hash,
            invited_by=invited_by,
            expires_at=timezone.now() + Invitation.VALID_FOR,
        )
    path = reverse("invitation_accept", args=[token])
    link = request.build_absolute_uri(path) if request else f"{settings.SITE_URL}{path}"
    context = {"invitation": invitation, "link": link, "inviter": invited_by}
    message = EmailMultiAlternatives(
        subject=f"You are invited to {organization.name} on Vendor Oversight",
        body=render_to_string("emails/invitation.txt", context),
        to=[email],
    )
    message.attach_alternative(render_to_string("emails/invitation.html", context), "text/html")
    transaction.on_commit(lambda: message.send())
    return invitation, link


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user) -> Membership:
    if not invitation.is_pending:
        raise ValidationError("This invitation has expired or was already used.")
    if user.email.lower() != invitation.email.lower():
        raise ValidationError(
            f"This invitation is for {invitation.email}; you are signed in as {user.email}."
        )
    membership, created = Membership.all_objects.get_or_create(
        user=user, organization=invitation.organization, defaults={"role": invitation.role}
    )
    if not created and membership.ended_at is not None:
        # A member removed earlier and invited again: the same row comes back, with the new role.
        membership.ended_at = None
        membership.role = invitation.role
        membership.save(update_fields=["ended_at", "role"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return membership


@transaction.atomic
def invitation_accept_new_user(
    *,
    invitation: Invitation,
    password: str,
    first_name: str = "",
    last_name: str = "",
    request=None,
):
    """The invited person has no account: create it (the link proves the email) and join."""
    user = User(email=invitation.email, first_name=first_name, last_name=last_name)
    get_adapter(request).populate_username(request, user)
    user.set_password(password)
    user.save()
    EmailAddress.objects.create(user=user, email=invitation.email, verified=True, primary=True)
    membership = invitation_accept(invitation=invitation, user=user)
    return user, membership


def _ensure_another_admin(membership: Membership) -> None:
    if membership.role != Role.ADMIN:
        return
    others = Membership.objects.filter(organization=membership.organization, role=Role.ADMIN)
    if not others.exclude(pk=membership.pk).exists():
        raise ValidationError("A practice must keep at least one admin.")


@transaction.atomic
def membership_set_role(*, membership: Membership, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": "Unknown role."})
    if role != Role.ADMIN:
        _ensure_another_admin(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def member_unlock(*, membership: Membership, request) -> None:
    """A practice admin unlocks a member locked out after failed sign-ins (on every address;
    it unlocks their account for every practice they belong to). Logged as "Unlocked" in the
    activity log of each of their practices, naming the admin who did it."""
    from . import lockout
    from .signals import record_for_user

    email = membership.user.email
    if email.lower() not in lockout.locked_out([email]):
        raise ValidationError(f"{email} is not locked out.")
    lockout.clear(request, email)
    record_for_user(
        request,
        AuditAction.UNLOCKED,
        user=membership.user,
        label=f"Sign-in unlocked by {request.user.email}",
        unlocked_by=request.user.email,
    )


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    """The member loses access to the practice; the row is kept, ended, so what they recorded
    keeps its author (nothing in a compliance record is deleted)."""
    _ensure_another_admin(membership)
    membership.ended_at = timezone.now()
    membership.save(update_fields=["ended_at"])
