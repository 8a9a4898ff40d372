"""Operator admin (scopes disabled by OfficeScopeMiddleware for /operator/admin/).

The audit trail is read-only here: no add, change or delete, for superusers too.
"""

from django.contrib import admin

from portal.partners.models import AuditEvent, Consent, PartnerInvitation, Partnership


@admin.register(Partnership)
class PartnershipAdmin(admin.ModelAdmin):
    list_display = ["office", "partner_office_number", "partner_name", "is_external", "started_on", "ended_on"]
    list_filter = ["is_external"]
    search_fields = ["office__office_number", "partner_office_number", "partner_name"]
    raw_id_fields = ["office", "partner_office", "counterpart", "invitation"]


@admin.register(PartnerInvitation)
class PartnerInvitationAdmin(admin.ModelAdmin):
    list_display = ["office", "invitee_office_number", "status", "created_at", "expires_at", "responded_at"]
    list_filter = ["status"]
    search_fields = ["office__office_number", "invitee_office_number"]
    raw_id_fields = ["office", "invitee_office", "invited_by", "responded_by"]


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    """Operators see that consents exist (ids, dates); the 利用者 and the scan stay with the office."""

    list_display = ["pk", "office", "client_id", "partnership", "obtained_on", "revoked_on"]
    fields = [
        "office",
        "partnership",
        "obtained_on",
        "method",
        "scope_plan",
        "scope_schedule",
        "scope_actual",
        "revoked_on",
        "created_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "office", "action", "actor_name", "client_id", "partner_office_number"]
    list_filter = ["action"]
    search_fields = ["office__office_number", "partner_office_number"]
    date_hierarchy = "occurred_at"
    fields = ["office", "occurred_at", "actor", "actor_name", "action", "client", "partner_office_number", "detail"]
    readonly_fields = fields
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
