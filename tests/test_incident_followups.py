"""What follows an incident (issue 16): the status follows the recorded notices; closing needs
an assessment and every notice; a late report is a finding the vendor's next review reads; a
breach brings the vendor's next periodic review forward (vendor page, work queue, reminders);
the breach's own dates. Dates are relative to the practice's today."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from diligence import schedule
from diligence.choices import ReviewOutcome
from diligence.models import VendorReview, VendorSchedule
from diligence.services import review_record
from incidents import clocks, services
from incidents.choices import Conclusion, IncidentStatus
from incidents.models import IncidentNotice, VendorIncident
from oversight.due import DueKind, collect
from oversight.models import rules_for
from oversight.policy import DEFAULT_RULES

from .baas_factories import make_signed
from .test_incidents import _form_data, _incident

FACTORS = {
    "factor_nature": "Names and member numbers.",
    "factor_recipient": "Unknown external actor.",
    "factor_acquired": "Logs show the files were downloaded.",
    "factor_mitigation": "Credentials reset.",
}


def _notice(cast, incident, kind, day):
    return services.notice_record(
        notice=IncidentNotice(
            organization=cast.practice, incident=incident, kind=kind, given_on=day, method="mail"
        ),
        actor=cast.bob.user,
    )


def _review(cast, vendor, day):
    return review_record(
        review=VendorReview(
            organization=cast.practice,
            vendor=vendor,
            reviewed_on=day,
            reviewer=cast.bob,
            outcome=ReviewOutcome.CONTINUE,
        ),
        actor=cast.bob.user,
    )


# --- pure rules --------------------------------------------------------------------------------


def test_the_status_follows_the_assessment_and_the_notices():
    found = date(2026, 4, 1)
    pending = clocks.IncidentFacts(found, None, individuals=1000, states={"NY": 600})
    assert clocks.status(pending) == clocks.Status.INVESTIGATING
    breach = clocks.IncidentFacts(
        found, None, individuals=1000, states={"NY": 600}, conclusion=Conclusion.BREACH
    )
    assert clocks.status(breach) == clocks.Status.ASSESSED
    two_of_three = clocks.IncidentFacts(
        **{**breach.__dict__, "notices_given": {"individuals": found, "hhs": found}}
    )
    assert clocks.status(two_of_three) == clocks.Status.ASSESSED  # the media notice is owed
    assert [d.kind for d in clocks.owed(two_of_three)] == ["media"]
    all_three = clocks.IncidentFacts(
        **{**breach.__dict__, "notices_given": {"individuals": found, "hhs": found, "media": found}}
    )
    assert clocks.status(all_three) == clocks.Status.NOTIFIED
    # Secured PHI: nothing to assess against, nothing owed; stays "assessed" until closed.
    secured = clocks.IncidentFacts(found, None, phi_secured=True)
    assert clocks.status(secured) == clocks.Status.ASSESSED
    assert clocks.status(secured, closed=True) == clocks.Status.CLOSED


def test_a_breach_proposes_the_vendors_next_review_within_30_days():
    found, concluded = date(2026, 4, 1), date(2026, 4, 20)
    breach = clocks.IncidentFacts(found, None, conclusion=Conclusion.BREACH)
    assert clocks.review_proposed_by(breach, concluded) == date(2026, 5, 20)
    low = clocks.IncidentFacts(found, None, conclusion=Conclusion.LOW_PROBABILITY)
    assert clocks.review_proposed_by(low, concluded) is None
    pending = clocks.IncidentFacts(found, None)
    assert clocks.review_proposed_by(pending, None) is None
    # The schedule takes the earlier of the policy's date and the one asked for.
    rules = DEFAULT_RULES["medium"]
    facts = schedule.VendorFacts(
        tier="medium", status="active", engaged_on=date(2025, 1, 1), last_review_on=date(2026, 3, 1)
    )
    policy = schedule.next_review_due(facts, rules)
    assert policy > date(2026, 5, 20)
    early = schedule.VendorFacts(**{**facts.__dict__, "review_requested_by": date(2026, 5, 20)})
    assert schedule.next_review_due(early, rules) == date(2026, 5, 20)
    late = schedule.VendorFacts(**{**facts.__dict__, "review_requested_by": policy + timedelta(1)})
    assert schedule.next_review_due(late, rules) == policy
    not_engaged = schedule.VendorFacts(
        **{**early.__dict__, "status": "terminated"}
    )  # no reviews for a vendor no longer engaged, breach or not
    assert schedule.next_review_due(not_engaged, rules) is None


# --- status and closing ------------------------------------------------------------------------


def test_the_status_becomes_notified_when_the_last_notice_is_recorded(cast, vendor, login):
    today = cast.practice.today()
    incident = _incident(cast, vendor, individuals_affected=1000, states={"NY": 600, "NJ": 400})
    assert incident.status == IncidentStatus.INVESTIGATING
    incident.conclusion = Conclusion.BREACH
    for name, value in FACTORS.items():
        setattr(incident, name, value)
    services.incident_save(incident=incident, actor=cast.bob.user)
    assert incident.status == IncidentStatus.ASSESSED and incident.assessed_on == today
    for kind in ("individuals", "hhs"):
        _notice(cast, incident, kind, today)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.ASSESSED
    client = login(cast.bob)
    # Closing while the media notice is owed: refused, with what is owed.
    data = _form_data(vendor, today, close="on", conclusion="breach", **FACTORS)
    data["vendor_discovered_on"] = incident.vendor_discovered_on.isoformat()
    data["vendor_notified_on"] = incident.vendor_notified_on.isoformat()
    response = client.post(reverse("incident_edit", args=[incident.pk]), data)
    assert response.status_code == 200
    assert "Record the notices still owed before closing: Notice to prominent media" in (
        response.content.decode()
    )
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.ASSESSED
    _notice(cast, incident, "media", today)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.NOTIFIED
    page = client.get(reverse("incident_detail", args=[incident.pk])).content.decode()
    assert "Notified" in page
    response = client.post(reverse("incident_edit", args=[incident.pk]), data)
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED
    assert "Closed" in client.get(reverse("incident_detail", args=[incident.pk])).content.decode()
    assert incident.history.filter(status=IncidentStatus.NOTIFIED).exists()


def test_an_incident_not_assessed_cannot_be_closed(cast, vendor):
    incident = _incident(cast, vendor)
    with pytest.raises(ValidationError) as error:
        services.incident_save(incident=incident, actor=cast.bob.user, close=True)
    assert "conclusion before closing" in str(error.value.message_dict["conclusion"])
    assert VendorIncident.objects.get().status == IncidentStatus.INVESTIGATING


def test_the_form_refuses_impossible_breach_and_assessment_dates(cast, vendor, login):
    today = cast.practice.today()
    client = login(cast.bob)
    cases = {
        "breach_ended_on": (
            {
                "breach_started_on": (today - timedelta(days=8)).isoformat(),
                "breach_ended_on": (today - timedelta(days=9)).isoformat(),
            },
            "The breach cannot end before it began",
        ),
        "breach_started_on": (
            {"breach_started_on": (today - timedelta(days=3)).isoformat()},
            "The breach cannot begin after it was discovered",
        ),
        "assessed_on": (
            {"conclusion": "breach", "assessed_on": (today - timedelta(days=6)).isoformat()},
            "The assessment cannot conclude before the discovery",
        ),
    }
    for field, (changes, message) in cases.items():
        response = client.post(reverse("incident_create"), _form_data(vendor, today, **changes))
        assert response.status_code == 200
        assert message in response.context["form"].errors[field][0]
        assert message in response.content.decode()
    assert not VendorIncident.objects.exists()


# --- the vendor's next review ------------------------------------------------------------------


def test_a_late_report_is_a_finding_the_next_review_shows(cast, vendor, login):
    make_signed(vendor, breach_notice_days=5, breach_notice_day_kind="calendar")
    today = cast.practice.today()
    _incident(cast, vendor, title="Late report", vendor_discovered_on=today - timedelta(days=30),
              vendor_notified_on=today - timedelta(days=20))  # fmt: skip
    _incident(cast, vendor, title="On time", vendor_discovered_on=today - timedelta(days=12),
              vendor_notified_on=today - timedelta(days=10))  # fmt: skip
    client = login(cast.bob)
    form = client.get(reverse("review_create", args=[vendor.pk]))
    page = form.content.decode()
    assert 'id="review-findings"' in page and "Late breach report: “Late report”" in page
    due = (today - timedelta(days=25)).isoformat()
    assert f"reported on {(today - timedelta(days=20)).isoformat()}, due {due}" in page
    assert "On time" not in page
    assert form.context["form"].initial["incidents_since_last"] is True
    vendor_page = client.get(reverse("vendor_detail", args=[vendor.pk])).content.decode()
    assert "Findings since the last review" in vendor_page and "Late report" in vendor_page
    # A review recorded after it has read it: the next review does not list it again.
    _review(cast, vendor, today)
    page = client.get(reverse("review_create", args=[vendor.pk])).content.decode()
    assert 'id="review-findings"' not in page


def test_a_breach_brings_the_next_review_forward_on_the_page_queue_and_reminders(
    cast, vendor, login
):
    today = cast.practice.today()
    _review(cast, vendor, today - timedelta(days=30))  # before the breach was concluded
    policy_due = VendorSchedule.objects.get(vendor=vendor).next_review_due
    assert policy_due > today + timedelta(days=60)
    incident = _incident(cast, vendor, vendor_discovered_on=today - timedelta(days=40),
                         vendor_notified_on=today - timedelta(days=38))  # fmt: skip
    assert VendorSchedule.objects.get(vendor=vendor).next_review_due == policy_due  # pending
    incident.conclusion = Conclusion.BREACH
    incident.assessed_on = today - timedelta(days=25)
    for name, value in FACTORS.items():
        setattr(incident, name, value)
    services.incident_save(incident=incident, actor=cast.bob.user)
    early = today + timedelta(days=5)
    assert VendorSchedule.objects.get(vendor=vendor).next_review_due == early

    client = login(cast.charlie)
    page = client.get(reverse("vendor_detail", args=[vendor.pk])).content.decode()
    assert f"Next review due <strong>{early:%Y-%m-%d}</strong>" in page
    assert f"the next review is brought forward to {early:%Y-%m-%d}" in page
    assert "Breach at the vendor" in page
    rules = rules_for([cast.practice.pk])
    reviews = [i for i in collect([cast.practice.pk], today, rules) if i.kind == DueKind.REVIEW]
    assert [(i.vendor_id, i.due_date) for i in reviews] == [(vendor.pk, early)]
    queue = client.get(reverse("work_queue") + "?kind=review").content.decode()
    assert vendor.name in queue and f"{early:%Y-%m-%d}" in queue

    # The review done answers it: the policy's date again, from this review.
    _review(cast, vendor, today)
    assert VendorSchedule.objects.get(vendor=vendor).next_review_due > policy_due


def test_the_work_queue_filters_breach_notice_deadlines(cast, vendor, login):
    today = cast.practice.today()
    _incident(cast, vendor, vendor_discovered_on=today - timedelta(days=50),
              vendor_notified_on=today - timedelta(days=45))  # fmt: skip
    response = login(cast.bob).get(reverse("work_queue") + "?kind=incident_notice")
    page = response.content.decode()
    assert '<option value="incident_notice" selected>Breach-notice deadlines</option>' in page
    assert "Notice to individuals due" in page
    assert response.context["kind"] == "incident_notice"


def test_the_breach_dates_type_and_location_are_recorded_and_shown(cast, vendor, login):
    today = cast.practice.today()
    client = login(cast.bob)
    data = _form_data(
        vendor,
        today,
        breach_started_on=(today - timedelta(days=9)).isoformat(),
        breach_ended_on=(today - timedelta(days=6)).isoformat(),
        breach_types=["hacking"],
        locations=["server", "email"],
    )
    response = client.post(reverse("incident_create"), data)
    assert response.status_code == 302
    incident = VendorIncident.objects.get()
    assert incident.locations == ["server", "email"]
    page = client.get(response["Location"]).content.decode()
    began, ended = today - timedelta(days=9), today - timedelta(days=6)
    assert f"began {began:%Y-%m-%d}; ended {ended:%Y-%m-%d}" in page
    assert "Hacking/IT incident / Network server; Email" in page
