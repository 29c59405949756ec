from datetime import date

from django.contrib import messages
from django.core.exceptions import EmptyResultSet, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from oversight import keep, queue
from oversight.models import rules_for
from oversight.policy import DEFAULT_RULES
from oversight.tenancy import (
    get_for_member,
    get_rw_for_member,
    member_required,
    scoped,
    writer_required,
)

from . import baa_status, panels, services
from .choices import TIER_RANK
from .filtersets import inventory_filterset
from .forms import ContactForm, SubcontractorForm, TierOverrideForm, VendorForm
from .models import BusinessAssociate, Subcontractor, VendorContact

PAGE_SIZE = 25

TIER_RANK_EXPR = Case(
    *[When(tier=tier, then=Value(rank)) for tier, rank in TIER_RANK.items()],
    output_field=IntegerField(),
)


def vendor_queryset(request):
    return (
        scoped(request, BusinessAssociate)
        .select_related("owner__user")
        .annotate(tier_rank=TIER_RANK_EXPR)
    )


@member_required
def vendor_list(request):
    # Read before the policy, the count and the page: a write committed later changes it.
    token = queue.data_token(request.practice.pk)
    warning_days = kept_warning_days(request.practice, token)
    filterset = vendor_filterset(request, warning_days=warning_days)
    query = request.GET.copy()
    query.pop("page", None)
    if token is None:
        rows = ordered(filterset)
        paginator = Paginator(rows, PAGE_SIZE)
        paginator.count = row_count(rows)
    else:
        key = (token, request.practice.today(), sorted(warning_days.items()), query.urlencode())
        paginator = Paginator(KeptRows(filterset, token=token, key=repr(key)), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    context = {"filter": filterset, "page": page, "query": query.urlencode()}
    template = "vendors/_vendor_table.html" if request.htmx else "vendors/vendor_list.html"
    return render(request, template, context)


def kept_warning_days(practice, token: str | None) -> dict[str, int] | None:
    """The practice's first BAA expiry warning by tier (``inventory_filterset``'s
    ``warning_days``), kept under ``token`` (a policy change is a write; the built-in defaults
    are in the key); ``None``: ``inventory_filterset`` reads the policy."""
    if token is None:
        return None
    defaults = baa_status.warning_days_by_tier(DEFAULT_RULES)
    key = "vendors.warning_days:" + ",".join(f"{t}={d}" for t, d in sorted(defaults.items()))
    return keep.kept(
        token,
        key,
        lambda: baa_status.warning_days_by_tier(rules_for([practice.pk])[practice.pk]),
    )


def row_count(qs) -> int:
    """The number of rows of an inventory queryset. Its annotations (BAA status and rank, tier
    rank) only add columns: a filter on one writes the expression itself in the WHERE clause.
    So the count drops them; Django's ``count()`` would strip them one by one, hashing each
    (5 ms a page for the BAA status's ten-branch CASE). Same rows, same number."""
    bare = qs.order_by()
    bare.query.annotations = {}
    return bare.count()


# The list's SQL (its count, the ids in its order) by practice data token, day, warning days
# and query string: building the filtered queryset and compiling it (the BAA status's CASE in
# the WHERE and the ORDER BY) cost more than running it. Kept per process (code changes with
# the process); a write changes the token, so an old entry is never used again.
_compiled: dict = {}
EMPTY = None  # nothing can match (an invalid filter): no SQL to run


class KeptRows:
    """The inventory's rows of ``filterset`` as the paginator counts and slices them, with
    what they read kept in the cache (``oversight.queue.kept_rows``) under the practice's data
    token, read before them: it changes with every committed write to the practice's rows, so
    a kept answer is never stale; the query itself is the rest of the key (its filters, sort,
    page and the practice's day are in it). A count reads every listed row (the whole practice
    unfiltered; at 20,000 vendors a tier and BAA-status filter reads half the table, and its
    sort by tier sorts thousands of rows for 25): paging through a list, or coming back to it,
    costs one small query (the token's) and the page's rows read by id."""

    def __init__(self, filterset, *, token: str, key: str):
        self.filterset = filterset
        self.token = token
        if key not in _compiled:
            if len(_compiled) > 1000:
                _compiled.clear()
            _compiled[key] = self._sql(ordered(filterset))
        self.sql = _compiled[key]

    @staticmethod
    def _sql(rows):
        bare = rows.order_by()
        bare.query.annotations = {}  # as ``row_count``
        try:
            return (
                bare.values_list("pk").query.sql_with_params(),
                rows.values_list("pk").query.sql_with_params(),
            )
        except EmptyResultSet:
            return EMPTY

    def count(self) -> int:
        if self.sql is EMPTY:
            return 0
        sql, params = self.sql[0]
        counted = queue.kept_rows(self.token, f"SELECT COUNT(*) FROM ({sql}) AS listed", [*params])
        return counted[0][0]

    def __getitem__(self, window: slice) -> list:
        """The vendors of one page: their ids in the list's order, then those rows from the
        inventory's annotated queryset (without the ranks, which only sort)."""
        if self.sql is EMPTY or window.stop <= window.start:
            return []
        sql, params = self.sql[1]
        sql = f"{sql} LIMIT %s OFFSET %s"
        window_params = [*params, window.stop - window.start, window.start]
        ids = [pk for (pk,) in queue.kept_rows(self.token, sql, window_params)]
        rows = self.filterset.queryset.filter(pk__in=ids).order_by()
        rows.query.set_annotation_mask(["baa_status"])  # what the table shows
        found = {vendor.pk: vendor for vendor in rows}
        return [found[pk] for pk in ids if pk in found]


def vendor_filterset(request, *, warning_days: dict[str, int] | None = None):
    """The inventory as the list shows it (BAA status annotated), with the request's filters:
    shared by the list page and its export so both always agree."""
    return inventory_filterset(
        request.GET,
        organization=request.practice,
        queryset=vendor_queryset(request),
        warning_days=warning_days,
    )


def ordered(filterset):
    qs = filterset.qs
    chosen = filterset.is_bound and filterset.form.cleaned_data.get("sort")
    # A stable tie-breaker keeps pagination consistent.
    return qs.order_by(*qs.query.order_by, "name", "id") if chosen else qs.order_by("name", "id")


@member_required
def vendor_detail(request, pk: int):
    # The list's tier rank is not shown here; the panels' one-to-one rows are read along, and
    # which of the lists the page shows have rows at all (``panels.presence``).
    vendor = get_for_member(
        request,
        BusinessAssociate.objects.select_related(
            "owner__user", *panels.vendor_relations()
        ).annotate(**panels.presence()),
        pk=pk,
    )
    vendor.organization = request.practice  # the same row (tenancy): the panels read it
    contacts = list(vendor.contacts.all()) if panels.has_rows(vendor, "contacts") else []
    subcontractors = panels.subcontractors(vendor)
    # Only the name and link of each vendor that lists this one as its subcontractor.
    subcontracted_by = (
        list(vendor.subcontracted_by.values("vendor_id", "vendor__name"))
        if panels.has_rows(vendor, "subcontracted_by")
        else []
    )
    context = {
        "vendor": vendor,
        "contacts": [c for c in contacts if c.ended_on is None],
        "former_contacts": [c for c in contacts if c.ended_on is not None],
        "subcontractors": [s for s in subcontractors if s.ended_on is None],
        "former_subcontractors": [s for s in subcontractors if s.ended_on is not None],
        "subcontracted_by": subcontracted_by,
        "tier_changes": panels.tier_history(vendor)[:20],
        "can_write": request.membership.can_write,
        "panels": panels.render_panels(request, vendor),
    }
    return render(request, "vendors/vendor_detail.html", context)


def _save_vendor_form(request, form) -> BusinessAssociate | None:
    if not form.is_valid():
        return None
    vendor = form.save(commit=False)
    vendor.organization = request.practice
    try:
        return services.vendor_save(vendor=vendor, actor=request.user)
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return None


@writer_required
def vendor_create(request):
    form = VendorForm(request.POST or None, organization=request.practice)
    if request.method == "POST":
        vendor = _save_vendor_form(request, form)
        if vendor is not None:
            messages.success(
                request, f"{vendor.name} added to the inventory, tier {vendor.get_tier_display()}."
            )
            return redirect(vendor)
    return render(request, "vendors/vendor_form.html", {"form": form})


@member_required
def vendor_edit(request, pk: int):
    vendor = get_rw_for_member(request, BusinessAssociate, pk=pk)
    form = VendorForm(request.POST or None, instance=vendor, organization=request.practice)
    if request.method == "POST":
        saved = _save_vendor_form(request, form)
        if saved is not None:
            messages.success(request, f"{saved.name} saved.")
            return redirect(saved)
    return render(request, "vendors/vendor_form.html", {"form": form, "vendor": vendor})


@member_required
@require_POST
def vendor_archive(request, pk: int):
    vendor = get_rw_for_member(request, BusinessAssociate, pk=pk)
    if request.POST.get("restore"):
        services.vendor_restore(vendor=vendor)
        messages.success(request, f"{vendor.name} restored to the inventory.")
    else:
        services.vendor_archive(vendor=vendor)
        messages.success(
            request, f"{vendor.name} archived. Its records are kept; find it with 'Show archived'."
        )
    return redirect(vendor)


@member_required
def tier_override(request, pk: int):
    vendor = get_rw_for_member(request, BusinessAssociate, pk=pk)
    form = TierOverrideForm(
        request.POST or None,
        initial={"tier": vendor.tier, "reason": vendor.tier_override_reason},
    )
    if request.method == "POST":
        if request.POST.get("clear"):
            services.tier_override_clear(vendor=vendor, actor=request.user)
            messages.success(request, "Override removed: the computed tier applies again.")
            return redirect(vendor)
        if form.is_valid():
            services.tier_override_set(
                vendor=vendor,
                actor=request.user,
                tier=form.cleaned_data["tier"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, f"Tier set to {vendor.get_tier_display()}.")
            return redirect(vendor)
    return render(request, "vendors/tier_override.html", {"form": form, "vendor": vendor})


def _child_form(request, *, vendor, form_class, instance=None, title: str, extra=None):
    kwargs = {"instance": instance, **(extra or {})}
    form = form_class(request.POST or None, **kwargs)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        obj.organization = request.practice
        obj.vendor = vendor
        obj.save()
        messages.success(request, f"{title} saved.")
        return redirect(vendor)
    return render(
        request, "vendors/child_form.html", {"form": form, "vendor": vendor, "title": title}
    )


@member_required
def contact_edit(request, pk: int, contact_pk: int | None = None):
    vendor = get_rw_for_member(request, BusinessAssociate, pk=pk)
    contact = (
        get_for_member(request, VendorContact.objects.filter(vendor=vendor), pk=contact_pk)
        if contact_pk
        else None
    )
    return _child_form(
        request, vendor=vendor, form_class=ContactForm, instance=contact, title="Contact"
    )


def _ended_on(request):
    """The end date posted (default: the practice's today), or None with a message."""
    raw = (request.POST.get("ended_on") or "").strip()
    if not raw:
        return request.practice.today()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        messages.error(request, "Give the end date as YYYY-MM-DD.")
        return None


@member_required
@require_POST
def contact_end(request, pk: int, contact_pk: int):
    """Compliance records are never deleted: a former contact is ended and listed as former."""
    vendor = get_rw_for_member(request, BusinessAssociate, pk=pk)
    contact = get_for_member(request, VendorContact.objects.filter(vendor=vendor), pk=contact_pk)
    ended_on = _ended_on(request)
    if ended_on is not None:
        try:
            services.contact_end(contact=contact, actor=request.user, ended_on=ended_on)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, f"{contact.name} is listed as a former contact from {ended_on:%Y-%m-%d}."
            )
    return redirect(vendor)


@member_required
def subcontractor_edit(request, pk: int, sub_pk: int | None = None):
    vendor = get_rw_for_member(request, BusinessAssociate, pk=pk)
    sub = (
        get_for_member(request, Subcontractor.objects.filter(vendor=vendor), pk=sub_pk)
        if sub_pk
        else None
    )
    return _child_form(
        request,
        vendor=vendor,
        form_class=SubcontractorForm,
        instance=sub,
        title="Subcontractor",
        extra={"vendor": vendor},
    )


@member_required
@require_POST
def subcontractor_end(request, pk: int, sub_pk: int):
    """Compliance records are never deleted: a subcontractor no longer used is ended and kept
    (who held the practice's PHI, and when)."""
    vendor = get_rw_for_member(request, BusinessAssociate, pk=pk)
    sub = get_for_member(request, Subcontractor.objects.filter(vendor=vendor), pk=sub_pk)
    ended_on = _ended_on(request)
    if ended_on is not None:
        try:
            services.subcontractor_end(subcontractor=sub, actor=request.user, ended_on=ended_on)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                f"{sub.display_name} is listed as a former subcontractor from {ended_on:%Y-%m-%d}.",
            )
    return redirect(vendor)
