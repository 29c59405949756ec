from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Invitation, Membership, Organization


class KeptRecordAdmin:
    """Compliance records are kept, never deleted (164.316(b)(2)(i), 164.530(j)(2): six years
    from creation or last effective date): no delete permission, no "delete selected" action,
    and the admin's delete page answers 403. Mixed into every admin and inline of the product;
    records are archived, ended or superseded through their services instead."""

    can_delete = False  # inlines: no "delete" checkbox

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


class MembershipInline(KeptRecordAdmin, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(KeptRecordAdmin, SimpleHistoryAdmin):
    list_display = ["name", "timezone", "contact_name", "contact_email", "created_at"]
    search_fields = ["name", "contact_name", "contact_email"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(KeptRecordAdmin, SimpleHistoryAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role", "organization"]
    search_fields = ["user__email", "organization__name"]
    autocomplete_fields = ["user", "organization"]


@admin.register(Invitation)
class InvitationAdmin(KeptRecordAdmin, admin.ModelAdmin):
    list_display = ["email", "organization", "role", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role", "organization"]
    search_fields = ["email"]
    readonly_fields = ["token_hash"]
