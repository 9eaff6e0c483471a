from django.urls import path

from retention import views

app_name = "retention"

urlpatterns = [
    path("", views.preview, name="preview"),
    path("leerling/<int:pk>/", views.pupil_retention, name="pupil"),
    path("leerling/<int:pk>/beoordelen/", views.review_request, name="review_request"),
    path("leerling/<int:pk>/bewaarplicht/", views.hold_create, name="hold_create"),
    path("bewaarplicht/<int:pk>/besluit/", views.review_decide, name="review_decide"),
    path("bewaarplicht/<int:pk>/opheffen/", views.hold_lift, name="hold_lift"),
    path("vernietigingen/", views.destruction_report, name="report"),
    path("vernietigingen/pdf/", views.destruction_report_pdf, name="report_pdf"),
    path("vernietigingen/csv/", views.destruction_report_csv, name="report_csv"),
    path("verwerkers/<int:pk>/bevestigen/", views.processor_confirm, name="processor_confirm"),
    path(
        "verwerkers/<int:pk>/bevestiging/",
        views.processor_confirmation_file,
        name="processor_confirmation_file",
    ),
    path("beleid/", views.policy_edit, name="policy"),
]
