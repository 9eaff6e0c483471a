from django.contrib import admin

from students.models import (
    DossierEntry,
    EmergencyContact,
    Enrolment,
    Guardian,
    GuardianLink,
    ImportRun,
    Pupil,
)


class EnrolmentInline(admin.TabularInline):
    model = Enrolment
    extra = 0


class GuardianLinkInline(admin.TabularInline):
    model = GuardianLink
    extra = 0
    autocomplete_fields = ["guardian"]


class EmergencyContactInline(admin.TabularInline):
    model = EmergencyContact
    extra = 0


@admin.register(Pupil)
class PupilAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "school", "enrolled_on", "deregistered_on"]
    list_filter = ["school"]
    search_fields = ["last_name", "first_name", "administration_number"]
    # Medical data and the BSN are not shown in the admin: use the pupil page, which checks the
    # role and records the access.
    exclude = ["medical_information", "citizen_number"]
    inlines = [EnrolmentInline, GuardianLinkInline, EmergencyContactInline]


@admin.register(Guardian)
class GuardianAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "email"]
    search_fields = ["last_name", "first_name", "email"]


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["started_at", "school", "status", "rows_total", "created", "updated"]
    list_filter = ["status", "school"]
    readonly_fields = [f.name for f in ImportRun._meta.fields]

    def has_add_permission(self, request):
        return False


# DossierEntry is deliberately not in the admin: its audience and sensitivity rules are
# enforced by the pupil page and students.services only.
_ = DossierEntry
