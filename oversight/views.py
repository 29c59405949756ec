from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from . import lockout, services
from .forms import (
    AcceptInvitationForm,
    InvitationForm,
    PracticeCreateForm,
    PracticeForm,
    RoleForm,
    TierPolicyForm,
)
from .models import Invitation, Membership, TierPolicy, rules_for
from .tenancy import admin_required, get_for_member, member_required, switch_practice


def _form_errors_from(error: ValidationError, form) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@login_required
def practice_create(request):
    form = PracticeCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        org = services.practice_create(
            user=request.user,
            name=data["name"],
            timezone_name=data["timezone"],
            contact_name=data["contact_name"],
            contact_email=data["contact_email"],
            contact_phone=data["contact_phone"],
        )
        switch_practice(request, org.pk)
        messages.success(request, f"{org.name} is ready. You are its admin.")
        return redirect("home")
    return render(request, "oversight/practice_create.html", {"form": form})


@login_required
@require_POST
def practice_switch(request):
    try:
        organization_id = int(request.POST.get("practice", ""))
    except ValueError:
        return redirect("home")
    membership = switch_practice(request, organization_id)
    messages.info(request, f"You are now working in {membership.organization.name}.")
    return redirect("home")


@member_required
def practice_settings(request):
    practice = request.practice
    can_edit = request.membership.is_admin
    form = PracticeForm(request.POST or None, instance=practice)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("Only an admin can change the practice settings.")
        if form.is_valid():
            form.save()
            messages.success(request, "Practice settings saved.")
            return redirect("practice_settings")
    return render(request, "oversight/practice_settings.html", {"form": form, "can_edit": can_edit})


@member_required
def members(request):
    practice = request.practice
    form = InvitationForm(request.POST or None)
    if request.method == "POST":
        if not request.membership.is_admin:
            raise PermissionDenied("Only an admin can invite people.")
        if form.is_valid():
            try:
                invitation, _ = services.invitation_create(
                    organization=practice,
                    invited_by=request.user,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    request=request,
                )
            except ValidationError as error:
                _form_errors_from(error, form)
            else:
                messages.success(request, f"Invitation sent to {invitation.email}.")
                return redirect("members")
    people = list(Membership.objects.for_org(practice).select_related("user"))
    context = {
        "form": form,
        "members": people,
        "locked": lockout.locked_out([m.user.email for m in people]),
        "invitations": practice.invitations.pending().select_related("invited_by"),
        "role_choices": RoleForm.base_fields["role"].choices,
    }
    return render(request, "oversight/members.html", context)


@admin_required
@require_POST
def membership_role(request, pk: int):
    membership = get_for_member(request, Membership, pk=pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a valid role.")
        return redirect("members")
    try:
        services.membership_set_role(membership=membership, role=form.cleaned_data["role"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"{membership.display_name} is now {membership.get_role_display()}."
        )
    return redirect("members")


@admin_required
@require_POST
def membership_unlock(request, pk: int):
    membership = get_for_member(request, Membership, pk=pk)
    try:
        services.member_unlock(membership=membership, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{membership.user.email} can sign in again.")
    return redirect("members")


@admin_required
@require_POST
def membership_remove(request, pk: int):
    membership = get_for_member(request, Membership, pk=pk)
    try:
        services.membership_remove(membership=membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{membership.display_name} was removed from the practice.")
    return redirect("members")


@admin_required
@require_POST
def invitation_revoke(request, pk: int):
    invitation = get_for_member(request, Invitation.objects.pending(), pk=pk)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    messages.success(request, f"The invitation of {invitation.email} was revoked.")
    return redirect("members")


def invitation_accept(request, token: str):
    invitation = get_object_or_404(
        Invitation.objects.by_token(token).select_related("organization")
    )
    context = {"invitation": invitation}
    if not invitation.is_pending:
        return render(request, "oversight/invitation_invalid.html", context, status=410)

    existing = get_user_model().objects.filter(email__iexact=invitation.email).first()
    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                membership = services.invitation_accept(invitation=invitation, user=request.user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                return redirect("home")
            switch_practice(request, membership.organization_id)
            messages.success(request, f"You joined {membership.organization.name}.")
            return redirect("home")
        return render(request, "oversight/invitation_confirm.html", context)
    if existing is not None:
        # The person has an account: sign in first, then come back to this link.
        messages.info(request, "Sign in to accept the invitation.")
        return redirect(f"{reverse('account_login')}?{urlencode({'next': request.path})}")

    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        user, membership = services.invitation_accept_new_user(
            invitation=invitation,
            password=form.cleaned_data["password1"],
            first_name=form.cleaned_data["first_name"],
            last_name=form.cleaned_data["last_name"],
            request=request,
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        switch_practice(request, membership.organization_id)
        messages.success(request, f"Welcome to {membership.organization.name}.")
        return redirect("home")
    context["form"] = form
    return render(request, "oversight/invitation_signup.html", context)


@member_required
def tier_policy(request):
    """The practice's oversight policy per tier: admins edit, every member reads; the history
    of changes is shown below."""
    practice = request.practice
    can_edit = request.membership.is_admin
    if request.method == "POST" and not can_edit:
        raise PermissionDenied("Only an admin can change the oversight policy.")
    current = rules_for([practice.id])[practice.id]
    forms_by_tier = {
        tier: TierPolicyForm(
            request.POST or None, prefix=tier, initial=TierPolicyForm.initial_from(current[tier])
        )
        for tier in TierPolicy.TIERS
    }
    if request.method == "POST" and all(f.is_valid() for f in forms_by_tier.values()):
        changed = _tier_policy_save(practice, forms_by_tier, current)
        if changed:
            messages.success(request, f"Policy saved for the {', '.join(changed)} tier(s).")
        else:
            messages.info(request, "Nothing changed.")
        return redirect("tier_policy")
    history = (
        TierPolicy.history.filter(organization=practice)
        .select_related("history_user")
        .order_by("-history_date")[:50]
    )
    context = {
        "tiers": [(tier, current[tier], forms_by_tier[tier]) for tier in TierPolicy.TIERS],
        "fields": TierPolicyForm.FIELDS,
        "can_edit": can_edit,
        "history": history,
    }
    return render(request, "oversight/policy.html", context)


@transaction.atomic
def _tier_policy_save(practice, forms_by_tier, current) -> list[str]:
    """Save the tiers whose values differ from the current policy (each save is in the
    history)."""
    changed = []
    for tier, form in forms_by_tier.items():
        values = {name: form.cleaned_data[name] for name in TierPolicyForm.FIELDS}
        rules = current[tier]
        before = {name: getattr(rules, name) for name in TierPolicyForm.FIELDS}
        before["expiry_warning_days"] = list(rules.expiry_warning_days)
        if values == before:
            continue
        TierPolicy.objects.update_or_create(organization=practice, tier=tier, defaults=values)
        changed.append(tier)
    return changed
