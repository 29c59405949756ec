"""Writes of the BAA reader: queue a reading, run it (in a Celery task), decide proposals.

A reading never changes an agreement. Only ``proposals_decide`` does, when a writer accepts,
through the BAA app's own services (``agreement_update``, ``checklist_update``), which record
history and recompute the findings.
"""

from __future__ import annotations

import json
import logging
import time

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from baas import services as baa_services
from baas.models import AgreementDocument, BusinessAssociateAgreement

from . import apply, rules
from .choices import ProposalStatus, ReadingStatus
from .extract import MESSAGES, ExtractionError, extract
from .models import DocumentReading, Proposal

log = logging.getLogger(__name__)

MAX_PASTED = 400_000


@transaction.atomic
def reading_queue(
    *,
    agreement: BusinessAssociateAgreement,
    actor,
    document: AgreementDocument | None = None,
    text: str = "",
) -> DocumentReading:
    """Record a reading to do and enqueue it once the transaction commits (ids only)."""
    from .tasks import read_document

    if document is not None and document.agreement_id != agreement.pk:
        raise ValidationError("Pick a document of this agreement.")
    if document is None:
        text = (text or "").strip()
        if not text:
            raise ValidationError("Paste the agreement's text, or pick one of its documents.")
        if len(text) > MAX_PASTED:
            raise ValidationError(f"The text is too long (at most {MAX_PASTED:,} characters).")
    reading = DocumentReading.objects.create(
        organization=agreement.organization,
        agreement=agreement,
        document=document,
        pasted_text=text if document is None else "",
        requested_by=actor,
    )
    read_document.delay_on_commit(reading.pk)
    return reading


def reading_run(*, reading_id: int) -> DocumentReading | None:
    """Extract and read; store the proposals, or a clear message. Claimed first, so a
    redelivered task does not read twice."""
    claimed = DocumentReading.objects.filter(pk=reading_id, status=ReadingStatus.QUEUED).update(
        status=ReadingStatus.RUNNING
    )
    if not claimed:
        return None
    reading = DocumentReading.objects.select_related("document").get(pk=reading_id)
    started = time.monotonic()
    try:
        if reading.document_id:
            with reading.document.file.open("rb") as fh:
                data = fh.read()
            extracted = extract(data, reading.document.original_name)
        else:
            extracted = extract(reading.pasted_text.encode("utf-8"), "pasted.txt")
        result = rules.read(extracted.text, paged=extracted.method in ("pdf", "ocr"))
        if not result.is_baa:
            raise ExtractionError("not_a_baa", MESSAGES["not_a_baa"])
    except ExtractionError as error:
        _finish(
            reading, started, status=ReadingStatus.FAILED, code=error.code, message=error.message
        )
        return reading
    except Exception:  # logged by id only: a document may hold names
        log.exception("BAA reading %s failed", reading_id)
        _finish(
            reading,
            started,
            status=ReadingStatus.FAILED,
            code="error",
            message="The document could not be read because of an internal error.",
        )
        return reading
    with transaction.atomic():
        Proposal.objects.bulk_create(
            Proposal(
                organization=reading.organization,
                reading=reading,
                field=p.field,
                value=p.value,
                excerpt=p.excerpt,
                page=p.page,
                section=p.section[:32],
                confidence=p.confidence,
                position=i,
            )
            for i, p in enumerate(result.proposals())
        )
        reading.method = extracted.method
        reading.pages = extracted.pages
        _finish(reading, started, status=ReadingStatus.DONE)
    return reading


def _finish(reading, started, *, status, code="", message="") -> None:
    reading.status = status
    reading.error_code = code
    reading.error_message = message
    reading.seconds = round(time.monotonic() - started, 3)
    reading.finished_at = timezone.now()
    reading.save()


@transaction.atomic
def proposals_decide(
    *,
    reading: DocumentReading,
    actor,
    membership,
    accept: list[int] | tuple = (),
    reject: list[int] | tuple = (),
) -> int:
    """Accept (write into the agreement) or reject pending proposals of one reading.

    Accepted terms go through ``baas.services.agreement_update`` (history, findings) with a
    change reason naming the reader; provisions through ``checklist_update`` with a note that
    cites the section. Returns the number of proposals decided.
    """
    if not membership.can_write:
        raise PermissionDenied("Your role in this practice is read-only.")
    agreement = BusinessAssociateAgreement.objects.select_for_update().get(pk=reading.agreement_id)
    pending = Proposal.objects.select_for_update().filter(
        reading=reading, status=ProposalStatus.PENDING
    )
    chosen = {p.pk: p for p in pending.filter(pk__in=[*accept, *reject])}
    now = timezone.now()
    terms: dict = {}
    states: dict[str, str] = {}
    notes: dict[str, str] = {}
    accepted = []
    for pk in accept:
        p = chosen.get(int(pk))
        if p is None or not apply.applicable(p.field, p.value):
            continue
        if p.field.startswith("provision:"):
            key = p.field.split(":", 1)[1]
            states[key] = apply.provision_state(p.value)
            where = f"§{p.section}" if p.section else "the text"
            page = f", p. {p.page}" if p.page else ""
            found = "found in" if p.value else "not found in"
            notes[key] = f"BAA reader: {found} {where}{page} of {reading.source_name}"[:500]
        else:
            terms.update(apply.terms_for(p.field, p.value) or {})
        accepted.append(p)
    if terms:
        for name, value in terms.items():
            setattr(agreement, name, value)
        agreement._change_reason = f"BAA reader (reading {reading.pk}): accepted proposals"
        baa_services.agreement_update(agreement=agreement, actor=actor)
    if states:
        baa_services.checklist_update(agreement=agreement, actor=actor, states=states, notes=notes)
    decided = 0
    for p in accepted:
        p.status, p.decided_by, p.decided_at = ProposalStatus.ACCEPTED, actor, now
        p.save(update_fields=["status", "decided_by", "decided_at"])
        decided += 1
    for pk in reject:
        p = chosen.get(int(pk))
        if p is None or p.status != ProposalStatus.PENDING:
            continue
        p.status, p.decided_by, p.decided_at = ProposalStatus.REJECTED, actor, now
        p.save(update_fields=["status", "decided_by", "decided_at"])
        decided += 1
    return decided


@transaction.atomic
def proposal_accept_edited(*, proposal: Proposal, actor, membership, terms: dict) -> Proposal:
    """Accept one proposal with the values a person edited, already validated by the agreement
    form (``reader.forms.ProposalEditForm``). The terms go through ``baas.services
    .agreement_update`` (history, findings) with a change reason saying they came from the
    reader and were edited before acceptance; the history user is the editor. The proposal
    keeps the reader's value and records the edited one (status "edited")."""
    if not membership.can_write:
        raise PermissionDenied("Your role in this practice is read-only.")
    p = Proposal.objects.select_for_update().select_related("reading").get(pk=proposal.pk)
    if p.status != ProposalStatus.PENDING:
        raise ValidationError("This proposal was decided already; reload the agreement page.")
    allowed = apply.EDIT_FIELDS.get(p.field, ())
    if not terms or set(terms) - set(allowed):
        raise ValidationError("This proposal cannot be edited here.")
    agreement = BusinessAssociateAgreement.objects.select_for_update().get(
        pk=p.reading.agreement_id
    )
    for name, value in terms.items():
        setattr(agreement, name, value)
    agreement._change_reason = (
        f"BAA reader (reading {p.reading_id}): {apply.label(p.field).lower()}, edited by the user"
    )[:100]
    agreement._history_user = actor
    baa_services.agreement_update(agreement=agreement, actor=actor)
    p.status, p.decided_by, p.decided_at = ProposalStatus.EDITED, actor, timezone.now()
    p.edited_terms = json.loads(json.dumps(terms, cls=DjangoJSONEncoder))
    p._change_reason = "Edited, then accepted"
    p.save(update_fields=["status", "decided_by", "decided_at", "edited_terms"])
    return p
