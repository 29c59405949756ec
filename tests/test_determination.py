"""The "not a business associate" determination (issue 10): the rule (vendors/determination.py),
the vendor page and form, the BAA status it feeds, its history and the binder."""

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from binder import builder
from vendors import determination
from vendors.choices import AccessLevel, Category, DeterminationBasis
from vendors.models import BaDetermination, BusinessAssociate
from vendors.services import vendor_save
from vendors.tiering import RiskProfile

from .factories import VendorFactory


@pytest.fixture
def coffee(cast):
    """A vendor with no PHI box and no system access."""
    return VendorFactory(
        organization=cast.practice,
        name="Office Coffee Co.",
        access_level=AccessLevel.NONE,
        phi_electronic=False,
    )


def url(vendor):
    return reverse("vendor_determination", args=[vendor.pk])


def form_data(cast, **changes):
    return {
        "basis": DeterminationBasis.NO_PHI,
        "explanation": "Delivers coffee to the break room; no records, no systems.",
        "determined_by": cast.alice.pk,
        "determined_on": cast.practice.today().isoformat(),
    } | changes


# --- the rule -------------------------------------------------------------------------------


def test_rule_refuses_the_conduit_exception_for_a_vendor_that_stores_data():
    for profile, category in (
        (RiskProfile(), Category.BACKUP),
        (RiskProfile(), Category.CLOUD_HOSTING),
        (RiskProfile(access_level=AccessLevel.HOSTS, phi_electronic=True), Category.OTHER),
    ):
        errors = determination.refusals(
            profile=profile, category=category, basis=DeterminationBasis.CONDUIT, explanation=""
        )
        assert "Cloud Computing" in errors["basis"] and "78 FR 5566" in errors["basis"]
    # A carrier with no storage may be a conduit.
    assert not determination.refusals(
        profile=RiskProfile(),
        category=Category.OTHER,
        basis=DeterminationBasis.CONDUIT,
        explanation="Internet carrier",
    )


def test_rule_refuses_any_determination_when_the_profile_needs_a_baa():
    errors = determination.refusals(
        profile=RiskProfile(remote_access=True),
        category=Category.MSP,
        basis=DeterminationBasis.NO_PHI,
        explanation="",
    )
    assert "needs a BAA (remote or privileged access" in errors["basis"]


def test_rule_asks_for_an_explanation_of_other_grounds():
    errors = determination.refusals(
        profile=RiskProfile(),
        category=Category.OTHER,
        basis=DeterminationBasis.OTHER,
        explanation=" ",
    )
    assert errors == {"explanation": determination.EXPLAIN_OTHER}


# --- pages ----------------------------------------------------------------------------------


def test_a_vendor_without_phi_reads_determination_needed_not_not_required(cast, login, coffee):
    client = login(cast.bob)
    page = client.get(coffee.get_absolute_url()).text
    assert "Determination needed" in page and "Not required" not in page
    assert url(coffee) in page
    listed = client.get(reverse("vendor_list"), {"baa": "undetermined"}).text
    assert "Office Coffee Co." in listed


def test_manager_records_a_determination_shown_on_the_page_and_kept_in_history(cast, login, coffee):
    client = login(cast.bob)
    assert client.get(url(coffee)).status_code == 200
    response = client.post(url(coffee), form_data(cast))
    assert response.status_code == 302
    row = BaDetermination.objects.get(vendor=coffee)
    assert (row.determined_by, row.recorded_by, row.organization) == (
        cast.alice,
        cast.bob.user,
        cast.practice,
    )
    page = client.get(coffee.get_absolute_url()).text
    assert "Not required (documented)" in page and "Determination needed" not in page
    assert "No access to PHI" in page and cast.alice.display_name in page
    assert row.history.count() == 1
    assert coffee.history.first().determined_not_ba is True
    assert (
        "Office Coffee Co." not in client.get(reverse("vendor_list"), {"baa": "undetermined"}).text
    )


def test_the_form_refuses_conduit_for_a_backup_vendor_citing_hhs(cast, login):
    backup = VendorFactory(
        organization=cast.practice,
        name="VaultSafe Backup",
        category=Category.BACKUP,
        access_level=AccessLevel.NONE,
        phi_electronic=False,
    )
    response = login(cast.bob).post(url(backup), form_data(cast, basis=DeterminationBasis.CONDUIT))
    assert response.status_code == 200
    assert "Guidance on HIPAA &amp; Cloud Computing" in response.text
    assert "even if the data is encrypted and it holds no key" in response.text
    assert not BaDetermination.objects.exists()


def test_the_form_refuses_a_vendor_whose_profile_needs_a_baa(cast, login):
    msp = VendorFactory(
        organization=cast.practice,
        name="Northwind IT",
        category=Category.MSP,
        access_level=AccessLevel.NONE,
        phi_electronic=False,
        remote_access=True,
    )
    client = login(cast.bob)
    assert "Correct the profile first" in client.get(url(msp)).text
    response = client.post(url(msp), form_data(cast))
    assert response.status_code == 200
    assert "needs a BAA" in str(response.context["form"].errors["basis"])
    assert not BaDetermination.objects.exists()


def test_other_grounds_and_a_future_date_are_refused(cast, login, coffee):
    client = login(cast.bob)
    tomorrow = (cast.practice.today() + timedelta(days=1)).isoformat()
    response = client.post(
        url(coffee), form_data(cast, basis=DeterminationBasis.OTHER, explanation="")
    )
    assert "explanation" in response.context["form"].errors
    response = client.post(url(coffee), form_data(cast, determined_on=tomorrow))
    assert "future" in str(response.context["form"].errors["determined_on"])
    assert not BaDetermination.objects.exists()


def test_a_profile_that_comes_to_need_a_baa_sets_the_determination_aside(cast, login, coffee):
    client = login(cast.bob)
    client.post(url(coffee), form_data(cast))
    coffee.refresh_from_db()
    coffee.remote_access = True
    vendor_save(vendor=coffee, actor=cast.bob.user)
    coffee.refresh_from_db()
    assert coffee.needs_baa and not coffee.determined_not_ba
    page = client.get(coffee.get_absolute_url()).text
    assert "no longer applies" in page
    assert "Gap: no signed BAA" in page  # active, needs a BAA, none signed
    assert BaDetermination.objects.filter(vendor=coffee).count() == 1  # kept


def test_the_determination_keeps_its_author_after_they_leave_the_practice(cast, login, coffee):
    from oversight.services import membership_remove

    client = login(cast.bob)
    client.post(url(coffee), form_data(cast, determined_by=cast.charlie.pk))
    name = cast.charlie.display_name
    membership_remove(membership=cast.charlie)
    row = BaDetermination.objects.get(vendor=coffee)
    assert row.determined_by_id == cast.charlie.pk and row.determined_by_name == name
    assert f"Determined by {name}" in client.get(coffee.get_absolute_url()).text


def test_the_binder_vendor_file_shows_the_determination(cast, login, coffee):
    login(cast.bob).post(url(coffee), form_data(cast))
    today = cast.practice.today()
    data = builder.gather(cast.practice, today, today - timedelta(days=30))
    html = render_to_string(
        "binder/binder.html",
        {"data": data, "part": "vendors", "group": data.vendors, "first_group": True},
    )
    assert "Business associate determination" in html
    assert "In force: not a business associate (No access to PHI" in html
    assert "Delivers coffee to the break room" in html


# --- access ---------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, coffee):
    for method in ("get", "post"):
        response = getattr(client, method)(url(coffee))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_member_of_another_practice_gets_404(cast, login, coffee):
    client = login(cast.olivia)
    assert client.get(url(coffee)).status_code == 404
    assert (
        client.post(url(coffee), form_data(cast, determined_by=cast.olivia.pk)).status_code == 404
    )
    assert not BaDetermination.objects.exists()


def test_viewer_sees_the_determination_but_cannot_record_one(cast, login, coffee):
    client = login(cast.charlie)
    assert client.get(url(coffee)).status_code == 403
    assert client.post(url(coffee), form_data(cast)).status_code == 403
    assert not BaDetermination.objects.exists()
    page = client.get(coffee.get_absolute_url()).text
    assert "Determination needed" in page and url(coffee) not in page
    assert BusinessAssociate.objects.get(pk=coffee.pk).determined_not_ba is False
