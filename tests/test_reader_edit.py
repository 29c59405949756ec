"""Confirming the reader's proposals (issue 14): hours are recorded as hours, own-use rights are
applied, and a proposal can be edited before it is accepted, through the agreement form's own
checks, with history saying the value came from the reader and was edited by the user."""

import pytest
from django.urls import reverse

from baas.choices import CapKind, DayKind
from baas.models import BusinessAssociateAgreement
from reader import services
from reader.choices import ProposalStatus

from .baas_factories import make_agreement
from .test_reader_rules import baa

pytestmark = pytest.mark.django_db

HOURS = (
    "Business Associate shall notify Covered Entity of any Breach of Unsecured PHI no later "
    "than seventy-two (72) hours after discovery."
)
DAYS = (
    "Business Associate shall notify Covered Entity of any Breach of Unsecured PHI within "
    "ninety (90) days after discovery."
)
OWN_USE = (
    "Business Associate may de-identify PHI and may use de-identified data to train its "
    "machine learning models."
)
CAP = (
    "Business Associate's total liability under this BAA shall not exceed the fees paid in the "
    "twelve (12) months preceding the claim."
)


@pytest.fixture
def agreement(cast, vendor):
    return make_agreement(vendor, actor=cast.bob.user)


def _read(agreement, actor, text):
    reading = services.reading_queue(agreement=agreement, actor=actor, text=text)
    services.reading_run(reading_id=reading.pk)
    reading.refresh_from_db()
    return reading


def _edit_url(agreement, proposal):
    return reverse("reader_edit", args=[agreement.pk]) + f"?proposal={proposal.pk}"


def test_accepting_hours_records_hours_and_own_use_rights_are_applied(cast, login, agreement):
    reading = _read(agreement, cast.bob.user, baa(notice=HOURS, extra=OWN_USE))
    client = login(cast.bob)
    page = client.get(agreement.get_absolute_url()).content.decode()
    assert "72 hours, from discovery" in page
    assert "de-identification, model training" in page
    response = client.post(
        reverse("reader_decide", args=[agreement.pk]),
        {"reading": reading.pk, "action": "accept_all"},
        follow=True,
    )
    agreement.refresh_from_db()
    assert (agreement.breach_notice_days, agreement.breach_notice_day_kind) == (72, DayKind.HOURS)
    assert agreement.own_use_deidentify and agreement.own_use_train_models
    assert not agreement.own_use_aggregate and not agreement.own_use_other
    assert reading.proposals.get(field="own_use").status == ProposalStatus.ACCEPTED
    page = response.content.decode()
    assert "72 hours" in page  # recorded now, beside the proposal
    # the own-use finding now shows on the agreement page
    assert "de-identify PHI for its own use" in page


def test_an_edited_proposal_is_validated_and_recorded_as_edited(cast, login, agreement):
    reading = _read(agreement, cast.bob.user, baa(notice=DAYS))
    proposal = reading.proposals.get(field="breach_notice")
    client = login(cast.bob)
    panel = client.get(agreement.get_absolute_url()).content.decode()
    assert f"?proposal={proposal.pk}" in panel and "Edit, then accept" in panel

    page = client.get(_edit_url(agreement, proposal)).content.decode()
    assert "90 calendar days, from discovery" in page  # what the reader proposes
    assert "ninety (90) days after discovery" in page  # and the words it rests on
    assert 'name="breach_notice_days" value="90"' in page  # pre-filled with it
    assert 'name="cap_kind"' not in page  # only this term is open

    bad = client.post(
        _edit_url(agreement, proposal),
        {"breach_notice_days": "-3", "breach_notice_day_kind": "calendar"},
    )
    assert bad.status_code == 200
    assert "Ensure this value is greater than or equal to 0" in bad.content.decode()
    agreement.refresh_from_db()
    assert agreement.breach_notice_days is None
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING

    response = client.post(
        _edit_url(agreement, proposal),
        {"breach_notice_days": "10", "breach_notice_day_kind": "business"},
        follow=True,
    )
    assert "your edited value is accepted" in response.content.decode()
    agreement.refresh_from_db()
    assert (agreement.breach_notice_days, agreement.breach_notice_day_kind) == (
        10,
        DayKind.BUSINESS,
    )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.EDITED and proposal.decided_by == cast.bob.user
    assert proposal.value["days"] == 90  # the reader's own value is kept beside the edit
    assert proposal.edited_terms == {"breach_notice_days": 10, "breach_notice_day_kind": "business"}
    row = agreement.history.first()
    assert row.history_change_reason == (
        f"BAA reader (reading {reading.pk}): breach-notice window, edited by the user"
    )
    assert row.history_user == cast.bob.user
    page = response.content.decode()
    assert "Accepted as edited by bob@a.test" in page
    assert "Breach-notice window: 10; Counted in: Business days" in page
    # decided: the edit page sends back to the agreement
    again = client.get(_edit_url(agreement, proposal))
    assert again.status_code == 302


def test_an_edit_that_conflicts_with_the_recorded_terms_is_refused_with_the_reason(
    cast, login, agreement
):
    reading = _read(agreement, cast.bob.user, baa(notice=DAYS, extra=CAP))
    cap = reading.proposals.get(field="liability_cap")
    client = login(cast.bob)
    page = client.get(_edit_url(agreement, cap)).content.decode()
    assert 'name="cap_months" value="12"' in page
    response = client.post(_edit_url(agreement, cap), {"cap_kind": "fixed", "cap_amount": ""})
    assert "Give the cap amount in dollars." in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.cap_kind == CapKind.UNKNOWN
    client.post(_edit_url(agreement, cap), {"cap_kind": "fixed", "cap_amount": "$250,000"})
    agreement.refresh_from_db()
    assert (agreement.cap_kind, agreement.cap_amount) == (CapKind.FIXED, 250000)
    assert agreement.cap_months is None

    renewal = reading.proposals.get(field="auto_renewal")
    response = client.post(
        _edit_url(agreement, renewal), {"auto_renews": "on", "renewal_notice_days": "30"}
    )
    assert response.status_code == 200
    assert "Expiration date (recorded): An agreement that renews needs its term end date." in (
        response.content.decode()
    )
    assert not BusinessAssociateAgreement.objects.get(pk=agreement.pk).auto_renews


def test_editing_is_for_writers_of_the_practice_only(cast, login, client, agreement):
    reading = _read(agreement, cast.bob.user, baa(notice=DAYS))
    proposal = reading.proposals.get(field="breach_notice")
    url = _edit_url(agreement, proposal)
    data = {"breach_notice_days": "5", "breach_notice_day_kind": "calendar"}
    anonymous = client.post(url, data)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    viewer = login(cast.charlie)
    assert "Edit, then accept" not in viewer.get(agreement.get_absolute_url()).content.decode()
    assert viewer.get(url).status_code == 403 and viewer.post(url, data).status_code == 403
    outsider = login(cast.olivia)
    assert outsider.get(url).status_code == 404 and outsider.post(url, data).status_code == 404
    bob = login(cast.bob)
    assert bob.get(reverse("reader_edit", args=[agreement.pk]) + "?proposal=x").status_code == 404
    provision = reading.proposals.filter(field__startswith="provision:").first()
    assert bob.get(_edit_url(agreement, provision)).status_code == 404  # not edited here
    assert BusinessAssociateAgreement.objects.get(pk=agreement.pk).breach_notice_days is None
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING
