"""Read-only admin views for functional administrators: the workflow runs in the app itself."""

from django.contrib import admin

from transfers.models import ParentReview, TransferDossier


class ParentReviewInline(admin.TabularInline):
    model = ParentReview
    extra = 0
    can_delete = False
    fields = ["guardian", "first_viewed_at", "signed_at", "signed_on_paper", "reminders_sent"]
    readonly_fields = fields


@admin.register(TransferDossier)
class TransferDossierAdmin(admin.ModelAdmin):
    list_display = ["pk", "state", "destination_name", "leaves_on", "retention_until"]
    list_filter = ["state", "destination_type"]
    fields = [
        "state",
        "destination_name",
        "destination_brin",
        "destination_type",
        "leaves_on",
        "offered_at",
        "signed_at",
        "handed_over_at",
        "handed_over_by",
        "override_reason",
        "retention_until",
        "export_sha256",
    ]
    readonly_fields = fields
    inlines = [ParentReviewInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
