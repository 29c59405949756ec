"""The "not a business associate" determination: its form page and the vendor-page section
(rules: ``vendors/determination.py``; write: ``services.determination_record``)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from oversight.tenancy import get_rw_for_member, writer_required

from . import determination, panels, services
from .forms import DeterminationForm
from .models import BaDetermination, BusinessAssociate


@writer_required
def determination_create(request, pk: int):
    vendor = get_rw_for_member(request, BusinessAssociate, pk=pk)
    form = DeterminationForm(request.POST or None, vendor=vendor, membership=request.membership)
    if request.method == "POST" and form.is_valid():
        try:
            services.determination_record(
                vendor=vendor,
                basis=form.cleaned_data["basis"],
                explanation=form.cleaned_data["explanation"],
                determined_by=form.cleaned_data["determined_by"],
                determined_on=form.cleaned_data["determined_on"],
                actor=request.user,
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"{vendor.name} is recorded as not a business associate.")
            return redirect(vendor)
    context = {
        "form": form,
        "vendor": vendor,
        "needs_baa": determination.why_baa_needed(vendor.risk_profile) if vendor.needs_baa else "",
    }
    return render(request, "vendors/determination_form.html", context)


def determination_panel(request, vendor) -> dict | None:
    """The vendor page's section: the determination in force, or that one is needed. One
    query."""
    rows = (
        list(BaDetermination.objects.filter(vendor=vendor).select_related("recorded_by"))
        if panels.has_rows(vendor, "determinations")
        else []
    )
    if vendor.needs_baa and not rows:
        return None
    return {
        "template": "vendors/_determination_panel.html",
        "order": 5,
        "current": rows[0] if rows and vendor.determined_not_ba else None,
        "determinations": rows,
        "can_write": request.membership.can_write,
    }


def connect() -> None:
    panels.register(determination_panel)
    panels.lists("determinations", BaDetermination)
