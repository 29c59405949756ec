from dateutil.relativedelta import relativedelta
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from oversight.choices import AuditAction
from oversight.files import serve_field
from oversight.models import audit
from oversight.tenancy import get_for_member, member_required, scoped

from . import services
from .choices import BinderStatus
from .models import BinderExport

# Activity periods offered on the form: months back from the as-of date. Six years is how long
# HIPAA documentation is kept (164.316(b)(2)(i), 164.530(j)(2)).
PERIODS = {"12m": 12, "6y": 72}


class BinderForm(forms.Form):
    as_of = forms.DateField(label="As of", widget=forms.DateInput(attrs={"type": "date"}))
    period = forms.ChoiceField(
        label="Activity period",
        choices=[
            ("12m", "Last 12 months"),
            ("6y", "Last 6 years (HIPAA retention)"),
            ("custom", "From the date below"),
        ],
        initial="12m",
        required=False,
    )
    period_start = forms.DateField(
        label="Activity log from",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text='Used when the period is "From the date below".',
    )

    def __init__(self, *args, today=None, **kwargs):
        self.today = today or timezone.localdate()
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        as_of = cleaned.get("as_of")
        period = cleaned.get("period") or "custom"
        if period in PERIODS:
            start = as_of - relativedelta(months=PERIODS[period]) if as_of else None
            cleaned["period_start"] = start
        else:
            start = cleaned.get("period_start")
            if start is None and "period_start" not in self.errors:
                self.add_error("period_start", "Enter the first day of the activity period.")
        today = self.today
        if as_of and as_of > today:
            self.add_error("as_of", "The binder cannot be dated in the future.")
        if as_of and start and start > as_of:
            self.add_error("period_start", "The period must start on or before the as-of date.")
        if start and start.year < 2000:
            self.add_error("period_start", "Choose a date after 2000.")
        return cleaned


def _require_binder_role(request):
    if not request.membership.can_export_binder:
        raise PermissionDenied("Only admins, managers and auditors can export the audit binder.")


@member_required
def binder_page(request):
    _require_binder_role(request)
    today = request.practice.today()
    form = BinderForm(
        request.POST or None,
        today=today,
        initial={
            "as_of": today,
            "period": "12m",
            "period_start": today - relativedelta(months=PERIODS["12m"]),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.binder_request(
                request=request,
                as_of=form.cleaned_data["as_of"],
                period_start=form.cleaned_data["period_start"],
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(
                request, "The binder is being generated; this page shows its progress."
            )
            return redirect("binder_page")
    exports = scoped(request, BinderExport).select_related("requested_by")[:20]
    return render(request, "binder/binder_page.html", {"form": form, "exports": exports})


@member_required
def binder_status(request, pk: int):
    _require_binder_role(request)
    export = get_for_member(request, BinderExport, pk=pk)
    return render(request, "binder/_export_row.html", {"export": export})


@member_required
def binder_download(request, pk: int, kind: str):
    _require_binder_role(request)
    export = get_for_member(request, BinderExport, pk=pk)
    if export.status != BinderStatus.DONE:
        raise Http404("This binder is not ready.")
    field = export.pdf if kind == "pdf" else export.archive
    audit(request, AuditAction.BINDER_DOWNLOADED, obj=export, kind=kind)
    content_type = "application/pdf" if kind == "pdf" else "application/zip"
    return serve_field(
        field, filename=field.name.rsplit("/", 1)[-1].split("-", 1)[-1], content_type=content_type
    )
