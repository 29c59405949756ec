"""Inventory pages: tenancy, roles, forms, filters, tier override and query counts."""

import pytest
from django.urls import reverse

from oversight.policy import DEFAULT_RULES
from vendors.choices import AccessLevel, Category, RelationshipStatus, Tier
from vendors.models import BusinessAssociate, TierChange, VendorContact

from .factories import ContactFactory, MembershipFactory, VendorFactory

VALID_VENDOR = {
    "name": "SecureMail Relay",
    "category": Category.EMAIL,
    "services": "Encrypted email",
    "status": RelationshipStatus.PROSPECTIVE,
    "access_level": AccessLevel.LIMITED,
    "phi_electronic": "on",
    "criticality": "medium",
    "record_count": "3000",
}


def object_urls(vendor, contact):
    """Every URL of the vendors app that names an object, with whether it writes."""
    pk = vendor.pk
    return [
        ("get", reverse("vendor_detail", args=[pk]), False),
        ("get", reverse("vendor_edit", args=[pk]), True),
        ("post", reverse("vendor_edit", args=[pk]), True),
        ("post", reverse("vendor_archive", args=[pk]), True),
        ("get", reverse("vendor_tier_override", args=[pk]), True),
        ("post", reverse("vendor_tier_override", args=[pk]), True),
        ("get", reverse("contact_create", args=[pk]), True),
        ("post", reverse("contact_create", args=[pk]), True),
        ("get", reverse("contact_edit", args=[pk, contact.pk]), True),
        ("post", reverse("contact_end", args=[pk, contact.pk]), True),
        ("get", reverse("subcontractor_create", args=[pk]), True),
        ("post", reverse("subcontractor_create", args=[pk]), True),
    ]


@pytest.fixture
def contact(vendor):
    return ContactFactory(vendor=vendor)


def test_anonymous_is_sent_to_login_everywhere(client, vendor, contact):
    urls = [("get", reverse(n), False) for n in ("home", "vendor_list", "vendor_create")]
    for method, url, _ in urls + object_urls(vendor, contact):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url


def test_member_of_another_practice_gets_404_and_changes_nothing(cast, login, vendor, contact):
    client = login(cast.olivia)
    before = BusinessAssociate.objects.get(pk=vendor.pk)
    for method, url, _ in object_urls(vendor, contact):
        response = getattr(client, method)(
            url, {"name": "hacked", "tier": "low", "reason": "x" * 20}
        )
        assert response.status_code == 404, url
    after = BusinessAssociate.objects.get(pk=vendor.pk)
    assert (after.name, after.archived_at, after.tier) == (before.name, None, before.tier)
    assert VendorContact.objects.filter(vendor=vendor).count() == 1


def test_other_practice_vendors_never_listed(cast, login, vendor):
    VendorFactory(organization=cast.other_practice, name="Secret Vendor of B")
    response = login(cast.bob).get(reverse("vendor_list"))
    assert "ChartWell EHR" in response.text
    assert "Secret Vendor of B" not in response.text


def test_viewer_reads_but_cannot_write(cast, login, vendor, contact):
    client = login(cast.charlie)
    assert client.get(reverse("vendor_detail", args=[vendor.pk])).status_code == 200
    page = client.get(reverse("vendor_list")).text
    assert "Add vendor" not in page
    assert client.get(reverse("vendor_create")).status_code == 403
    for method, url, writes in object_urls(vendor, contact):
        if writes:
            assert getattr(client, method)(url, {"name": "x"}).status_code == 403, url
    assert BusinessAssociate.objects.get(pk=vendor.pk).archived_at is None
    detail = client.get(reverse("vendor_detail", args=[vendor.pk])).text
    assert "Override tier" not in detail and ">Edit<" not in detail


def test_manager_creates_vendor_and_sees_computed_tier(cast, login):
    client = login(cast.bob)
    response = client.post(reverse("vendor_create"), VALID_VENDOR | {"owner": cast.bob.pk})
    vendor = BusinessAssociate.objects.get(name="SecureMail Relay")
    assert response.status_code == 302
    assert vendor.organization == cast.practice
    assert vendor.owner == cast.bob
    assert vendor.tier == Tier.HIGH  # limited (2) + >1,000 records (2) + medium criticality (1)
    page = client.get(vendor.get_absolute_url()).text
    assert "Limited view of PHI" in page and "More than 1,000 patient records" in page
    assert TierChange.objects.filter(vendor=vendor, to_tier=Tier.HIGH).exists()


def test_form_errors_name_the_field(cast, login):
    client = login(cast.bob)
    response = client.post(
        reverse("vendor_create"),
        VALID_VENDOR | {"name": "", "record_count": "-5", "website": "not a url"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) >= {"name", "record_count", "website"}
    assert not BusinessAssociate.objects.exists()


def test_owner_must_be_member_of_the_practice(cast, login):
    response = login(cast.bob).post(
        reverse("vendor_create"), VALID_VENDOR | {"owner": cast.olivia.pk}
    )
    assert "owner" in response.context["form"].errors
    assert not BusinessAssociate.objects.exists()


def test_duplicate_name_is_refused(cast, login, vendor):
    response = login(cast.bob).post(
        reverse("vendor_create"), VALID_VENDOR | {"name": "chartwell ehr"}
    )
    assert "already in your inventory" in str(response.context["form"].errors["name"])


def test_tier_override_needs_justification_and_is_recorded(cast, login, vendor):
    client = login(cast.bob)
    url = reverse("vendor_tier_override", args=[vendor.pk])
    response = client.post(url, {"tier": Tier.CRITICAL, "reason": ""})
    assert "reason" in response.context["form"].errors
    vendor.refresh_from_db()
    assert vendor.tier_override == ""

    computed = vendor.computed_tier
    client.post(url, {"tier": Tier.CRITICAL, "reason": "Hosts our only copy of the charts."})
    vendor.refresh_from_db()
    assert vendor.tier == Tier.CRITICAL and vendor.computed_tier == computed
    change = vendor.tier_changes.first()
    assert (change.from_tier, change.to_tier, change.changed_by) == (
        computed,
        Tier.CRITICAL,
        cast.bob.user,
    )
    assert change.reason == "Hosts our only copy of the charts."
    page = client.get(vendor.get_absolute_url()).text
    assert "Hosts our only copy of the charts." in page
    assert f'id="computed-tier">{vendor.get_computed_tier_display()}' in page

    client.post(url, {"clear": "1"})
    vendor.refresh_from_db()
    assert vendor.tier == computed and not vendor.tier_override


def test_override_survives_later_edits(cast, login, vendor):
    client = login(cast.bob)
    client.post(
        reverse("vendor_tier_override", args=[vendor.pk]),
        {"tier": Tier.LOW, "reason": "Contract limits them to scheduling data."},
    )
    data = VALID_VENDOR | {"name": vendor.name, "status": vendor.status, "record_count": "50000"}
    client.post(reverse("vendor_edit", args=[vendor.pk]), data)
    vendor.refresh_from_db()
    assert vendor.tier == Tier.LOW
    assert vendor.computed_tier == Tier.HIGH


def test_archive_hides_from_list_but_keeps_the_record(cast, login, vendor):
    client = login(cast.bob)
    client.post(reverse("vendor_archive", args=[vendor.pk]))
    listed = client.get(reverse("vendor_list")).context["page"]
    assert vendor not in listed
    assert vendor in client.get(reverse("vendor_list") + "?archived=true").context["page"]
    assert BusinessAssociate.objects.filter(pk=vendor.pk).exists()


def test_filters_and_search(cast, login):
    VendorFactory(
        organization=cast.practice,
        name="Alpha Shredding",
        category=Category.SHREDDING,
        access_level=AccessLevel.NONE,
        phi_electronic=False,
        phi_paper=True,
    )
    VendorFactory(
        organization=cast.practice,
        name="Beta EHR",
        category=Category.EHR,
        access_level=AccessLevel.HOSTS,
        record_count=50_000,
    )
    client = login(cast.charlie)

    def names(query):
        page = client.get(reverse("vendor_list") + query).context["page"]
        return [v.name for v in page]

    assert names("?tier=critical") == ["Beta EHR"]
    assert names("?tier=low") == ["Alpha Shredding"]
    assert names("?category=shredding") == ["Alpha Shredding"]
    assert names("?q=beta") == ["Beta EHR"]
    assert names("?sort=tier") == ["Beta EHR", "Alpha Shredding"]
    assert names("?sort=-name") == ["Beta EHR", "Alpha Shredding"]


def test_breach_contact_shown_prominently(cast, login, vendor):
    ContactFactory(vendor=vendor, name="Pat Privacy", role="breach", email="breach@v.test")
    page = login(cast.charlie).get(vendor.get_absolute_url()).text
    assert 'id="breach-contact"' in page and "Pat Privacy" in page


def test_contacts_and_subcontractors_can_be_added(cast, login, vendor):
    client = login(cast.bob)
    client.post(
        reverse("contact_create", args=[vendor.pk]),
        {"name": "Sam Security", "role": "security", "email": "sam@v.test"},
    )
    other = VendorFactory(organization=cast.practice, name="Backup Co")
    client.post(reverse("subcontractor_create", args=[vendor.pk]), {"linked_vendor": other.pk})
    page = client.get(vendor.get_absolute_url()).text
    assert "Sam Security" in page and "Backup Co" in page
    assert "Subcontractor of" in client.get(other.get_absolute_url()).text


def test_subcontractor_from_another_practice_cannot_be_linked(cast, login, vendor):
    foreign = VendorFactory(organization=cast.other_practice, name="Foreign")
    response = login(cast.bob).post(
        reverse("subcontractor_create", args=[vendor.pk]), {"linked_vendor": foreign.pk}
    )
    assert "linked_vendor" in response.context["form"].errors


@pytest.mark.parametrize("page", ["vendor_list", "vendor_detail"])
def test_constant_query_count(cast, login, django_assert_num_queries, page):
    client = login(cast.bob)
    owner = MembershipFactory(organization=cast.practice)

    def build(n):
        vendors = [VendorFactory(organization=cast.practice, owner=owner) for _ in range(n)]
        for v in vendors[:5]:
            ContactFactory(vendor=v)
        return vendors[0]

    def url(first):
        return reverse(page, args=[first.pk]) if page == "vendor_detail" else reverse(page)

    first = build(5)
    client.get(url(first))  # warm the session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as at_5:
        assert client.get(url(first)).status_code == 200
    build(45)
    with CaptureQueriesContext(connection) as at_50:
        assert client.get(url(first)).status_code == 200
    assert len(at_50) == len(at_5), [q["sql"] for q in at_50.captured_queries]


def test_list_rows_show_tier_override_archive_findings_and_owner(cast, login):
    from django.utils import timezone

    owner = MembershipFactory(
        organization=cast.practice, user__first_name="Olive", user__last_name="Owner"
    )
    shown = VendorFactory(
        organization=cast.practice, name="Acme <Billing> & Co", owner=owner, record_count=12345
    )
    BusinessAssociate.objects.filter(pk=shown.pk).update(
        tier=Tier.LOW,
        tier_override=Tier.LOW,
        tier_override_reason="Board decision",
        baa_findings_critical=2,
        baa_findings_warning=1,
        archived_at=timezone.now(),
    )
    VendorFactory(organization=cast.practice, name="Plain Vendor")
    text = login(cast.charlie).get(reverse("vendor_list") + "?archived=true").text
    row = text.split("<tr>")[2].split("</tr>")[0]
    assert (
        f'<a href="{shown.get_absolute_url()}">Acme &lt;Billing&gt; &amp; Co</a> '
        '<span class="badge text-bg-secondary">archived</span>'
    ) in row
    tier = '<span class="badge badge-tier-low">Low</span> <span class="small text-muted" title='
    assert tier in row
    assert f'title="Computed: {shown.get_computed_tier_display()}">(override)</span>' in row
    assert "12,345 records" in row
    assert "2 critical</span> <span" in row and "1 warning</span>" in row
    assert ">Olive Owner</td>" in row
    plain = text.split("<tr>")[3].split("</tr>")[0]
    assert "Plain Vendor</a></td>" in plain and ">—</td>" in plain and "(override)" not in plain


@pytest.mark.django_db(transaction=True)  # kept only outside a transaction: as in a request
def test_list_is_kept_until_the_next_write_and_never_stale(cast, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for name in ("Kept Alpha", "Kept Gamma"):
        VendorFactory(organization=cast.practice, name=name)
    client = login(cast.charlie)
    url = reverse("vendor_list") + "?q=kept"

    def shown():
        response = client.get(url)
        caption = response.text.split('<caption class="small">')[1].split("<")[0]
        return caption, [v.name for v in response.context["page"]]

    assert shown() == ("2 vendors", ["Kept Alpha", "Kept Gamma"])
    with CaptureQueriesContext(connection) as kept:
        assert shown() == ("2 vendors", ["Kept Alpha", "Kept Gamma"])
    # Neither the count nor the page's order was read again from the vendors.
    assert not any("COUNT(" in q["sql"] for q in kept.captured_queries)
    # Any write shows at once, even a bulk update no service saw, and a new vendor.
    BusinessAssociate.objects.filter(name="Kept Alpha").update(name="Kept Zeta")
    assert shown() == ("2 vendors", ["Kept Gamma", "Kept Zeta"])
    VendorFactory(organization=cast.practice, name="Kept Beta")
    assert shown() == ("3 vendors", ["Kept Beta", "Kept Gamma", "Kept Zeta"])
    # Another practice's vendor is not counted, and its write changes nothing here.
    VendorFactory(organization=cast.other_practice, name="Kept Elsewhere")
    assert shown() == ("3 vendors", ["Kept Beta", "Kept Gamma", "Kept Zeta"])
    # A page past the end shows the last one; a search matching nothing, none.
    page = client.get(url + "&page=9").context["page"]
    assert (page.number, [v.name for v in page]) == (1, ["Kept Beta", "Kept Gamma", "Kept Zeta"])
    assert list(client.get(url + "-nothing").context["page"]) == []


@pytest.mark.django_db(transaction=True)  # kept only outside a transaction: as in a request
def test_kept_list_follows_a_policy_change(cast, login):
    from datetime import timedelta

    from oversight.models import TierPolicy

    vendor = VendorFactory(organization=cast.practice, name="Policy Vendor")
    expires = cast.practice.today() + timedelta(days=50)
    BusinessAssociate.objects.filter(pk=vendor.pk).update(
        baa_state="signed", baa_expires_on=expires
    )
    vendor.refresh_from_db()
    client = login(cast.charlie)
    url = reverse("vendor_list") + "?baa=expiring"

    def listed():
        return [v.name for v in client.get(url).context["page"]]

    first_warning = max(DEFAULT_RULES[vendor.tier].expiry_warning_days)
    assert first_warning > 50  # the default policy warns: "Expiring soon"
    assert listed() == ["Policy Vendor"]
    assert listed() == ["Policy Vendor"]
    TierPolicy.objects.create(
        organization=cast.practice,
        tier=vendor.tier,
        review_interval_months=12,
        expiry_warning_days=[30],
        evidence_valid_months=12,
        resend_days=7,
        escalate_days=14,
        certificate_days=30,
    )
    assert listed() == []
    assert "Signed, current" in client.get(reverse("vendor_list") + "?q=policy").text


# --- who needs a BAA (issue 10) ------------------------------------------------------------------


def msp_without_phi_boxes(cast, **fields):
    """An MSP with remote administration and no PHI box ticked."""
    return VendorFactory(
        organization=cast.practice,
        name="Northwind IT",
        category=Category.MSP,
        access_level=AccessLevel.NONE,
        phi_electronic=False,
        remote_access=True,
        **fields,
    )


def test_msp_with_remote_access_and_no_phi_box_needs_a_baa_everywhere(cast, login):
    from baas.integration import baa_due_items
    from diligence.models import VendorSchedule
    from oversight.due import DueKind
    from oversight.models import rules_for

    msp = msp_without_phi_boxes(cast)
    assert msp.needs_baa
    client = login(cast.bob)
    gaps = client.get(reverse("vendor_list"), {"baa": "gap"}).text
    assert "Northwind IT" in gaps
    page = client.get(msp.get_absolute_url()).text
    assert "Gap: no signed BAA" in page and "Not required" not in page
    today = cast.practice.today()
    items = baa_due_items([cast.practice.pk], today, rules_for([cast.practice.pk]))
    assert [(i.kind, i.vendor_id) for i in items] == [(DueKind.COMPLIANCE_GAP, msp.pk)]
    # Its reviews fall due like any business associate's.
    assert VendorSchedule.objects.get(vendor=msp).next_review_due is not None


def test_msp_without_phi_box_cannot_go_active_without_a_signed_baa(cast, login):
    msp = msp_without_phi_boxes(cast, status=RelationshipStatus.PROSPECTIVE)
    data = {
        "name": msp.name,
        "category": Category.MSP,
        "status": RelationshipStatus.ACTIVE,
        "access_level": AccessLevel.NONE,
        "remote_access": "on",
        "criticality": "medium",
    }
    response = login(cast.bob).post(reverse("vendor_edit", args=[msp.pk]), data)
    assert response.status_code == 200
    assert "No signed, current BAA" in str(response.context["form"].errors)
    msp.refresh_from_db()
    assert msp.status == RelationshipStatus.PROSPECTIVE


def test_choosing_the_msp_category_proposes_remote_access(cast, login):
    client = login(cast.bob)
    msp = VALID_VENDOR | {
        "name": "Northwind IT",
        "category": Category.MSP,
        "access_level": AccessLevel.NONE,
        "phi_electronic": "",
    }
    response = client.post(reverse("vendor_create"), msp)
    assert response.status_code == 200
    assert "usually has remote or privileged access" in str(
        response.context["form"].errors["remote_access"]
    )
    assert "id_msp_no_remote_access" in response.text
    assert not BusinessAssociate.objects.exists()
    # Ticking remote access is accepted; so is a recorded confirmation that it has none.
    assert client.post(reverse("vendor_create"), msp | {"remote_access": "on"}).status_code == 302
    assert BusinessAssociate.objects.get(name="Northwind IT").needs_baa
    other = msp | {"name": "Helpdesk Only IT", "msp_no_remote_access": "on"}
    assert client.post(reverse("vendor_create"), other).status_code == 302
    helpdesk = BusinessAssociate.objects.get(name="Helpdesk Only IT")
    assert not helpdesk.needs_baa
    # Its edit page carries the confirmation already given.
    edit = client.get(reverse("vendor_edit", args=[helpdesk.pk])).context["form"]
    assert edit["msp_no_remote_access"].value() is True


def test_a_non_msp_vendor_is_not_asked_about_remote_access(cast, login):
    response = login(cast.bob).post(reverse("vendor_create"), VALID_VENDOR)
    assert response.status_code == 302


def test_each_section_lists_the_vendors_rows_or_says_it_has_none(cast, login, vendor):
    """The page reads whether the vendor has rows in each list with the vendor itself and
    skips the queries of an empty section (``vendors.panels.presence``): every section still
    shows the rows the vendor has, and its empty state when it has none."""
    from datetime import timedelta

    from incidents import services as incident_services
    from incidents.models import VendorIncident
    from vendors import services

    from .baas_factories import make_agreement
    from .diligence_factories import ActionFactory, DiligenceFactory, ReviewFactory
    from .reminders_factories import ReminderFactory

    client = login(cast.bob)
    empty = client.get(vendor.get_absolute_url()).text
    for none in (
        "No contact yet.",
        "None recorded.",
        "No agreement recorded.",
        "No diligence recorded yet.",
        "No review recorded yet.",
        "No follow-up action.",
        "No incident recorded.",
        "No questionnaire request.",
        "Not generated yet.",
        "No reminder about this vendor yet.",
    ):
        assert none in empty, none
    assert "Tier history (1)" in empty  # the tier computed when the vendor was added
    assert "Subcontractor of" not in empty

    today = cast.practice.today()
    ContactFactory(vendor=vendor, name="Sam Security")
    vendor.subcontractors.create(organization=cast.practice, name="Acme Hosting")
    other = VendorFactory(organization=cast.practice, name="Parent Co")
    other.subcontractors.create(organization=cast.practice, linked_vendor=vendor)
    services.tier_override_set(vendor=vendor, actor=cast.bob.user, tier=Tier.LOW, reason="Why")
    make_agreement(vendor, service_agreement="Master services")
    DiligenceFactory(vendor=vendor, summary="SOC 2 read")
    ReviewFactory(vendor=vendor)
    ActionFactory(vendor=vendor, description="Obtain the pen-test letter")
    incident_services.incident_save(
        incident=VendorIncident(
            organization=cast.practice,
            vendor=vendor,
            title="Misdirected export",
            vendor_discovered_on=today - timedelta(days=10),
            vendor_notified_on=today - timedelta(days=8),
            description="A file was sent to the wrong account.",
            individuals_affected=12,
            states={"NY": 12},
        ),
        actor=cast.bob.user,
    )
    ReminderFactory(recipient=cast.bob, vendor=vendor, vendor_name=vendor.name)
    page = client.get(vendor.get_absolute_url()).text
    for shown in (
        "Sam Security",
        "Acme Hosting",
        "Subcontractor of: <a",
        "Parent Co",
        "Tier history (2)",
        "Master services",
        "SOC 2 Type II report",
        "Obtain the pen-test letter",
        "Misdirected export",
        "BAA expires",
    ):
        assert shown in page, shown
    for none in (
        "No contact yet.",
        "No agreement recorded.",
        "No diligence recorded yet.",
        "No review recorded yet.",
        "No follow-up action.",
        "No incident recorded.",
        "No reminder about this vendor yet.",
    ):
        assert none not in page, none
