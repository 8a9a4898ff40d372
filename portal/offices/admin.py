"""Operator admin. The tenancy scope is disabled for /operator/admin/ by OfficeScopeMiddleware."""

from django.contrib import admin

from portal.offices.models import Membership, Office, OfficeServiceKind, StaffInvitation


class OfficeServiceKindInline(admin.TabularInline):
    model = OfficeServiceKind
    extra = 0


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["office_number", "name", "regional_grade", "created_at"]
    search_fields = ["office_number", "name"]
    inlines = [OfficeServiceKindInline, MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["office", "user", "role", "joined_at"]
    list_filter = ["role"]
    search_fields = ["office__office_number", "office__name", "user__email"]


@admin.register(StaffInvitation)
class StaffInvitationAdmin(admin.ModelAdmin):
    list_display = ["office", "email", "role", "created_at", "expires_at", "accepted_at"]
    readonly_fields = ["accepted_at", "accepted_by"]
