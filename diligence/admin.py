from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from oversight.admin import KeptRecordAdmin

from .models import (
    ControlAnswer,
    DispositionCertificate,
    DueDiligenceRecord,
    EvidenceFile,
    FollowUpAction,
    Offboarding,
    VendorReview,
    VendorSchedule,
)


class ControlAnswerInline(KeptRecordAdmin, admin.TabularInline):
    model = ControlAnswer
    extra = 0


class EvidenceFileInline(KeptRecordAdmin, admin.TabularInline):
    model = EvidenceFile
    extra = 0
    fields = ["original_name", "content_type", "size", "sha256", "uploaded_by", "uploaded_at"]
    readonly_fields = fields


@admin.register(DueDiligenceRecord)
class DueDiligenceRecordAdmin(KeptRecordAdmin, SimpleHistoryAdmin):
    list_display = ["vendor", "kind", "performed_on", "valid_until", "outcome", "organization"]
    list_filter = ["kind", "outcome", "organization"]
    search_fields = ["vendor__name"]
    raw_id_fields = ["vendor", "reviewer"]
    inlines = [ControlAnswerInline, EvidenceFileInline]


@admin.register(VendorReview)
class VendorReviewAdmin(KeptRecordAdmin, SimpleHistoryAdmin):
    list_display = ["vendor", "reviewed_on", "outcome", "next_due_on", "organization"]
    list_filter = ["outcome", "organization"]
    search_fields = ["vendor__name"]
    raw_id_fields = ["vendor", "reviewer"]


@admin.register(FollowUpAction)
class FollowUpActionAdmin(KeptRecordAdmin, SimpleHistoryAdmin):
    list_display = ["vendor", "description", "due_on", "status", "organization"]
    list_filter = ["status", "organization"]
    search_fields = ["vendor__name", "description"]
    raw_id_fields = ["vendor", "record", "review", "owner"]


class CertificateInline(KeptRecordAdmin, admin.TabularInline):
    model = DispositionCertificate
    extra = 0
    fields = ["original_name", "content_type", "size", "sha256", "uploaded_by", "uploaded_at"]
    readonly_fields = fields


@admin.register(Offboarding)
class OffboardingAdmin(KeptRecordAdmin, SimpleHistoryAdmin):
    list_display = ["vendor", "started_on", "disposition", "closed_on", "organization"]
    list_filter = ["disposition", "organization"]
    raw_id_fields = ["vendor"]
    inlines = [CertificateInline]


@admin.register(VendorSchedule)
class VendorScheduleAdmin(KeptRecordAdmin, SimpleHistoryAdmin):
    list_display = ["vendor", "next_review_due", "last_review_on", "organization"]
    list_filter = ["organization"]
    raw_id_fields = ["vendor"]
