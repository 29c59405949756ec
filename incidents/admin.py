from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from oversight.admin import KeptRecordAdmin

from .models import IncidentNotice, VendorIncident


class IncidentNoticeInline(KeptRecordAdmin, admin.TabularInline):
    model = IncidentNotice
    extra = 0


@admin.register(VendorIncident)
class VendorIncidentAdmin(KeptRecordAdmin, SimpleHistoryAdmin):
    list_display = ["vendor", "title", "vendor_discovered_on", "status", "organization"]
    list_filter = ["status", "conclusion", "organization"]
    search_fields = ["vendor__name", "title"]
    raw_id_fields = ["vendor"]
    inlines = [IncidentNoticeInline]


@admin.register(IncidentNotice)
class IncidentNoticeAdmin(KeptRecordAdmin, SimpleHistoryAdmin):
    list_display = ["incident", "kind", "given_on", "method", "organization"]
    raw_id_fields = ["incident"]
