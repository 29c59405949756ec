"""What a new administrator and a new member meet first: creating the superuser, the two-factor
enrolment detour and the way back, the 403 page, the favicon and the practice selector."""

from __future__ import annotations

import io

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.core.management import CommandError, call_command
from django.urls import reverse

from oversight.choices import Role
from oversight.demo import DEMO_PASSWORD

from .factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-Password-for-tests-1"


class TTY(io.StringIO):
    def isatty(self):
        return True


def _sign_in(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


# --- createsuperuser ---------------------------------------------------------------------------


def test_createsuperuser_refuses_an_account_without_an_email():
    with pytest.raises(CommandError, match="email address is required"):
        call_command("createsuperuser", interactive=False, username="root", email="")
    assert not get_user_model().objects.filter(is_superuser=True).exists()


def test_createsuperuser_asks_the_email_first_and_the_account_signs_in_with_it(client, monkeypatch):
    answers = iter(["", "not-an-email", "root@clinic.example"])
    prompts: list[str] = []

    def fake_input(prompt=""):
        prompts.append(prompt)
        return next(answers)

    monkeypatch.setattr("builtins.input", fake_input)
    monkeypatch.setattr("getpass.getpass", lambda prompt="Password: ": PASSWORD)
    err = io.StringIO()
    call_command("createsuperuser", stdin=TTY(), stdout=io.StringIO(), stderr=err)
    assert prompts[0].startswith("Email address")
    assert "valid email" in err.getvalue()
    user = get_user_model().objects.get(is_superuser=True)
    assert user.email == "root@clinic.example" and user.username == "root@clinic.example"
    response = _sign_in(client, "root@clinic.example")
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


# --- two-factor enrolment ---------------------------------------------------------------------


def test_a_superuser_without_a_practice_is_not_told_their_practice_requires_two_factor(client):
    user = UserFactory(
        email="root@clinic.example", is_staff=True, is_superuser=True, password=PASSWORD
    )
    user.save()
    _sign_in(client, "root@clinic.example")
    response = client.get("/", follow=True)
    assert response.redirect_chain[0][0] == reverse("mfa_activate_totp")
    text = response.content.decode()
    assert "Your practice requires" not in text
    assert "Staff accounts can open the Django admin" in text


def test_after_enrolment_the_recovery_codes_page_leads_back_to_where_the_member_was_going(client):
    practice = OrganizationFactory(require_mfa=True)
    member = MembershipFactory(organization=practice, role=Role.MANAGER)
    member.user.set_password(PASSWORD)
    member.user.save()
    _sign_in(client, member.user.email)
    response = client.get(reverse("vendor_list") + "?tier=critical")
    assert response.status_code == 302 and response.url == reverse("mfa_activate_totp")
    page = client.get(reverse("mfa_activate_totp"), follow=True).content.decode()
    assert "Your practice requires two-factor authentication" in page
    assert "Continue to where you were going" not in page  # not before a second factor exists

    TOTP.activate(member.user, generate_totp_secret())
    RecoveryCodes.activate(member.user)
    assert Authenticator.objects.filter(user=member.user).count() == 2
    page = client.get(reverse("mfa_view_recovery_codes"), follow=True).content.decode()
    assert "Continue to where you were going" in page
    assert 'href="/vendors/?tier=critical"' in page

    assert client.get(reverse("vendor_list") + "?tier=critical").status_code == 200
    page = client.get(reverse("mfa_view_recovery_codes"), follow=True).content.decode()
    assert "Continue to where you were going" not in page


# --- the 403 page and the favicon -------------------------------------------------------------


def test_the_403_page_keeps_the_sites_navigation(client):
    viewer = MembershipFactory(role=Role.VIEWER)
    client.force_login(viewer.user)
    response = client.get(reverse("vendor_create"))
    assert response.status_code == 403
    text = response.content.decode()
    assert "Not allowed" in text
    assert f'href="{reverse("vendor_list")}"' in text  # the main navigation
    assert 'id="current-practice"' in text
    assert viewer.organization.name in text


def test_there_is_a_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response.url.endswith("favicon.svg")
    assert finders.find("favicon.svg")
    member = MembershipFactory()
    client.force_login(member.user)
    assert 'rel="icon"' in client.get("/").content.decode()


# --- the practice selector --------------------------------------------------------------------


def test_the_practice_selector_shows_only_for_people_in_more_than_one_practice(client):
    single = MembershipFactory()
    client.force_login(single.user)
    page = client.get("/").content.decode()
    assert 'id="practice-select"' not in page
    assert single.organization.name in page  # still says where they work

    MembershipFactory(user=single.user, role=Role.VIEWER)
    page = client.get("/").content.decode()
    assert 'id="practice-select"' in page
    assert "data-autosubmit" not in page  # switching is the button's job


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_arrow_keys_on_the_practice_selector_do_not_switch_practice(page, live_server):
    call_command("seed_demo")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "consultant@example.com")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    before = page.inner_text("#current-practice")
    chosen = page.input_value("#practice-select")
    last = page.eval_on_selector(
        "#practice-select", "s => s.selectedIndex === s.options.length - 1"
    )
    page.focus("#practice-select")
    page.keyboard.press("ArrowUp" if last else "ArrowDown")
    assert page.input_value("#practice-select") != chosen  # the key chose the other practice
    page.wait_for_timeout(800)
    assert page.inner_text("#current-practice") == before  # ... but did not switch to it
    page.click("#practice-switcher button[type=submit]")
    page.wait_for_load_state()
    assert page.inner_text("#current-practice") != before


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_vendor_list_fits_a_phone_screen(page, live_server):
    call_command("seed_demo")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "manager@riverside.example")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/vendors/")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow} px"
    # The filters collapse behind a button; the vendors are listed first.
    assert not page.is_visible("#vendor-filters")
    page.click("text=Filters")
    page.wait_for_selector("#vendor-filters", state="visible")
    assert page.locator("#vendors tbody tr").count() > 0
    page.screenshot(path="test-artifacts/vendor-list-phone.png", full_page=True)
