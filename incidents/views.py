from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from oversight.tenancy import (
    get_for_member,
    get_rw_for_member,
    member_required,
    scoped,
    writer_required,
)
from vendors.models import BusinessAssociate

from . import clocks, services
from .choices import IncidentStatus
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
    form = IncidentForm(
        request.POST or None,
        instance=incident,
        organization=request.practice,
        initial={"vendor": incident.vendor_id} if incident.vendor_id else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.incident_save(incident=form.save(commit=False), actor=request.user)
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
    vendor_id = request.GET.get("vendor", "")
    if vendor_id.isdecimal():
        incident.vendor = get_for_member(request, BusinessAssociate, pk=int(vendor_id))
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
