from django.urls import path

from students import views

app_name = "students"

urlpatterns = [
    path("", views.pupil_list, name="pupil_list"),
    path("<int:pk>/", views.pupil_detail, name="pupil_detail"),
    path("<int:pk>/wijzigen/<slug:category>/", views.pupil_edit, name="pupil_edit"),
    path("<int:pk>/dossier/nieuw/", views.dossier_entry_create, name="dossier_entry_create"),
    path("<int:pk>/dossier/<int:entry_pk>/", views.dossier_entry_detail, name="dossier_entry"),
    path(
        "<int:pk>/dossier/<int:entry_pk>/document/",
        views.dossier_document,
        name="dossier_document",
    ),
    path("verwerkingsregister/", views.processing_register, name="register"),
    path("verwerkingsregister/pdf/", views.processing_register_pdf, name="register_pdf"),
    path("importeren/", views.pupil_import, name="pupil_import"),
    path("importeren/<int:pk>/", views.import_run, name="import_run"),
    path("importeren/<int:pk>/voortgang/", views.import_progress, name="import_progress"),
    path("inzageregistratie/", views.access_overview, name="access_overview"),
    path("<int:pk>/noodcontact/", views.emergency_contact_create, name="emergency_contact_create"),
    path("<int:pk>/ouder/<int:guardian_pk>/", views.guardian_edit, name="guardian_edit"),
    path(
        "<int:pk>/noodcontact/<int:contact_pk>/verwijderen/",
        views.emergency_contact_delete,
        name="emergency_contact_delete",
    ),
    path("<int:pk>/inzageregistratie/", views.access_log, name="access_log"),
    path("<int:pk>/wijzigingen/", views.change_history, name="change_history"),
]
