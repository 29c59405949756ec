"""Import and export of the vendor inventory (CSV / XLSX)."""

import secrets

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from oversight.choices import AuditAction
from oversight.models import audit
from oversight.tabular import TableError, build_dataset, export_response, read_table
from oversight.tenancy import member_required, writer_required

from . import importing
from .views import ordered, vendor_filterset

SESSION_KEY = "vendor_import"
MAX_IMPORT_BYTES = 5 * 1024 * 1024

EXPORT_COLUMNS = [
    ("name", lambda v: v.name),
    ("external_id", lambda v: v.external_id),
    ("tier", lambda v: v.tier),
    ("computed_tier", lambda v: v.computed_tier),
    ("tier_reasons", lambda v: "; ".join(v.tier_reasons or [])),
    ("tier_override_reason", lambda v: v.tier_override_reason),
    ("baa_status", lambda v: v.baa_status),
    ("category", lambda v: v.category),
    ("services", lambda v: v.services),
    ("status", lambda v: v.status),
    ("owner_email", lambda v: v.owner.user.email if v.owner else ""),
    ("phi_electronic", lambda v: "yes" if v.phi_electronic else "no"),
    ("phi_paper", lambda v: "yes" if v.phi_paper else "no"),
    ("phi_types", lambda v: "; ".join(v.phi_types or [])),
    ("record_count", lambda v: v.record_count if v.record_count is not None else ""),
    ("access_level", lambda v: v.access_level),
    ("remote_access", lambda v: "yes" if v.remote_access else "no"),
    ("offshore", lambda v: "yes" if v.offshore else "no"),
    ("uses_subcontractors", lambda v: "yes" if v.uses_subcontractors else "no"),
    ("criticality", lambda v: v.criticality),
    ("phi_access_began", lambda v: v.phi_access_began.isoformat() if v.phi_access_began else ""),
    ("website", lambda v: v.website),
    ("notes", lambda v: v.notes),
]


class ImportForm(forms.Form):
    file = forms.FileField(help_text="A .csv or .xlsx file with the template's columns.")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError("The file is larger than 5 MB.")
        try:
            self.rows = read_table(upload, max_rows=importing.MAX_ROWS)
        except TableError as error:
            raise forms.ValidationError(str(error)) from error
        return upload


@member_required
def vendor_export(request, fmt: str):
    vendors = ordered(vendor_filterset(request))
    dataset = build_dataset(
        [name for name, _ in EXPORT_COLUMNS],
        ([get(v) for _, get in EXPORT_COLUMNS] for v in vendors),
        title="Vendors",
    )
    audit(request, AuditAction.EXPORTED, label=f"Vendor inventory ({fmt})", rows=len(dataset))
    stamp = timezone.localdate().isoformat()
    return export_response(dataset, fmt, f"vendor-inventory-{stamp}")


@member_required
def import_template(request, fmt: str):
    dataset = build_dataset(list(importing.COLUMNS), importing.template_rows(), title="Vendors")
    allowed = build_dataset(
        ["column", "meaning", "allowed values"], importing.allowed_values(), title="Allowed values"
    )
    return export_response(dataset, fmt, "vendor-import-template", extra_sheets=[allowed])


@writer_required
def vendor_import(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {"form": form, "columns": importing.allowed_values()}
    if request.method == "POST" and form.is_valid():
        rows = form.rows
        result = importing.preview(request.practice, rows)
        token = secrets.token_urlsafe(8)
        if result.ok:
            # Kept in the session until confirmed; nothing is written before that.
            request.session[SESSION_KEY] = {
                "token": token,
                "rows": rows,
                "source": form.cleaned_data["file"].name[:100],
                "practice": request.practice.pk,
            }
        context.update({"preview": result, "token": token})
    return render(request, "vendors/import.html", context)


@writer_required
@require_POST
def vendor_import_confirm(request):
    pending = request.session.get(SESSION_KEY)
    if (
        not pending
        or pending.get("token") != request.POST.get("token")
        or pending.get("practice") != request.practice.pk
    ):
        messages.error(request, "This import has expired. Upload the file again.")
        return redirect("vendor_import")
    result = importing.apply(
        request.practice, pending["rows"], actor=request.user, source=pending["source"]
    )
    if not result.ok:
        messages.error(
            request, "The data changed since the preview; nothing was imported. Review the errors."
        )
        return render(
            request,
            "vendors/import.html",
            {"form": ImportForm(), "preview": result, "columns": importing.allowed_values()},
        )
    del request.session[SESSION_KEY]
    messages.success(
        request,
        f"Import done: {result.count('create')} created, {result.count('update')} updated, "
        f"{result.count('unchanged')} unchanged.",
    )
    return redirect("vendor_list")
