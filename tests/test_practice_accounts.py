"""Accounts, practices, invitations, roles and practice switching."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from oversight.choices import Role
from oversight.models import Invitation, Membership, Organization

from .factories import PASSWORD, MembershipFactory, UserFactory, VendorFactory


def invitation_link(message) -> str:
    return re.search(r"https?://\S+/invitations/\S+/", message.body).group(0)


def test_login_with_email_and_password(client, cast):
    response = client.post(
        reverse("account_login"), {"login": "bob@a.test", "password": PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert "Working in" in response.text and "Practice A" in response.text


def test_wrong_password_is_refused(client, cast):
    response = client.post(reverse("account_login"), {"login": "bob@a.test", "password": "nope"})
    assert response.status_code == 200
    assert "not correct" in response.text
    assert "_auth_user_id" not in client.session


def test_signup_without_invitation_creates_own_practice(client, db):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@clinic.test",
            "password1": "a-Long-enough-pass-99",
            "password2": "a-Long-enough-pass-99",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("practice_create")
    # Practice pages send a user without a practice to "create a practice".
    assert client.get(reverse("vendor_list"))["Location"] == reverse("practice_create")
    client.post(reverse("practice_create"), {"name": "New Clinic", "timezone": "America/Denver"})
    membership = Membership.objects.get(user__email="new@clinic.test")
    assert membership.organization.name == "New Clinic"
    assert membership.role == Role.ADMIN
    assert "New Clinic" in client.get(reverse("home")).text


def test_weak_password_is_refused_at_signup(client, db):
    response = client.post(
        reverse("account_signup"),
        {"email": "new@clinic.test", "password1": "password", "password2": "password"},
    )
    assert response.status_code == 200
    assert not get_user_model().objects.filter(email="new@clinic.test").exists()


def test_password_reset_sends_an_email(client, cast):
    client.post(reverse("account_reset_password"), {"email": "bob@a.test"})
    assert len(mail.outbox) == 1
    assert "bob@a.test" in mail.outbox[0].to


def test_admin_invites_new_person_who_sets_password_and_joins(
    client, cast, login, django_capture_on_commit_callbacks
):
    admin = login(cast.alice)
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(reverse("members"), {"email": "Dana@A.test", "role": Role.MANAGER})
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["dana@a.test"] and "Practice A" in message.subject
    assert message.alternatives, "the invitation has an HTML part"
    link = invitation_link(message)
    admin.logout()

    page = client.get(link)
    assert "Choose a password" in page.text
    response = client.post(link, {"first_name": "Dana", "password1": "short", "password2": "short"})
    assert "password1" in response.context["form"].errors
    client.post(
        link,
        {"first_name": "Dana", "password1": "Sturdy-pass-2026!", "password2": "Sturdy-pass-2026!"},
    )
    membership = Membership.objects.get(user__email="dana@a.test")
    assert (membership.organization, membership.role) == (cast.practice, Role.MANAGER)
    assert "Practice A" in client.get(reverse("home")).text
    # The link is single-use.
    client.logout()
    assert client.get(link).status_code == 410


def test_existing_user_accepts_invitation_after_signing_in(
    client, cast, login, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        login(cast.olivia).post(
            reverse("members"), {"email": "charlie@a.test", "role": Role.VIEWER}
        )
    link = invitation_link(mail.outbox[0])
    client.logout()
    response = client.get(link)
    assert response["Location"].startswith(reverse("account_login"))
    client.force_login(cast.charlie.user)
    client.post(link)
    assert Membership.objects.filter(
        user=cast.charlie.user, organization=cast.other_practice
    ).exists()


def test_invitation_for_someone_else_is_refused(
    client, cast, login, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        login(cast.alice).post(reverse("members"), {"email": "someone@x.test", "role": Role.ADMIN})
    link = invitation_link(mail.outbox[0])
    client.force_login(cast.olivia.user)
    client.post(link)
    assert not Membership.objects.filter(user=cast.olivia.user, organization=cast.practice).exists()


def test_only_admins_manage_members(cast, login):
    for member in (cast.bob, cast.charlie):
        client = login(member)
        assert (
            client.post(reverse("members"), {"email": "x@x.test", "role": "admin"}).status_code
            == 403
        )
        assert (
            client.post(
                reverse("membership_role", args=[cast.charlie.pk]), {"role": "admin"}
            ).status_code
            == 403
        )
    assert not Invitation.objects.exists()
    cast.charlie.refresh_from_db()
    assert cast.charlie.role == Role.VIEWER


def test_admin_changes_role_and_cannot_remove_last_admin(cast, login):
    client = login(cast.alice)
    client.post(reverse("membership_role", args=[cast.charlie.pk]), {"role": Role.MANAGER})
    cast.charlie.refresh_from_db()
    assert cast.charlie.role == Role.MANAGER
    response = client.post(
        reverse("membership_role", args=[cast.alice.pk]), {"role": Role.VIEWER}, follow=True
    )
    assert "at least one admin" in response.text
    cast.alice.refresh_from_db()
    assert cast.alice.role == Role.ADMIN


def test_admin_of_other_practice_cannot_touch_memberships(cast, login):
    client = login(cast.olivia)
    assert (
        client.post(reverse("membership_role", args=[cast.bob.pk]), {"role": "viewer"}).status_code
        == 404
    )
    assert client.post(reverse("membership_remove", args=[cast.bob.pk])).status_code == 404
    assert Membership.objects.filter(pk=cast.bob.pk, role=Role.MANAGER).exists()


def test_members_page_lists_only_own_practice(cast, login):
    page = login(cast.charlie).get(reverse("members")).text
    assert "bob@a.test" in page and "olivia@b.test" not in page
    assert "Send invitation" not in page


def test_consultant_switches_between_practices(client, cast):
    consultant = MembershipFactory(organization=cast.practice, user=UserFactory(email="c@c.test"))
    MembershipFactory(organization=cast.other_practice, user=consultant.user)
    VendorFactory(organization=cast.practice, name="Vendor of A")
    VendorFactory(organization=cast.other_practice, name="Vendor of B")
    client.force_login(consultant.user)
    page = client.get(reverse("vendor_list")).text
    assert "Vendor of A" in page and "Vendor of B" not in page
    client.post(reverse("practice_switch"), {"practice": cast.other_practice.pk})
    page = client.get(reverse("vendor_list")).text
    assert "Vendor of B" in page and "Vendor of A" not in page
    assert "Working in <strong>Practice B</strong>" in page


def test_cannot_switch_to_a_practice_one_is_not_member_of(cast, login):
    client = login(cast.bob)
    assert (
        client.post(reverse("practice_switch"), {"practice": cast.other_practice.pk}).status_code
        == 404
    )
    assert "Working in <strong>Practice A</strong>" in client.get(reverse("home")).text


def test_practice_settings_admin_only(cast, login):
    url = reverse("practice_settings")
    data = {
        "name": "Renamed",
        "timezone": "America/Chicago",
        "cost_per_record": "500",
        "cost_per_record_year": "2025",
    }
    assert login(cast.bob).post(url, data).status_code == 403
    login(cast.alice).post(url, data)
    cast.practice.refresh_from_db()
    assert cast.practice.name == "Renamed"


@pytest.mark.parametrize("name", ["practice_settings", "members", "home", "vendor_list"])
def test_practice_pages_need_login(client, db, name):
    assert client.get(reverse(name))["Location"].startswith(reverse("account_login"))


def test_seed_demo_is_idempotent_and_covers_every_tier(db):
    from django.core.management import call_command

    from vendors.models import BusinessAssociate

    call_command("seed_demo")
    counts = (
        Organization.objects.count(),
        BusinessAssociate.objects.count(),
        Membership.objects.count(),
    )
    call_command("seed_demo")
    assert counts == (
        Organization.objects.count(),
        BusinessAssociate.objects.count(),
        Membership.objects.count(),
    )
    assert counts[0] == 2
    for practice in Organization.objects.all():
        tiers = set(BusinessAssociate.objects.for_org(practice).values_list("tier", flat=True))
        assert tiers == {"critical", "high", "medium", "low"}
        roles = set(Membership.objects.for_org(practice).values_list("role", flat=True))
        assert roles == {"admin", "manager", "viewer"}


def test_a_removed_member_loses_access_but_keeps_their_name_on_what_they_recorded(
    cast, login, django_capture_on_commit_callbacks
):
    from .diligence_factories import ReviewFactory

    vendor = VendorFactory(organization=cast.practice, name="Shred-Right")
    review = ReviewFactory(vendor=vendor, reviewer=cast.bob)
    name = cast.bob.display_name
    admin = login(cast.alice)
    response = admin.post(reverse("membership_remove", args=[cast.bob.pk]), follow=True)
    assert f"{name} was removed from the practice" in response.text
    assert name not in admin.get(reverse("members")).text.split("<h2", 2)[1]
    # Bob can no longer open the practice's pages...
    bob = Client()
    bob.force_login(cast.bob.user)
    assert bob.get(vendor.get_absolute_url()).status_code in (302, 403, 404)
    # ...and the review he recorded still names him (nothing of the record is deleted).
    review.refresh_from_db()
    assert review.reviewer_id == cast.bob.pk
    assert name in admin.get(vendor.get_absolute_url()).text
    assert Membership.all_objects.get(pk=cast.bob.pk).ended_at is not None
    # Invited again, the same person comes back through the same row, with the new role.
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(reverse("members"), {"email": cast.bob.user.email, "role": Role.VIEWER})
    bob.post(invitation_link(mail.outbox[-1]))
    back = Membership.objects.get(user=cast.bob.user, organization=cast.practice)
    assert (back.pk, back.role) == (cast.bob.pk, Role.VIEWER)
    assert bob.get(vendor.get_absolute_url()).status_code == 200
