from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from oversight.admin import KeptRecordAdmin

from .models import BaDetermination, BusinessAssociate, Subcontractor, TierChange, VendorContact
from .services import vendor_save


class ContactInline(KeptRecordAdmin, admin.TabularInline):
    model = VendorContact
    extra = 0
    exclude = ["organization"]


class SubcontractorInline(KeptRecordAdmin, admin.TabularInline):
    model = Subcontractor
    fk_name = "vendor"
    extra = 0
    exclude = ["organization"]
    raw_id_fields = ["linked_vendor"]


class TierChangeInline(KeptRecordAdmin, admin.TabularInline):
    model = TierChange
    extra = 0
    readonly_fields = ["changed_at", "changed_by", "from_tier", "to_tier", "source", "reason"]
    exclude = ["organization"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(BusinessAssociate)
class BusinessAssociateAdmin(KeptRecordAdmin, SimpleHistoryAdmin):
    list_display = ["name", "organization", "category", "status", "tier", "computed_tier", "owner"]
    list_filter = [
        "organization",
        "tier",
        "category",
        "status",
        "needs_baa",
        "handles_phi",
        "determined_not_ba",
        "baa_deficient",
        "archived_at",
    ]
    search_fields = ["name", "services", "external_id"]
    readonly_fields = [
        "handles_phi",
        "needs_baa",
        "determined_not_ba",
        "computed_tier",
        "tier_reasons",
        "tier",
        "created_at",
    ]
    raw_id_fields = ["owner"]
    inlines = [ContactInline, SubcontractorInline, TierChangeInline]

    def save_model(self, request, obj, form, change):
        vendor_save(vendor=obj, actor=request.user)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for instance in instances:
            instance.organization_id = form.instance.organization_id
            instance.save()
        formset.save_m2m()


@admin.register(VendorContact)
class VendorContactAdmin(KeptRecordAdmin, SimpleHistoryAdmin):
    list_display = ["name", "vendor", "role", "email", "phone", "organization"]
    list_filter = ["organization", "role"]
    search_fields = ["name", "email", "vendor__name"]


@admin.register(Subcontractor)
class SubcontractorAdmin(KeptRecordAdmin, SimpleHistoryAdmin):
    list_display = ["display_name", "vendor", "linked_vendor", "offshore", "organization"]
    list_filter = ["organization", "offshore"]
    search_fields = ["name", "vendor__name"]


@admin.register(TierChange)
class TierChangeAdmin(KeptRecordAdmin, admin.ModelAdmin):
    list_display = ["vendor", "from_tier", "to_tier", "source", "changed_by", "changed_at"]
    list_filter = ["organization", "source", "to_tier"]
    search_fields = ["vendor__name", "reason"]


@admin.register(BaDetermination)
class BaDeterminationAdmin(KeptRecordAdmin, SimpleHistoryAdmin):
    """Read-only here: a determination is recorded from the vendor page, where its rules
    (``vendors/determination.py``) are checked."""

    list_display = ["vendor", "basis", "determined_by_name", "determined_on", "organization"]
    list_filter = ["organization", "basis"]
    search_fields = ["vendor__name", "explanation"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
