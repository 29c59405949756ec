"""The reader on the agreement page (issue 14): an upload is read in the background, proposals
show beside the recorded values with their excerpts, a writer accepts or rejects them, nothing
changes before that, history names the reader, findings are recomputed; tenancy and roles."""

import shutil

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from baas.choices import CapKind, DayKind, Indemnification, ProvisionState
from baas.models import BusinessAssociateAgreement
from reader.choices import ProposalStatus, ReadingStatus
from reader.models import DocumentReading, Proposal
from reader.samples import noise_pdf, text_pdf

from .baas_factories import make_agreement
from .test_reader_rules import baa

TERMS = (
    "Business Associate shall notify Covered Entity of any Breach of Unsecured PHI within "
    "ninety (90) days after discovery.",
    "Covered Entity agrees to indemnify and hold Business Associate harmless from any claims. "
    "Business Associate's aggregate liability shall not exceed the fees paid in the three (3) "
    "months preceding the claim.",
)


@pytest.fixture
def agreement(cast, vendor):
    return make_agreement(vendor, actor=cast.bob.user)


def _upload(client, agreement, pdf: bytes, capture, name="vendor-baa.pdf"):
    with capture(execute=True):
        response = client.post(
            reverse("agreement_document_upload", args=[agreement.pk]),
            {"kind": "signed", "file": SimpleUploadedFile(name, pdf, "application/pdf")},
        )
    assert response.status_code == 302, response.content[:500]
    return DocumentReading.objects.get(agreement=agreement)


def test_an_uploaded_baa_is_read_and_nothing_changes_until_accepted(
    cast, login, agreement, django_capture_on_commit_callbacks
):
    client = login(cast.bob)
    reading = _upload(
        client,
        agreement,
        text_pdf(baa(notice=TERMS[0], extra=TERMS[1])),
        django_capture_on_commit_callbacks,
    )
    assert reading.status == ReadingStatus.DONE and reading.method == "pdf"
    agreement.refresh_from_db()
    assert agreement.breach_notice_days is None  # nothing written by the reading
    assert agreement.indemnification == Indemnification.UNKNOWN

    page = client.get(agreement.get_absolute_url()).content.decode()
    assert "Read by the BAA reader" in page
    assert "90 calendar days, from discovery" in page
    assert "ninety (90) days after discovery" in page  # the excerpt
    assert "One-sided in the vendor&#x27;s favour" in page
    assert "Fees paid in the prior 3 months" in page
    assert 'id="reader-accept-all"' in page


def test_accept_all_writes_the_terms_with_history_and_findings(
    cast, login, agreement, django_capture_on_commit_callbacks
):
    client = login(cast.bob)
    reading = _upload(
        client,
        agreement,
        text_pdf(baa(notice=TERMS[0], extra=TERMS[1])),
        django_capture_on_commit_callbacks,
    )
    before = (agreement.findings_critical, agreement.findings_warning)
    response = client.post(
        reverse("reader_decide", args=[agreement.pk]),
        {"reading": reading.pk, "action": "accept_all"},
        follow=True,
    )
    assert "The terms and findings are updated." in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.breach_notice_days == 90
    assert agreement.breach_notice_day_kind == DayKind.CALENDAR
    assert agreement.indemnification == Indemnification.VENDOR_FAVOURABLE
    assert (agreement.cap_kind, agreement.cap_months) == (CapKind.FEES_MONTHS, 3)
    states = dict(agreement.checklist.values_list("provision", "state"))
    assert set(states.values()) == {ProvisionState.PRESENT}
    note = agreement.checklist.get(provision="books_records").note
    assert note.startswith("BAA reader: found in §2.9, p. 1 of vendor-baa.pdf")
    reason = agreement.history.first().history_change_reason
    assert reason == f"BAA reader (reading {reading.pk}): accepted proposals"
    # a 90-day window is over the 60-day outer limit: the findings now say so
    assert (agreement.findings_critical, agreement.findings_warning) != before
    page = response.content.decode()
    assert "Accepted by bob@a.test" in page
    assert not Proposal.objects.filter(
        reading=reading, status=ProposalStatus.PENDING, field__startswith="provision:"
    ).exists()


def test_reject_changes_nothing(cast, login, agreement, django_capture_on_commit_callbacks):
    client = login(cast.bob)
    reading = _upload(
        client, agreement, text_pdf(baa(notice=TERMS[0])), django_capture_on_commit_callbacks
    )
    p = reading.proposals.get(field="breach_notice")
    client.post(
        reverse("reader_decide", args=[agreement.pk]),
        {"reading": reading.pk, "action": "reject", "proposal": [p.pk]},
    )
    p.refresh_from_db()
    agreement.refresh_from_db()
    assert p.status == ProposalStatus.REJECTED and p.decided_by == cast.bob.user
    assert agreement.breach_notice_days is None


def test_pasted_text_that_is_not_a_baa_gets_a_clear_message(
    cast, login, agreement, django_capture_on_commit_callbacks
):
    client = login(cast.bob)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("reader_start", args=[agreement.pk]),
            {"text": "Privacy policy. We use cookies and collect your email address."},
        )
    reading = DocumentReading.objects.get(agreement=agreement)
    assert reading.status == ReadingStatus.FAILED and reading.error_code == "not_a_baa"
    assert not reading.proposals.exists()
    page = client.get(agreement.get_absolute_url()).content.decode()
    assert "does not read like a business associate agreement" in page
    assert "Nothing was proposed." in page


def test_an_empty_pdf_gets_a_clear_message(
    cast, login, agreement, django_capture_on_commit_callbacks
):
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    out = io.BytesIO()
    writer.write(out)
    client = login(cast.bob)
    reading = _upload(client, agreement, out.getvalue(), django_capture_on_commit_callbacks)
    assert reading.error_code == "empty"
    assert "has no text to read" in client.get(agreement.get_absolute_url()).content.decode()


def test_an_ocr_failure_gets_a_clear_message(
    cast, login, agreement, django_capture_on_commit_callbacks
):
    if not shutil.which("tesseract"):
        pytest.skip("tesseract not installed")
    client = login(cast.bob)
    reading = _upload(client, agreement, noise_pdf(), django_capture_on_commit_callbacks)
    assert reading.error_code == "ocr_failed"
    assert "could not read it" in client.get(agreement.get_absolute_url()).content.decode()
    assert not reading.proposals.exists()


# --- tenancy and roles -----------------------------------------------------------------------


def _read(agreement, actor):
    from reader import services

    reading = services.reading_queue(agreement=agreement, actor=actor, text=baa(notice=TERMS[0]))
    services.reading_run(reading_id=reading.pk)
    return reading


def test_anonymous_is_sent_to_sign_in(client, cast, agreement):
    for name in ("reader_panel", "reader_start", "reader_decide"):
        response = (
            client.post(reverse(name, args=[agreement.pk]))
            if name != "reader_panel"
            else client.get(reverse(name, args=[agreement.pk]))
        )
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name


def test_another_practice_gets_404(cast, login, agreement):
    reading = _read(agreement, cast.bob.user)
    client = login(cast.olivia)
    assert client.get(reverse("reader_panel", args=[agreement.pk])).status_code == 404
    response = client.post(
        reverse("reader_decide", args=[agreement.pk]),
        {"reading": reading.pk, "action": "accept_all"},
    )
    assert response.status_code == 404
    assert (
        client.post(reverse("reader_start", args=[agreement.pk]), {"text": "x"}).status_code == 404
    )
    assert (
        reading.proposals.filter(status=ProposalStatus.PENDING).count() == reading.proposals.count()
    )


def test_a_viewer_sees_proposals_but_cannot_confirm(cast, login, agreement):
    reading = _read(agreement, cast.bob.user)
    client = login(cast.charlie)
    page = client.get(agreement.get_absolute_url()).content.decode()
    assert "Read by the BAA reader" in page and "ninety (90) days" in page
    assert 'id="reader-accept-all"' not in page and 'id="reader-start"' not in page
    response = client.post(
        reverse("reader_decide", args=[agreement.pk]),
        {"reading": reading.pk, "action": "accept_all"},
    )
    assert response.status_code == 403
    assert (
        client.post(reverse("reader_start", args=[agreement.pk]), {"text": "x"}).status_code == 403
    )
    assert BusinessAssociateAgreement.objects.get(pk=agreement.pk).breach_notice_days is None


def test_malformed_reading_and_proposal_ids_answer_404_or_a_message_not_500(cast, login, agreement):
    reading = _read(agreement, cast.bob.user)
    client = login(cast.bob)
    url = reverse("reader_decide", args=[agreement.pk])
    assert client.post(url, {"reading": "abc", "action": "accept_all"}).status_code == 404
    assert client.post(url, {"reading": "²", "action": "accept_all"}).status_code == 404
    response = client.post(
        url, {"reading": reading.pk, "action": "accept", "proposal": ["²", "x"]}, follow=True
    )
    assert response.status_code == 200
    assert "Tick the proposals to accept or reject" in response.content.decode()
    assert (
        reading.proposals.filter(status=ProposalStatus.PENDING).count() == reading.proposals.count()
    )
