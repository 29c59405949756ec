"""The reader's panel on the agreement page: start a reading, see proposals beside the recorded
values with their excerpts, accept or reject them. Thin: parse, call a service, render."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from baas.models import AgreementDocument, BusinessAssociateAgreement
from oversight.tenancy import get_for_member, get_rw_for_member, member_required, parse_id

from . import apply, services
from .choices import ProposalStatus, ReadingStatus
from .forms import ProposalEditForm
from .models import DocumentReading, Proposal


def panel_context(agreement: BusinessAssociateAgreement, *, can_write: bool) -> dict:
    """What the panel shows: the latest reading of the agreement and its proposals."""
    reading = (
        DocumentReading.objects.filter(organization=agreement.organization, agreement=agreement)
        .select_related("document")
        .first()
    )
    rows = []
    if reading is not None and reading.status == ReadingStatus.DONE:
        provisions = dict(agreement.checklist.values_list("provision", "state"))
        for p in reading.proposals.select_related("decided_by"):
            rows.append(
                {
                    "p": p,
                    "label": apply.label(p.field),
                    "proposed": apply.show(p.field, p.value),
                    "current": apply.current(p.field, agreement, provisions),
                    "applicable": apply.applicable(p.field, p.value),
                    "editable": apply.editable(p.field),
                    "edited": apply.show_terms(p.edited_terms) if p.edited_terms else "",
                }
            )
    return {
        "agreement": agreement,
        "reading": reading,
        "rows": rows,
        "pending": sum(
            1 for r in rows if r["applicable"] and r["p"].status == ProposalStatus.PENDING
        ),
        "documents": list(
            AgreementDocument.objects.filter(
                organization=agreement.organization, agreement=agreement
            ).order_by("-uploaded_at")
        ),
        "can_write": can_write,
        "busy": reading is not None
        and reading.status in (ReadingStatus.QUEUED, ReadingStatus.RUNNING),
    }


@require_safe
@member_required
def reader_panel(request, pk: int):
    agreement = get_for_member(request, BusinessAssociateAgreement, pk=pk)
    context = panel_context(agreement, can_write=request.membership.can_write)
    return render(request, "reader/_panel.html", context)


@require_POST
@member_required
def reader_start(request, pk: int):
    agreement = get_rw_for_member(request, BusinessAssociateAgreement, pk=pk)
    document = None
    if request.POST.get("document"):
        try:
            document_id = int(request.POST["document"])
        except ValueError:
            document_id = 0
        document = get_for_member(
            request, AgreementDocument.objects.filter(agreement=agreement), pk=document_id
        )
    try:
        services.reading_queue(
            agreement=agreement,
            actor=request.user,
            document=document,
            text=request.POST.get("text", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.info(request, "The reader is reading the agreement; its proposals appear below.")
    return redirect(f"{agreement.get_absolute_url()}#reader")


@require_POST
@member_required
def reader_decide(request, pk: int):
    agreement = get_rw_for_member(request, BusinessAssociateAgreement, pk=pk)
    raw = request.POST.get("reading", "")
    reading = get_for_member(
        request,
        DocumentReading.objects.filter(agreement=agreement),
        pk=parse_id(raw) or 0,
    )
    action = request.POST.get("action", "")
    pending = list(
        reading.proposals.filter(status=ProposalStatus.PENDING).values_list("pk", flat=True)
    )
    chosen = [i for i in map(parse_id, request.POST.getlist("proposal")) if i is not None]
    accept = pending if action == "accept_all" else chosen if action == "accept" else []
    reject = pending if action == "reject_all" else chosen if action == "reject" else []
    if not accept and not reject:
        messages.error(request, "Tick the proposals to accept or reject, or use Accept all.")
        return redirect(f"{agreement.get_absolute_url()}#reader")
    try:
        decided = services.proposals_decide(
            reading=reading,
            actor=request.user,
            membership=request.membership,
            accept=accept,
            reject=reject,
        )
    except ValidationError as error:
        messages.error(request, "Nothing was changed: " + " ".join(error.messages))
    else:
        verb = "accepted" if accept else "rejected"
        messages.success(
            request,
            f"{decided} proposal{'s' if decided != 1 else ''} {verb}. "
            + ("The terms and findings are updated." if accept else "Nothing was changed."),
        )
    return redirect(f"{agreement.get_absolute_url()}#reader")


@member_required
def reader_edit(request, pk: int):
    """Edit one pending proposal, then accept it: the agreement form's own fields and checks
    for that term (``ProposalEditForm``), pre-filled with what the reader proposes."""
    agreement = get_rw_for_member(request, BusinessAssociateAgreement, pk=pk)
    raw = request.GET.get("proposal", "")
    proposal = get_for_member(
        request,
        Proposal.objects.filter(reading__agreement=agreement).select_related("reading"),
        pk=parse_id(raw) or 0,
    )
    if not apply.editable(proposal.field):
        raise Http404("This proposal is not edited here.")
    if proposal.status != ProposalStatus.PENDING:
        messages.info(request, "This proposal was decided already.")
        return redirect(f"{agreement.get_absolute_url()}#reader")
    editable = apply.EDIT_FIELDS[proposal.field]
    proposed = apply.terms_for(proposal.field, proposal.value) or {}
    form = ProposalEditForm(
        request.POST if request.method == "POST" else None,
        instance=agreement,
        organization=request.practice,
        editable=editable,
        initial={k: v for k, v in proposed.items() if k in editable},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.proposal_accept_edited(
                proposal=proposal,
                actor=request.user,
                membership=request.membership,
                terms=form.edited_terms(),
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(
                request,
                f"{apply.label(proposal.field)}: your edited value is accepted. The terms and "
                "findings are updated.",
            )
            return redirect(f"{agreement.get_absolute_url()}#reader")
    return render(
        request,
        "reader/edit.html",
        {
            "agreement": agreement,
            "proposal": proposal,
            "label": apply.label(proposal.field),
            "proposed": apply.show(proposal.field, proposal.value),
            "form": form,
        },
    )
