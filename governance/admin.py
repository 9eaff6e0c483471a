"""Read-mostly admin for the functional administrator; changes go through the screens."""

from django.contrib import admin

from governance.models import (
    Departure,
    EquipmentDisposal,
    FgRegistration,
    OffboardingTask,
    OffboardingTaskTemplate,
    ProtocolVersion,
)


class OffboardingTaskInline(admin.TabularInline):
    model = OffboardingTask
    extra = 0
    can_delete = False
    readonly_fields = [
        "title",
        "owner",
        "reporter",
        "due_date",
        "status",
        "reported_by",
        "reported_at",
        "done_by",
        "done_at",
    ]
    fields = readonly_fields


@admin.register(Departure)
class DepartureAdmin(admin.ModelAdmin):
    list_display = ["person", "departure_date", "status", "foundation"]
    list_filter = ["status", "foundation"]
    search_fields = ["person__email", "person__last_name"]
    inlines = [OffboardingTaskInline]
    readonly_fields = [
        "person",
        "foundation",
        "schools",
        "departure_date",
        "status",
        "recorded_by",
        "recorded_at",
        "applied_at",
        "account_deactivated",
        "sessions_ended",
    ]

    def has_add_permission(self, request):
        return False


@admin.register(OffboardingTaskTemplate)
class OffboardingTaskTemplateAdmin(admin.ModelAdmin):
    list_display = ["title", "foundation", "owner", "reporter", "due_days", "is_active"]
    list_filter = ["foundation", "is_active"]


@admin.register(FgRegistration)
class FgRegistrationAdmin(admin.ModelAdmin):
    list_display = ["name", "foundation", "kind", "registered_with_ap_on", "deregistered_on"]
    readonly_fields = ["recorded_by", "recorded_at"]

    def has_add_permission(self, request):
        return False


@admin.register(ProtocolVersion)
class ProtocolVersionAdmin(admin.ModelAdmin):
    list_display = ["title", "label", "foundation", "gmr_consent_on"]
    readonly_fields = ["file_sha256", "uploaded_by", "consent_recorded_by", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(EquipmentDisposal)
class EquipmentDisposalAdmin(admin.ModelAdmin):
    list_display = ["device", "school", "method", "performed_on"]
    list_filter = ["method", "foundation"]

    def has_add_permission(self, request):
        return False
