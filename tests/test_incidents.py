"""The incident log: records, services, forms and pages (issue 16). Dates are relative to the
practice's today."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from incidents import services
from incidents.clocks import all_deadlines
from incidents.forms import IncidentForm
from incidents.models import IncidentNotice, VendorIncident

from .baas_factories import make_signed


def _incident(cast, vendor, **fields) -> VendorIncident:
    today = cast.practice.today()
    values = dict(
        organization=cast.practice,
        vendor=vendor,
        title="Misdirected billing export",
        vendor_discovered_on=today - timedelta(days=10),
        vendor_notified_on=today - timedelta(days=8),
        description="A billing file was sent to the wrong clearinghouse account.",
        individuals_affected=120,
        states={"NY": 100, "NJ": 20},
    )
    values.update(fields)
    return services.incident_save(incident=VendorIncident(**values), actor=cast.bob.user)


def _form_data(vendor, today, **changes):
    data = {
        "vendor": vendor.pk,
        "title": "Ransomware at the billing service",
        "vendor_discovered_on": (today - timedelta(days=5)).isoformat(),
        "vendor_notified_on": (today - timedelta(days=2)).isoformat(),
        "practice_discovered_on": (today - timedelta(days=2)).isoformat(),
        "discovery_basis": "vendor",
        "description": "Encrypted file server; exfiltration under investigation.",
        "phi_categories": ["demographic", "insurance"],
        "individuals_affected": "1000",
        "states": "NY: 600\nNJ: 400",
        "status": "investigating",
        "conclusion": "pending",
        "exception": "",
        "law_enforcement_in_writing": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_an_incident_is_kept_with_history_and_the_baa_window(cast, vendor):
    make_signed(vendor, breach_notice_days=5, breach_notice_day_kind="business")
    incident = _incident(cast, vendor)
    assert (incident.baa_window, incident.baa_window_unit) == (5, "business")
    assert incident.history.count() == 1
    report = all_deadlines(incident.facts())[0]
    assert report.kind == "vendor_report" and "BAA" in report.cite


def test_impossible_dates_are_refused_by_the_service(cast, vendor):
    today = cast.practice.today()
    with pytest.raises(ValidationError) as error:
        _incident(cast, vendor, vendor_notified_on=today - timedelta(days=20))
    assert "before it discovered" in str(error.value.message_dict["vendor_notified_on"])
    with pytest.raises(ValidationError) as error:
        _incident(cast, vendor, vendor_discovered_on=today + timedelta(days=1))
    assert "future" in str(error.value.message_dict["vendor_discovered_on"])
    assert not VendorIncident.objects.exists()


def test_the_form_refuses_impossible_dates_with_field_messages(cast, vendor):
    today = cast.practice.today()
    early = _form_data(vendor, today, vendor_notified_on=(today - timedelta(days=9)).isoformat())
    form = IncidentForm(data=early, organization=cast.practice)
    assert not form.is_valid()
    assert "before it discovered" in form.errors["vendor_notified_on"][0]
    future = _form_data(
        vendor, today, practice_discovered_on=(today + timedelta(days=3)).isoformat()
    )
    form = IncidentForm(data=future, organization=cast.practice)
    assert not form.is_valid()
    assert form.errors["practice_discovered_on"] == ["This date is in the future."]
    low = _form_data(vendor, today, conclusion="low_probability")
    form = IncidentForm(data=low, organization=cast.practice)
    assert not form.is_valid() and "four factors" in form.errors["factor_nature"][0]
    bad_states = _form_data(vendor, today, states="New York six hundred")
    form = IncidentForm(data=bad_states, organization=cast.practice)
    assert not form.is_valid() and "state: count" in form.errors["states"][0]


def test_a_notice_cannot_precede_discovery_or_be_in_the_future(cast, vendor):
    incident = _incident(cast, vendor)
    today = cast.practice.today()
    for day, message in ((today - timedelta(days=30), "precede"), (today + timedelta(1), "future")):
        notice = IncidentNotice(
            organization=cast.practice, incident=incident, kind="individuals", given_on=day,
            method="mail",
        )  # fmt: skip
        with pytest.raises(ValidationError, match=message):
            services.notice_record(notice=notice, actor=cast.bob.user)
