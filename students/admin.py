from django.contrib import admin

from students.models import Enrolment, Guardian, GuardianLink, Pupil


class EnrolmentInline(admin.TabularInline):
    model = Enrolment
    extra = 0


class GuardianLinkInline(admin.TabularInline):
    model = GuardianLink
    extra = 0
    autocomplete_fields = ["guardian"]


@admin.register(Pupil)
class PupilAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "school", "enrolled_on", "deregistered_on"]
    list_filter = ["school"]
    search_fields = ["last_name", "first_name"]
    inlines = [EnrolmentInline, GuardianLinkInline]


@admin.register(Guardian)
class GuardianAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "email"]
    search_fields = ["last_name", "first_name", "email"]
