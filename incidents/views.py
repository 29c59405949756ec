from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from oversight.choices import AuditAction
from oversight.models import audit
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

from . import clocks, services
from .choices import IncidentStatus, NoticeMethod
from .forms import IncidentForm, NoticeForm
from .models import IncidentNotice, VendorIncident


def _errors_to_form(error: ValidationError, form) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def deadline_rows(incident: VendorIncident, today, notices=None) -> list[dict]:
    """Every clock of an incident with its cite and state (``incidents.clocks``)."""
    return [
        {"deadline": d, "state": d.state(today).value}
        for d in clocks.all_deadlines(incident.facts(notices))
    ]


@require_safe
@member_required
def incident_list(request):
    status = request.GET.get("status", "open")
    incidents = scoped(request, VendorIncident).select_related("vendor")
    if status == "open":
        incidents = incidents.exclude(status=IncidentStatus.CLOSED)
    elif status in IncidentStatus.values:
        incidents = incidents.filter(status=status)
    incidents = list(incidents.prefetch_related("notices"))
    today = request.practice.today()
    rows = []
    for incident in incidents:
        upcoming = clocks.next_open(incident.facts(list(incident.notices.all())))
        rows.append(
            {
                "incident": incident,
                "next": upcoming,
                "state": upcoming.state(today).value if upcoming else "",
            }
        )
    return render(
        request,
        "incidents/incident_list.html",
        {"rows": rows, "status": status, "statuses": IncidentStatus.choices},
    )


def _incident_form(request, incident: VendorIncident, *, title: str):
    initial = {} if incident.pk else {"discovery_basis": request.practice.breach_clock_from}
    if incident.vendor_id and not incident.pk:
        initial["vendor"] = incident.vendor_id
    form = IncidentForm(
        request.POST or None, instance=incident, organization=request.practice, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.incident_save(
                incident=form.save(commit=False),
                actor=request.user,
                close=form.cleaned_data["close"],
            )
        except ValidationError as error:
            _errors_to_form(error, form)
        else:
            messages.success(request, "Incident saved.")
            return redirect("incident_detail", pk=saved.pk)
    return render(
        request,
        "incidents/incident_form.html",
        {"form": form, "title": title, "incident": incident},
    )


@writer_required
def incident_create(request):
    incident = VendorIncident(organization=request.practice)
    vendor_id = parse_id(request.GET.get("vendor"))
    if vendor_id is not None:
        incident.vendor = get_for_member(request, BusinessAssociate, pk=vendor_id)
    return _incident_form(request, incident, title="Record an incident")


@member_required
def incident_create_for_vendor(request, pk: int):
    vendor = get_rw_for_member(request, BusinessAssociate, pk=pk)
    incident = VendorIncident(organization=request.practice, vendor=vendor)
    return _incident_form(request, incident, title=f"Record an incident: {vendor.name}")


@member_required
def incident_edit(request, pk: int):
    incident = get_rw_for_member(request, VendorIncident.objects.select_related("vendor"), pk=pk)
    return _incident_form(request, incident, title="Edit the incident")


@require_safe
@member_required
def incident_detail(request, pk: int):
    incident = get_for_member(request, VendorIncident.objects.select_related("vendor"), pk=pk)
    notices = list(incident.notices.all())
    facts = incident.facts(notices)
    return render(
        request,
        "incidents/incident_detail.html",
        {
            "incident": incident,
            "notices": notices,
            "rows": deadline_rows(incident, request.practice.today(), notices),
            "notice_required": clocks.notice_required(facts),
            "discovered": clocks.discovery_date(facts),
            "can_write": request.membership.can_write,
        },
    )


@member_required
def notice_create(request, pk: int):
    incident = get_rw_for_member(request, VendorIncident.objects.select_related("vendor"), pk=pk)
    notice = IncidentNotice(organization=request.practice, incident=incident)
    form = NoticeForm(request.POST or None, instance=notice)
    if request.method == "POST" and form.is_valid():
        try:
            services.notice_record(notice=form.save(commit=False), actor=request.user)
        except ValidationError as error:
            _errors_to_form(error, form)
        else:
            messages.success(request, "Notice recorded.")
            return redirect("incident_detail", pk=incident.pk)
    return render(
        request,
        "incidents/notice_form.html",
        {"form": form, "incident": incident, "title": "Record a notice"},
    )


def _substitute(incident) -> str:
    """Whether substitute notice was given (164.404(d)(2)), from the recorded notices."""
    methods = {n.method for n in incident.notices.all()}
    return "yes" if NoticeMethod.SUBSTITUTE in methods else "no"


# The fields the HHS breach portal asks for that the record holds (164.408(c) annual log).
HHS_LOG_COLUMNS = [
    ("business_associate", lambda i, f: i.vendor.name),
    ("breach_start_date", lambda i, f: i.breach_started_on),
    ("breach_end_date", lambda i, f: i.breach_ended_on),
    ("date_of_discovery", lambda i, f: clocks.discovery_date(f).isoformat()),
    ("vendor_discovered_on", lambda i, f: i.vendor_discovered_on.isoformat()),
    ("individuals_affected", lambda i, f: i.individuals_affected),
    ("states", lambda i, f: "; ".join(f"{k}: {v}" for k, v in (i.states or {}).items())),
    ("type_of_breach", lambda i, f: "; ".join(i.breach_type_labels)),
    ("location_of_breached_information", lambda i, f: "; ".join(i.location_labels)),
    ("type_of_phi", lambda i, f: "; ".join(i.phi_category_labels)),
    ("what_happened", lambda i, f: i.description),
    ("safeguards_and_actions_taken", lambda i, f: i.factor_mitigation),
    ("notice_to_individuals_on", lambda i, f: f.notices_given.get("individuals")),
    ("substitute_notice", lambda i, f: _substitute(i)),
    ("media_notice_on", lambda i, f: f.notices_given.get("media")),
    ("law_enforcement_delay_until", lambda i, f: i.law_enforcement_until),
]


@require_safe
@member_required
def hhs_log_export(request, fmt: str):
    """The practice's breaches of fewer than 500 individuals discovered in ``?year=`` (default:
    last year), for the annual submission to HHS (164.408(c)); logged as an export."""
    today = request.practice.today()
    year = parse_id(request.GET.get("year"))
    year = year if year is not None and 2009 <= year <= today.year else today.year - 1
    incidents = (
        scoped(request, VendorIncident)
        # The discovery date is one of these two (``clocks.discovery_date``).
        .filter(Q(vendor_discovered_on__year=year) | Q(practice_discovered_on__year=year))
        .select_related("vendor")
        .prefetch_related("notices")
        .order_by("vendor_discovered_on", "id")
    )
    rows = []
    for incident in incidents:
        facts = incident.facts(list(incident.notices.all()))
        if clocks.in_annual_log(facts, year):
            rows.append([get(incident, facts) for _, get in HHS_LOG_COLUMNS])
    dataset = build_dataset([n for n, _ in HHS_LOG_COLUMNS], rows, title=f"HHS log {year}")
    audit(request, AuditAction.EXPORTED, label=f"HHS breach log {year} ({fmt})", rows=len(rows))
    return export_response(dataset, fmt, f"hhs-breach-log-{year}")
