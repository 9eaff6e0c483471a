"""Admin of the checklist: for looking only; every change goes through ``checklist.services``."""

from django.contrib import admin

from checklist.models import ActionItem, ChecklistItem, ChecklistRound, ChecklistTemplate


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    fields = ["order", "key", "section", "text", "paragraphs"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(_ReadOnlyAdmin):
    list_display = ["version", "foundation", "created_at", "note"]
    inlines = [ChecklistItemInline]


@admin.register(ChecklistRound)
class ChecklistRoundAdmin(_ReadOnlyAdmin):
    list_display = ["school", "school_year", "status", "template", "opened_at", "closed_at"]
    list_filter = ["status", "school_year"]


@admin.register(ActionItem)
class ActionItemAdmin(_ReadOnlyAdmin):
    list_display = ["item", "round", "owner", "due_date", "status"]
    list_filter = ["status"]
