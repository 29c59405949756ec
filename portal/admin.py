from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from oversight.admin import KeptRecordAdmin

from .models import AccessLink


@admin.register(AccessLink)
class AccessLinkAdmin(KeptRecordAdmin, SimpleHistoryAdmin):
    list_display = ["vendor", "purpose", "email", "expires_at", "revoked_at", "organization"]
    list_filter = ["purpose", "organization"]
    search_fields = ["vendor__name", "email"]
    raw_id_fields = ["vendor"]
    readonly_fields = ["token_hash", "last_opened_at"]
