from django.urls import path

from governance import views

app_name = "governance"

urlpatterns = [
    path("vertrek/", views.departure_list, name="departure_list"),
    path("vertrek/nieuw/", views.departure_create, name="departure_create"),
    path("vertrek/<int:pk>/", views.departure_detail, name="departure_detail"),
    path("vertrek/taken/<int:pk>/gemeld/", views.task_report, name="task_report"),
    path("vertrek/taken/<int:pk>/afgerond/", views.task_complete, name="task_complete"),
    path("vertrek/takenlijst/", views.task_template_list, name="task_template_list"),
    path(
        "vertrek/takenlijst/<int:pk>/aan-uit/",
        views.task_template_toggle,
        name="task_template_toggle",
    ),
    path("overzicht/", views.overview, name="overview"),
    path("overzicht.pdf", views.overview_pdf, name="overview_pdf"),
    path("fg/", views.fg_page, name="fg_page"),
    path("fg/vastleggen/", views.fg_register, name="fg_register"),
    path("fg/<int:pk>/afmelden/", views.fg_deregister, name="fg_deregister"),
    path("protocol/", views.protocol_list, name="protocol_list"),
    path("protocol/nieuw/", views.protocol_create, name="protocol_create"),
    path("protocol/<int:pk>/", views.protocol_detail, name="protocol_detail"),
    path("protocol/<int:pk>/bestand/", views.protocol_file, name="protocol_file"),
    path("protocol/<int:pk>/instemming/", views.protocol_consent, name="protocol_consent"),
    path("apparatuur/", views.disposal_list, name="disposal_list"),
    path("apparatuur/nieuw/", views.disposal_create, name="disposal_create"),
    path(
        "apparatuur/<int:pk>/certificaat/",
        views.disposal_certificate,
        name="disposal_certificate",
    ),
]
