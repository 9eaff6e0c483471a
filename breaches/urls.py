"""URLs of the breaches app, mounted under ``datalekken/``."""

from django.urls import path

from breaches import views

app_name = "breaches"

urlpatterns = [
    path("", views.register, name="register"),
    path("register.csv", views.register_csv, name="register_csv"),
    path("register.pdf", views.register_pdf, name="register_pdf"),
    path("melden/", views.report, name="report"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/gemeld/", views.reported, name="reported"),
    path("<int:pk>/beoordelen/", views.assess, name="assess"),
    path("<int:pk>/melding-ap/", views.notify_ap, name="notify_ap"),
    path("<int:pk>/melding-ap.pdf", views.ap_pdf, name="ap_pdf"),
    path("<int:pk>/gegevens-ap/", views.ap_details, name="ap_details"),
    path("<int:pk>/alleen-registreren/", views.record_only, name="record_only"),
    path("<int:pk>/afsluiten/", views.close, name="close"),
    path("<int:pk>/maatregelen/", views.measure_add, name="measure_add"),
    path(
        "<int:pk>/maatregelen/<int:measure_pk>/afgerond/", views.measure_done, name="measure_done"
    ),
    path("<int:pk>/brief/maken/", views.letter_generate, name="letter_generate"),
    path("<int:pk>/brief/", views.letter, name="letter"),
    path("<int:pk>/brief/versturen/", views.letter_send, name="letter_send"),
]
