"""Admin for functional administrators. Decisions, texts and notices are read-only here: they
are evidence, and every change goes through ``consent.services``."""

from django.contrib import admin

from consent.models import Channel, ChannelText, ConsentDecision, ParentNotice, SchoolConsentSetting


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ChannelTextInline(admin.TabularInline):
    model = ChannelText
    extra = 0
    fields = ["version", "scope", "reason", "text", "created_at", "created_by"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "foundation", "school", "order", "is_active"]
    list_filter = ["foundation", "is_active"]
    fields = ["foundation", "school", "key", "name", "order", "is_active"]
    inlines = [ChannelTextInline]

    def get_readonly_fields(self, request, obj=None):
        # The key is referenced by links and sorting: fixed once the channel exists.
        # A school's own channel stays that school's (its directie manages it).
        return ["foundation", "school", "key"] if obj else []


@admin.register(SchoolConsentSetting)
class SchoolConsentSettingAdmin(ReadOnlyAdmin):
    list_display = ["school", "require_both_parents"]


@admin.register(ConsentDecision)
class ConsentDecisionAdmin(ReadOnlyAdmin):
    list_display = [
        "pupil",
        "channel",
        "school_year",
        "granted",
        "guardian",
        "by_pupil",
        "decided_at",
    ]
    list_filter = ["school_year", "granted", "channel__foundation"]
    list_select_related = ["pupil", "channel", "guardian"]
    search_fields = ["pupil__last_name", "pupil__first_name"]


@admin.register(ParentNotice)
class ParentNoticeAdmin(ReadOnlyAdmin):
    list_display = ["kind", "guardian", "pupil", "school_year", "sent_at"]
    list_filter = ["kind", "school_year"]
    list_select_related = ["guardian", "pupil"]
