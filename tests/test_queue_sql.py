"""The work queue in SQL (``oversight.queue``: the page and the dashboard) lists exactly the rows
of the work queue's definition over every due item (``oversight.due.queue(collect())``, which
the reminders read), in the same order, with the same counts, whatever the filter, on a
practice with every kind of due item, on several days."""

from datetime import timedelta

import pytest

from bench import data
from diligence.choices import DiligenceKind, Disposition
from diligence.models import Offboarding
from incidents.models import VendorIncident
from incidents.services import incident_save
from oversight import due, queue
from oversight.models import rules_for
from portal import library
from portal.choices import RequestStatus
from portal.models import QuestionnaireRequest
from portal.services import request_send
from vendors.choices import AccessLevel, Criticality, RelationshipStatus
from vendors.models import BusinessAssociate

from .baas_factories import make_signed
from .diligence_factories import ActionFactory, DiligenceFactory
from .factories import ContactFactory, VendorFactory


def _varied(org, today):
    """What the bench data lacks: every evidence kind with periods, bridge letters and stated
    expiries, auto-renewals, offboardings, planned PHI access, a breach."""
    owner = org.memberships.order_by("pk").last()
    for n, kind in enumerate(DiligenceKind.values * 3):
        vendor = VendorFactory(
            organization=org,
            name=f"Évidence {n:02d}" if n % 4 else f"evidence {n:02d}",
            criticality=[Criticality.HIGH, Criticality.LOW, Criticality.MEDIUM][n % 3],
            access_level=[AccessLevel.FULL, AccessLevel.LIMITED][n % 2],
            owner=owner if n % 2 else None,
        )
        performed = today - timedelta(days=90 * (n % 6) + 200)
        period_end = performed - timedelta(days=30 * (n % 3)) if n % 2 or n % 3 == 1 else None
        DiligenceFactory(
            vendor=vendor,
            kind=kind,
            performed_on=performed,
            period_end=period_end,
            bridge_until=period_end + timedelta(days=40 * (n % 4 + 1)) if n % 3 == 1 else None,
            valid_until=today + timedelta(days=n * 7 - 60) if n % 3 == 2 else None,
        )
        ActionFactory(vendor=vendor, due_on=today + timedelta(days=n * 5 - 40))
        make_signed(
            vendor,
            signed_on=today - timedelta(days=700),
            effective_on=today - timedelta(days=700),
            expires_on=today + timedelta(days=n * 9 - 60),
            auto_renews=bool(n % 2),
            renewal_notice_days=30 if n % 2 else None,
        )
    for n in range(6):
        vendor = VendorFactory(
            organization=org,
            name=f"Leaving {n}",
            status=RelationshipStatus.OFFBOARDING,
            phi_access_began=today - timedelta(days=500),
        )
        Offboarding.objects.update_or_create(
            vendor=vendor,
            defaults=dict(
                organization=org,
                started_on=today - timedelta(days=20 * n),
                ended_on=today + timedelta(days=10 * n - 25) if n % 2 else None,
                disposition=Disposition.DESTROYED if n % 3 else "",
            ),
        )
    # A BAA kept with a vendor that no longer needs one: expired, not a gap.
    no_phi = VendorFactory(
        organization=org, name="No PHI", phi_electronic=False, access_level=AccessLevel.NONE
    )
    make_signed(
        no_phi,
        signed_on=today - timedelta(days=700),
        effective_on=today - timedelta(days=700),
        expires_on=today - timedelta(days=30),
    )
    VendorFactory(organization=org, name="Planned", phi_access_began=today + timedelta(days=20))
    VendorFactory(organization=org, name="Began", phi_access_began=today - timedelta(days=9))
    breached = BusinessAssociate.objects.filter(organization=org).order_by("pk").first()
    incident_save(
        incident=VendorIncident(
            organization=org,
            vendor=breached,
            title="Misdirected export",
            vendor_discovered_on=today - timedelta(days=50),
            vendor_notified_on=today - timedelta(days=40),
            description="A file went to the wrong account.",
            individuals_affected=120,
            states={"NY": 120},
        ),
        actor=None,
    )


def _questionnaires(org, today):
    """Questionnaire requests sent yesterday: one due soon, one overdue, one answered."""
    vendors = BusinessAssociate.objects.filter(organization=org).order_by("pk")[:3]
    for n, vendor in enumerate(vendors):
        contact = ContactFactory(vendor=vendor, email=f"security{n}@vendor.test")
        request, _ = request_send(
            organization=org,
            vendor=vendor,
            contact=contact,
            title="Security questionnaire",
            questions=[q.as_dict() for q in library.LIBRARY[library.HIPAA_SHORT].questions],
            evidence_requested=[],
            confirm_breach_contact=False,
            due_on=today + timedelta(days=2),
            actor=None,
        )
        QuestionnaireRequest.objects.filter(pk=request.pk).update(
            created_at=request.created_at - timedelta(days=1),
            due_on=today + timedelta(days=[2, -5, 1][n]),
            status=[RequestStatus.SENT, RequestStatus.IN_PROGRESS, RequestStatus.SUBMITTED][n],
        )


@pytest.fixture
def practice(db):
    built = data.build_practice("Queue practice", 80)
    org = built.organization
    org.timezone = "America/Los_Angeles"
    org.save(update_fields=["timezone"])
    _varied(org, org.today())
    _questionnaires(org, org.today())
    return org


def _python(org, today, **filters):
    rules = rules_for([org.pk])
    return due.queue(due.collect([org.pk], today, rules), today, **filters)


def _filters(org):
    owner = org.memberships.order_by("pk").last().pk
    yield {}
    yield {"overdue_only": True}
    yield {"owner": "none"}
    yield {"owner": owner, "overdue_only": True}
    for kind in due.DueKind:
        yield {"kind": kind}


@pytest.mark.parametrize("shift", [0, 45, -120, 400])
def test_the_sql_queue_lists_the_same_rows_in_the_same_order(practice, shift):
    today = practice.today() + timedelta(days=shift)
    rules = rules_for([practice.pk])
    kinds_seen = set()
    for filters in _filters(practice):
        expected = _python(practice, today, **filters)
        got = queue.page(practice.pk, today, rules, offset=0, limit=10_000, **filters)
        assert [i.key for i in got] == [i.key for i in expected], filters
        assert got == expected, filters  # dates, titles, links, owners
        counts = queue.counts(practice.pk, today, rules, **filters)
        assert counts.total == len(expected), filters
        assert counts.overdue == sum(due.is_overdue(i, today) for i in expected), filters
        kinds_seen |= {i.kind for i in expected}
    if shift == 0:
        # The data exercises every kind of row.
        assert kinds_seen == set(due.DueKind)


def test_pages_of_the_sql_queue_follow_each_other(practice):
    today = practice.today()
    rules = rules_for([practice.pk])
    expected = _python(practice, today)
    assert len(expected) > 60
    shown = []
    for offset in range(0, len(expected), 25):
        shown += queue.page(practice.pk, today, rules, offset=offset, limit=25)
    assert [i.key for i in shown] == [i.key for i in expected]


def test_each_page_of_the_work_queue_shows_its_slice_and_the_counts_of_the_whole_queue(practice):
    """The work queue's page (``Queue.paginated``: counts and rows from one query) shows the
    rows of its page number, the first page for an unknown number and the last for one out
    of range, as Django's paginator does, with the counts of every row."""
    today = practice.today()
    rules = rules_for([practice.pk])
    for filters in ({}, {"overdue_only": True}, {"kind": due.DueKind.EVIDENCE}):
        expected = _python(practice, today, **filters)
        assert len(expected) >= 9, filters
        size = len(expected) // 3 - 1  # three pages and a bit
        last = (len(expected) - 1) // size + 1
        for number, shown in (
            ("1", 1),
            ("2", 2),
            (str(last), last),
            ("999", last),
            ("0", last),
            ("abc", 1),
            (None, 1),
        ):
            listed = queue.Queue(practice.pk, today, rules, **filters)
            counts, page, rows = listed.paginated(number, size)
            assert page.number == shown, (filters, number)
            assert rows == expected[(shown - 1) * size : shown * size], (filters, number)
            assert counts.total == len(expected), (filters, number)
            assert counts.overdue == sum(due.is_overdue(i, today) for i in expected)


@pytest.mark.parametrize("shift", [0, 20, -90])
def test_the_reminders_forecast_is_built_only_as_far_as_it_shows(practice, shift, monkeypatch):
    """The Reminders page's forecast (``reminders.forecast.upcoming``) equals the forecast over
    every due item (``reminders.policy.forecast``), a few rows at a time."""
    from reminders import forecast, policy

    monkeypatch.setattr(forecast, "BATCH", 9)  # several batches on this small practice
    today = practice.today() + timedelta(days=shift)
    rules = rules_for([practice.pk])
    every = due.collect([practice.pk], today, rules)
    for limit in (5, 40, 1000):
        expected = policy.forecast(every, rules[practice.pk], today, limit=limit)
        assert forecast.upcoming(practice, rules, today, limit) == expected, limit
    assert len(expected) > 40


@pytest.mark.django_db(transaction=True)  # kept only outside a transaction: as in a request
def test_the_work_queue_is_kept_until_the_next_write_and_never_stale(cast, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from diligence.models import VendorSchedule

    from .factories import VendorFactory

    today = cast.practice.today()
    vendor = VendorFactory(organization=cast.practice, name="Kept Review Co")
    schedule, _ = VendorSchedule.objects.get_or_create(
        organization=cast.practice, vendor=vendor, defaults={"next_review_due": today}
    )
    VendorSchedule.objects.filter(pk=schedule.pk).update(next_review_due=today - timedelta(days=3))
    client = login(cast.bob)
    first = client.get(reverse("work_queue"), {"kind": "review"})
    assert "Kept Review Co" in first.text
    with CaptureQueriesContext(connection) as kept:
        again = client.get(reverse("work_queue"), {"kind": "review"})
    assert again.context["total"] == first.context["total"]
    assert not any("GROUP BY q_kind" in q["sql"] for q in kept.captured_queries)
    # Any write to the practice's rows, even one no service saw, shows at once.
    VendorSchedule.objects.filter(pk=schedule.pk).update(
        next_review_due=today + timedelta(days=400)
    )
    after = client.get(reverse("work_queue"), {"kind": "review"})
    assert after.context["total"] == first.context["total"] - 1
    assert "Kept Review Co" not in after.text


@pytest.mark.django_db(transaction=True)  # kept only outside a transaction: as in a request
def test_the_reminders_forecast_is_kept_until_the_next_write_and_never_stale(cast, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from diligence.models import VendorSchedule

    today = cast.practice.today()
    vendor = VendorFactory(organization=cast.practice, name="AAA Kept Forecast Co")
    schedule, _ = VendorSchedule.objects.get_or_create(
        organization=cast.practice, vendor=vendor, defaults={"next_review_due": today}
    )
    VendorSchedule.objects.filter(pk=schedule.pk).update(next_review_due=today + timedelta(days=8))
    client = login(cast.bob)

    def forecast_row(text):
        row = text.split("AAA Kept Forecast Co</a>")[1].split("</tr>")[0]
        return row.split("<td>")[1].split("</td>")[0]

    first = client.get(reverse("reminder_list")).text
    assert forecast_row(first) == f"Periodic review due: 7 days before {today + timedelta(days=8)}"
    with CaptureQueriesContext(connection) as kept:
        again = client.get(reverse("reminder_list")).text
    assert forecast_row(again) == forecast_row(first)
    assert not any("diligence_vendorschedule" in q["sql"] for q in kept.captured_queries)
    # Any write to the practice's rows, even one no service saw, shows at once.
    VendorSchedule.objects.filter(pk=schedule.pk).update(next_review_due=today + timedelta(days=9))
    after = client.get(reverse("reminder_list")).text
    assert forecast_row(after) == f"Periodic review due: 7 days before {today + timedelta(days=9)}"


def test_the_reminders_page_shows_the_forecast_a_page_at_a_time(practice, monkeypatch):
    """Each page of the Reminders page's forecast is the next slice of the forecast over every
    due item, also when the order of the items comes from the cache."""
    from reminders import forecast, policy
    from reminders.views import _forecast

    monkeypatch.setattr(forecast, "BATCH", 9)
    today = practice.today()
    rules = rules_for([practice.pk])
    every = due.collect([practice.pk], today, rules)
    expected = policy.forecast(every, rules[practice.pk], today, limit=1000)
    assert len(expected) > 20
    for number in (1, 2, 3):
        rows, more = _forecast(practice, number, 8)
        assert [r["entry"] for r in rows] == expected[(number - 1) * 8 : number * 8], number
        assert more == (len(expected) > number * 8)
    token = f"test:{practice.pk}:{practice.created_at.timestamp()}"
    for _ in range(2):  # computed, then kept
        assert forecast.upcoming(practice, rules, today, 30, keep=token) == expected[:30]
