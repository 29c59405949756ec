"""The practice's standard BAA positions: defaults, the settings page (admins and managers
write, viewers read, history shown), tenancy and form errors."""

import pytest
from django.urls import reverse

from baas.choices import CapKind, CarveOut, DayKind, Indemnification
from generator import positions
from generator.models import StandardPositions

pytestmark = pytest.mark.django_db

URL = "/practice/baa-standard/"


def post_data(**overrides):
    data = {
        k: v for k, v in positions.defaults().items() if v is not None and not isinstance(v, bool)
    }
    data.update(offshore_restricted="on", audit_rights="on")
    data.update(overrides)
    return data


def test_defaults_are_mutual_and_uncapped():
    d = positions.DEFAULTS
    assert d.indemnification == Indemnification.MUTUAL
    assert d.cap_kind == CapKind.NONE
    assert set(d.carve_outs) == set(CarveOut.values)
    terms = positions.agreement_terms(d)
    assert terms["audit_rights"] == "yes" and terms["offshore_restricted"] == "yes"
    assert terms["carve_outs"] == []  # nothing to carve out of with no cap


def test_the_url_is_the_documented_one():
    assert reverse("baa_positions") == URL


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_viewer_reads_the_defaults_but_cannot_save(cast, login):
    client = login(cast.charlie)
    page = client.get(URL).content.decode()
    assert "Mutual" in page and "nothing has been saved yet" in page
    assert 'id="positions-form"' not in page
    assert client.post(URL, post_data(cap_kind="fixed", cap_amount="5")).status_code == 403
    assert not StandardPositions.objects.exists()


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_admin_and_manager_save_with_history(cast, login, who):
    client = login(getattr(cast, who))
    response = client.post(
        URL,
        post_data(
            cap_kind="fixed", cap_amount="2000000", carve_outs=["fraud"], governing_law="Ohio"
        ),
    )
    assert response.status_code == 302
    stored = StandardPositions.objects.get(organization=cast.practice)
    assert stored.cap_kind == CapKind.FIXED and stored.carve_outs == ["fraud"]
    assert stored.governing_law == "Ohio"
    page = client.get(URL).content.decode()
    assert getattr(cast, who).user.email in page  # the history names who changed it
    assert "Exclusions from the limitation" in page  # the preview follows the positions
    # The other practice still has the defaults.
    assert not StandardPositions.objects.filter(organization=cast.other_practice).exists()


def test_other_practices_positions_are_not_shown(cast, login):
    StandardPositions.objects.create(organization=cast.other_practice, governing_law="Nevada")
    page = login(cast.charlie).get(URL).content.decode()
    assert "Nevada" not in page


def test_a_fixed_cap_needs_its_amount_and_nothing_is_lost(cast, login):
    client = login(cast.alice)
    response = client.post(URL, post_data(cap_kind="fixed", governing_law="Texas"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Give the amount of the cap." in page
    assert 'value="Texas"' in page
    assert not StandardPositions.objects.exists()


def test_a_window_longer_than_the_law_is_refused(cast, login):
    client = login(cast.alice)
    response = client.post(
        URL, post_data(breach_notice_days="55", breach_notice_day_kind=DayKind.BUSINESS)
    )
    assert response.status_code == 200
    assert "longer than the 60 calendar days the law allows" in response.content.decode()
    assert not StandardPositions.objects.exists()


def test_the_practice_menu_links_to_the_positions(cast, login):
    home = login(cast.charlie).get("/").content.decode()
    assert f'href="{URL}"' in home
