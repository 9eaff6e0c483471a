"""Django admin for the organisation. Memberships are saved through the services so that the
role groups (and with them the guardian permissions) follow at once.

No self-escalation: ``is_superuser``, ``is_staff``, groups and permissions are never editable
here (superusers are made from the command line, administrators through their foundation
role); nobody grants roles to their own account, sets someone else's password or edits a
superuser. Pupil data and the audit log are not in the admin at all
(``privacy_portal.admin_lockdown``).
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
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


class _IdsOnlyInAutocompleteFields:
    """Django's autocomplete widget fails (500) when it re-renders a posted value that is no id;
    a post with such a value is refused with a 400 before the form sees it."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST":
            names = set(self.autocomplete_fields)
            for inline in self.inlines:
                names.update(getattr(inline, "autocomplete_fields", ()))
            for key, values in request.POST.lists():
                if key.rsplit("-", 1)[-1] in names and any(v and not v.isdigit() for v in values):
                    return HttpResponseBadRequest(_("Kies een bestaande waarde uit de lijst."))
        return super().changeform_view(request, object_id, form_url, extra_context)


class _NotForOwnAccount:
    """Inline mixin: memberships of one's own account are read-only (no self-granted roles)."""

    def _own(self, request, obj) -> bool:
        return obj is not None and obj.pk == request.user.pk

    def has_add_permission(self, request, obj=None):
        return not self._own(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._own(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._own(request, obj) and super().has_delete_permission(request, obj)


class StaffMembershipInline(_NotForOwnAccount, admin.TabularInline):
    model = StaffMembership
    extra = 0


class ClassAssignmentInline(_NotForOwnAccount, admin.TabularInline):
    model = ClassAssignment
    extra = 0
    autocomplete_fields = ["school_class"]


class FoundationRoleInline(_NotForOwnAccount, admin.TabularInline):
    model = FoundationRole
    extra = 0


@admin.register(User)
class UserAdmin(_IdsOnlyInAutocompleteFields, DjangoUserAdmin):
    ordering = ["sort_name", "first_name", "email"]
    list_display = ["email", "first_name", "last_name", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email"]}),
        (_("Persoon"), {"fields": ["first_name", "last_name"]}),
        (_("Status"), {"fields": ["is_active", "is_staff", "is_superuser", "is_demo_account"]}),
        (_("Datums"), {"fields": ["last_login", "date_joined", "password_changed_at"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    # Power is never granted here: is_staff follows the beheerder role, is_superuser is made
    # on the command line only.
    readonly_fields = [
        "is_staff",
        "is_superuser",
        "last_login",
        "date_joined",
        "password_changed_at",
    ]
    inlines = [StaffMembershipInline, ClassAssignmentInline, FoundationRoleInline]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        # A superuser account is out of reach for everyone else (no takeover by editing it).
        return queryset if request.user.is_superuser else queryset.filter(is_superuser=False)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.pk == request.user.pk:
            # One's own status is not one's own to change (not even is_active).
            return False
        return super().has_change_permission(request, obj)

    def user_change_password(self, request, id, form_url=""):
        # Setting someone else's password would let the administrator sign in as them; a
        # forgotten password goes through the reset mail to its owner.
        raise PermissionDenied

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


def _refuse_own_account(request, obj) -> None:
    if obj.user_id == request.user.pk:
        raise PermissionDenied


class _SyncingMembershipAdmin(_IdsOnlyInAutocompleteFields, admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        _refuse_own_account(request, obj)
        super().save_model(request, obj, form, change)
        services.sync_user_groups(obj.user)

    def delete_model(self, request, obj):
        _refuse_own_account(request, obj)
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
class FoundationRoleAdmin(_IdsOnlyInAutocompleteFields, admin.ModelAdmin):
    list_display = ["user", "foundation", "role", "start_date", "end_date"]
    list_filter = ["role"]
    autocomplete_fields = ["user"]

    def save_model(self, request, obj, form, change):
        _refuse_own_account(request, obj)
        super().save_model(request, obj, form, change)
        services.sync_user_groups(obj.user)

    def delete_model(self, request, obj):
        _refuse_own_account(request, obj)
        super().delete_model(request, obj)


admin.site.site_header = _("Privacyportaal – beheer")
admin.site.site_title = _("Privacyportaal")
