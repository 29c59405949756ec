"""The incident log: records, services, forms and pages (issue 16). Dates are relative to the
practice's today."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.clocks import all_deadlines
from incidents.forms import IncidentForm
from incidents.models import IncidentNotice, VendorIncident

from .baas_factories import make_signed
from .factories import VendorFactory


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


# --- pages -------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client, cast, vendor):
    incident = _incident(cast, vendor)
    for url in (
        reverse("incident_list"),
        reverse("incident_create"),
        reverse("incident_detail", args=[incident.pk]),
        reverse("incident_edit", args=[incident.pk]),
        reverse("incident_notice_create", args=[incident.pk]),
        reverse("incident_create_for_vendor", args=[vendor.pk]),
        reverse("incident_hhs_log", args=["csv"]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_another_practice_gets_404_and_does_not_see_it_listed(cast, vendor, login):
    incident = _incident(cast, vendor)
    client = login(cast.olivia)
    assert incident.title not in client.get(reverse("incident_list")).content.decode()
    for name in ("incident_detail", "incident_edit", "incident_notice_create"):
        assert client.get(reverse(name, args=[incident.pk])).status_code == 404
        assert client.post(reverse(name, args=[incident.pk]), {}).status_code in (404, 405)
    assert client.get(reverse("incident_create_for_vendor", args=[vendor.pk])).status_code == 404
    assert client.get(reverse("incident_create") + f"?vendor={vendor.pk}").status_code == 404
    data = _form_data(vendor, cast.practice.today())
    response = client.post(reverse("incident_create"), data)
    assert response.status_code == 200 and "vendor" in response.context["form"].errors
    assert VendorIncident.objects.count() == 1


def test_a_viewer_reads_but_cannot_write(cast, vendor, login):
    incident = _incident(cast, vendor)
    client = login(cast.charlie)
    page = client.get(reverse("incident_detail", args=[incident.pk])).content.decode()
    assert incident.title in page and "Record a notice" not in page
    assert incident.title in client.get(reverse("incident_list")).content.decode()
    for url in (
        reverse("incident_create"),
        reverse("incident_edit", args=[incident.pk]),
        reverse("incident_notice_create", args=[incident.pk]),
        reverse("incident_create_for_vendor", args=[vendor.pk]),
    ):
        assert client.get(url).status_code == 403
        assert client.post(url, {"title": "x"}).status_code == 403
    assert VendorIncident.objects.get().title == incident.title


def test_record_an_incident_see_its_deadlines_and_record_a_notice(cast, vendor, login):
    client = login(cast.bob)
    today = cast.practice.today()
    response = client.post(
        reverse("incident_create_for_vendor", args=[vendor.pk]), _form_data(vendor, today)
    )
    incident = VendorIncident.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "incident_detail", args=[incident.pk]
    )
    assert incident.states == {"NY": 600, "NJ": 400}
    page = client.get(response["Location"]).content.decode()
    due = (today - timedelta(days=5) + timedelta(days=60)).strftime("%Y-%m-%d")
    for text in ("45 CFR 164.404(b)", "45 CFR 164.406", "45 CFR 164.408(b)", due, "NY"):
        assert text in page
    assert "164.408(c)" not in page  # 1000 individuals: HHS now, not the annual log
    response = client.post(
        reverse("incident_notice_create", args=[incident.pk]),
        {"kind": "individuals", "given_on": today.isoformat(), "method": "mail"},
    )
    assert response.status_code == 302
    rows = client.get(reverse("incident_detail", args=[incident.pk])).context["rows"]
    states = {row["deadline"].kind: row["state"] for row in rows}
    assert states["individuals"] == "done" and states["media"] == "ok"
    listed = client.get(reverse("incident_list")).content.decode()
    assert "Notice to prominent media" in listed  # the next open deadline


def test_an_impossible_date_is_shown_on_the_form_and_nothing_is_saved(cast, vendor, login):
    client = login(cast.bob)
    today = cast.practice.today()
    data = _form_data(vendor, today, vendor_notified_on=(today - timedelta(days=30)).isoformat())
    response = client.post(reverse("incident_create"), data)
    assert response.status_code == 200
    assert "before it discovered" in response.content.decode()
    assert 'value="Ransomware at the billing service"' in response.content.decode()
    assert not VendorIncident.objects.exists()
    # An overdue individuals notice is shown as overdue.
    old = _incident(cast, vendor, vendor_discovered_on=today - timedelta(days=70),
                    vendor_notified_on=today - timedelta(days=65))  # fmt: skip
    rows = client.get(reverse("incident_detail", args=[old.pk])).context["rows"]
    assert {r["deadline"].kind: r["state"] for r in rows}["individuals"] == "overdue"


# --- due items: work queue and reminders -------------------------------------------------------


def test_open_deadlines_are_due_items_and_reminded_at_once(cast, vendor, login):
    from oversight.due import DueKind, collect
    from oversight.models import rules_for
    from reminders.policy import Member, plan_item

    today = cast.practice.today()
    # Discovered 50 days ago: the 60-day notices fall due in 10 days (inside the 14-day lead).
    incident = _incident(cast, vendor, vendor_discovered_on=today - timedelta(days=50),
                         vendor_notified_on=today - timedelta(days=45))  # fmt: skip
    _incident(cast, vendor, title="Not yet due", vendor_discovered_on=today - timedelta(days=5),
              vendor_notified_on=today - timedelta(days=4))  # fmt: skip
    rules = rules_for([cast.practice.pk])
    items = [i for i in collect([cast.practice.pk], today, rules) if i.kind == DueKind.INCIDENT]
    assert [(i.key, i.due_date) for i in items] == [
        (f"incident:{incident.pk}:individuals", today + timedelta(days=10))
    ]  # 120 individuals: the HHS annual log is months away
    assert "164.404(b)" in items[0].title
    digest_admin = Member(id=cast.alice.pk, role="admin", reminder_mode="digest")
    planned = plan_item(
        items[0],
        rules=rules[cast.practice.pk][vendor.tier],
        members={cast.alice.pk: digest_admin},
        admins=[digest_admin],
        tz=cast.practice.tzinfo,
        digest_hour=cast.practice.digest_hour,
        now=timezone.now(),
    )
    assert planned and all(p.immediate for p in planned)
    page = login(cast.bob).get(reverse("work_queue")).content.decode()
    assert "Notice to individuals due" in page
    # Recorded: no longer due.
    services.notice_record(
        notice=IncidentNotice(organization=cast.practice, incident=incident, kind="individuals",
                              given_on=today, method="mail"),
        actor=cast.bob.user,
    )  # fmt: skip
    items = [i for i in collect([cast.practice.pk], today, rules) if i.kind == DueKind.INCIDENT]
    assert items == []


def test_the_vendor_page_lists_its_incidents_and_a_late_report(cast, vendor, login):
    make_signed(vendor, breach_notice_days=5, breach_notice_day_kind="calendar")
    today = cast.practice.today()
    _incident(cast, vendor, title="Late report", vendor_discovered_on=today - timedelta(days=30),
              vendor_notified_on=today - timedelta(days=20))  # fmt: skip
    viewer = login(cast.charlie)
    page = viewer.get(reverse("vendor_detail", args=[vendor.pk])).content.decode()
    assert "Incidents and breaches" in page and "Late report" in page
    assert '<span class="badge text-bg-danger">late</span>' in page
    assert reverse("incident_create_for_vendor", args=[vendor.pk]) not in page  # viewer
    page = login(cast.bob).get(reverse("vendor_detail", args=[vendor.pk])).content.decode()
    assert reverse("incident_create_for_vendor", args=[vendor.pk]) in page


def test_a_breach_deadline_is_emailed_at_once_to_a_digest_member_and_once_only(
    cast, django_capture_on_commit_callbacks
):
    import time_machine
    from django.core import mail

    from diligence.models import FollowUpAction
    from reminders import services as reminder_services
    from reminders.choices import ReminderStatus
    from reminders.models import Reminder
    from vendors.services import vendor_save

    moment = timezone.now().astimezone(cast.practice.tzinfo).replace(hour=9, minute=0)
    with time_machine.travel(moment, tick=False):
        today = cast.practice.today()
        vendor = VendorFactory(organization=cast.practice, name="ClaimPath Billing")
        vendor.owner = cast.bob  # digest mode (the default)
        vendor_save(vendor=vendor, actor=None)
        _incident(cast, vendor, vendor_discovered_on=today - timedelta(days=53),
                  vendor_notified_on=today - timedelta(days=50))  # fmt: skip
        FollowUpAction.objects.create(
            organization=cast.practice, vendor=vendor, description="Overdue action",
            due_on=today - timedelta(days=3), owner=cast.bob,
        )  # fmt: skip
        with django_capture_on_commit_callbacks(execute=True):
            assert reminder_services.run_sweep().errors == []
        with django_capture_on_commit_callbacks(execute=True):
            assert reminder_services.run_sweep().created == 0
    rows = {r.kind: r for r in Reminder.objects.filter(organization=cast.practice)}
    assert rows["incident_notice"].status == ReminderStatus.SENT
    assert rows["incident_notice"].recipient == cast.bob
    assert rows["action"].status == ReminderStatus.PENDING  # waits for tomorrow's digest
    # (The vendor has no BAA: its compliance gap is emailed at once too.)
    breach_mails = [m for m in mail.outbox if "Notice to individuals" in m.subject]
    assert [m.to for m in breach_mails] == [["bob@a.test"]]


def test_the_list_and_the_vendor_panel_cost_the_same_queries_at_2_and_12_incidents(
    cast, vendor, login
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(cast.bob)
    urls = [reverse("incident_list"), reverse("vendor_detail", args=[vendor.pk])]

    def counts():
        out = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            out.append(len(queries))
        return out

    for n in range(2):
        _incident(cast, vendor, title=f"Incident {n}")
    client.get(urls[0])  # warm the session
    at_2 = counts()
    for n in range(10):
        _incident(cast, vendor, title=f"More {n}")
    assert counts() == at_2


def test_the_hhs_annual_log_lists_last_years_small_breaches(cast, login):
    import csv
    import io

    from oversight.models import AuditEvent

    today = cast.practice.today()
    last_year = today.replace(year=today.year - 1, month=6, day=15)
    vendor = VendorFactory(organization=cast.practice, name="ClaimPath Billing")
    for title, count, extra in (
        (
            "Small breach",
            120,
            {
                "breach_started_on": last_year - timedelta(days=3),
                "breach_ended_on": last_year - timedelta(days=1),
                "breach_types": ["unauthorized"],
                "locations": ["email", "server"],
            },
        ),
        ("Big breach", 600, {}),
        ("Not a breach", 40, {"phi_secured": True, "secured_how": "AES-256 disk encryption"}),
    ):
        _incident(cast, vendor, title=title, individuals_affected=count, states={},
                  vendor_discovered_on=last_year, vendor_notified_on=last_year,
                  **extra)  # fmt: skip
    _incident(cast, vendor, title="This year", individuals_affected=3, states={},
              vendor_discovered_on=today, vendor_notified_on=today)  # fmt: skip
    response = login(cast.charlie).get(reverse("incident_hhs_log", args=["csv"]))
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["business_associate"], r["individuals_affected"]) for r in rows] == [
        ("ClaimPath Billing", "120")
    ]
    assert rows[0]["date_of_discovery"] == last_year.isoformat()
    # The portal asks for the breach's own dates, apart from its discovery.
    assert rows[0]["breach_start_date"] == (last_year - timedelta(days=3)).isoformat()
    assert rows[0]["breach_end_date"] == (last_year - timedelta(days=1)).isoformat()
    assert rows[0]["type_of_breach"] == "Unauthorized access/disclosure"
    assert rows[0]["location_of_breached_information"] == "Email; Network server"
    assert rows[0]["substitute_notice"] == "no"
    assert AuditEvent.objects.filter(object_repr__contains="HHS breach log").exists()
    assert (
        login(cast.olivia)
        .get(reverse("incident_hhs_log", args=["csv"]))
        .content.decode("utf-8-sig")
        .count("\n")
        == 1
    )  # another practice: the header only


def test_the_practice_chooses_from_which_discovery_new_incidents_count(cast, vendor, login):
    from tests.test_auth_security import practice_settings_data

    admin = login(cast.alice)
    page = admin.get(reverse("incident_create")).content.decode()
    assert '<option value="vendor" selected>' in page  # the safe default
    admin.post(
        reverse("practice_settings"),
        practice_settings_data(cast.practice, breach_clock_from="practice"),
    )
    cast.practice.refresh_from_db()
    assert cast.practice.breach_clock_from == "practice"
    page = admin.get(reverse("incident_create")).content.decode()
    assert '<option value="practice" selected>' in page
    # A settings form without the field keeps the choice.
    admin.post(reverse("practice_settings"), practice_settings_data(cast.practice))
    cast.practice.refresh_from_db()
    assert cast.practice.breach_clock_from == "practice"


def test_the_dashboard_counts_the_breach_deadlines_the_work_queue_lists(cast, vendor, login):
    today = cast.practice.today()
    _incident(cast, vendor, vendor_discovered_on=today - timedelta(days=50),
              vendor_notified_on=today - timedelta(days=45))  # fmt: skip
    client = login(cast.bob)
    figure = client.get(reverse("home")).context["p"].figures["breach_notices"]
    assert figure.count == 1
    queue = client.get(figure.url)
    assert queue.context["total"] == 1 and "Notice to individuals due" in queue.text
