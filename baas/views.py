"""Agreement pages: list, detail, create/edit, sign, new version, terminate, checklist,
documents (upload by writers, download by any member) and amendments. Thin: parse, call a
service, render."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from oversight import files
from oversight.choices import AuditAction
from oversight.models import audit, rules_for
from oversight.tabular import build_dataset, export_response
from oversight.tenancy import (
    get_for_member,
    get_rw_for_member,
    member_required,
    parse_id,
    scoped,
    writer_required,
)
from vendors.models import BusinessAssociate

from . import findings, services
from .choices import DocumentKind
from .filtersets import agreement_filterset
from .forms import (
    AgreementForm,
    AmendmentForm,
    ChecklistForm,
    DocumentForm,
    SignForm,
    TerminateForm,
    upload_limit_mb,
)
from .models import (
    AgreementDocument,
    BusinessAssociateAgreement,
    practice_facts,
    subcontractor_counts,
    vendor_facts,
)

PAGE_SIZE = 25


def _agreements(request):
    return scoped(request, BusinessAssociateAgreement).select_related("vendor")


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _filtered_agreements(request):
    """The agreement list's filterset and rows, shared by the page and its export."""
    today = services.practice_today(request.practice)
    filterset = agreement_filterset(request.GET, organization=request.practice, today=today)
    # The vendor's practice is the agreement's (tenancy): saying so changes no row but lets
    # PostgreSQL read this practice's vendors by index for the sort by vendor name instead of
    # scanning every practice's vendors (66 ms to 8 ms at 2,000 vendors).
    rows = filterset.qs.filter(vendor__organization=request.practice)
    return filterset, rows.order_by("vendor__name", "-created_at", "-id"), today


# What the agreement list shows of a row (``agreement_list.html``, ``_agreement_status.html``).
LIST_FIELDS = (
    "vendor",
    "vendor__name",
    "status",
    "template_source",
    "service_agreement",
    "signed_on",
    "expires_on",
    "auto_renews",
    "findings_critical",
    "findings_warning",
)


@member_required
def agreement_list(request):
    filterset, qs, today = _filtered_agreements(request)
    # The same rows, with only the columns the table shows (not every term of each agreement
    # and every field of its vendor).
    paginator = Paginator(qs.only(*LIST_FIELDS), PAGE_SIZE)
    # Counted as the dashboard counts it (the filterset's rows): the same number without the
    # join on vendors that only the sort needs (65 ms to 5 at 20,000 vendors).
    paginator.count = filterset.qs.count()
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filter": filterset, "page": page, "query": query.urlencode(), "today": today}
    return render(request, "baas/agreement_list.html", context)


EXPORT_COLUMNS = [
    ("vendor", lambda a: a.vendor.name),
    ("vendor_tier", lambda a: a.vendor.tier),
    ("status", lambda a: a.status),
    ("template", lambda a: a.template_source),
    ("service_agreement", lambda a: a.service_agreement),
    ("effective_on", lambda a: a.effective_on),
    ("signed_on", lambda a: a.signed_on),
    ("expires_on", lambda a: a.expires_on or "evergreen"),
    ("auto_renews", lambda a: "yes" if a.auto_renews else "no"),
    ("renewal_notice_days", lambda a: a.renewal_notice_days),
    ("breach_notice_days", lambda a: a.breach_notice_days),
    ("breach_notice_day_kind", lambda a: a.breach_notice_day_kind),
    ("indemnification", lambda a: a.indemnification),
    ("cap_kind", lambda a: a.cap_kind),
    ("cap_amount", lambda a: a.cap_amount),
    ("carve_outs", lambda a: "; ".join(a.carve_outs or [])),
    ("cyber_insurance_amount", lambda a: a.cyber_insurance_amount),
    ("annual_contract_value", lambda a: a.annual_contract_value),
    ("critical_findings", lambda a: a.findings_critical),
    ("warning_findings", lambda a: a.findings_warning),
    ("notes", lambda a: a.notes),
]


@member_required
@require_safe
def agreement_export(request, fmt: str):
    """The agreement list as CSV or XLSX, with the list's current filters; logged."""
    _, rows, today = _filtered_agreements(request)
    dataset = build_dataset(
        [name for name, _ in EXPORT_COLUMNS],
        ([get(a) for _, get in EXPORT_COLUMNS] for a in rows),
        title="Agreements",
    )
    audit(request, AuditAction.EXPORTED, label=f"Agreement list ({fmt})", rows=len(dataset))
    return export_response(dataset, fmt, f"agreements-{today.isoformat()}")


@member_required
def agreement_detail(request, pk: int):
    agreement = get_for_member(
        request,
        _agreements(request).select_related("vendor__organization", "supersedes", "created_by"),
        pk=pk,
    )
    return agreement_detail_page(request, agreement)


def agreement_detail_page(request, agreement, *, checklist_form=None, status: int = 200):
    """The agreement page (``checklist_form``: a bound checklist form with its errors)."""
    checklist = list(agreement.checklist.select_related("reviewed_by"))
    amendments = list(agreement.amendments.select_related("document"))
    documents = list(agreement.documents.select_related("uploaded_by"))
    today = services.practice_today(request.practice)
    vendor = agreement.vendor
    warning = rules_for([request.practice.pk])[request.practice.pk][vendor.tier].first_warning_days
    facts = agreement.facts(
        provisions={i.provision: i.state for i in checklist}, amendments=amendments
    )
    v = vendor_facts(vendor, subcontractor_count=subcontractor_counts([vendor.pk])[vendor.pk])
    found = findings.agreement_findings(facts, v, practice_facts(request.practice), today, warning)
    can_write = request.membership.can_write
    context = {
        "agreement": agreement,
        "vendor": vendor,
        "checklist": checklist,
        "checklist_form": (
            ChecklistForm(items=checklist, agreement=agreement)
            if checklist_form is None and can_write
            else checklist_form
        ),
        "notice": findings.notice_label(facts) if facts.breach_notice_days is not None else "",
        "notice_calendar_days": findings.notice_in_calendar_days(facts, today),
        "own_use": findings.own_use_rights(facts),
        "amendments": amendments,
        "documents": documents,
        "findings": found,
        "counts": findings.counts(found),
        "risk": findings.ce_risk(facts),
        "cap": findings.cap_in_dollars(facts),
        "exposure": findings.exposure(v, practice_facts(request.practice)),
        "notice_deadline": findings.renewal_notice_deadline(facts),
        "newer": list(agreement.superseded_by.all()),
        "can_write": can_write,
        "practice": request.practice,
        "today": today,
    }
    return render(request, "baas/agreement_detail.html", context, status=status)


def _save_form(request, form, save) -> BusinessAssociateAgreement | None:
    if not form.is_valid():
        return None
    agreement = form.save(commit=False)
    agreement.organization = request.practice
    try:
        return save(agreement=agreement, actor=request.user)
    except ValidationError as error:
        _add_errors(form, error)
        return None


@writer_required
def agreement_create(request):
    initial = {}
    vendor_id = parse_id(request.GET.get("vendor"))
    if vendor_id is not None:
        vendor = scoped(request, BusinessAssociate).filter(pk=vendor_id).first()
        if vendor is not None:
            initial["vendor"] = vendor.pk
    form = AgreementForm(request.POST or None, initial=initial, organization=request.practice)
    if request.method == "POST":
        agreement = _save_form(request, form, services.agreement_create)
        if agreement is not None:
            messages.success(
                request,
                f"Agreement with {agreement.vendor.name} recorded. Review the provision "
                "checklist, then mark it signed and upload the signed copy.",
            )
            return redirect(agreement)
    return render(request, "baas/agreement_form.html", {"form": form})


@member_required
def agreement_edit(request, pk: int):
    agreement = get_rw_for_member(request, _agreements(request), pk=pk)
    form = AgreementForm(request.POST or None, instance=agreement, organization=request.practice)
    if request.method == "POST":
        saved = _save_form(request, form, services.agreement_update)
        if saved is not None:
            messages.success(request, "Agreement saved.")
            return redirect(saved)
    return render(request, "baas/agreement_form.html", {"form": form, "agreement": agreement})


@member_required
def agreement_sign(request, pk: int):
    agreement = get_rw_for_member(request, _agreements(request), pk=pk)
    form = SignForm(
        request.POST or None,
        agreement=agreement,
        initial={
            "effective_on": agreement.effective_on,
            "practice_signatory_name": agreement.practice_signatory_name,
            "practice_signatory_title": agreement.practice_signatory_title,
            "vendor_signatory_name": agreement.vendor_signatory_name,
            "vendor_signatory_title": agreement.vendor_signatory_title,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.baa_sign(agreement=agreement, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            has_copy = agreement.documents.filter(kind=DocumentKind.SIGNED).exists()
            messages.success(
                request,
                f"The BAA with {agreement.vendor.name} is signed."
                + ("" if has_copy else " Upload the signed copy."),
            )
            return redirect(agreement)
    return render(
        request,
        "baas/action_form.html",
        {
            "form": form,
            "agreement": agreement,
            "title": "Mark signed",
            "intro": "A signed agreement replaces the vendor's previous signed BAA, if any.",
            "button": "Mark signed",
        },
    )


@member_required
@require_POST
def agreement_new_version(request, pk: int):
    agreement = get_rw_for_member(request, _agreements(request), pk=pk)
    try:
        new = services.agreement_new_version(agreement=agreement, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(agreement)
    messages.success(
        request,
        "New version drafted from the current terms. The current BAA stays in force until "
        "this one is signed.",
    )
    return redirect("agreement_edit", new.pk)


@member_required
def agreement_terminate(request, pk: int):
    agreement = get_rw_for_member(request, _agreements(request), pk=pk)
    form = TerminateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_terminate(
                agreement=agreement,
                actor=request.user,
                terminated_on=form.cleaned_data["terminated_on"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Agreement terminated. It stays on file.")
            return redirect(agreement)
    return render(
        request,
        "baas/action_form.html",
        {
            "form": form,
            "agreement": agreement,
            "title": "Terminate",
            "intro": "The agreement is kept on file. Remember the return or destruction of PHI "
            "(164.504(e)(2)(ii)(J)).",
            "button": "Terminate",
            "danger": True,
        },
    )


@member_required
@require_POST
def checklist_save(request, pk: int):
    agreement = get_rw_for_member(request, _agreements(request), pk=pk)
    items = list(agreement.checklist.all())
    form = ChecklistForm(request.POST, items=items, agreement=agreement)
    if form.is_valid():
        changed = services.checklist_update(
            agreement=agreement,
            actor=request.user,
            states=form.states(all_present="mark_all_present" in request.POST),
            notes=form.notes(),
        )
        messages.success(request, f"Checklist saved ({changed} row{'s' if changed != 1 else ''}).")
        return redirect(f"{agreement.get_absolute_url()}#checklist")
    # Show the page again with the errors beside their rows; nothing typed is lost.
    messages.error(request, "The checklist was not saved: see the rows marked below.")
    return agreement_detail_page(request, agreement, checklist_form=form, status=400)


@member_required
def document_upload(request, pk: int):
    agreement = get_rw_for_member(request, _agreements(request), pk=pk)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            document = services.document_add(
                agreement=agreement,
                actor=request.user,
                upload=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
            )
        except ValidationError as error:
            form.add_error("file", error.messages)
        else:
            messages.success(request, f"{document.original_name} uploaded.")
            return redirect(agreement)
    return render(
        request,
        "baas/action_form.html",
        {
            "form": form,
            "agreement": agreement,
            "title": "Upload a document",
            "intro": "A PDF (not password-protected) or a Word document (.docx, without "
            f"macros) of at most {upload_limit_mb()} MB. It is "
            "stored privately and only members of the practice can download it.",
            "button": "Upload",
            "multipart": True,
        },
    )


@member_required
def amendment_create(request, pk: int):
    agreement = get_rw_for_member(request, _agreements(request), pk=pk)
    form = AmendmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.amendment_add(
                agreement=agreement,
                actor=request.user,
                amended_on=form.cleaned_data["amended_on"],
                summary=form.cleaned_data["summary"],
                upload=form.cleaned_data.get("file"),
                hitech_omnibus=form.cleaned_data["hitech_omnibus"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                _add_errors(form, error)
            else:
                form.add_error("file", error.messages)
        else:
            messages.success(request, "Amendment recorded.")
            return redirect(agreement)
    return render(
        request,
        "baas/action_form.html",
        {
            "form": form,
            "agreement": agreement,
            "title": "Record an amendment",
            "button": "Save amendment",
            "multipart": True,
        },
    )


@member_required
def document_download(request, pk: int):
    """Any member of the practice (viewers included); 404 for other practices."""
    document = get_for_member(request, AgreementDocument, pk=pk)
    audit(request, AuditAction.DOCUMENT_DOWNLOADED, obj=document)
    return files.serve(document)
