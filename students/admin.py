"""Admin for the students app: only the import runs (counts and row numbers, no pupil data).

Pupils, guardians and dossier entries are deliberately not in the admin: their pages check the
role, apply the field policy and write access records (``privacy_portal.admin_lockdown`` keeps
every model that leads to them out of the admin as well).
"""

from django.contrib import admin

from students.models import ImportRun


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["started_at", "school", "status", "rows_total", "created", "updated"]
    list_filter = ["status", "school"]
    readonly_fields = [f.name for f in ImportRun._meta.fields]

    def has_add_permission(self, request):
        return False
