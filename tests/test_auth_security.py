"""Sign-in hardening: two-factor authentication (required per practice), lockout after repeated
failures, rate limits, the admin behind the same login, and every authentication event in the
practice's activity log."""

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from axes.models import AccessAttempt
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from oversight.choices import AuditAction
from oversight.models import AuditEvent

from .factories import PASSWORD, UserFactory

LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth's rate-limit counters live in the cache (Redis in the suite), which outlives
    the per-test database rollback."""
    cache.clear()
    yield
    cache.clear()


def sign_in(client, email, password=PASSWORD):
    return client.post(LOGIN, {"login": email, "password": password})


def events(org, action):
    return AuditEvent.objects.filter(organization=org, action=action)


def totp_code(secret):
    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))


def enrol_totp(client, on_commit):
    """Walk the enrolment page as a person would (allauth asks for the password again
    before adding a second factor); returns the recovery codes."""
    page = client.get(reverse("mfa_activate_totp"))
    if page.status_code == 302 and page["Location"].startswith(reverse("account_reauthenticate")):
        client.post(page["Location"], {"password": PASSWORD})
        page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200, page
    secret = client.session[SECRET_SESSION_KEY]
    # allauth sends "authenticator added" after the commit: run those callbacks.
    with on_commit(execute=True):
        done = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert done.status_code == 302, done.context["form"].errors if done.context else done
    codes = client.get(reverse("mfa_view_recovery_codes"))
    return re.findall(r"\b[0-9a-f]{8}\b", codes.text)


# --- sign-in, sign-out and failures in the activity log ------------------------------------


def test_sign_in_and_out_are_in_the_practice_activity_log(cast, client):
    response = sign_in(client, "bob@a.test")
    assert response.status_code == 302 and response["Location"] == "/"
    assert events(cast.practice, AuditAction.LOGIN).filter(user=cast.bob.user).count() == 1

    client.post(reverse("account_logout"))
    assert events(cast.practice, AuditAction.LOGOUT).filter(user=cast.bob.user).count() == 1
    # The other practice's log shows nothing of practice A's people.
    assert not AuditEvent.objects.filter(organization=cast.other_practice).exists()

    admin = client
    admin.force_login(cast.alice.user)
    log = admin.get(reverse("activity_log")).text
    assert "signed in" in log.lower() and "signed out" in log.lower() and "bob@a.test" in log


def test_a_failed_sign_in_is_logged_without_the_password(cast, client):
    response = sign_in(client, "bob@a.test", "wrong-password-123")
    assert response.status_code == 200
    assert "not correct" in response.text or "incorrect" in response.text.lower()
    failed = events(cast.practice, AuditAction.LOGIN_FAILED).get()
    assert failed.email == "bob@a.test" and failed.user == cast.bob.user
    assert "wrong-password" not in str(failed.details)


def test_failures_for_an_unknown_address_are_kept_outside_any_practice(cast, client):
    sign_in(client, "nobody@nowhere.test", "whatever-123456")
    event = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert event.organization is None and event.email == "nobody@nowhere.test"


# --- lockout -------------------------------------------------------------------------------


def test_repeated_failures_lock_the_account_with_a_clear_page(cast, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "BOB@a.test", "wrong-password-123").status_code == 200
    locked = sign_in(client, "bob@a.test", "wrong-password-123")
    assert locked.status_code == 429
    assert "Account temporarily locked" in locked.text and "activity log" in locked.text

    # Even the right password is refused while locked, and the person is told why.
    again = sign_in(client, "bob@a.test")
    assert again.status_code == 429 and "temporarily locked" in again.text
    assert "_auth_user_id" not in client.session

    assert events(cast.practice, AuditAction.LOCKED_OUT).filter(user=cast.bob.user).exists()
    assert events(cast.practice, AuditAction.LOGIN_FAILED).count() >= settings.AXES_FAILURE_LIMIT
    # Another person of the same practice is not affected.
    assert sign_in(client, "alice@a.test").status_code == 302


def test_a_superuser_unlocks_an_account_in_the_admin_and_it_is_logged(cast, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "bob@a.test", "wrong-password-123")
    attempt = AccessAttempt.objects.get(username="bob@a.test")

    root = staff_with_totp()
    admin = client.__class__()
    admin.force_login(root)
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "bob@a.test" in listing.text
    admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert not AccessAttempt.objects.filter(username="bob@a.test").exists()
    assert events(cast.practice, AuditAction.UNLOCKED).filter(user=cast.bob.user).exists()

    assert sign_in(client, "bob@a.test").status_code == 302


def test_a_successful_sign_in_resets_the_failure_count(cast, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "bob@a.test", "wrong-password-123")
    assert sign_in(client, "bob@a.test").status_code == 302
    client.post(reverse("account_logout"))
    assert sign_in(client, "bob@a.test", "wrong-password-123").status_code == 200
    # No unlock was recorded: nobody unlocked anything.
    assert not AuditEvent.objects.filter(action=AuditAction.UNLOCKED).exists()


def test_password_reset_requests_are_rate_limited(cast, client):
    statuses = [
        client.post(reverse("account_reset_password"), {"email": "bob@a.test"}).status_code
        for _ in range(7)
    ]
    assert statuses[0] == 302
    assert 429 in statuses
    limited = client.post(reverse("account_reset_password"), {"email": "bob@a.test"})
    assert limited.status_code == 429 and "Too many" in limited.text
    assert len(mail.outbox) <= 5


# --- the Django admin behind the same sign-in ----------------------------------------------


def staff_with_totp():
    root = UserFactory(email="root@ops.test", is_staff=True, is_superuser=True)
    TOTP.activate(root, generate_totp_secret())
    return root


def test_staff_without_a_second_factor_must_enrol_before_the_admin(
    db, client, django_capture_on_commit_callbacks
):
    UserFactory(email="root@ops.test", is_staff=True, is_superuser=True)
    sign_in(client, "root@ops.test")
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")
    enrol_totp(client, django_capture_on_commit_callbacks)
    assert client.get("/admin/").status_code == 200


def test_the_admin_login_goes_through_the_product_sign_in(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_the_admin_requires_the_second_factor_when_enrolled(
    db, client, django_capture_on_commit_callbacks
):
    root = UserFactory(email="root@ops.test", is_staff=True, is_superuser=True)
    sign_in(client, "root@ops.test")
    enrol_totp(client, django_capture_on_commit_callbacks)
    client.post(reverse("account_logout"))

    response = sign_in(client, "root@ops.test")
    assert response.status_code == 302 and "/2fa/authenticate/" in response["Location"]
    assert client.get("/admin/").status_code == 302  # not signed in yet
    assert root.pk  # the factory user exists


# --- two-factor authentication -------------------------------------------------------------


def test_member_enrols_totp_and_signs_in_with_a_code_then_a_recovery_code(
    cast, client, django_capture_on_commit_callbacks
):
    sign_in(client, "bob@a.test")
    codes = enrol_totp(client, django_capture_on_commit_callbacks)
    assert Authenticator.objects.filter(user=cast.bob.user, type="totp").exists()
    assert len(codes) >= 5
    assert events(cast.practice, AuditAction.MFA_ENABLED).filter(user=cast.bob.user).count() == 1

    client.post(reverse("account_logout"))
    first = sign_in(client, "bob@a.test")
    assert first.status_code == 302 and first["Location"] == reverse("mfa_authenticate")
    assert client.get("/").status_code == 302  # half signed in is not signed in
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    done = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert done.status_code == 302
    assert client.get("/").status_code == 200


def test_removing_the_authenticator_is_logged(cast, client, django_capture_on_commit_callbacks):
    sign_in(client, "bob@a.test")
    enrol_totp(client, django_capture_on_commit_callbacks)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=cast.bob.user, type="totp").exists()
    assert events(cast.practice, AuditAction.MFA_DISABLED).filter(user=cast.bob.user).exists()


def practice_settings_data(org, **changes):
    data = {
        "name": org.name,
        "timezone": org.timezone,
        "contact_name": "",
        "contact_email": "",
        "contact_phone": "",
        "cost_per_record": "408.00",
        "cost_per_record_year": "2018",
        "digest_hour": "7",
    }
    data.update(changes)
    return data


def test_admin_requires_mfa_and_an_unenrolled_member_must_enrol_first(
    cast, client, login, django_capture_on_commit_callbacks
):
    admin = login(cast.alice)
    page = admin.get(reverse("practice_settings"))
    assert "require_mfa" in page.text
    saved = admin.post(
        reverse("practice_settings"), practice_settings_data(cast.practice, require_mfa="on")
    )
    assert saved.status_code == 302
    cast.practice.refresh_from_db()
    assert cast.practice.require_mfa
    cast.other_practice.refresh_from_db()
    assert not cast.other_practice.require_mfa

    member = client.__class__()
    sign_in(member, "bob@a.test")
    for url in ["/", reverse("vendor_list"), reverse("members"), reverse("practice_settings")]:
        response = member.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_activate_totp"), url
    htmx = member.get(reverse("vendor_list"), headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"] == reverse("mfa_activate_totp")
    page = member.get(reverse("mfa_activate_totp"), follow=True)
    assert "requires two-factor authentication" in page.text

    enrol_totp(member, django_capture_on_commit_callbacks)
    assert member.get("/").status_code == 200
    assert member.get(reverse("vendor_list")).status_code == 200

    # Someone of another practice is not asked for anything.
    outsider = client.__class__()
    sign_in(outsider, "olivia@b.test")
    assert outsider.get("/").status_code == 200


def test_an_unenrolled_member_can_still_sign_out_and_the_health_check_answers(cast, client):
    cast.practice.require_mfa = True
    cast.practice.save()
    sign_in(client, "charlie@a.test")
    assert client.get("/").status_code == 302
    assert client.get(reverse("healthz")).status_code in (200, 503)
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


def test_a_viewer_cannot_turn_the_requirement_on(cast, login):
    viewer = login(cast.charlie)
    assert "require_mfa" not in viewer.get(reverse("practice_settings")).text
    response = viewer.post(
        reverse("practice_settings"), practice_settings_data(cast.practice, require_mfa="on")
    )
    assert response.status_code == 403
    cast.practice.refresh_from_db()
    assert not cast.practice.require_mfa


def test_another_practice_admin_cannot_change_this_practice(cast, login):
    outsider = login(cast.olivia)
    outsider.post(
        reverse("practice_settings"), practice_settings_data(cast.other_practice, require_mfa="on")
    )
    cast.practice.refresh_from_db()
    assert not cast.practice.require_mfa  # olivia only ever edits her own practice


# --- passwords -----------------------------------------------------------------------------


def test_password_change_and_reset_are_logged(cast, client):
    sign_in(client, "bob@a.test")
    new = "a-much-longer-Passphrase-2026"
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": new, "password2": new},
    )
    assert response.status_code == 302
    assert events(cast.practice, AuditAction.PASSWORD_CHANGED).filter(user=cast.bob.user).exists()
    client.post(reverse("account_logout"))

    client.post(reverse("account_reset_password"), {"email": "bob@a.test"})
    link = re.search(r"https?://[^\s]+/accounts/password/reset/key/[^\s]+", mail.outbox[-1].body)
    path = "/" + link.group(0).split("/", 3)[3]
    form_page = client.get(path, follow=True)
    newer = "yet-another-Passphrase-2027"
    client.post(form_page.redirect_chain[-1][0], {"password1": newer, "password2": newer})
    assert events(cast.practice, AuditAction.PASSWORD_RESET).filter(user=cast.bob.user).exists()
    assert sign_in(client, "bob@a.test", newer).status_code == 302


def test_weak_passwords_are_refused(cast, client):
    sign_in(client, "bob@a.test")
    for weak in ["short1A", "password1234", "123456789012", "bob@a.test-1"]:
        response = client.post(
            reverse("account_change_password"),
            {"oldpassword": PASSWORD, "password1": weak, "password2": weak},
        )
        assert response.status_code == 200, weak
        assert response.context["form"].errors["password1"], weak


# --- lockout per account and address; unlock by the practice's admin --------------------------


def test_ten_failures_on_one_account_do_not_block_the_office(cast, client, settings):
    """The whole office shares one address: one person's failures lock only that person."""
    for _ in range(10):
        sign_in(client, "bob@a.test", "wrong-password-123")
    assert sign_in(client, "bob@a.test").status_code == 429  # bob is locked from here
    colleague = client.__class__()
    assert sign_in(colleague, "alice@a.test").status_code == 302  # the same address
    # Someone guessing bob's password elsewhere does not lock bob out of the office either.
    elsewhere = client.__class__(REMOTE_ADDR="203.0.113.9")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(elsewhere, "charlie@a.test", "wrong-password-123")
    assert sign_in(elsewhere, "charlie@a.test").status_code == 429
    assert sign_in(client.__class__(), "charlie@a.test").status_code == 302


def test_an_account_is_throttled_from_every_address_after_many_failures(cast, client):
    for n in range(20):
        other = client.__class__(REMOTE_ADDR=f"198.51.100.{n + 1}")
        sign_in(other, "bob@a.test", "wrong-password-123")
    fresh = client.__class__(REMOTE_ADDR="192.0.2.77")
    refused = sign_in(fresh, "bob@a.test")
    assert refused.status_code == 200 and "_auth_user_id" not in fresh.session
    assert "Too many failed login attempts" in refused.text


def lock(client, email, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, email, "wrong-password-123")
    assert sign_in(client, email).status_code == 429


def test_a_practice_admin_unlocks_a_member_from_the_members_page(cast, client, login, settings):
    lock(client, "bob@a.test", settings)
    admin = login(cast.alice)
    page = admin.get(reverse("members")).text
    unlock = reverse("membership_unlock", args=[cast.bob.pk])
    assert "Locked out" in page and unlock in page
    assert reverse("membership_unlock", args=[cast.charlie.pk]) not in page  # not locked

    response = admin.post(unlock, follow=True)
    assert "bob@a.test can sign in again." in response.text
    assert "Locked out" not in admin.get(reverse("members")).text
    event = events(cast.practice, AuditAction.UNLOCKED).get()
    assert event.user == cast.bob.user and event.details["unlocked_by"] == "alice@a.test"
    log = admin.get(reverse("activity_log")).text
    assert "Sign-in unlocked by alice@a.test" in log
    assert sign_in(client.__class__(), "bob@a.test").status_code == 302

    # Unlocking someone who is not locked says so and logs nothing.
    response = admin.post(reverse("membership_unlock", args=[cast.charlie.pk]), follow=True)
    assert "is not locked out" in response.text
    assert events(cast.practice, AuditAction.UNLOCKED).count() == 1


def test_only_the_practices_admin_can_unlock(cast, client, login, settings):
    lock(client, "bob@a.test", settings)
    unlock = reverse("membership_unlock", args=[cast.bob.pk])
    anonymous = client.__class__().post(unlock)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(LOGIN)
    for member in (cast.bob, cast.charlie):  # manager, viewer
        other = client.__class__()
        other.force_login(member.user)
        assert other.post(unlock).status_code == 403
        assert "Unlock sign-in" not in other.get(reverse("members")).text
    outsider = client.__class__()
    outsider.force_login(cast.olivia.user)
    assert outsider.post(unlock).status_code == 404
    assert AccessAttempt.objects.filter(username="bob@a.test").exists()
    assert not AuditEvent.objects.filter(action=AuditAction.UNLOCKED).exists()
    assert sign_in(client.__class__(), "bob@a.test").status_code == 429
