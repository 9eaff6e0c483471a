"""Read-mostly admin for breaches: changes go through the screens and services."""

from django.contrib import admin

from breaches.models import Breach


@admin.register(Breach)
class BreachAdmin(admin.ModelAdmin):
    list_display = ("reference", "kind", "status", "discovered_at", "ap_deadline")
    list_filter = ("status", "kind")
    readonly_fields = [f.name for f in Breach._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
