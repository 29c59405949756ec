from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from oversight.admin import KeptRecordAdmin

from .models import AgreementDocument, Amendment, BusinessAssociateAgreement, ChecklistItem
from .services import vendor_baa_refresh


class ChecklistInline(KeptRecordAdmin, admin.TabularInline):
    model = ChecklistItem
    extra = 0
    fields = ["provision", "state", "note", "reviewed_by", "reviewed_at"]
    readonly_fields = ["provision", "reviewed_by", "reviewed_at"]

    def has_add_permission(self, request, obj=None):
        return False


class DocumentInline(KeptRecordAdmin, admin.TabularInline):
    model = AgreementDocument
    extra = 0
    fields = ["original_name", "kind", "size", "sha256", "uploaded_by", "uploaded_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False  # uploads go through the validated upload page


@admin.register(BusinessAssociateAgreement)
class AgreementAdmin(KeptRecordAdmin, SimpleHistoryAdmin):
    list_display = [
        "vendor",
        "organization",
        "status",
        "signed_on",
        "expires_on",
        "findings_critical",
        "findings_warning",
    ]
    list_filter = ["organization", "status", "template_source", "indemnification", "cap_kind"]
    search_fields = ["vendor__name", "service_agreement"]
    raw_id_fields = ["vendor", "supersedes", "created_by"]
    readonly_fields = ["findings_critical", "findings_warning", "created_at", "updated_at"]
    inlines = [ChecklistInline, DocumentInline]

    def has_delete_permission(self, request, obj=None):
        return False  # compliance records are archived (terminated/superseded), never deleted

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        vendor_baa_refresh(vendor=obj.vendor)


@admin.register(AgreementDocument)
class AgreementDocumentAdmin(KeptRecordAdmin, SimpleHistoryAdmin):
    list_display = ["original_name", "agreement", "organization", "kind", "size", "uploaded_at"]
    list_filter = ["organization", "kind"]
    search_fields = ["original_name", "agreement__vendor__name", "sha256"]
    readonly_fields = [
        "file",
        "original_name",
        "content_type",
        "size",
        "sha256",
        "uploaded_by",
        "uploaded_at",
    ]
    raw_id_fields = ["agreement"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ChecklistItem)
class ChecklistItemAdmin(KeptRecordAdmin, SimpleHistoryAdmin):
    list_display = ["agreement", "provision", "state", "reviewed_by", "reviewed_at"]
    list_filter = ["organization", "state", "provision"]
    search_fields = ["agreement__vendor__name"]
    raw_id_fields = ["agreement", "reviewed_by"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Amendment)
class AmendmentAdmin(KeptRecordAdmin, SimpleHistoryAdmin):
    list_display = ["agreement", "organization", "amended_on"]
    list_filter = ["organization"]
    raw_id_fields = ["agreement", "document", "created_by"]

    def has_delete_permission(self, request, obj=None):
        return False
