"""The vendor portal (issue 15): the questionnaire library, the practice's request, the vendor's
page through the private link, review, acceptance into the oversight file; token security,
uploads, tenancy, the submission after expiry."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from diligence.choices import Control
from diligence.models import ControlAnswer, DueDiligenceRecord, EvidenceFile, FollowUpAction
from oversight.choices import AuditAction
from oversight.models import AuditEvent
from portal import library, services
from portal.choices import RequestStatus
from portal.models import AccessLink, PortalFile, PracticeQuestionnaire, QuestionnaireRequest
from vendors.choices import AccessLevel, Category, ContactRole, Criticality
from vendors.models import VendorContact

from .baas_factories import pdf_upload
from .factories import ContactFactory, VendorFactory


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    return tmp_path


@pytest.fixture
def ehr(cast):
    """A high-tier vendor (hosts ePHI, high criticality) with a security contact."""
    vendor = VendorFactory(
        organization=cast.practice,
        name="ChartWell EHR",
        access_level=AccessLevel.HOSTS,
        criticality=Criticality.HIGH,
        owner=cast.bob,
    )
    ContactFactory(
        vendor=vendor, name="Sam Security", email="sam@chartwell.test", role=ContactRole.SECURITY
    )
    ContactFactory(
        vendor=vendor, name="Pat Privacy", email="privacy@chartwell.test", role=ContactRole.BREACH
    )
    return vendor


def _send(client, vendor, *, questionnaire="lib:hipaa_short", days=14, capture=None):
    contact = vendor.contacts.get(role=ContactRole.SECURITY)
    due = vendor.organization.today() + timedelta(days=days)
    with capture(execute=True):
        response = client.post(
            reverse("portal_request_create", args=[vendor.pk]),
            {
                "contact": contact.pk,
                "questionnaire": questionnaire,
                "evidence_requested": ["soc2_type2"],
                "confirm_breach_contact": "on",
                "due_on": due.isoformat(),
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    message = mail.outbox[-1]
    url = re.search(r"https?://\S+/portal/([A-Za-z0-9_-]{43})/", message.body)
    return QuestionnaireRequest.objects.latest("id"), url.group(1), message


def _all_answers(req, answer="yes", **overrides):
    data = {}
    for q in req.questions:
        data[f"a_{q['key']}"] = overrides.get(q["key"], answer)
        data[f"c_{q['key']}"] = ""
    return data


# --- the library ---------------------------------------------------------------------------


def test_the_proposed_questionnaire_follows_the_tier_and_msps_get_their_own():
    assert library.proposed_questionnaire(tier="critical", category="ehr") == library.HIPAA
    assert library.proposed_questionnaire(tier="medium", category="billing") == library.HIPAA
    assert library.proposed_questionnaire(tier="low", category="shredding") == library.HIPAA_SHORT
    assert library.proposed_questionnaire(tier="low", category=Category.MSP) == library.MSP


def test_the_library_maps_onto_the_controls_checklist_and_the_security_rule():
    controls = set(Control.values)
    for questionnaire in library.LIBRARY.values():
        for q in questionnaire.questions:
            assert not q.control or q.control in controls, q.key
            assert q.cite and q.follow_up, q.key
    full = library.LIBRARY[library.HIPAA]
    cites = " ".join(q.cite for q in full.questions)
    for section in ("164.308", "164.310", "164.312", "164.314", "164.316"):
        assert section in cites
    mapped = {q.control for q in full.questions if q.control}
    assert {"mfa", "encryption_at_rest", "encryption_in_transit", "edr"} <= mapped
    assert len(library.LIBRARY[library.HIPAA_SHORT].questions) < len(full.questions)
    msp_keys = {q.key for q in library.LIBRARY[library.MSP].questions}
    assert {
        "msp_access_protection",
        "msp_named_accounts",
        "msp_remote_tools",
        "msp_session_logging",
        "msp_own_incident",
    } <= msp_keys


def test_two_questions_on_one_control_keep_the_weaker_answer():
    questions = [q.as_dict() for q in library.LIBRARY[library.MSP].questions]
    answers = {
        "msp_access_protection": {"answer": "no", "comment": "not yet"},
        "msp_named_accounts": {"answer": "yes", "comment": ""},
    }
    result = library.control_answers(questions, answers)
    assert result["mfa"] == ("no", "not yet")
    assert result["access_reviews"] == ("yes", "")


def test_a_practice_copies_and_edits_a_questionnaire(cast, login):
    client = login(cast.bob)
    response = client.post(reverse("portal_questionnaire_copy"), {"base": library.HIPAA_SHORT})
    copy = PracticeQuestionnaire.objects.get(organization=cast.practice)
    assert response["Location"] == reverse("portal_questionnaire_edit", args=[copy.pk])
    first = copy.questions[0]["key"]
    second = copy.questions[1]["key"]
    data = {f"q_{q['key']}": q["text"] for q in copy.questions}
    data.update(
        title="Our short questionnaire",
        **{f"q_{first}": "Is MFA enforced for every login to our portal?", f"q_{second}": ""},
        new_1="Do you carry out background checks on staff with access?",
    )
    client.post(reverse("portal_questionnaire_edit", args=[copy.pk]), data)
    copy.refresh_from_db()
    texts = [q["text"] for q in copy.questions]
    assert copy.title == "Our short questionnaire"
    assert texts[0] == "Is MFA enforced for every login to our portal?"
    assert copy.questions[0]["control"] == "mfa"  # rewording keeps the mapping
    assert len(texts) == len(library.LIBRARY[library.HIPAA_SHORT].questions)  # -1 +1
    assert texts[-1] == "Do you carry out background checks on staff with access?"
    page = client.get(
        reverse("portal_request_create", args=[VendorFactory(organization=cast.practice).pk])
    )
    assert "Our short questionnaire" in page.content.decode()


# --- the flow ------------------------------------------------------------------------------


def test_send_answer_upload_submit_review_accept(
    cast, login, ehr, storage, django_capture_on_commit_callbacks
):
    client = login(cast.bob)
    form = client.get(reverse("portal_request_create", args=[ehr.pk])).content.decode()
    assert 'value="lib:hipaa" selected' in form  # proposed for a high-tier vendor
    req, token, message = _send(client, ehr, capture=django_capture_on_commit_callbacks)
    assert message.to == ["sam@chartwell.test"]
    assert "Practice A" in message.subject and "ChartWell EHR" in message.subject
    # Nothing internal in the vendor's email: no tier, no owner, no findings.
    assert "tier" not in message.body.lower() and cast.bob.user.email not in message.body
    assert AccessLink.objects.get().token_hash != token
    assert req.status == RequestStatus.SENT

    vendor_client = client.__class__()
    page = vendor_client.get(f"/portal/{token}/", REMOTE_ADDR="203.0.113.5")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Practice A" in html and "ChartWell EHR" in html
    assert req.questions[0]["text"] in html
    assert "sam@chartwell.test" not in html and "Sam Security" not in html
    assert "privacy@chartwell.test" in html  # the breach contact on file, to confirm
    assert page["Cache-Control"].startswith("max-age=0") or "no-cache" in page["Cache-Control"]
    req.refresh_from_db()
    assert req.status == RequestStatus.OPENED
    event = AuditEvent.objects.filter(action=AuditAction.PRIVATE_LINK).latest("id")
    assert event.organization == cast.practice and event.ip_address == "203.0.113.5"
    assert event.details["link_action"] == "opened"

    # Save part of the answers and a document.
    data = _all_answers(req, mfa="no")
    data.pop(f"a_{req.questions[-1]['key']}")
    data.update(
        action="save", breach_confirmed="yes", file_kind="soc2_type2", file=pdf_upload("soc2.pdf")
    )
    saved = vendor_client.post(f"/portal/{token}/", data)
    assert saved.status_code == 302 and saved["Location"].endswith("?saved=1")
    req.refresh_from_db()
    assert req.status == RequestStatus.IN_PROGRESS and req.answers["mfa"]["answer"] == "no"
    assert PortalFile.objects.get(request=req).original_name == "soc2.pdf"
    again = vendor_client.get(saved["Location"]).content.decode()
    assert "Your answers are saved" in again and 'value="no" checked' in again

    # Submitting with a question unanswered and no name says what is missing.
    refused = vendor_client.post(f"/portal/{token}/", {**data, "action": "submit", "file": ""})
    assert refused.status_code == 400
    assert "Answer every question before submitting (1 left)" in refused.content.decode()
    assert "Enter your name." in refused.content.decode()
    data = _all_answers(req, mfa="no")
    data.update(
        action="submit",
        breach_confirmed="yes",
        submitted_by_name="Sam Security",
        submitted_by_title="CISO",
    )
    done = vendor_client.post(f"/portal/{token}/", data)
    assert done.status_code == 302
    assert "has been submitted" in vendor_client.get(done["Location"]).content.decode()
    req.refresh_from_db()
    assert req.status == RequestStatus.SUBMITTED
    # A second click (or another tab) submits nothing more.
    twice = vendor_client.post(f"/portal/{token}/", data)
    assert "has been submitted" in twice.content.decode() and req.submissions.count() == 1

    # Review: the practice sees the answers and the shortfall graded as on the oversight file.
    review = client.get(reverse("portal_request_detail", args=[req.pk])).content.decode()
    assert "Sam Security, CISO" in review and "soc2.pdf" in review
    assert "critical finding" in review
    accepted = client.post(
        reverse("portal_request_accept", args=[req.pk]),
        {"outcome": "concerns", "reviewer": cast.bob.pk, "propose_actions": "on"},
    )
    assert accepted.status_code == 302 and accepted["Location"] == ehr.get_absolute_url()
    record = DueDiligenceRecord.objects.get(vendor=ehr)
    assert record.kind == "questionnaire" and record.outcome == "concerns"
    assert ControlAnswer.objects.get(record=record, control="mfa").answer == "no"
    assert EvidenceFile.objects.get(record=record).original_name == "soc2.pdf"
    action = FollowUpAction.objects.get(record=record)
    assert "MFA" in action.description and action.owner == cast.bob
    req.refresh_from_db()
    assert req.status == RequestStatus.ACCEPTED and req.record == record
    vendor_page = client.get(ehr.get_absolute_url()).content.decode()
    assert "Security questionnaires" in vendor_page and "Accepted" in vendor_page
    assert ehr.schedule.last_review_on is None or ehr.schedule.next_review_due
    # The link is closed once accepted.
    assert vendor_client.get(f"/portal/{token}/").status_code == 404


def test_returned_answers_reopen_the_link_and_changes_are_highlighted(
    cast, login, ehr, django_capture_on_commit_callbacks
):
    client = login(cast.bob)
    req, token, _ = _send(client, ehr, capture=django_capture_on_commit_callbacks)
    vendor_client = client.__class__()
    submit = {"action": "submit", "breach_confirmed": "yes"}
    submit.update(submitted_by_name="Sam", submitted_by_title="CISO")
    vendor_client.post(f"/portal/{token}/", {**_all_answers(req, mfa="no"), **submit})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("portal_request_return", args=[req.pk]),
            {"comments": "Please tell us when MFA will be in place."},
        )
    assert "Please tell us when MFA will be in place." in mail.outbox[-1].body
    assert token not in mail.outbox[-1].body
    page = vendor_client.get(f"/portal/{token}/").content.decode()
    assert "returned your answers" in page and "when MFA will be in place" in page
    vendor_client.post(f"/portal/{token}/", {**_all_answers(req, mfa="partial"), **submit})
    review = client.get(reverse("portal_request_detail", args=[req.pk])).content.decode()
    changed = re.findall(r'<tr class="portal-changed" data-changed="yes">\s*<td>([^<]+)', review)
    assert changed == [next(q["text"] for q in req.questions if q["key"] == "mfa")]


def test_a_submission_after_expiry_is_refused_and_the_answers_stay_in_the_form(
    cast, login, ehr, django_capture_on_commit_callbacks
):
    client = login(cast.bob)
    req, token, _ = _send(client, ehr, capture=django_capture_on_commit_callbacks)
    vendor_client = client.__class__()
    assert vendor_client.get(f"/portal/{token}/").status_code == 200
    AccessLink.objects.filter(pk=req.link_id).update(expires_at=timezone.now())
    data = _all_answers(req, mfa="partial")
    data.update(
        {
            f"c_{req.questions[0]['key']}": "Rolled out to 80% of admins.",
            "action": "submit",
            "submitted_by_name": "Sam",
            "submitted_by_title": "CISO",
        }
    )
    refused = vendor_client.post(f"/portal/{token}/", data)
    html = refused.content.decode()
    assert refused.status_code == 410
    assert "This link has expired: your answers were not saved or submitted." in html
    assert "Rolled out to 80% of admins." in html and 'value="partial" checked' in html
    req.refresh_from_db()
    assert req.status == RequestStatus.OPENED and not req.submissions.exists()
    assert vendor_client.get(f"/portal/{token}/").status_code == 404
    listed = client.get(reverse("portal_requests") + "?state=expired").content.decode()
    assert "Expired" in listed and "ChartWell EHR" in listed


def test_hostile_input_on_the_vendors_page_is_saved_escaped_or_refused(
    cast, login, ehr, django_capture_on_commit_callbacks
):
    req, token, _ = _send(login(cast.bob), ehr, capture=django_capture_on_commit_callbacks)
    vendor_client = login(cast.bob).__class__()
    script = '<script>alert("x")</script>'
    data = _all_answers(req, answer="bogus\x00")
    data.update(
        {
            f"c_{req.questions[0]['key']}": "Acme\x00" + script + "A" * 20_000,
            "breach_name": "Zoë\x00 " + script,
            "breach_email": "not-an-email",
            "action": "submit",
            "submitted_by_name": "\x00",
            "submitted_by_title": "CISO",
        }
    )
    response = vendor_client.post(f"/portal/{token}/", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Answer every question" in html and "Enter your name." in html
    assert "valid email address for the breach contact" in html
    assert script not in html and "&lt;script&gt;" in html
    req.refresh_from_db()
    comment = req.answers[req.questions[0]["key"]]["comment"]
    assert comment.startswith("Acme<script>") and len(comment) == 2000
    assert req.status == RequestStatus.IN_PROGRESS


def test_answers_are_saved_as_the_vendor_goes(cast, login, ehr, django_capture_on_commit_callbacks):
    req, token, _ = _send(login(cast.bob), ehr, capture=django_capture_on_commit_callbacks)
    vendor_client = login(cast.bob).__class__()
    data = {"a_mfa": "partial", "c_mfa": "Half done", "action": "autosave"}
    saved = vendor_client.post(f"/portal/{token}/", data, HTTP_HX_REQUEST="true")
    assert saved.status_code == 200 and "Answers saved at" in saved.content.decode()
    req.refresh_from_db()
    assert req.answers["mfa"] == {"answer": "partial", "comment": "Half done"}
    AccessLink.objects.filter(pk=req.link_id).update(expires_at=timezone.now())
    late = vendor_client.post(f"/portal/{token}/", {**data, "a_mfa": "yes"})
    assert "This link has expired: your latest answers were not saved" in late.content.decode()
    req.refresh_from_db()
    assert req.answers["mfa"]["answer"] == "partial"


def test_opening_a_request_submitted_meanwhile_does_not_reopen_it(
    cast, login, ehr, django_capture_on_commit_callbacks
):
    """The vendor's page read the request while it was "sent"; another tab submitted it before
    the page recorded the opening: the request stays submitted, for the practice to review."""
    req, token, _ = _send(login(cast.bob), ehr, capture=django_capture_on_commit_callbacks)
    read_earlier = QuestionnaireRequest.objects.get(pk=req.pk)
    assert read_earlier.status == RequestStatus.SENT
    vendor_client = login(cast.bob).__class__()
    data = _all_answers(req)
    data.update(
        action="submit",
        breach_confirmed="yes",
        submitted_by_name="Sam Security",
        submitted_by_title="CISO",
    )
    assert vendor_client.post(f"/portal/{token}/", data).status_code == 302
    services.request_opened(request=read_earlier)
    req.refresh_from_db()
    assert req.status == RequestStatus.SUBMITTED
    assert read_earlier.status == RequestStatus.SUBMITTED
    page = login(cast.bob).get(reverse("portal_request_detail", args=[req.pk])).content.decode()
    assert "Sam Security, CISO" in page


def test_a_due_date_beyond_a_year_is_refused(cast, login, ehr):
    contact = ehr.contacts.get(role=ContactRole.SECURITY)
    response = login(cast.bob).post(
        reverse("portal_request_create", args=[ehr.pk]),
        {"contact": contact.pk, "questionnaire": "lib:hipaa", "due_on": "9999-12-31"},
    )
    assert response.status_code == 200
    assert "The due date must be within a year." in response.content.decode()
    assert not QuestionnaireRequest.objects.exists()


# --- token security ------------------------------------------------------------------------


def test_tampered_revoked_and_foreign_tokens_disclose_nothing(
    cast, login, ehr, django_capture_on_commit_callbacks
):
    client = login(cast.bob)
    req, token, _ = _send(client, ehr, capture=django_capture_on_commit_callbacks)
    other_vendor = VendorFactory(organization=cast.other_practice, name="Lakeside Labs")
    ContactFactory(vendor=other_vendor, email="x@lakeside.test", role=ContactRole.SECURITY)
    other_client = login(cast.olivia)
    _, other_token, _ = _send(
        other_client, other_vendor, capture=django_capture_on_commit_callbacks
    )
    anonymous = client.__class__()
    own = anonymous.get(f"/portal/{token}/").content.decode()
    assert "Practice B" not in own and "Lakeside Labs" not in own
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    for bad in (tampered, token[:20], "x" * 43, token + "x"):
        response = anonymous.get(f"/portal/{bad}/")
        assert response.status_code == 404
        assert "ChartWell" not in response.content.decode()
    # A POST to a tampered token changes nothing anywhere.
    assert anonymous.post(f"/portal/{tampered}/", _all_answers(req)).status_code == 404
    req.refresh_from_db()
    assert req.answers == {}
    # Revoked: 404, and the practice sees it as revoked.
    login(cast.bob).post(reverse("portal_request_revoke", args=[req.pk]))
    revoked = anonymous.get(f"/portal/{token}/")
    assert revoked.status_code == 404 and "ChartWell" not in revoked.content.decode()
    assert anonymous.post(f"/portal/{token}/", _all_answers(req)).status_code == 404
    req.refresh_from_db()
    assert req.state_label == "Revoked"
    assert anonymous.get(f"/portal/{other_token}/").status_code == 200  # others unaffected


def test_guessing_links_is_rate_limited(
    cast, login, ehr, settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_LINK_FAILED_RATE = "5/h"
    _, token, _ = _send(login(cast.bob), ehr, capture=django_capture_on_commit_callbacks)
    anonymous = login(cast.bob).__class__()
    for n in range(5):
        assert anonymous.get(f"/portal/{'Z' * 42}{n}/").status_code == 404
    blocked = anonymous.get(f"/portal/{token}/")
    assert blocked.status_code == 429
    assert "Too many" in blocked.content.decode() and "ChartWell" not in blocked.content.decode()


@pytest.mark.parametrize(
    "content, name, said",
    [
        (b"just text pretending", "report.pdf", "is not a PDF"),
        (b"%PDF-1.4\n1 0 obj<</JS (alert(1))>>endobj\n%%EOF", "x.pdf", "JavaScript"),
        (b"", "empty.pdf", "The file is empty."),
    ],
)
def test_uploads_are_refused_as_everywhere(
    cast, login, ehr, storage, content, name, said, django_capture_on_commit_callbacks
):
    req, token, _ = _send(login(cast.bob), ehr, capture=django_capture_on_commit_callbacks)
    vendor_client = login(cast.bob).__class__()
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    data = {**_all_answers(req), "action": "save", "file_kind": "soc2_type2", "file": upload}
    response = vendor_client.post(f"/portal/{token}/", data)
    assert response.status_code == 400
    assert said in response.content.decode()
    assert not PortalFile.objects.exists()
    req.refresh_from_db()
    assert req.answers  # the answers themselves were saved


# --- tenancy -------------------------------------------------------------------------------


def test_practice_pages_are_for_members_of_the_practice_only(
    cast, login, ehr, storage, client, django_capture_on_commit_callbacks
):
    req, token, _ = _send(login(cast.bob), ehr, capture=django_capture_on_commit_callbacks)
    PortalFile.objects.create(
        organization=cast.practice,
        request=req,
        kind="soc2_type2",
        file=SimpleUploadedFile("a.pdf", pdf_upload().read()),
        original_name="a.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
    )
    copy = PracticeQuestionnaire.objects.create(
        organization=cast.practice, base="hipaa", title="Ours", questions=[]
    )
    file_pk = PortalFile.objects.get().pk
    reads = [
        reverse("portal_requests"),
        reverse("portal_questionnaires"),
        reverse("portal_request_detail", args=[req.pk]),
        reverse("portal_file_download", args=[file_pk]),
    ]
    writes = [
        reverse("portal_request_create", args=[ehr.pk]),
        reverse("portal_request_accept", args=[req.pk]),
        reverse("portal_request_return", args=[req.pk]),
        reverse("portal_request_revoke", args=[req.pk]),
        reverse("portal_questionnaire_edit", args=[copy.pk]),
    ]
    client.logout()
    for url in reads + writes + [reverse("portal_questionnaire_copy")]:
        response = client.post(url) if "/accept/" in url else client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    outsider = login(cast.olivia)
    for url in reads[2:] + writes:
        assert outsider.post(url, {"comments": "x", "outcome": "satisfactory"}).status_code in (
            404,
            405,
        ), url
        assert outsider.get(url).status_code in (404, 405), url
    assert "ChartWell" not in outsider.get(reverse("portal_requests")).content.decode()
    viewer = login(cast.charlie)
    for url in reads:
        assert viewer.get(url).status_code == 200, url
    for url in writes + [reverse("portal_questionnaire_copy")]:
        assert viewer.post(url, {"comments": "x", "base": "hipaa"}).status_code == 403, url
    req.refresh_from_db()
    assert req.status == RequestStatus.SENT and req.link.revoked_at is None
    assert PracticeQuestionnaire.objects.count() == 1
    assert VendorContact.objects.filter(vendor=ehr).count() == 2
