"""Writes of the vendor portal: keyword-only, one transaction each, history recorded.

Practice side: copy and edit a questionnaire, send a request (email with the private link),
accept a submission (a diligence record through ``diligence.services``), return it, revoke it.
Vendor side (through the link only): save answers, add evidence, submit."""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from diligence import services as diligence_services
from diligence.choices import ActionStatus, Answer, DiligenceKind
from diligence.controls import control_findings
from diligence.models import DueDiligenceRecord, FollowUpAction
from oversight.files import IMAGES, PDF
from vendors.choices import ContactRole
from vendors.models import VendorContact

from . import library
from .choices import OPEN_STATUSES, LinkPurpose, RequestStatus
from .links import link_issue, link_revoke
from .models import PortalFile, PracticeQuestionnaire, QuestionnaireRequest, Submission

# What a vendor may send through a link: PDF and images. Office files can carry macros or
# active content and come here from outside the practice (staff open them): not through a link.
EVIDENCE_TYPES = (PDF, IMAGES)
MAX_FILES_PER_REQUEST = 20
# The link stays open this long after the due date, so a late vendor can still answer while
# the reminders chase it; returned requests get at least this long again.
LINK_GRACE_DAYS = 14
# A request is due within a year at most (a questionnaire, not a standing link).
LONGEST_DUE_DAYS = 366
# A follow-up action proposed from a shortfall is due this many days after acceptance.
FOLLOW_UP_DAYS = 30


def _end_of_day(day, organization) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=organization.tzinfo)


# --- questionnaires ----------------------------------------------------------------------------


@transaction.atomic
def questionnaire_copy(*, organization, base: str) -> PracticeQuestionnaire:
    """The practice's own editable copy of a library questionnaire."""
    source = library.LIBRARY.get(base)
    if source is None:
        raise ValidationError("Unknown questionnaire.")
    return PracticeQuestionnaire.objects.create(
        organization=organization,
        base=base,
        title=f"{source.title} (our copy)",
        questions=[q.as_dict() for q in source.questions],
    )


@transaction.atomic
def questionnaire_update(
    *, questionnaire: PracticeQuestionnaire, title: str, texts: dict[str, str], added: list[str]
) -> PracticeQuestionnaire:
    """Edit the copy: question texts (an empty text removes the question), added questions
    (recorded, not mapped onto a control), the title."""
    questions = []
    for question in questionnaire.questions:
        text = texts.get(question["key"], question["text"]).strip()
        if text:
            questions.append({**question, "text": text})
    used = {q["key"] for q in questions} | {q["key"] for q in questionnaire.questions}
    n = 1
    for text in added:
        if not text.strip():
            continue
        while f"own_{n}" in used:
            n += 1
        used.add(f"own_{n}")
        questions.append(
            library.Question(f"own_{n}", text.strip()[:1000]).as_dict()
            | {"follow_up": "Follow up on the vendor's answer to our own question."}
        )
    if not questions:
        raise ValidationError("A questionnaire needs at least one question.")
    questionnaire.title = title.strip() or questionnaire.title
    questionnaire.questions = questions
    questionnaire.save()
    return questionnaire


# --- sending -----------------------------------------------------------------------------------


def vendor_url(token: str) -> str:
    return f"{settings.SITE_URL}{reverse('portal_answer', args=[token])}"


def _email_vendor(request: QuestionnaireRequest, token: str, template: str, subject: str):
    """An email to the vendor's contact: the practice's name, the vendor's name, the due date
    and the link. Nothing internal (no tier, no findings, no PHI)."""
    context = {
        "practice": request.organization.name,
        "vendor": request.vendor.name,
        "contact_name": request.contact.name,
        "title": request.title,
        "due_on": request.due_on,
        "expires_on": timezone.localtime(request.link.expires_at, request.organization.tzinfo),
        "link": vendor_url(token) if token else "",
        "comments": request.review_comments,
        "evidence": [DiligenceKind(k).label for k in request.evidence_requested],
    }
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),  # a name with a line break cannot break the header
        body=render_to_string(f"emails/{template}.txt", context),
        to=[request.link.email],
    )
    message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    transaction.on_commit(lambda: message.send())


@transaction.atomic
def request_send(
    *,
    organization,
    vendor,
    contact: VendorContact,
    title: str,
    questions: list[dict],
    evidence_requested: list[str],
    confirm_breach_contact: bool,
    due_on,
    actor,
) -> tuple[QuestionnaireRequest, str]:
    """Send a questionnaire to one of the vendor's contacts; returns (request, vendor URL)."""
    if vendor.organization_id != organization.id or contact.vendor_id != vendor.id:
        raise ValidationError({"contact": "Choose a contact of this vendor."})
    if contact.ended_on is not None or not contact.email:
        raise ValidationError({"contact": "This contact has no email address or has ended."})
    if due_on < organization.today():
        raise ValidationError({"due_on": "The due date cannot be in the past."})
    if due_on > organization.today() + timedelta(days=LONGEST_DUE_DAYS):
        raise ValidationError({"due_on": "The due date must be within a year."})
    if not questions:
        raise ValidationError({"questionnaire": "The questionnaire has no questions."})
    unknown = set(evidence_requested) - {str(k) for k in library.EVIDENCE_KINDS}
    if unknown:
        raise ValidationError({"evidence_requested": "Unknown kind of evidence."})
    link, token = link_issue(
        organization=organization,
        vendor=vendor,
        purpose=LinkPurpose.QUESTIONNAIRE,
        email=contact.email,
        expires_at=_end_of_day(due_on + timedelta(days=LINK_GRACE_DAYS), organization),
        created_by=actor,
    )
    request = QuestionnaireRequest.objects.create(
        organization=organization,
        vendor=vendor,
        contact=contact,
        link=link,
        title=title,
        questions=questions,
        evidence_requested=list(evidence_requested),
        confirm_breach_contact=confirm_breach_contact,
        due_on=due_on,
        created_by=actor,
    )
    _email_vendor(
        request,
        token,
        "portal_request",
        f"{organization.name} asks {vendor.name} to answer a security questionnaire",
    )
    return request, vendor_url(token)


def _lock(request: QuestionnaireRequest) -> None:
    """Lock the request's row and take its state as committed now: two clicks on Accept, an
    autosave racing the submit, or a revoke racing the vendor cannot both act on what they
    read earlier."""
    row = (
        QuestionnaireRequest.objects.select_for_update()
        .filter(pk=request.pk)
        .values("status", "record_id", "reviewed_by_id", "reviewed_at")
        .get()
    )
    for field, value in row.items():
        setattr(request, field, value)
    request.link.refresh_from_db(fields=["revoked_at", "expires_at"])


@transaction.atomic
def request_revoke(*, request: QuestionnaireRequest, actor) -> None:
    """The link answers 404 from now on; the request and anything submitted are kept."""
    _lock(request)
    if request.status == RequestStatus.ACCEPTED:
        raise ValidationError("An accepted request is closed already.")
    link_revoke(link=request.link, by=actor)
    request.status = RequestStatus.REVOKED
    request.save(update_fields=["status"])


# --- the vendor's side -------------------------------------------------------------------------


def _check_open(request: QuestionnaireRequest) -> None:
    if not request.vendor_may_answer:
        raise ValidationError("This questionnaire can no longer be changed.")


def request_opened(*, request: QuestionnaireRequest) -> None:
    """The vendor opened the link: a sent request becomes opened. Under the request's lock
    (``_lock``), as every status write: a submission or a revocation committed since the
    request was read is not moved back to "opened"."""
    if request.status != RequestStatus.SENT:
        return  # the usual case once opened: no lock, no write
    with transaction.atomic():
        _lock(request)
        if request.status == RequestStatus.SENT:
            request.status = RequestStatus.OPENED
            request.save(update_fields=["status"])


def _clean_answers(request: QuestionnaireRequest, answers: dict) -> dict:
    valid = set(Answer.values)
    cleaned = {}
    for question in request.questions:
        given = answers.get(question["key"]) or {}
        answer = given.get("answer", "")
        comment = (given.get("comment") or "").strip()[:2000]
        if answer in valid or comment:
            cleaned[question["key"]] = {
                "answer": answer if answer in valid else "",
                "comment": comment,
            }
    return cleaned


@transaction.atomic
def answers_save(
    *, request: QuestionnaireRequest, answers: dict, breach_contact: dict | None = None
) -> QuestionnaireRequest:
    """Save the vendor's answers as they go (nothing is submitted yet)."""
    _lock(request)
    _check_open(request)
    request.answers = _clean_answers(request, answers)
    if breach_contact is not None:
        request.breach_contact_confirmed = bool(breach_contact.get("confirmed"))
        request.breach_contact_name = (breach_contact.get("name") or "").strip()[:200]
        request.breach_contact_email = (breach_contact.get("email") or "").strip()[:254]
        request.breach_contact_phone = (breach_contact.get("phone") or "").strip()[:40]
    if request.status in (RequestStatus.SENT, RequestStatus.OPENED, RequestStatus.RETURNED):
        request.status = RequestStatus.IN_PROGRESS
    request.save(
        update_fields=[
            "answers",
            "status",
            "breach_contact_confirmed",
            "breach_contact_name",
            "breach_contact_email",
            "breach_contact_phone",
        ]
    )
    return request


@transaction.atomic
def file_add(*, request: QuestionnaireRequest, upload, kind: str) -> PortalFile:
    """Validate an uploaded file by content (``oversight.files``) and keep it privately."""
    _lock(request)
    _check_open(request)
    if request.files.count() >= MAX_FILES_PER_REQUEST:
        raise ValidationError(
            {"file": f"At most {MAX_FILES_PER_REQUEST} documents can be sent with one request."}
        )
    if kind not in {str(k) for k in library.EVIDENCE_KINDS} | {DiligenceKind.OTHER}:
        raise ValidationError({"kind": "Choose what the document is."})
    stored = PortalFile.from_upload(
        upload,
        organization=request.organization,
        uploaded_by=None,
        allowed=EVIDENCE_TYPES,
        request=request,
        kind=kind,
    )
    stored.save()
    return stored


def submit_errors(request: QuestionnaireRequest, *, name: str, title: str) -> dict:
    """What a submission still lacks: every question answered, the breach contact confirmed
    or corrected, the name and title of the person submitting."""
    errors = {}
    missing = [
        q for q in request.questions if not (request.answers.get(q["key"]) or {}).get("answer")
    ]
    if missing:
        errors["answers"] = f"Answer every question before submitting ({len(missing)} left)."
    if request.confirm_breach_contact and not (
        request.breach_contact_confirmed
        or (request.breach_contact_name and request.breach_contact_email)
    ):
        errors["breach_contact"] = (
            "Confirm the breach-notification contact, or give the right name and email."
        )
    if request.breach_contact_email:
        try:
            validate_email(request.breach_contact_email)
        except ValidationError:
            errors["breach_contact"] = "Enter a valid email address for the breach contact."
    if not name.strip():
        errors["submitted_by_name"] = "Enter your name."
    if not title.strip():
        errors["submitted_by_title"] = "Enter your title."
    return errors


@transaction.atomic
def request_submit(*, request: QuestionnaireRequest, name: str, title: str) -> Submission:
    """Submit the saved answers; the practice reviews them. Refused once the link expired."""
    _lock(request)
    request.refresh_from_db(
        fields=[
            "answers",
            "breach_contact_confirmed",
            "breach_contact_name",
            "breach_contact_email",
            "breach_contact_phone",
        ]
    )
    _check_open(request)
    errors = submit_errors(request, name=name, title=title)
    if errors:
        raise ValidationError(errors)
    submission = Submission.objects.create(
        organization=request.organization,
        request=request,
        answers=request.answers,
        breach_contact_name=request.breach_contact_name,
        breach_contact_email=request.breach_contact_email,
        breach_contact_phone=request.breach_contact_phone,
        breach_contact_confirmed=request.breach_contact_confirmed,
        submitted_by_name=name.strip()[:200],
        submitted_by_title=title.strip()[:200],
    )
    request.status = RequestStatus.SUBMITTED
    request.save(update_fields=["status"])
    return submission


# --- review ------------------------------------------------------------------------------------


def previous_submission(submission: Submission) -> Submission | None:
    """The vendor's submission before this one (this request's earlier round, or an earlier
    request's), to set beside it."""
    return (
        Submission.objects.filter(
            organization_id=submission.organization_id,
            request__vendor_id=submission.request.vendor_id,
            submitted_at__lt=submission.submitted_at,
        )
        .select_related("request")
        .order_by("-submitted_at", "-id")
        .first()
    )


def shortfalls(request: QuestionnaireRequest, answers: dict) -> list[dict]:
    """The questions whose answer falls short, with the severity the diligence rule gives the
    control they map onto on this vendor's tier (``diligence.controls``; None: recorded)."""
    controls = library.control_answers(request.questions, answers)
    graded = control_findings(request.vendor.tier, [(c, a) for c, (a, _) in controls.items()])
    findings = {f.control: f.severity for f in graded}
    result = []
    for question in request.questions:
        answer = (answers.get(question["key"]) or {}).get("answer", "")
        if library.falls_short(answer):
            result.append(
                {
                    "question": question,
                    "answer": answer,
                    "answer_label": Answer(answer).label if answer else "No answer",
                    "severity": findings.get(question.get("control") or ""),
                }
            )
    return result


@transaction.atomic
def request_accept(
    *, request: QuestionnaireRequest, reviewer, outcome: str, propose_actions: bool, actor
) -> DueDiligenceRecord:
    """Accept the latest submission: a questionnaire diligence record (through
    ``diligence.services``) with the control answers and the evidence files; each control
    finding (by tier) becomes an open follow-up action for the vendor's owner; a corrected
    breach contact is added to the vendor's contacts. The review date moves on as for any
    diligence record."""
    _lock(request)
    if request.status != RequestStatus.SUBMITTED:
        raise ValidationError("Only a submitted questionnaire can be accepted.")
    submission = request.submissions.order_by("-submitted_at", "-id").first()
    organization = request.organization
    today = organization.today()
    falling = shortfalls(request, submission.answers)
    record = DueDiligenceRecord(
        organization=organization,
        vendor=request.vendor,
        kind=DiligenceKind.QUESTIONNAIRE,
        performed_on=today,
        reviewer=reviewer,
        outcome=outcome,
        summary=(
            f"{request.title}, answered through the vendor portal by "
            f"{submission.submitted_by_name} ({submission.submitted_by_title}) on "
            f"{timezone.localtime(submission.submitted_at, organization.tzinfo):%Y-%m-%d}."
        ),
        exceptions="\n".join(
            f"- {s['question']['text']} Answer: {Answer(s['answer']).label if s['answer'] else '-'}"
            for s in falling
        ),
    )
    files = list(request.files.all())
    uploads = []
    for stored in files:
        handle = stored.file.open("rb")
        uploads.append(File(handle, name=stored.original_name))
    try:
        record = diligence_services.diligence_record_save(
            record=record,
            actor=actor,
            controls=library.control_answers(request.questions, submission.answers),
            uploads=uploads,
        )
    finally:
        for upload in uploads:
            upload.close()
    if propose_actions:
        for item in falling:
            if item["severity"] is None:
                continue
            diligence_services.action_save(
                action=FollowUpAction(
                    organization=organization,
                    vendor=request.vendor,
                    record=record,
                    description=item["question"].get("follow_up") or item["question"]["text"],
                    owner=request.vendor.owner,
                    due_on=today + timedelta(days=FOLLOW_UP_DAYS),
                    status=ActionStatus.OPEN,
                ),
                actor=actor,
            )
    if (
        request.confirm_breach_contact
        and not submission.breach_contact_confirmed
        and submission.breach_contact_email
    ):
        VendorContact.objects.create(
            organization=organization,
            vendor=request.vendor,
            name=submission.breach_contact_name,
            role=ContactRole.BREACH,
            email=submission.breach_contact_email,
            phone=submission.breach_contact_phone,
            notes="Given by the vendor in its questionnaire.",
        )
    request.status = RequestStatus.ACCEPTED
    request.record = record
    request.reviewed_by = actor
    request.reviewed_at = timezone.now()
    request.save(update_fields=["status", "record", "reviewed_by", "reviewed_at"])
    link_revoke(link=request.link, by=actor)  # nothing more to answer
    return record


@transaction.atomic
def request_return(*, request: QuestionnaireRequest, comments: str, actor) -> None:
    """Send the submission back with comments: the vendor's link works again (at least
    ``LINK_GRACE_DAYS`` more) and the contact is emailed the comments."""
    _lock(request)
    if request.status != RequestStatus.SUBMITTED:
        raise ValidationError("Only a submitted questionnaire can be returned.")
    comments = comments.strip()
    if not comments:
        raise ValidationError({"comments": "Tell the vendor what to change."})
    organization = request.organization
    reopen_until = _end_of_day(organization.today() + timedelta(days=LINK_GRACE_DAYS), organization)
    link = request.link
    if link.expires_at < reopen_until:
        link.expires_at = reopen_until
        link.save(update_fields=["expires_at"])
    request.status = RequestStatus.RETURNED
    request.review_comments = comments
    request.reviewed_by = actor
    request.reviewed_at = timezone.now()
    request.save(update_fields=["status", "review_comments", "reviewed_by", "reviewed_at"])
    _email_vendor(
        request,
        "",
        "portal_returned",
        f"{organization.name} returned the security questionnaire of {request.vendor.name}",
    )


def open_requests(organization):
    return QuestionnaireRequest.objects.filter(organization=organization, status__in=OPEN_STATUSES)
