"""Security-control findings by tier (``diligence/controls.py``): "Partial" on a high or
critical vendor is a finding; medium-tier vendors get findings too, at a lower severity."""

import pytest

from diligence.controls import CRITICAL, INFO, WARNING, control_findings, control_severity
from diligence.models import ControlAnswer
from vendors.choices import AccessLevel, Criticality

from .diligence_factories import DiligenceFactory
from .factories import VendorFactory


@pytest.mark.parametrize(
    ("tier", "answer", "severity"),
    [
        ("critical", "no", CRITICAL),
        ("critical", "unknown", CRITICAL),
        ("critical", "partial", WARNING),
        ("high", "no", CRITICAL),
        ("high", "partial", WARNING),
        ("high", "yes", None),
        ("medium", "no", WARNING),
        ("medium", "unknown", WARNING),
        ("medium", "partial", INFO),
        ("medium", "yes", None),
        ("low", "no", None),
        ("low", "partial", None),
    ],
)
def test_control_severity_by_tier(tier, answer, severity):
    assert control_severity(tier, answer) == severity


def test_findings_are_sorted_most_serious_first():
    found = control_findings("high", [("mfa", "partial"), ("edr", "yes"), ("backups", "no")])
    assert [(f.control, f.severity) for f in found] == [("backups", CRITICAL), ("mfa", WARNING)]


def _answers(vendor, **answers):
    record = DiligenceFactory(vendor=vendor)
    for control, answer in answers.items():
        ControlAnswer.objects.create(
            organization=vendor.organization, record=record, control=control, answer=answer
        )


def _findings(client, vendor) -> str:
    page = client.get(vendor.get_absolute_url()).content.decode()
    assert 'id="control-findings"' in page, "no findings shown"
    return page.split('id="control-findings"')[1].split("</div>")[0]


def test_partial_control_on_a_high_tier_vendor_is_shown_as_a_warning(cast, login):
    vendor = VendorFactory(
        organization=cast.practice,
        access_level=AccessLevel.FULL,
        remote_access=True,
        criticality=Criticality.HIGH,
    )
    assert vendor.tier in ("critical", "high")
    _answers(vendor, mfa="partial", edr="yes")
    findings = _findings(login(cast.charlie), vendor)
    assert "MFA for remote and privileged access" in findings and "Partial" in findings
    assert "Warning" in findings
    assert "Endpoint detection" not in findings


def test_medium_tier_vendor_gets_control_findings_at_a_lower_severity(cast, login):
    vendor = VendorFactory(organization=cast.practice)
    assert vendor.tier == "medium"
    _answers(vendor, backups_restore_tested="no", mfa="yes")
    findings = _findings(login(cast.charlie), vendor)
    assert "Backups tested by restore" in findings
    assert "Warning" in findings and "Critical" not in findings
    assert "MFA for remote" not in findings


def test_the_binder_grades_control_answers_with_the_same_rule(cast):
    import html
    from datetime import timedelta

    from django.template.loader import render_to_string

    from binder import builder

    vendor = VendorFactory(organization=cast.practice)
    assert vendor.tier == "medium"
    _answers(vendor, backups_restore_tested="no", mfa="partial", edr="yes")
    today = cast.practice.today()
    data = builder.gather(cast.practice, today, today - timedelta(days=30))
    page = html.unescape(
        render_to_string(
            "binder/binder.html",
            {"data": data, "site_url": "", "footer_name": ""}
            | {"part": "vendors", "group": data.vendors, "first_group": True},
        )
    )
    assert "Warning" in page.split("Backups tested by restore")[1].split("</tr>")[0]
    assert "Info" in page.split("MFA for remote and privileged access")[1].split("</tr>")[0]
    assert "Endpoint detection and response</td><td>Yes</td><td>—" in page
