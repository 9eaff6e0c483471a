"""Django admin for the organisation. Memberships are saved through the services so that the
role groups (and with them the guardian permissions) follow at once."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import (
    ClassAssignment,
    Foundation,
    FoundationRole,
    School,
    SchoolClass,
    StaffMembership,
    User,
)


class StaffMembershipInline(admin.TabularInline):
    model = StaffMembership
    extra = 0


class ClassAssignmentInline(admin.TabularInline):
    model = ClassAssignment
    extra = 0
    autocomplete_fields = ["school_class"]


class FoundationRoleInline(admin.TabularInline):
    model = FoundationRole
    extra = 0


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["last_name", "first_name", "email"]
    list_display = ["email", "first_name", "last_name", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Persoon"), {"fields": ["first_name", "last_name"]}),
        (_("Status"), {"fields": ["is_active", "is_staff", "is_superuser", "is_demo_account"]}),
        (_("Datums"), {"fields": ["last_login", "date_joined", "password_changed_at"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    readonly_fields = ["last_login", "date_joined", "password_changed_at"]
    inlines = [StaffMembershipInline, ClassAssignmentInline, FoundationRoleInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.sync_user_groups(form.instance)


@admin.register(Foundation)
class FoundationAdmin(admin.ModelAdmin):
    list_display = ["name", "kvk_number", "city"]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "brin", "city", "foundation"]
    search_fields = ["name", "brin"]


@admin.register(SchoolClass)
class SchoolClassAdmin(admin.ModelAdmin):
    list_display = ["name", "school", "school_year", "grade"]
    list_filter = ["school", "school_year"]
    search_fields = ["name", "school__name"]


class _SyncingMembershipAdmin(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.sync_user_groups(obj.user)

    def delete_model(self, request, obj):
        user = obj.user
        super().delete_model(request, obj)
        services.sync_user_groups(user)


@admin.register(StaffMembership)
class StaffMembershipAdmin(_SyncingMembershipAdmin):
    list_display = ["user", "school", "role", "start_date", "end_date"]
    list_filter = ["school", "role"]
    search_fields = ["user__email", "user__last_name"]
    autocomplete_fields = ["user"]


@admin.register(ClassAssignment)
class ClassAssignmentAdmin(_SyncingMembershipAdmin):
    list_display = ["user", "school_class", "start_date", "end_date"]
    autocomplete_fields = ["user", "school_class"]


@admin.register(FoundationRole)
class FoundationRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "foundation", "role", "start_date", "end_date"]
    list_filter = ["role"]
    autocomplete_fields = ["user"]


admin.site.site_header = _("Privacyportaal – beheer")
admin.site.site_title = _("Privacyportaal")
