"""Signing our BAA: sent through the portal's private link, read, signed or declined by the
vendor's signatory (tokens expired, revoked, tampered: 404), countersigned by the practice;
the signed PDF with its signature page is the agreement's signed document; a decline after a
signature and a second signature are refused, also when they race; tenancy and roles."""

import hashlib
import io
import re
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from pypdf import PdfReader

from baas.choices import AgreementStatus, DocumentKind
from generator import services
from generator.choices import SignatureStatus
from generator.models import SignatureRequest
from portal.links import link_issue

from .factories import ContactFactory

pytestmark = pytest.mark.django_db

SIGN_URL = re.compile(r"https?://[^/\s]+(/sign/[A-Za-z0-9_-]{43}/)")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _emails_sent_on_commit(request, monkeypatch):
    """The emails leave after the commit; a test in one transaction sends them at once."""
    if request.node.get_closest_marker("django_db").kwargs.get("transaction"):
        return
    monkeypatch.setattr(services.transaction, "on_commit", lambda fn, *a, **k: fn())


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
def generated(cast, vendor, private_storage):
    return services.baa_generate(vendor=vendor, actor=cast.bob.user)


@pytest.fixture
def signatory(vendor):
    return ContactFactory(vendor=vendor, name="Pat Signer", email="pat@chartwell.test")


def send(client, generated, signatory) -> str:
    response = client.post(f"/our-baa/{generated.pk}/send/", {"contact": signatory.pk})
    assert response.status_code == 302
    return SIGN_URL.search(mail.outbox[-1].body).group(1)


def sign(client, url, **data):
    fields = {"action": "sign", "name": "Pat Signer", "title": "CEO", "agree": "on"}
    return client.post(url, {**fields, **data}, REMOTE_ADDR="203.0.113.7")


def test_sending_emails_a_private_link_with_no_phi(cast, login, generated, signatory):
    url = send(login(cast.bob), generated, signatory)
    message = mail.outbox[-1]
    assert message.to == ["pat@chartwell.test"]
    assert "Practice A asks you to sign" in message.subject
    assert "ChartWell EHR" in message.body and url in message.body
    signature = SignatureRequest.objects.get()
    assert signature.status == SignatureStatus.SENT and signature.contact == signatory
    assert signature.document_sha256 == signature.document.sha256
    assert signature.link.purpose == "signature" and url.split("/")[2] not in str(
        signature.link.token_hash
    )


def test_the_page_states_what_is_signed_and_the_consent(cast, login, generated, signatory, client):
    url = send(login(cast.bob), generated, signatory)
    client.logout()
    page = client.get(url).content.decode()
    signature = SignatureRequest.objects.get()
    assert "Business Associate Agreement between Practice A and ChartWell EHR" in page
    assert signature.document_sha256 in page
    assert "E-SIGN Act" in page and "Uniform Electronic Transactions Act" in page
    assert "Each party indemnifies and defends the other" in page  # the text, as HTML
    pdf = client.get(url + "agreement.pdf")
    assert pdf.status_code == 200 and pdf["Content-Disposition"].startswith("inline")
    body = b"".join(pdf.streaming_content)
    assert hashlib.sha256(body).hexdigest() == signature.document_sha256
    download = client.get(url + "agreement.pdf?download=1")
    assert download["Content-Disposition"].startswith("attachment")


def test_expired_revoked_tampered_and_other_purpose_tokens_get_404(
    cast, login, generated, signatory, vendor, client
):
    staff = login(cast.bob)
    first = send(staff, generated, signatory)
    second = send(staff, generated, signatory)  # sending again revokes the first link
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    token = second.split("/")[2]
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.get(f"/sign/{tampered}/").status_code == 404
    assert client.get(f"/sign/{tampered}/agreement.pdf").status_code == 404
    _, questionnaire = link_issue(
        organization=cast.practice,
        vendor=vendor,
        purpose="questionnaire",
        email="x@vendor.test",
        expires_at=timezone.now() + timedelta(days=1),
        created_by=None,
    )
    assert client.get(f"/sign/{questionnaire}/").status_code == 404
    live = SignatureRequest.objects.get(status=SignatureStatus.SENT)
    type(live.link).objects.filter(pk=live.link_id).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert client.get(second).status_code == 404
    assert sign(client, second).status_code == 404
    assert SignatureRequest.objects.get(pk=live.pk).status == SignatureStatus.SENT


def test_sign_records_name_title_time_ip_and_hash(cast, login, generated, signatory, client):
    url = send(login(cast.bob), generated, signatory)
    client.logout()
    response = sign(client, url, agree="")
    assert response.status_code == 400
    assert "Tick the box to agree" in response.content.decode()
    assert SignatureRequest.objects.get().status == SignatureStatus.SENT

    response = sign(client, url)
    assert response.status_code == 302
    signature = SignatureRequest.objects.get()
    assert signature.status == SignatureStatus.SIGNED
    assert (signature.vendor_signer_name, signature.vendor_signer_title) == ("Pat Signer", "CEO")
    assert signature.vendor_ip == "203.0.113.7" and signature.vendor_signed_at is not None
    page = client.get(url).content.decode()
    assert "You signed this agreement" in page and 'id="sign-form"' not in page


def test_a_decline_after_a_signature_and_a_second_signature_are_refused(
    cast, login, generated, signatory, client
):
    url = send(login(cast.bob), generated, signatory)
    client.logout()
    stale = SignatureRequest.objects.get()  # loaded while still "sent"
    assert sign(client, url).status_code == 302
    with pytest.raises(Exception, match="already signed or declined"):
        services.signature_decline(signature=stale, comments="No thanks", ip=None)
    with pytest.raises(Exception, match="already signed or declined"):
        services.signature_vendor_sign(
            signature=stale, name="Someone Else", title="CFO", agree=True, ip=None
        )
    response = client.post(url, {"action": "decline", "comments": "Changed my mind"})
    assert response.status_code == 400 and "already signed or declined" in response.content.decode()
    signature = SignatureRequest.objects.get()
    assert signature.status == SignatureStatus.SIGNED
    assert signature.vendor_signer_name == "Pat Signer" and signature.decline_comments == ""


def test_decline_with_comments_is_shown_to_the_practice(cast, login, generated, signatory, client):
    url = send(login(cast.bob), generated, signatory)
    client.logout()
    assert client.post(url, {"action": "decline", "comments": ""}).status_code == 400
    assert (
        client.post(url, {"action": "decline", "comments": "Cap of 12 months"}).status_code == 302
    )
    assert sign(client, url).status_code == 400  # no signature after a decline
    page = login(cast.charlie).get(generated.agreement.get_absolute_url()).content.decode()
    assert "Declined by the vendor" in page and "Cap of 12 months" in page


@pytest.mark.django_db(transaction=True)
def test_racing_signature_and_decline_one_wins(cast, generated, signatory):
    signature, _ = services.signature_send(
        generated=generated, contact=signatory, actor=cast.bob.user
    )
    barrier = threading.Barrier(2)
    outcomes = []

    def attempt(kind):
        stale = SignatureRequest.objects.get(pk=signature.pk)
        barrier.wait()
        try:
            if kind == "sign":
                services.signature_vendor_sign(
                    signature=stale, name="Pat", title="CEO", agree=True, ip=None
                )
            else:
                services.signature_decline(signature=stale, comments="No", ip=None)
            outcomes.append(kind)
        except Exception as error:  # noqa: BLE001 - the loser's refusal is the point
            outcomes.append(f"refused: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(k,)) for k in ("sign", "decline")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    won = [o for o in outcomes if not o.startswith("refused")]
    assert len(won) == 1, outcomes
    final = SignatureRequest.objects.get(pk=signature.pk).status
    assert final == {"sign": SignatureStatus.SIGNED, "decline": SignatureStatus.DECLINED}[won[0]]


def test_countersign_stores_the_signed_pdf_and_signs_the_agreement(
    cast, login, generated, signatory, client
):
    staff = login(cast.bob)
    url = send(staff, generated, signatory)
    client.logout()
    sign(client, url)
    admin = login(cast.alice)
    page = admin.get(generated.agreement.get_absolute_url()).content.decode()
    assert 'id="countersign-form"' in page
    mail.outbox.clear()
    response = admin.post(
        f"/agreements/{generated.agreement_id}/countersign/",
        {"name": "Alice Admin", "title": "Privacy Officer", "agree": "on"},
        REMOTE_ADDR="198.51.100.4",
    )
    assert response.status_code == 302
    agreement = generated.agreement
    agreement.refresh_from_db()
    today = cast.practice.today()
    assert agreement.status == AgreementStatus.SIGNED
    assert agreement.signed_on == today and agreement.effective_on == today
    assert agreement.vendor_signatory_name == "Pat Signer"
    assert agreement.practice_signatory_title == "Privacy Officer"
    signature = SignatureRequest.objects.get()
    assert signature.status == SignatureStatus.COMPLETE
    stored = signature.signed_document
    assert stored.kind == DocumentKind.SIGNED and stored.agreement_id == agreement.pk
    with stored.file.open("rb") as fh:
        data = fh.read()
    assert hashlib.sha256(data).hexdigest() == stored.sha256
    with signature.document.file.open("rb") as fh:
        original_pages = len(PdfReader(fh).pages)
    pdf = PdfReader(io.BytesIO(data))
    assert len(pdf.pages) == original_pages + 1
    last = " ".join(pdf.pages[-1].extract_text().split())
    for expected in (
        "Signature page",
        "Pat Signer, CEO",
        "Alice Admin, Privacy Officer",
        "203.0.113.7",
        "198.51.100.4",
    ):
        assert expected in last, expected
    assert signature.document_sha256 in "".join(last.split())  # the hash may wrap

    # Both parties get a link to the signed copy; no PHI, just names and the date.
    to = {m.to[0]: m for m in mail.outbox}
    assert set(to) == {"pat@chartwell.test", "alice@a.test"}
    vendor_link = re.search(
        r"https?://[^/\s]+(/sign/\S+/signed\.pdf)", to["pat@chartwell.test"].body
    )
    client.logout()
    copy = client.get(vendor_link.group(1))
    assert copy.status_code == 200
    assert hashlib.sha256(b"".join(copy.streaming_content)).hexdigest() == stored.sha256
    assert stored.get_absolute_url() in to["alice@a.test"].body
    # A second countersignature is refused.
    admin = login(cast.alice)
    again = admin.post(
        f"/agreements/{agreement.pk}/countersign/",
        {"name": "Alice Admin", "title": "Privacy Officer", "agree": "on"},
        follow=True,
    )
    assert "no vendor signature waiting" in again.content.decode(), again.redirect_chain
    assert agreement.documents.filter(kind=DocumentKind.SIGNED).count() == 1


def test_send_and_countersign_tenancy(cast, login, generated, signatory, client):
    send_url = f"/our-baa/{generated.pk}/send/"
    countersign_url = f"/agreements/{generated.agreement_id}/countersign/"
    for url in (send_url, countersign_url):
        response = client.post(url, {"contact": signatory.pk})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        assert login(cast.olivia).post(url, {"contact": signatory.pk}).status_code == 404
        assert login(cast.charlie).post(url, {"contact": signatory.pk}).status_code == 403
        client.logout()
    assert not SignatureRequest.objects.exists() and not mail.outbox
    page = login(cast.charlie).get(generated.agreement.get_absolute_url()).content.decode()
    assert 'id="signature"' in page and 'id="send-form"' not in page
