from django.contrib import admin

from oversight.admin import KeptRecordAdmin

from .models import DeliveryAttempt, Reminder, SweepError


class DeliveryAttemptInline(KeptRecordAdmin, admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    readonly_fields = ["at", "ok", "temporary", "smtp_code", "error"]


@admin.register(Reminder)
class ReminderAdmin(KeptRecordAdmin, admin.ModelAdmin):
    list_display = [
        "vendor_name",
        "title",
        "stage",
        "threshold",
        "due_date",
        "recipient_email",
        "status",
        "send_after",
        "sent_at",
        "organization",
    ]
    list_filter = ["status", "stage", "kind", "organization"]
    search_fields = ["vendor_name", "recipient_email", "key"]
    readonly_fields = [f.name for f in Reminder._meta.fields]
    inlines = [DeliveryAttemptInline]

    def has_delete_permission(self, request, obj=None):
        return False  # the sent log is kept


@admin.register(SweepError)
class SweepErrorAdmin(KeptRecordAdmin, admin.ModelAdmin):
    list_display = ["occurred_on", "organization", "item_key", "vendor_name", "message"]
    list_filter = ["organization"]
