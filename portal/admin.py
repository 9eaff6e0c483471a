from django.contrib import admin

from portal.models import ParentRequest


@admin.register(ParentRequest)
class ParentRequestAdmin(admin.ModelAdmin):
    """Read-only view for the technical administrator; handling happens in the portal."""

    list_display = ["reference", "kind", "status", "received_at", "deadline"]
    list_filter = ["kind", "status"]
    search_fields = ["reference"]

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
