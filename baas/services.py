"""Writes on agreements. Each is keyword-only, runs in one transaction, records history, and
refreshes the vendor's BAA status and finding counts (``vendor_baa_refresh``)."""

import logging
from collections import defaultdict
from datetime import date
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from oversight.files import DOCX, PDF
from oversight.models import rules_for
from vendors.baa_status import BaaState
from vendors.models import BusinessAssociate

from . import findings
from .choices import AgreementStatus, DocumentKind, ProvisionState, ReturnDestroy
from .models import (
    AgreementDocument,
    Amendment,
    BusinessAssociateAgreement,
    ChecklistItem,
    practice_facts,
    subcontractor_counts,
    vendor_facts,
)
from .provisions import PROVISIONS

logger = logging.getLogger(__name__)

# What an agreement's document may be: what the BAA reader reads (``reader.extract``).
AGREEMENT_FILE_TYPES = (PDF, DOCX)

# Terms copied into a new version by "supersede with new version".
COPIED_FIELDS = (
    "template_source",
    "service_agreement",
    "annual_contract_value",
    "effective_on",
    "expires_on",
    "auto_renews",
    "renewal_notice_days",
    "breach_notice_days",
    "breach_notice_day_kind",
    "breach_notice_trigger",
    "breach_contact_name",
    "breach_contact_email",
    "indemnification",
    "indemnification_covers",
    "cap_kind",
    "cap_months",
    "cap_amount",
    "cap_multiple",
    "carve_outs",
    "cyber_insurance_amount",
    "return_destroy",
    "audit_rights",
    "offshore_restricted",
    "own_use_deidentify",
    "own_use_aggregate",
    "own_use_train_models",
    "own_use_other",
)


def practice_today(organization) -> date:
    return organization.today()


def reference_agreement(agreements) -> BusinessAssociateAgreement | None:
    """The agreement that speaks for the vendor: the signed one, else the latest open one,
    else the latest of any status (expired, terminated, superseded)."""
    agreements = list(agreements)
    for wanted in ((AgreementStatus.SIGNED,), (AgreementStatus.DRAFT, AgreementStatus.NEGOTIATION)):
        chosen = [a for a in agreements if a.status in wanted]
        if chosen:
            return max(chosen, key=lambda a: (a.created_at, a.id))
    return max(agreements, key=lambda a: (a.created_at, a.id)) if agreements else None


STATE_OF = {
    AgreementStatus.SIGNED: BaaState.SIGNED,
    AgreementStatus.DRAFT: BaaState.DRAFT,
    AgreementStatus.NEGOTIATION: BaaState.DRAFT,
    AgreementStatus.EXPIRED: BaaState.EXPIRED,
    AgreementStatus.TERMINATED: BaaState.TERMINATED,
    AgreementStatus.SUPERSEDED: BaaState.MISSING,
}


def vendor_baa_refresh(*, vendor: BusinessAssociate, today: date | None = None) -> list:
    """Recompute the vendor's stored BAA state, expiry and finding counts, and the counts of
    each of its agreements. Returns the findings of the agreement of reference. A bounded
    number of queries."""
    organization = vendor.organization
    today = today or practice_today(organization)
    warning = rules_for([organization.pk])[organization.pk][vendor.tier].first_warning_days
    agreements = list(
        BusinessAssociateAgreement.objects.filter(vendor=vendor).prefetch_related(
            "checklist", "amendments"
        )
    )
    v = vendor_facts(vendor, subcontractor_count=subcontractor_counts([vendor.pk])[vendor.pk])
    p = practice_facts(organization)
    for agreement in agreements:
        found = findings.agreement_findings(_facts(agreement), v, p, today, warning)
        c = findings.counts(found)
        if (agreement.findings_critical, agreement.findings_warning) != (
            c["critical"],
            c["warning"],
        ):
            BusinessAssociateAgreement.objects.filter(pk=agreement.pk).update(
                findings_critical=c["critical"], findings_warning=c["warning"]
            )
    ref = reference_agreement(agreements)
    # The counts are those of the agreement of reference; the gap itself (which depends on the
    # vendor's status, edited elsewhere) is the derived BAA status, computed at query time.
    ref_facts = _facts(ref) if ref else None
    found = findings.agreement_findings(ref_facts, v, p, today, warning) if ref else []
    c = findings.counts(found)
    state = STATE_OF[ref.status] if ref else BaaState.MISSING
    fields = {
        "baa_state": state,
        "baa_expires_on": ref.expires_on if ref and state == BaaState.SIGNED else None,
        "baa_findings_critical": c["critical"],
        "baa_findings_warning": c["warning"],
        # 164.504(e): a required provision absent makes the signed agreement deficient.
        "baa_deficient": bool(ref_facts and findings.is_deficient(ref_facts)),
    }
    # A plain update: these are derived values; the agreements carry the history.
    BusinessAssociate.objects.filter(pk=vendor.pk).update(**fields)
    for name, value in fields.items():
        setattr(vendor, name, value)
    return found


def _facts(agreement: BusinessAssociateAgreement) -> findings.AgreementFacts:
    """Facts from an agreement whose checklist and amendments are prefetched."""
    return agreement.facts(
        provisions={i.provision: i.state for i in agreement.checklist.all()},
        amendments=list(agreement.amendments.all()),
    )


def _sync_return_destroy(agreement: BusinessAssociateAgreement, actor) -> None:
    """The checklist's return/destruction row (164.504(e)(2)(ii)(J)) follows the "PHI at
    termination" term once that is recorded: the page asks the question once, in the terms."""
    states = findings.effective_provisions(
        findings.AgreementFacts(return_destroy=agreement.return_destroy)
    )
    wanted = states.get("return_destroy")
    if wanted is None:
        return
    item = agreement.checklist.filter(provision="return_destroy").first()
    if item is not None and item.state != wanted:
        item.state = wanted
        item.reviewed_by = actor
        item.reviewed_at = timezone.now()
        item.save(update_fields=["state", "reviewed_by", "reviewed_at"])


def _check_same_practice(agreement: BusinessAssociateAgreement) -> None:
    if agreement.vendor.organization_id != agreement.organization_id:
        raise ValidationError({"vendor": "Pick a vendor of this practice."})


def _save(agreement: BusinessAssociateAgreement) -> None:
    """Save, turning a database constraint violation into a form error."""
    try:
        with transaction.atomic():
            agreement.save()
    except IntegrityError as error:
        text = str(error)
        if "baa_effective_before_expiry" in text:
            raise ValidationError(
                {"expires_on": "The effective date must be before the expiration date."}
            ) from error
        if "baa_one_signed_per_vendor" in text:
            raise ValidationError("This vendor already has a signed, current BAA.") from error
        raise


@transaction.atomic
def agreement_create(*, agreement: BusinessAssociateAgreement, actor) -> BusinessAssociateAgreement:
    """A new draft (or in-negotiation) agreement with its empty provision checklist."""
    _check_same_practice(agreement)
    if agreement.status not in (AgreementStatus.DRAFT, AgreementStatus.NEGOTIATION):
        raise ValidationError({"status": "Create the agreement as a draft, then mark it signed."})
    agreement.created_by = actor
    _save(agreement)
    for position, provision in enumerate(PROVISIONS):
        ChecklistItem.objects.create(
            organization=agreement.organization,
            agreement=agreement,
            provision=provision.key,
            position=position,
        )
    _sync_return_destroy(agreement, actor)
    vendor_baa_refresh(vendor=agreement.vendor)
    return agreement


@transaction.atomic
def agreement_update(*, agreement: BusinessAssociateAgreement, actor) -> BusinessAssociateAgreement:
    """Save edited terms (the status changes only through the actions below)."""
    _check_same_practice(agreement)
    _save(agreement)
    _sync_return_destroy(agreement, actor)
    vendor_baa_refresh(vendor=agreement.vendor)
    return agreement


@transaction.atomic
def baa_sign(
    *,
    agreement: BusinessAssociateAgreement,
    actor,
    signed_on: date,
    effective_on: date | None = None,
    **signatories,
) -> BusinessAssociateAgreement:
    """Mark the agreement signed. The vendor's previously signed agreement, if any, is
    superseded in the same transaction (one signed agreement per vendor, enforced by the
    database too)."""
    if not agreement.is_open:
        raise ValidationError("Only a draft or an agreement in negotiation can be signed.")
    if signed_on is None:
        raise ValidationError({"signed_on": "Give the date it was signed."})
    if signed_on > practice_today(agreement.organization):
        raise ValidationError({"signed_on": "The signed date cannot be in the future."})
    # Lock the vendor row: two people signing at once are serialised here.
    BusinessAssociate.objects.select_for_update().filter(pk=agreement.vendor_id).first()
    for previous in BusinessAssociateAgreement.objects.filter(
        vendor_id=agreement.vendor_id, status=AgreementStatus.SIGNED
    ).exclude(pk=agreement.pk):
        previous.status = AgreementStatus.SUPERSEDED
        previous.save(update_fields=["status", "updated_at"])
    agreement.status = AgreementStatus.SIGNED
    agreement.signed_on = signed_on
    agreement.effective_on = effective_on or agreement.effective_on or signed_on
    for name, value in signatories.items():
        setattr(agreement, name, value)
    _save(agreement)
    vendor_baa_refresh(vendor=agreement.vendor)
    return agreement


@transaction.atomic
def agreement_new_version(
    *, agreement: BusinessAssociateAgreement, actor
) -> BusinessAssociateAgreement:
    """ "Supersede with new version": a draft copying the terms and checklist of ``agreement``.
    The old one stays signed until the new one is signed (``baa_sign`` supersedes it)."""
    if agreement.status not in (AgreementStatus.SIGNED, AgreementStatus.EXPIRED):
        raise ValidationError("Only a signed or expired agreement can get a new version.")
    new = BusinessAssociateAgreement(
        organization=agreement.organization,
        vendor=agreement.vendor,
        status=AgreementStatus.DRAFT,
        supersedes=agreement,
        created_by=actor,
        **{name: getattr(agreement, name) for name in COPIED_FIELDS},
    )
    new.effective_on = None
    new.expires_on = None
    _save(new)
    states = {i.provision: i for i in agreement.checklist.all()}
    for position, provision in enumerate(PROVISIONS):
        old = states.get(provision.key)
        ChecklistItem.objects.create(
            organization=new.organization,
            agreement=new,
            provision=provision.key,
            position=position,
            # Carried over as a starting point; the review belongs to the old version.
            state=old.state if old else ProvisionState.NOT_REVIEWED,
            note=old.note if old else "",
        )
    vendor_baa_refresh(vendor=agreement.vendor)
    return new


@transaction.atomic
def agreement_terminate(
    *, agreement: BusinessAssociateAgreement, actor, terminated_on: date, reason: str
) -> BusinessAssociateAgreement:
    """End the agreement (kept on file; 164.504(e)(2)(ii)(J) return/destroy follows)."""
    if agreement.status in (AgreementStatus.TERMINATED, AgreementStatus.SUPERSEDED):
        raise ValidationError("This agreement is already ended.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Record why the agreement ends."})
    if agreement.effective_on and terminated_on < agreement.effective_on:
        raise ValidationError({"terminated_on": "The agreement was not yet in effect then."})
    agreement.status = AgreementStatus.TERMINATED
    agreement.terminated_on = terminated_on
    agreement.termination_reason = reason
    agreement.save(update_fields=["status", "terminated_on", "termination_reason", "updated_at"])
    vendor_baa_refresh(vendor=agreement.vendor)
    return agreement


@transaction.atomic
def checklist_update(
    *, agreement: BusinessAssociateAgreement, actor, states: dict[str, str], notes=None
) -> int:
    """Record the review of provisions: ``{provision key: state}``. Rows whose state or note
    changes get the reviewer and time. Returns the number of rows changed."""
    notes = notes or {}
    now = timezone.now()
    changed = 0
    if agreement.return_destroy != ReturnDestroy.UNKNOWN:
        # Follows the "PHI at termination" term (``_sync_return_destroy``), not this form.
        states = {k: v for k, v in states.items() if k != "return_destroy"}
    for item in agreement.checklist.all():
        state = states.get(item.provision, item.state)
        if state not in ProvisionState.values:
            raise ValidationError(f"Unknown state {state!r}.")
        note = notes.get(item.provision, item.note)
        if state != item.state or note != item.note:
            item.state = state
            item.note = note
            item.reviewed_by = actor if state != ProvisionState.NOT_REVIEWED else None
            item.reviewed_at = now if state != ProvisionState.NOT_REVIEWED else None
            item.save(update_fields=["state", "note", "reviewed_by", "reviewed_at"])
            changed += 1
    if changed:
        vendor_baa_refresh(vendor=agreement.vendor)
    return changed


@transaction.atomic
def document_add(
    *, agreement: BusinessAssociateAgreement, actor, upload, kind: str = DocumentKind.SIGNED
) -> AgreementDocument:
    """Validate (a real, unencrypted PDF or a Word .docx without macros, within the size
    limit: the two formats the BAA reader reads) and store privately."""
    document = AgreementDocument.from_upload(
        upload,
        allowed=AGREEMENT_FILE_TYPES,
        organization=agreement.organization,
        uploaded_by=actor,
        agreement=agreement,
        kind=kind,
    )
    try:
        document.save()
    except Exception:
        document.file.delete(save=False)  # nothing stored when the row is not
        raise
    return document


@transaction.atomic
def amendment_add(
    *,
    agreement: BusinessAssociateAgreement,
    actor,
    amended_on: date,
    summary: str,
    upload=None,
    hitech_omnibus: bool = False,
) -> Amendment:
    """Record an amendment. One dated on or after the Omnibus compliance date (2013-09-23), or
    marked as the HITECH/Omnibus amendment, clears the pre-Omnibus finding."""
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError({"summary": "Summarise what the amendment changes."})
    document = None
    if upload is not None:
        document = document_add(
            agreement=agreement, actor=actor, upload=upload, kind=DocumentKind.AMENDMENT
        )
    amendment = Amendment.objects.create(
        organization=agreement.organization,
        agreement=agreement,
        amended_on=amended_on,
        summary=summary,
        hitech_omnibus=hitech_omnibus,
        document=document,
        created_by=actor,
    )
    vendor_baa_refresh(vendor=agreement.vendor)
    return amendment


def baa_refresh_practice(*, organization, today: date | None = None) -> int:
    """Recount every vendor's BAA findings (the time-dependent ones: expiring, renewal
    notice). For the nightly sweep, bulk loads and imports: the set-based
    ``baa_refresh_vendors`` over every vendor that has an agreement. Returns the number of
    vendors refreshed."""
    return baa_refresh_vendors(organization=organization, today=today)


class _Amended(NamedTuple):
    amended_on: date
    hitech_omnibus: bool


# Vendors decided together by ``baa_refresh_vendors``: its memory is that of one chunk.
VENDOR_CHUNK = 5000


def _in_chunks(ids, size=VENDOR_CHUNK):
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def baa_refresh_vendors(*, organization, vendor_ids=None, today: date | None = None) -> int:
    """What ``vendor_baa_refresh`` does, for many vendors of one practice at once (all those
    with an agreement, or those of ``vendor_ids`` that have one): the same stored state,
    expiry, finding counts and agreement counts, from bulk reads (agreements, checklists,
    amendments, subcontractor counts: a few queries per 5,000 vendors) and one
    ``UPDATE ... FROM unnest(...)`` for the vendors and one for the agreements whose values
    changed. A vendor whose findings cannot be computed is logged (id only) and skipped; the
    others are written. Returns the number of vendors refreshed."""
    today = today or practice_today(organization)
    rules = rules_for([organization.pk])[organization.pk]
    p = practice_facts(organization)
    wanted = BusinessAssociateAgreement.objects.filter(organization=organization)
    if vendor_ids is not None:
        wanted = wanted.filter(vendor_id__in=list(vendor_ids))
    all_ids = sorted(set(wanted.values_list("vendor_id", flat=True)))
    done = 0
    for ids in _in_chunks(all_ids):
        done += _refresh_chunk(organization, ids, rules, p, today)
    return done


def _refresh_chunk(organization, vendor_ids, rules, p, today) -> int:
    agreements = list(
        BusinessAssociateAgreement.objects.filter(
            organization=organization, vendor_id__in=vendor_ids
        ).order_by()
    )
    agreement_ids = [a.pk for a in agreements]
    provisions = defaultdict(dict)
    for agreement_id, provision, state in (
        ChecklistItem.objects.filter(agreement_id__in=agreement_ids)
        .order_by("agreement_id", "position", "id")
        .values_list("agreement_id", "provision", "state")
    ):
        provisions[agreement_id][provision] = state
    amendments = defaultdict(list)
    for agreement_id, amended_on, omnibus in (
        Amendment.objects.filter(agreement_id__in=agreement_ids)
        .order_by("-amended_on", "-id")
        .values_list("agreement_id", "amended_on", "hitech_omnibus")
    ):
        amendments[agreement_id].append(_Amended(amended_on, omnibus))
    by_vendor = defaultdict(list)
    for agreement in agreements:
        by_vendor[agreement.vendor_id].append(agreement)
    subcontractors = subcontractor_counts(vendor_ids)
    vendor_rows, agreement_rows = [], []
    for vendor in BusinessAssociate.objects.filter(pk__in=vendor_ids).order_by():
        try:
            warning = rules[vendor.tier].first_warning_days
            v = vendor_facts(vendor, subcontractor_count=subcontractors[vendor.pk])
            facts = {
                a.pk: a.facts(provisions=provisions[a.pk], amendments=amendments[a.pk])
                for a in by_vendor[vendor.pk]
            }
            changed = []
            for agreement in by_vendor[vendor.pk]:
                c = findings.counts(
                    findings.agreement_findings(facts[agreement.pk], v, p, today, warning)
                )
                if (agreement.findings_critical, agreement.findings_warning) != (
                    c["critical"],
                    c["warning"],
                ):
                    changed.append((agreement.pk, c["critical"], c["warning"]))
            ref = reference_agreement(by_vendor[vendor.pk])
            ref_facts = facts[ref.pk] if ref else None
            found = findings.agreement_findings(ref_facts, v, p, today, warning) if ref else []
            c = findings.counts(found)
            state = STATE_OF[ref.status] if ref else BaaState.MISSING
            row = (
                vendor.pk,
                str(state),
                ref.expires_on if ref and state == BaaState.SIGNED else None,
                c["critical"],
                c["warning"],
                bool(ref_facts and findings.is_deficient(ref_facts)),
            )
        except Exception:  # one bad record does not stop the rest; id only, no PHI
            logger.exception("BAA refresh failed for vendor %s", vendor.pk)
            continue
        agreement_rows.extend(changed)
        if row[1:] != (
            vendor.baa_state,
            vendor.baa_expires_on,
            vendor.baa_findings_critical,
            vendor.baa_findings_warning,
            vendor.baa_deficient,
        ):
            vendor_rows.append(row)
    _update_from(
        BusinessAssociate,
        [
            ("baa_state", "text"),
            ("baa_expires_on", "date"),
            ("baa_findings_critical", "integer"),
            ("baa_findings_warning", "integer"),
            ("baa_deficient", "boolean"),
        ],
        vendor_rows,
    )
    _update_from(
        BusinessAssociateAgreement,
        [("findings_critical", "integer"), ("findings_warning", "integer")],
        agreement_rows,
    )
    return len(vendor_ids)


def _update_from(model, columns, rows) -> None:
    """One ``UPDATE table SET ... FROM unnest(arrays)`` for ``rows`` = ``(pk, *values)``:
    derived values, written as ``vendor_baa_refresh`` writes them (a plain update, no
    history). Any number of rows in one statement (one array parameter per column)."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = [connection.ops.quote_name(model._meta.get_field(c).column) for c, _ in columns]
    types = ["bigint", *(t for _, t in columns)]
    aliases = ["pk", *(f"v{i}" for i in range(len(columns)))]
    unnest = ", ".join(f"%s::{t}[]" for t in types)
    sets = ", ".join(f"{n} = u.{a}" for n, a in zip(names, aliases[1:], strict=True))
    sql = (
        f"UPDATE {table} AS t SET {sets} FROM unnest({unnest}) AS u({', '.join(aliases)}) "
        "WHERE t.id = u.pk"
    )
    params = [list(col) for col in zip(*rows, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
