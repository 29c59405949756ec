"""The vendor portal's pages.

Practice side (members of the practice; writers send, accept, return and revoke): the request
form from the vendor page, the practice-wide list, the review page, the questionnaire copies.
Vendor side: ``/portal/<token>/``, the only page a private link opens, rate-limited, every use
in the practice's activity log."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from diligence.choices import Answer, DiligenceKind
from oversight.choices import AuditAction
from oversight.files import serve
from oversight.models import audit
from oversight.tenancy import get_for_member, get_rw_for_member, member_required, writer_required
from vendors.choices import ContactRole
from vendors.models import BusinessAssociate, VendorContact

from . import library, services
from .choices import STATE_LABELS, LinkPurpose, RequestStatus
from .forms import AcceptForm, QuestionnaireEditForm, RequestForm, ReturnForm
from .links import link_lookup, link_record_access, link_resolve, portal_rate_limited
from .models import PortalFile, PracticeQuestionnaire, QuestionnaireRequest


def _errors_to_form(error: ValidationError, form) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


# --- practice side -----------------------------------------------------------------------------


@member_required
def request_create(request, pk: int):
    vendor = get_rw_for_member(request, BusinessAssociate, pk=pk)
    form = RequestForm(request.POST or None, vendor=vendor)
    if request.method == "POST" and form.is_valid():
        title, questions = form.chosen
        try:
            sent, _ = services.request_send(
                organization=request.practice,
                vendor=vendor,
                contact=form.cleaned_data["contact"],
                title=title,
                questions=questions,
                evidence_requested=form.cleaned_data["evidence_requested"],
                confirm_breach_contact=form.cleaned_data["confirm_breach_contact"],
                due_on=form.cleaned_data["due_on"],
                actor=request.user,
            )
        except ValidationError as error:
            _errors_to_form(error, form)
        else:
            messages.success(
                request, f"Questionnaire sent to {sent.contact.name} ({sent.link.email})."
            )
            return redirect("portal_request_detail", pk=sent.pk)
    return render(request, "portal/request_form.html", {"form": form, "vendor": vendor})


def _requests(request):
    return QuestionnaireRequest.objects.for_org(request.practice).select_related(
        "vendor", "contact", "link"
    )


@member_required
@require_safe
def request_list(request):
    state = request.GET.get("state", "")
    rows = list(_requests(request))
    if state in STATE_LABELS:
        rows = [r for r in rows if r.state == state]
    return render(
        request,
        "portal/request_list.html",
        {"rows": rows, "state": state, "states": list(STATE_LABELS.items())},
    )


def _comparison(req, submission, previous):
    """One row per question: this answer, the previous one, whether it changed."""
    current = submission.answers if submission else req.answers
    before = previous.answers if previous else None
    changed = library.changed_keys(before, current)
    labels = dict(Answer.choices)
    rows = []
    for question in req.questions:
        key = question["key"]
        now = current.get(key) or {}
        then = (before or {}).get(key) or {}
        rows.append(
            {
                "question": question,
                "answer": labels.get(now.get("answer"), "—"),
                "comment": now.get("comment", ""),
                "short": library.falls_short(now.get("answer", "")),
                "previous": labels.get(then.get("answer"), "—") if previous else None,
                "previous_comment": then.get("comment", ""),
                "changed": key in changed,
            }
        )
    return rows


@member_required
@require_safe
def request_detail(request, pk: int):
    req = get_for_member(request, _requests(request), pk=pk)
    submission = req.submissions.order_by("-submitted_at", "-id").first()
    previous = services.previous_submission(submission) if submission else None
    breach_on_file = (
        VendorContact.objects.for_org(request.practice)
        .filter(vendor=req.vendor, role=ContactRole.BREACH, ended_on=None)
        .first()
    )
    context = {
        "req": req,
        "submission": submission,
        "previous": previous,
        "rows": _comparison(req, submission, previous),
        "shortfalls": services.shortfalls(req, submission.answers) if submission else [],
        "files": list(req.files.all()),
        "evidence": [DiligenceKind(k).label for k in req.evidence_requested],
        "breach_on_file": breach_on_file,
        "can_write": request.membership.can_write,
        "accept_form": AcceptForm(
            organization=request.practice, initial={"reviewer": request.membership.pk}
        ),
        "return_form": ReturnForm(),
    }
    return render(request, "portal/request_detail.html", context)


@writer_required
@require_POST
def request_accept(request, pk: int):
    req = get_rw_for_member(request, _requests(request), pk=pk)
    form = AcceptForm(request.POST, organization=request.practice)
    if form.is_valid():
        try:
            record = services.request_accept(
                request=req,
                reviewer=form.cleaned_data["reviewer"],
                outcome=form.cleaned_data["outcome"],
                propose_actions=form.cleaned_data["propose_actions"],
                actor=request.user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                f"Accepted: the questionnaire is now a due-diligence record of "
                f"{record.performed_on:%Y-%m-%d} on {req.vendor.name}'s oversight file.",
            )
            return redirect(req.vendor)
    else:
        messages.error(request, "Choose the outcome and the reviewer.")
    return redirect("portal_request_detail", pk=req.pk)


@writer_required
@require_POST
def request_return(request, pk: int):
    req = get_rw_for_member(request, _requests(request), pk=pk)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            services.request_return(
                request=req, comments=form.cleaned_data["comments"], actor=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Returned to the vendor with your comments.")
    else:
        messages.error(request, "Write the comments for the vendor.")
    return redirect("portal_request_detail", pk=req.pk)


@writer_required
@require_POST
def request_revoke(request, pk: int):
    req = get_rw_for_member(request, _requests(request), pk=pk)
    try:
        services.request_revoke(request=req, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Link revoked: it no longer opens anything.")
    return redirect("portal_request_detail", pk=req.pk)


@member_required
@require_safe
def file_download(request, pk: int):
    stored = get_for_member(request, PortalFile, pk=pk)
    audit(request, AuditAction.DOCUMENT_DOWNLOADED, obj=stored)
    return serve(stored)


@member_required
@require_safe
def questionnaire_list(request):
    context = {
        "library": list(library.LIBRARY.values()),
        "copies": list(
            PracticeQuestionnaire.objects.for_org(request.practice).filter(archived_at=None)
        ),
        "can_write": request.membership.can_write,
    }
    return render(request, "portal/questionnaire_list.html", context)


@writer_required
@require_POST
def questionnaire_copy(request):
    try:
        copy = services.questionnaire_copy(
            organization=request.practice, base=request.POST.get("base", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("portal_questionnaires")
    messages.success(request, f"Copied: edit “{copy.title}” below.")
    return redirect("portal_questionnaire_edit", pk=copy.pk)


@member_required
def questionnaire_edit(request, pk: int):
    questionnaire = get_rw_for_member(request, PracticeQuestionnaire, pk=pk)
    form = QuestionnaireEditForm(request.POST or None, questionnaire=questionnaire)
    if request.method == "POST" and form.is_valid():
        try:
            services.questionnaire_update(
                questionnaire=questionnaire,
                title=form.cleaned_data["title"],
                texts=form.texts(),
                added=form.added(),
            )
        except ValidationError as error:
            _errors_to_form(error, form)
        else:
            messages.success(request, f"“{questionnaire.title}” saved.")
            return redirect("portal_questionnaires")
    return render(
        request, "portal/questionnaire_edit.html", {"form": form, "questionnaire": questionnaire}
    )


# --- vendor side -------------------------------------------------------------------------------

FILE_KINDS = [(str(k), DiligenceKind(k).label) for k in library.EVIDENCE_KINDS] + [
    (DiligenceKind.OTHER.value, "Other document")
]


def _request_of(link) -> QuestionnaireRequest:
    req = (
        QuestionnaireRequest.objects.select_related("organization", "vendor", "contact", "link")
        .filter(link=link, organization=link.organization)
        .first()
    )
    if req is None:
        raise Http404("No such page.")
    return req


def _field(post, name: str, limit: int) -> str:
    """A posted text, without NUL characters (PostgreSQL refuses them) and bounded."""
    return post.get(name, "").replace("\x00", "")[:limit]


def _posted(req, post) -> tuple[dict, dict]:
    answers = {
        key: {"answer": _field(post, f"a_{key}", 16), "comment": _field(post, f"c_{key}", 2000)}
        for key in (q["key"] for q in req.questions)
    }
    breach = {
        "confirmed": post.get("breach_confirmed") == "yes",
        "name": _field(post, "breach_name", 200),
        "email": _field(post, "breach_email", 254),
        "phone": _field(post, "breach_phone", 40),
    }
    return answers, breach


def _answer_page(request, req, *, answers, breach, errors=None, status=200, **extra):
    """The questionnaire as the vendor sees it: the practice's name, the vendor's name and the
    questions, nothing else of the practice."""
    on_file = (
        VendorContact.objects.filter(
            organization=req.organization, vendor=req.vendor, role=ContactRole.BREACH, ended_on=None
        )
        .order_by("id")
        .first()
    )
    questions = [
        {**q, "given": answers.get(q["key"]) or {"answer": "", "comment": ""}}
        for q in req.questions
    ]
    context = {
        "req": req,
        "practice_name": req.organization.name,
        "vendor_name": req.vendor.name,
        "questions": questions,
        "answer_choices": library.ANSWERS,
        "breach": breach,
        "breach_on_file": on_file,
        "files": list(req.files.all()),
        "file_kinds": FILE_KINDS,
        "evidence": [DiligenceKind(k).label for k in req.evidence_requested],
        "errors": errors or {},
        "expires_at": timezone.localtime(req.link.expires_at, req.organization.tzinfo),
        **extra,
    }
    return render(request, "portal/answer.html", context, status=status)


def _saved_breach(req) -> dict:
    return {
        "confirmed": req.breach_contact_confirmed,
        "name": req.breach_contact_name,
        "email": req.breach_contact_email,
        "phone": req.breach_contact_phone,
    }


@never_cache
@portal_rate_limited
def answer(request, token: str):
    """The vendor's questionnaire. GET shows it; POST saves the answers (and an uploaded file),
    or submits them. A POST after the link expired is refused with a message and the posted
    answers shown again in the form, so nothing typed is lost."""
    if request.method not in ("GET", "HEAD", "POST"):
        raise Http404("No such page.")
    if request.method == "POST":
        found = link_lookup(token, purpose=LinkPurpose.QUESTIONNAIRE)
        if found is None or found.revoked_at is not None:
            raise Http404("No such page.")
        if found.is_expired:
            req = _request_of(found)
            if req.status not in (RequestStatus.SUBMITTED, RequestStatus.ACCEPTED):
                link_record_access(link=found, request=request, action="refused: expired")
                if request.POST.get("action") == "autosave":
                    return HttpResponse(
                        format_html(
                            "This link has expired: your latest answers were not saved. Copy "
                            "them, then ask {} for a new link.",
                            req.organization.name,
                        )
                    )
                answers, breach = _posted(req, request.POST)
                return _answer_page(
                    request, req, answers=answers, breach=breach, status=410, expired=True
                )
            raise Http404("No such page.")
    link = link_resolve(token, purpose=LinkPurpose.QUESTIONNAIRE)
    req = _request_of(link)
    if request.method != "POST":
        link_record_access(link=link, request=request, action="opened")
        services.request_opened(request=req)
        if req.status == RequestStatus.SUBMITTED:
            return render(request, "portal/answer_submitted.html", {"req": req}, status=200)
        return _answer_page(
            request,
            req,
            answers=req.answers,
            breach=_saved_breach(req),
            saved=request.GET.get("saved") == "1",
        )
    if not req.vendor_may_answer:  # submitted already (a second click, another tab)
        if request.POST.get("action") == "autosave":
            return HttpResponse("Already submitted: nothing more is saved.")
        return render(request, "portal/answer_submitted.html", {"req": req})
    answers, breach = _posted(req, request.POST)
    services.answers_save(request=req, answers=answers, breach_contact=breach)
    link_record_access(link=link, request=request, action="saved")
    if request.POST.get("action") == "autosave":
        # Saved as the vendor goes (htmx, on each change); files wait for "Save".
        moment = timezone.localtime(timezone.now(), req.organization.tzinfo)
        return HttpResponse(f"Answers saved at {moment:%H:%M %Z}.")
    errors = {}
    upload = request.FILES.get("file")
    if upload is not None:
        try:
            services.file_add(request=req, upload=upload, kind=request.POST.get("file_kind", ""))
        except ValidationError as error:
            errors["file"] = " ".join(error.messages)
        else:
            link_record_access(link=link, request=request, action="uploaded a file")
    if request.POST.get("action") == "submit" and not errors:
        try:
            services.request_submit(
                request=req,
                name=_field(request.POST, "submitted_by_name", 200),
                title=_field(request.POST, "submitted_by_title", 200),
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                errors = {k: " ".join(v) for k, v in error.message_dict.items()}
            else:
                errors = {"form": " ".join(error.messages)}
        else:
            link_record_access(link=link, request=request, action="submitted")
            return redirect("portal_answer", token=token)
    if errors:
        return _answer_page(
            request,
            req,
            answers=req.answers,
            breach=_saved_breach(req),
            errors=errors,
            submitted_by_name=_field(request.POST, "submitted_by_name", 200),
            submitted_by_title=_field(request.POST, "submitted_by_title", 200),
            status=400,
        )
    return redirect(f"{request.path}?saved=1")
