"""The binder's incident section: each incident of a vendor with its risk assessment, its
clocks and the notices given, as the record stood on the binder's date (history tables)."""

from datetime import date

from incidents import services
from incidents.choices import Conclusion, NoticeKind, NoticeMethod
from incidents.models import IncidentNotice, VendorIncident

from .factories import VendorFactory
from .test_binder_cover import build, flat, pdf_pages


def _breach(practice, vendor, actor, **fields):
    values = dict(
        organization=practice,
        vendor=vendor,
        title="Misdirected billing export",
        vendor_discovered_on=date(2026, 2, 20),
        vendor_notified_on=date(2026, 2, 24),
        breach_started_on=date(2026, 2, 18),
        breach_ended_on=date(2026, 2, 19),
        description="A billing file went to the wrong clearinghouse account.",
        individuals_affected=120,
        states={"NY": 100, "NJ": 20},
    )
    values.update(fields)
    return services.incident_save(incident=VendorIncident(**values), actor=actor)


def test_the_binder_shows_each_incident_with_its_assessment_and_notices_as_of_its_date(
    cast, time_machine
):
    time_machine.move_to("2026-03-01 15:00Z")
    vendor = VendorFactory(organization=cast.practice, name="ClaimPath Billing")
    VendorFactory(organization=cast.practice, name="Quiet Vendor")
    incident = _breach(cast.practice, vendor, cast.bob.user)
    other_vendor = VendorFactory(organization=cast.other_practice, name="Elsewhere Labs")
    _breach(cast.other_practice, other_vendor, cast.olivia.user, title="Another practice's")

    time_machine.move_to("2026-03-05 15:00Z")
    incident.conclusion = Conclusion.BREACH
    incident.factor_nature = "Names and member numbers; no clinical data."
    incident.factor_recipient = "Another covered entity's clearinghouse account."
    incident.factor_acquired = "The file was opened."
    incident.factor_mitigation = "The recipient attested to deletion."
    services.incident_save(incident=incident, actor=cast.bob.user)

    time_machine.move_to("2026-03-20 15:00Z")
    services.notice_record(
        notice=IncidentNotice(
            organization=cast.practice,
            incident=incident,
            kind=NoticeKind.INDIVIDUALS,
            given_on=date(2026, 3, 20),
            method=NoticeMethod.MAIL,
        ),
        actor=cast.bob.user,
    )

    # On 03-02 the incident was recorded, not assessed yet, no notice given.
    before = flat(" ".join(pdf_pages(build(cast.practice, date(2026, 3, 2)))))
    assert "Incidents and breaches" in before
    assert "Misdirected billing export: Investigating" in before
    assert "Not assessed yet" in before and "The file was opened" not in before
    assert "Notice to individuals 45 CFR 164.404(b) 2026-04-21 Ok" in before
    assert "None recorded." in before
    assert "Another practice's" not in before and "Elsewhere Labs" not in before

    # On 03-25: the assessment, the notice, the clock done; the annual log still owed.
    after = flat(" ".join(pdf_pages(build(cast.practice, date(2026, 3, 25)))))
    assert "Breach: notification required (concluded 2026-03-05)" in after
    assert "The file was opened." in after and "The recipient attested to deletion." in after
    assert "Notice to individuals 45 CFR 164.404(b) 2026-04-21 done 2026-03-20" in after
    assert "HHS annual log (fewer than 500) 45 CFR 164.408(c) 2027-03-01" in after
    assert "Individuals (164.404) 2026-03-20 First-class mail" in after
    assert "2026-02-18 to 2026-02-19" in after
    # Only the vendor with an incident has the section.
    assert after.count("Incidents and breaches") == 1
