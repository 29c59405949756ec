"""Agreement pages: tenancy and roles for every view, forms with field errors, actions, the
vendor page panel, the inventory's BAA status, document download, and query counts."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from baas import services
from baas.choices import AgreementStatus, ProvisionState
from baas.forms import ChecklistForm
from baas.models import AgreementDocument, BusinessAssociateAgreement
from baas.provisions import PROVISIONS
from oversight.choices import AuditAction
from oversight.models import AuditEvent
from vendors.models import BusinessAssociate

from .baas_factories import ALL_PRESENT, make_agreement, make_signed, pdf_upload
from .factories import VendorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path), "base_url": None},
        },
    }
    return tmp_path


@pytest.fixture
def agreement(vendor):
    return make_agreement(vendor, breach_notice_days=10)


@pytest.fixture
def document(agreement, private_storage, cast):
    return services.document_add(agreement=agreement, actor=cast.bob.user, upload=pdf_upload())


VALID = {
    "vendor": None,
    "status": AgreementStatus.DRAFT,
    "template_source": "vendor",
    "breach_notice_day_kind": "calendar",
    "indemnification": "mutual",
    "cap_kind": "none",
    "return_destroy": "unknown",
    "audit_rights": "unknown",
    "offshore_restricted": "unknown",
    "breach_notice_days": "10",
}


def object_urls(agreement, document):
    pk = agreement.pk
    return [
        ("get", reverse("agreement_detail", args=[pk]), False),
        ("get", reverse("agreement_edit", args=[pk]), True),
        ("post", reverse("agreement_edit", args=[pk]), True),
        ("get", reverse("agreement_sign", args=[pk]), True),
        ("post", reverse("agreement_sign", args=[pk]), True),
        ("post", reverse("agreement_new_version", args=[pk]), True),
        ("get", reverse("agreement_terminate", args=[pk]), True),
        ("post", reverse("agreement_terminate", args=[pk]), True),
        ("post", reverse("agreement_checklist", args=[pk]), True),
        ("get", reverse("agreement_document_upload", args=[pk]), True),
        ("post", reverse("agreement_document_upload", args=[pk]), True),
        ("get", reverse("agreement_amendment_create", args=[pk]), True),
        ("post", reverse("agreement_amendment_create", args=[pk]), True),
        ("get", reverse("agreement_document_download", args=[document.pk]), False),
    ]


SIGN_DATA = {
    "signed_on": "2025-01-10",
    "practice_signatory_name": "Dana",
    "vendor_signatory_name": "Vic",
    "terminated_on": "2025-02-01",
    "reason": "hacked",
    **{p.key: "absent" for p in PROVISIONS},
}


def test_anonymous_is_sent_to_login_everywhere(client, agreement, document):
    lists = [("get", reverse(n), False) for n in ("agreement_list", "agreement_create")]
    for method, url, _ in lists + object_urls(agreement, document):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url


def test_member_of_another_practice_gets_404_and_changes_nothing(cast, login, agreement, document):
    client = login(cast.olivia)
    for method, url, _ in object_urls(agreement, document):
        response = getattr(client, method)(url, SIGN_DATA)
        assert response.status_code == 404, url
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.DRAFT
    assert not agreement.checklist.filter(state=ProvisionState.ABSENT).exists()
    assert BusinessAssociateAgreement.objects.count() == 1
    assert not AuditEvent.objects.filter(action=AuditAction.DOCUMENT_DOWNLOADED).exists()
    # Nor can it pick the other practice's vendor in its own form.
    response = client.post(reverse("agreement_create"), {**VALID, "vendor": agreement.vendor_id})
    assert "vendor" in response.context["form"].errors


def test_viewer_reads_and_downloads_but_cannot_write(cast, login, agreement, document):
    client = login(cast.charlie)
    for method, url, writes in object_urls(agreement, document):
        response = getattr(client, method)(url, SIGN_DATA)
        assert response.status_code == (403 if writes else 200), url
    assert client.get(reverse("agreement_create")).status_code == 403
    page = client.get(reverse("agreement_detail", args=[agreement.pk])).content.decode()
    assert "Mark signed" not in page and "Upload document" not in page
    assert 'name="permitted_uses"' not in page  # the checklist is read-only
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.DRAFT


def test_download_is_audited_and_served_as_attachment(cast, login, document):
    response = login(cast.charlie).get(reverse("agreement_document_download", args=[document.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'attachment; filename="signed-baa.pdf"' == response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    event = AuditEvent.objects.get(action=AuditAction.DOCUMENT_DOWNLOADED)
    assert event.user == cast.charlie.user and event.object_id == str(document.pk)


def test_document_is_stored_privately_under_a_generated_name(document, private_storage):
    assert document.original_name == "signed-baa.pdf"
    assert "signed-baa" not in document.file.name
    assert document.file.name.startswith(f"documents/{document.organization_id}/")
    assert len(document.sha256) == 64
    assert (private_storage / document.file.name).exists()


def test_manager_creates_an_agreement_with_field_errors_first(cast, login, vendor):
    client = login(cast.bob)
    page = client.get(reverse("agreement_create") + f"?vendor={vendor.pk}")
    assert page.context["form"].initial["vendor"] == vendor.pk
    bad = {
        **VALID,
        "vendor": vendor.pk,
        "effective_on": "2025-05-01",
        "expires_on": "2025-01-01",
        "cap_kind": "fees_months",
        "renewal_notice_days": "30",
        "annual_contract_value": "-5",
    }
    response = client.post(reverse("agreement_create"), bad)
    errors = response.context["form"].errors
    assert response.status_code == 200
    assert {"expires_on", "cap_months", "renewal_notice_days", "annual_contract_value"} <= set(
        errors
    )
    assert not BusinessAssociateAgreement.objects.exists()
    response = client.post(reverse("agreement_create"), {**VALID, "vendor": vendor.pk})
    agreement = BusinessAssociateAgreement.objects.get()
    assert response["Location"] == reverse("agreement_detail", args=[agreement.pk])
    assert agreement.checklist.count() == 12 and agreement.created_by == cast.bob.user


def test_status_signed_cannot_be_chosen_in_the_form(cast, login, vendor):
    response = login(cast.bob).post(
        reverse("agreement_create"), {**VALID, "vendor": vendor.pk, "status": "signed"}
    )
    assert "status" in response.context["form"].errors


def test_detail_shows_terms_checklist_cites_findings_and_figures(cast, login, vendor):
    BusinessAssociate.objects.filter(pk=vendor.pk).update(record_count=10_000)
    agreement = make_agreement(
        BusinessAssociate.objects.get(pk=vendor.pk),
        indemnification="vendor_favourable",
        cap_kind="fixed",
        cap_amount=100000,
    )
    page = login(cast.charlie).get(reverse("agreement_detail", args=[agreement.pk]))
    html = page.content.decode()
    assert "164.504(e)(2)(ii)(J)" in html  # cite beside its provision
    assert "One-sided indemnification in the vendor&#x27;s favour" in html
    assert "$100,000" in html and "$4,080,000" in html  # cap and exposure both shown
    assert page.context["risk"] == "high"


def test_sign_then_supersede_then_terminate(cast, login, vendor):
    client = login(cast.bob)
    agreement = make_agreement(vendor)
    response = client.post(
        reverse("agreement_sign", args=[agreement.pk]),
        {"signed_on": "", "practice_signatory_name": "", "vendor_signatory_name": "V"},
    )
    assert {"signed_on", "practice_signatory_name"} <= set(response.context["form"].errors)
    client.post(
        reverse("agreement_sign", args=[agreement.pk]),
        {
            "signed_on": "2025-01-10",
            "practice_signatory_name": "Dana",
            "vendor_signatory_name": "V",
        },
    )
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SIGNED and agreement.effective_on == date(
        2025, 1, 10
    )
    response = client.post(reverse("agreement_new_version", args=[agreement.pk]))
    new = BusinessAssociateAgreement.objects.exclude(pk=agreement.pk).get()
    assert response["Location"] == reverse("agreement_edit", args=[new.pk])
    client.post(
        reverse("agreement_sign", args=[new.pk]),
        {
            "signed_on": "2025-06-01",
            "practice_signatory_name": "Dana",
            "vendor_signatory_name": "V",
        },
    )
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SUPERSEDED
    response = client.post(
        reverse("agreement_terminate", args=[new.pk]), {"terminated_on": "2025-07-01", "reason": ""}
    )
    assert "reason" in response.context["form"].errors
    client.post(
        reverse("agreement_terminate", args=[new.pk]),
        {"terminated_on": "2025-07-01", "reason": "Vendor replaced"},
    )
    new.refresh_from_db()
    assert new.status == AgreementStatus.TERMINATED


def test_checklist_ticks_record_reviewer_and_clear_the_warning(cast, login, vendor):
    agreement = make_signed(vendor)
    client = login(cast.bob)
    url = reverse("agreement_detail", args=[agreement.pk])
    assert "12 required provisions not reviewed" in client.get(url).content.decode()
    client.post(reverse("agreement_checklist", args=[agreement.pk]), ALL_PRESENT)
    row = agreement.checklist.get(provision="termination")
    assert row.state == ProvisionState.PRESENT and row.reviewed_by == cast.bob.user
    # Provision (J) is answered once, by the "PHI at termination" term, not by the checklist.
    page = client.get(url).content.decode()
    assert "1 required provision not reviewed" in page
    assert "PHI at termination" in page
    agreement.refresh_from_db()
    agreement.return_destroy = "destroy"
    services.agreement_update(agreement=agreement, actor=cast.bob.user)
    page = client.get(url)
    assert "provisions_not_reviewed" not in {f.code for f in page.context["findings"]}
    assert "required provisions not reviewed" not in page.content.decode()
    assert cast.bob.user.email in page.content.decode()  # who reviewed, beside each row


def test_bad_upload_is_a_field_error_and_nothing_is_stored(cast, login, agreement, private_storage):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = login(cast.bob).post(
        reverse("agreement_document_upload", args=[agreement.pk]),
        {"kind": "signed", "file": SimpleUploadedFile("baa.pdf", b"just text, not a PDF")},
    )
    assert response.status_code == 200
    assert "not a PDF" in " ".join(response.context["form"].errors["file"])
    assert not AgreementDocument.objects.exists()
    assert not any(p.is_file() for p in private_storage.rglob("*"))


def test_only_an_omnibus_amendment_clears_pre_omnibus(cast, login, vendor, private_storage):
    agreement = make_signed(vendor, signed_on=date(2011, 5, 1), checklist=ALL_PRESENT)
    assert BusinessAssociate.objects.get(pk=vendor.pk).baa_findings_critical == 1
    client = login(cast.bob)
    url = reverse("agreement_amendment_create", args=[agreement.pk])
    # Dated before the compliance date (2013-09-23) and not marked: the flag stays.
    response = client.post(
        url, {"amended_on": "2013-09-01", "summary": "Fee change", "file": pdf_upload("a.pdf")}
    )
    assert response.status_code == 302
    amendment = agreement.amendments.get()
    assert amendment.document.kind == "amendment"
    assert BusinessAssociate.objects.get(pk=vendor.pk).baa_findings_critical == 1
    page = client.get(reverse("agreement_detail", args=[agreement.pk])).content.decode()
    assert "Signed before the Omnibus Rule&#x27;s compliance date" in page
    assert "HITECH/Omnibus" in client.get(url).content.decode()  # the form offers the mark
    # Marked as the HITECH/Omnibus amendment: cleared.
    client.post(
        url, {"amended_on": "2013-07-01", "summary": "HITECH amendment", "hitech_omnibus": "on"}
    )
    assert agreement.amendments.get(summary="HITECH amendment").hitech_omnibus
    assert BusinessAssociate.objects.get(pk=vendor.pk).baa_findings_critical == 0


def test_vendor_page_panel_shows_status_findings_and_buttons(cast, login, vendor):
    html = login(cast.bob).get(reverse("vendor_detail", args=[vendor.pk])).content.decode()
    assert "Gap: no signed BAA" in html and "No signed, current BAA" in html
    assert reverse("agreement_create") + f"?vendor={vendor.pk}" in html
    html = login(cast.charlie).get(reverse("vendor_detail", args=[vendor.pk])).content.decode()
    assert "Add agreement" not in html


def test_agreement_list_filters(cast, login):
    soon = make_signed(
        VendorFactory(organization=cast.practice, name="Soon"),
        expires_on=date.today() + timedelta(days=20),
    )
    make_signed(
        VendorFactory(organization=cast.practice, name="Later"),
        expires_on=date.today() + timedelta(days=400),
        checklist=ALL_PRESENT,
    )
    draft = make_agreement(
        VendorFactory(organization=cast.practice, name="Drafty"), status="negotiation"
    )
    critical = make_signed(
        VendorFactory(organization=cast.practice, name="Bad"),
        indemnification="vendor_favourable",
    )
    make_agreement(VendorFactory(organization=cast.other_practice, name="Elsewhere"))
    client = login(cast.charlie)

    def names(query=""):
        page = client.get(reverse("agreement_list") + query)
        assert page.status_code == 200
        return sorted(a.vendor.name for a in page.context["page"])

    assert names() == ["Bad", "Drafty", "Later", "Soon"]
    assert names("?status=signed") == ["Bad", "Later", "Soon"]
    assert names("?status=negotiation") == ["Drafty"]
    gone = make_signed(
        VendorFactory(organization=cast.practice, name="Gone"),
        expires_on=date.today() - timedelta(days=3),
    )
    assert names("?status=expired") == ["Gone"]
    assert "Gone" not in names("?status=signed")
    assert gone.status == AgreementStatus.SIGNED
    assert "past expiry" in client.get(reverse("agreement_list")).content.decode()
    detail = client.get(reverse("agreement_detail", args=[gone.pk])).content.decode()
    assert "past expiry" in detail and "The BAA has expired" in detail
    assert names("?expiring_within=30") == ["Soon"]  # an expired BAA is no longer expiring
    assert names("?critical=true") == ["Bad", "Gone"]  # vendor-favourable; expired
    assert names(f"?vendor={draft.vendor_id}") == ["Drafty"]
    # The vendor filter is a search field (no <select> listing every vendor).
    assert names("?q=sOo") == ["Soon"]
    assert names("?q=elsewhere") == []  # another practice's vendor
    html = client.get(reverse("agreement_list")).content.decode()
    assert '<input type="search" name="q"' in html and 'name="vendor"' not in html
    form = html.split('id="agreement-filters"')[1].split("</form>")[0]
    assert form.count("<option") == len(AgreementStatus.choices) + 1  # the status select only
    one = client.get(reverse("agreement_list") + f"?vendor={draft.vendor_id}").content.decode()
    assert "Agreements of one vendor: " in one and ">Drafty</a>" in one
    assert f'name="vendor" value="{draft.vendor_id}"' in one  # kept when another filter is used
    # Bad input is a field error, never a 500.
    response = client.get(reverse("agreement_list") + "?expiring_within=abc")
    assert response.status_code == 200 and "Enter a number" in response.content.decode()
    critical.refresh_from_db()
    assert soon.vendor.name == "Soon" and critical.findings_critical >= 1


def test_inventory_shows_and_filters_baa_status_gap_first(cast, login):
    gap = VendorFactory(organization=cast.practice, name="Zed Gap", status="onboarding")
    ok = VendorFactory(organization=cast.practice, name="Alpha Signed")
    make_signed(ok, checklist=ALL_PRESENT)
    VendorFactory(
        organization=cast.practice, name="Coffee", access_level="none", phi_electronic=False
    )
    client = login(cast.charlie)
    page = client.get(reverse("vendor_list") + "?sort=baa")
    rows = list(page.context["page"])
    assert rows[0] == gap and rows[0].baa_status == "gap"
    html = page.content.decode()
    assert "Gap: no signed BAA" in html and "Signed, current" in html
    page = client.get(reverse("vendor_list") + "?baa=gap")
    assert [v.name for v in page.context["page"]] == ["Zed Gap"]
    page = client.get(reverse("vendor_list") + "?baa=current")
    assert [v.name for v in page.context["page"]] == ["Alpha Signed"]


def _build(cast, n):
    vendors = []
    for i in range(n):
        v = VendorFactory(organization=cast.practice, status="onboarding" if i % 3 else "active")
        if i % 2:
            make_signed(v, expires_on=date.today() + timedelta(days=30 + i))
        else:
            make_agreement(v)
        vendors.append(v)
    return vendors


@pytest.mark.parametrize(
    "url",
    [
        reverse("agreement_list"),
        reverse("agreement_list") + "?critical=true&expiring_within=90",
        reverse("vendor_list") + "?sort=baa",
        reverse("vendor_list") + "?baa=gap",
    ],
)
def test_constant_query_count_for_lists(cast, login, url):
    client = login(cast.bob)
    _build(cast, 4)
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _build(cast, 20)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]


@pytest.mark.parametrize("page", ["agreement_detail", "vendor_detail"])
def test_constant_query_count_for_detail_pages(cast, login, vendor, private_storage, page):
    client = login(cast.bob)
    agreement = make_signed(vendor)
    services.document_add(agreement=agreement, actor=None, upload=pdf_upload())
    services.amendment_add(
        agreement=agreement, actor=None, amended_on=date(2024, 5, 1), summary="a"
    )
    url = reverse(page, args=[agreement.pk if page == "agreement_detail" else vendor.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for i in range(5):
        services.document_add(agreement=agreement, actor=None, upload=pdf_upload(f"{i}.pdf"))
        services.amendment_add(
            agreement=agreement, actor=None, amended_on=date(2024, 6, 1), summary=str(i)
        )
        make_agreement(vendor)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]


def test_history_page_of_an_agreement(cast, login, vendor):
    agreement = make_signed(vendor, actor=cast.bob.user)
    url = reverse("object_history", args=["baas", "businessassociateagreement", agreement.pk])
    page = login(cast.charlie).get(url)
    assert page.status_code == 200 and "Signed" in page.content.decode()
    assert login(cast.olivia).get(url).status_code == 404


def test_vendor_goes_active_without_a_signed_baa_only_with_a_reason(cast, login):
    vendor = VendorFactory(organization=cast.practice, status="prospective", name="NewCo")
    client = login(cast.bob)
    data = {
        "name": "NewCo",
        "category": "other",
        "status": "active",
        "access_level": "limited",
        "phi_electronic": "on",
        "criticality": "low",
    }
    response = client.post(reverse("vendor_edit", args=[vendor.pk]), data)
    assert "No signed, current BAA" in " ".join(
        response.context["form"].errors["activation_override_reason"]
    )
    make_signed(vendor)
    response = client.post(reverse("vendor_edit", args=[vendor.pk]), data)
    form = response.context["form"] if response.status_code == 200 else None
    assert form is None or "No signed, current BAA" not in str(form.errors)


def test_editing_a_signed_agreement_keeps_its_status(cast, login, vendor):
    agreement = make_signed(vendor)
    client = login(cast.bob)
    page = client.get(reverse("agreement_edit", args=[agreement.pk]))
    assert "status" not in page.context["form"].fields
    response = client.post(
        reverse("agreement_edit", args=[agreement.pk]),
        {**VALID, "vendor": vendor.pk, "status": "draft", "breach_notice_days": "5"},
    )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SIGNED and agreement.breach_notice_days == 5


# --- issue 11: the agreement page -----------------------------------------------------------


def _findings_html(html: str) -> str:
    return html.split('id="findings-h"')[1].split('id="terms-h"')[0]


def test_missing_carve_outs_are_one_finding_and_provisions_keep_capitals(cast, login, vendor):
    agreement = make_signed(
        vendor,
        cap_kind="fixed",
        cap_amount=50000,
        carve_outs=[],
        checklist={**ALL_PRESENT, "books_records": "absent"},
    )
    page = login(cast.charlie).get(reverse("agreement_detail", args=[agreement.pk]))
    codes = [f.code for f in page.context["findings"]]
    assert codes.count("carve_outs_missing") == 1
    assert not any(c.startswith("carve_out_missing:") for c in codes)
    found = _findings_html(page.content.decode())
    assert found.count("No carve-outs from the cap for: gross negligence, willful misconduct") == 1
    assert "Required provision absent: Makes books and records available to HHS" in found
    assert "available to hhs" not in found and "seed" not in found.lower()


def test_checklist_is_near_the_top_and_labelled_for_the_keyboard(cast, login, vendor):
    agreement = make_agreement(vendor)
    html = login(cast.bob).get(reverse("agreement_detail", args=[agreement.pk])).content.decode()
    assert html.index('id="checklist-h"') < html.index('id="findings-h"') < html.index('id="terms"')
    form = html.split('id="checklist-form"')[1].split("</form>")[0]
    # Each row's radios are a fieldset named after the provision; each input has a label.
    assert form.count("<fieldset") == 11  # (J) is answered by its term
    for input_id in re.findall(r'<input type="(?:radio|text)"[^>]* id="([^"]+)"', form):
        assert f'for="{input_id}"' in form, input_id
    assert 'id="mark-all-present"' in form and 'type="submit"' in form
    assert 'answered by the term "PHI at termination"' in form
    # Terms and checklist never ask the same fact twice.
    edit = login(cast.bob).get(reverse("agreement_edit", args=[agreement.pk]))
    assert "subcontractor_flowdown" not in edit.context["form"].fields
    assert "return_destroy" in edit.context["form"].fields
    assert (
        "return_destroy"
        not in ChecklistForm(items=agreement.checklist.all(), agreement=agreement).fields
    )


def test_mark_all_present_keeps_rows_marked_absent(cast, login, vendor):
    agreement = make_agreement(vendor)
    client = login(cast.bob)
    url = reverse("agreement_checklist", args=[agreement.pk])
    states = {p.key: "not_reviewed" for p in PROVISIONS if p.key != "return_destroy"}
    data = {**states, "access": "absent", "note_access": "s. 7 is silent", "mark_all_present": "1"}
    response = client.post(url, data)
    assert response.status_code == 302
    rows = {i.provision: i for i in agreement.checklist.all()}
    assert rows["access"].state == "absent" and rows["access"].note == "s. 7 is silent"
    assert rows["termination"].state == rows["subcontractors"].state == "present"
    assert rows["return_destroy"].state == "not_reviewed"  # the term answers it


def test_absent_asks_for_the_clause_reference_and_keeps_the_input(cast, login, vendor):
    agreement = make_agreement(vendor)
    client = login(cast.bob)
    states = {p.key: "present" for p in PROVISIONS if p.key != "return_destroy"}
    response = client.post(
        reverse("agreement_checklist", args=[agreement.pk]),
        {**states, "books_records": "absent", "note_books_records": ""},
    )
    assert response.status_code == 400
    form = response.context["checklist_form"]
    assert "clause reference" in form.errors["note_books_records"][0]
    assert 'value="absent" id="id_books_records_' in response.text.replace("checked", "")
    assert not agreement.checklist.filter(state="present").exists()  # nothing saved half-way


def test_cap_fields_shown_depend_on_the_cap_kind_and_money_is_formatted(cast, login, vendor):
    agreement = make_agreement(
        vendor, cap_kind="fixed", cap_amount=50000, annual_contract_value=24000
    )
    client = login(cast.bob)
    html = client.get(reverse("agreement_edit", args=[agreement.pk])).content.decode()
    assert re.search(r'id="cap-field-cap_amount"(?! hidden)>', html)
    assert 'id="cap-field-cap_months" hidden' in html
    assert 'id="cap-field-cap_multiple" hidden' in html
    assert 'value="50,000"' in html and 'value="24,000"' in html
    assert "/static/js/agreement.js" in html
    detail = client.get(reverse("agreement_detail", args=[agreement.pk])).content.decode()
    assert "$50,000" in detail and "$24,000" in detail
    # "$75,000" is read as 75000; the other kinds' fields are dropped with the kind.
    data = {**VALID, "vendor": vendor.pk, "cap_kind": "fixed", "cap_amount": "$75,000"}
    data["cap_months"] = "3"
    response = client.post(reverse("agreement_edit", args=[agreement.pk]), data)
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.cap_amount == 75000 and agreement.cap_months is None
    months = client.post(
        reverse("agreement_edit", args=[agreement.pk]),
        {**VALID, "vendor": vendor.pk, "cap_kind": "fees_months"},
    )
    assert 'id="cap-field-cap_months">' in months.text  # the field with its error shows


def test_mark_signed_with_the_copy_uploaded_does_not_ask_for_it(
    cast, login, vendor, private_storage
):
    client = login(cast.bob)
    signer = {
        "signed_on": "2025-01-10",
        "practice_signatory_name": "D",
        "vendor_signatory_name": "V",
    }
    bare = make_agreement(vendor)
    response = client.post(reverse("agreement_sign", args=[bare.pk]), signer, follow=True)
    assert "Upload the signed copy" in response.text
    other = make_agreement(VendorFactory(organization=cast.practice, name="Second"))
    services.document_add(agreement=other, actor=cast.bob.user, upload=pdf_upload())
    response = client.post(reverse("agreement_sign", args=[other.pk]), signer, follow=True)
    assert "is signed" in response.text and "Upload the signed copy" not in response.text


def test_upload_help_states_the_size_limit_in_mb(cast, login, agreement, settings):
    settings.MAX_UPLOAD_BYTES = 20 * 1024 * 1024
    client = login(cast.bob)
    html = client.get(reverse("agreement_document_upload", args=[agreement.pk])).text
    assert "at most 20 MB" in html
    html = client.get(reverse("agreement_amendment_create", args=[agreement.pk])).text
    assert "at most 20 MB" in html


def test_practice_sets_the_breach_notice_threshold(cast, login):
    client = login(cast.alice)
    page = client.get(reverse("practice_settings"))
    assert "breach_notice_threshold_days" in page.context["form"].fields
    assert "does not name two-factor" in page.text  # 164.312(d) requires authentication
    data = {
        "name": cast.practice.name,
        "timezone": cast.practice.timezone,
        "cost_per_record": "408.00",
        "cost_per_record_year": "2018",
        "breach_notice_threshold_days": "90",
        "digest_hour": "7",
    }
    response = client.post(reverse("practice_settings"), data)
    assert "breach_notice_threshold_days" in response.context["form"].errors
    client.post(reverse("practice_settings"), {**data, "breach_notice_threshold_days": "14"})
    cast.practice.refresh_from_db()
    assert cast.practice.breach_notice_threshold_days == 14


def test_vendor_page_before_phi_flows_says_sign_first(cast, login):
    today = cast.practice.today()
    planned = today + timedelta(days=5)
    vendor = VendorFactory(
        organization=cast.practice, status="onboarding", phi_access_began=planned
    )
    html = login(cast.charlie).get(reverse("vendor_detail", args=[vendor.pk])).text
    assert (
        f"BAA must be signed before PHI is shared (access planned for {planned:%Y-%m-%d})" in html
    )
    assert "in 5 days" in html
