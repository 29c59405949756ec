"""Hostile input across every form of the product (table-driven): very long strings, unicode and
control characters, HTML/script payloads, negative and huge numbers, far dates and wrong types.
Each either gets a field error or is saved and shown escaped; never a server error (the test
client re-raises any exception a view lets escape, so a 500 fails the test with its traceback).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import reverse

from oversight.models import Organization
from vendors.choices import AccessLevel, Category, RelationshipStatus, Tier
from vendors.models import BusinessAssociate

from .factories import ContactFactory, VendorFactory

SCRIPT = '<script>alert("pwned")</script><img src=x onerror=alert(1)>'

TEXT = {
    "very long": "A" * 20_000,
    "null byte": "Acme\x00Corp",
    "control characters": "Acme\x07\x08\x1b[31m\u202eCorp\r\n\t",
    "unicode": "Zoë Ωmega 医療 クリニック 🏥\u200b",
    "html and script": SCRIPT,
    "sql-looking": "x'); DROP TABLE vendors_businessassociate; --",
    "only spaces": "     ",
}
NUMBER = {
    "negative": "-1",
    "very negative": "-99999999999999999999999",
    "huge": "99999999999999999999999999",
    "exponent": "1e400",
    "not a number": "NaN",
    "infinity": "Infinity",
    "letters": "12abc",
    "hex": "0x10",
    "decimal comma": "1,5",
}
DATE = {
    "year one": "0001-01-01",
    "year 9999": "9999-12-31",
    "year 10000": "10000-01-01",
    "30 February": "2026-02-30",
    "words": "next tuesday",
    "negative year": "-2020-01-01",
}
CHOICE = {
    "unknown value": "bogus",
    "huge id": "99999999999999999999",
    "negative id": "-1",
    "html": SCRIPT,
}
KINDS = {"text": TEXT, "number": NUMBER, "date": DATE, "choice": CHOICE}


@dataclass
class FormCase:
    name: str
    url: Callable  # (cast, vendor) -> url
    data: Callable  # (cast, vendor) -> valid data
    fields: dict  # field -> kind
    actor: str = "bob"
    shown_on: Callable = field(default=lambda cast, vendor: reverse("vendor_list"))


def vendor_data(cast, vendor):
    return {
        "name": "Hostile Test Vendor",
        "category": Category.EMAIL,
        "services": "Encrypted email",
        "status": RelationshipStatus.PROSPECTIVE,
        "access_level": AccessLevel.LIMITED,
        "phi_electronic": "on",
        "criticality": "medium",
        "record_count": "3000",
        "phi_access_began": "2024-01-15",
        "owner": cast.bob.pk,
    }


def practice_data(cast, vendor):
    return {
        "name": "Practice A",
        "timezone": "America/New_York",
        "contact_name": "Pat Privacy",
        "contact_email": "privacy@a.test",
        "contact_phone": "555-0100",
        "cost_per_record": "408.00",
        "cost_per_record_year": "2018",
        "digest_hour": "7",
    }


CASES = [
    FormCase(
        "vendor (new)",
        url=lambda cast, vendor: reverse("vendor_create"),
        data=vendor_data,
        fields={
            "name": "text",
            "services": "text",
            "external_id": "text",
            "notes": "text",
            "activation_override_reason": "text",
            "website": "text",
            "record_count": "number",
            "phi_access_began": "date",
            "category": "choice",
            "status": "choice",
            "access_level": "choice",
            "criticality": "choice",
            "owner": "choice",
            "phi_types": "choice",
        },
    ),
    FormCase(
        "vendor (edit)",
        url=lambda cast, vendor: reverse("vendor_edit", args=[vendor.pk]),
        data=vendor_data,
        fields={"name": "text", "record_count": "number", "phi_access_began": "date"},
        shown_on=lambda cast, vendor: reverse("vendor_detail", args=[vendor.pk]),
    ),
    FormCase(
        "contact",
        url=lambda cast, vendor: reverse("contact_create", args=[vendor.pk]),
        data=lambda cast, vendor: {"name": "Dana Breach", "role": "breach", "email": "d@v.test"},
        fields={
            "name": "text",
            "email": "text",
            "phone": "text",
            "notes": "text",
            "role": "choice",
        },
        shown_on=lambda cast, vendor: reverse("vendor_detail", args=[vendor.pk]),
    ),
    FormCase(
        "subcontractor",
        url=lambda cast, vendor: reverse("subcontractor_create", args=[vendor.pk]),
        data=lambda cast, vendor: {"name": "Backup Co", "services": "Offsite backups"},
        fields={"name": "text", "services": "text", "linked_vendor": "choice"},
        shown_on=lambda cast, vendor: reverse("vendor_detail", args=[vendor.pk]),
    ),
    FormCase(
        "tier override",
        url=lambda cast, vendor: reverse("vendor_tier_override", args=[vendor.pk]),
        data=lambda cast, vendor: {"tier": Tier.CRITICAL, "reason": "Hosts our only chart copy."},
        fields={"reason": "text", "tier": "choice"},
        shown_on=lambda cast, vendor: reverse("vendor_detail", args=[vendor.pk]),
    ),
    FormCase(
        "practice settings",
        url=lambda cast, vendor: reverse("practice_settings"),
        data=practice_data,
        fields={
            "name": "text",
            "contact_name": "text",
            "contact_email": "text",
            "contact_phone": "text",
            "cost_per_record": "number",
            "cost_per_record_year": "number",
            "digest_hour": "number",
            "timezone": "choice",
        },
        actor="alice",
        shown_on=lambda cast, vendor: reverse("practice_settings"),
    ),
    FormCase(
        "invitation",
        url=lambda cast, vendor: reverse("members"),
        data=lambda cast, vendor: {"email": "new.person@a.test", "role": "manager"},
        fields={"email": "text", "role": "choice"},
        actor="alice",
        shown_on=lambda cast, vendor: reverse("members"),
    ),
]

PARAMS = [
    pytest.param(case, name, kind, id=f"{case.name}-{name}")
    for case in CASES
    for name, kind in case.fields.items()
]


@pytest.mark.parametrize("case,field_name,kind", PARAMS)
def test_hostile_values_get_a_field_error_or_are_shown_escaped(cast, login, case, field_name, kind):
    vendor = VendorFactory(organization=cast.practice, name="ChartWell EHR")
    ContactFactory(vendor=vendor, organization=cast.practice)
    client = login(getattr(cast, case.actor))
    url = case.url(cast, vendor)
    other_practice_vendor = VendorFactory(organization=cast.other_practice, name="Foreign Co")
    payloads = dict(KINDS[kind])
    if field_name in ("owner", "linked_vendor"):
        # Another practice's objects are "unknown values" too.
        payloads["other practice"] = str(
            cast.olivia.pk if field_name == "owner" else other_practice_vendor.pk
        )
    for label, value in payloads.items():
        data = case.data(cast, vendor) | {field_name: value}
        response = client.post(url, data)
        where = f"{case.name}: {field_name} = {label}"
        assert response.status_code in (200, 302), where
        if response.status_code == 200:
            form = response.context.get("form")
            assert form is not None and form.errors, f"{where}: re-shown without an error"
            # The bad value is echoed back escaped, never as markup.
            assert "<script>alert" not in response.text, where
    # Whatever was saved is shown as text on the page that lists it.
    page = client.get(case.shown_on(cast, vendor))
    assert page.status_code == 200, case.name
    assert "<script>alert" not in page.text and "<img src=x" not in page.text, case.name
    assert "\x00" not in page.text, case.name
    # Nothing of this ever reaches the other practice.
    assert (
        not BusinessAssociate.objects.filter(organization=cast.other_practice)
        .exclude(pk=other_practice_vendor.pk)
        .exists()
    )
    assert Organization.objects.get(pk=cast.other_practice.pk).name == "Practice B"


def test_a_script_name_is_stored_as_typed_and_rendered_as_text(cast, login):
    client = login(cast.bob)
    data = vendor_data(cast, None) | {"name": SCRIPT[:150]}
    assert client.post(reverse("vendor_create"), data).status_code == 302
    vendor = BusinessAssociate.objects.get(organization=cast.practice)
    assert vendor.name == SCRIPT[:150]
    # Renamed once more, so the activity log shows the old and the new name as a change.
    renamed = "<b>x</b> " + SCRIPT[:100]
    data |= {"name": renamed, "version": vendor.history.latest().history_id}
    assert client.post(reverse("vendor_edit", args=[vendor.pk]), data).status_code == 302
    for url in [
        reverse("vendor_list"),
        reverse("vendor_detail", args=[vendor.pk]),
        reverse("activity_log"),
    ]:
        html = client.get(url).text
        assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in html, url
        assert "<script>alert" not in html and "<b>x</b>" not in html, url
    log = client.get(reverse("activity_log")).text
    assert "&lt;b&gt;x&lt;/b&gt; &lt;script&gt;" in log  # the record, and the name's new value
    old_name = (
        "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
    )
    assert f"{old_name} → " in log  # the name's old value


def test_a_null_byte_is_a_field_error_not_a_database_error(cast, login):
    response = login(cast.bob).post(
        reverse("vendor_create"), vendor_data(cast, None) | {"notes": "a\x00b"}
    )
    assert response.status_code == 200
    assert "notes" in response.context["form"].errors
    assert not BusinessAssociate.objects.exists()


def test_far_dates_are_refused_with_a_field_error(cast, login):
    client = login(cast.bob)
    for value in ["0001-01-01", "9999-12-31"]:
        response = client.post(
            reverse("vendor_create"), vendor_data(cast, None) | {"phi_access_began": value}
        )
        assert response.status_code == 200, value
        assert "phi_access_began" in response.context["form"].errors, value


def test_odd_digits_dates_and_names_never_crash(
    cast, login, vendor, django_capture_on_commit_callbacks
):
    """Review findings: Unicode digits in ids, dates at the ends of the calendar, quotes in the
    practice name (the binder's page footer)."""
    from django.urls import reverse

    from binder.models import BinderExport

    client = login(cast.bob)
    assert client.get(reverse("work_queue"), {"owner": "²"}).status_code == 200
    assert client.get(reverse("agreement_create"), {"vendor": "²"}).status_code == 200
    assert (
        client.get(reverse("action_create", args=[vendor.pk]), {"record": "²"}).status_code == 200
    )
    response = client.get(reverse("activity_log"), {"since": "0001-01-01", "until": "9999-12-31"})
    assert response.status_code == 200 and set(response.context["form"].errors) == {
        "since",
        "until",
    }
    response = client.post(
        reverse("agreement_create"),
        {
            "vendor": vendor.pk,
            "status": "draft",
            "template_source": "vendor",
            "effective_on": "0001-01-01",
            "expires_on": "9999-12-31",
            "auto_renews": "on",
            "renewal_notice_days": "90",
            "indemnification": "none",
            "cap_kind": "none",
        },
    )
    assert response.status_code == 200
    assert {"effective_on", "expires_on"} <= set(response.context["form"].errors)
    cast.practice.name = 'Dr. "Quote" \\ Clinic <b>'
    cast.practice.save()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("binder_page"), {"as_of": "2026-01-01", "period_start": "2025-01-01"})
    assert BinderExport.objects.get().status == "done"
