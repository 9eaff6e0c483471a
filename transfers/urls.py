from django.urls import path

from transfers import views

app_name = "transfers"

urlpatterns = [
    path("", views.dossier_list, name="dossier_list"),
    path("nieuw/", views.pupil_pick, name="pupil_pick"),
    path("leerling/<int:pupil_pk>/nieuw/", views.dossier_create, name="dossier_create"),
    path("<int:pk>/", views.dossier_detail, name="dossier_detail"),
    path("<int:pk>/wijzigen/", views.dossier_edit, name="dossier_edit"),
    path("<int:pk>/geheim-adres/", views.dossier_secret_contact, name="dossier_secret_contact"),
    path("<int:pk>/aanbieden/", views.dossier_offer, name="dossier_offer"),
    path("<int:pk>/heropenen/", views.dossier_reopen, name="dossier_reopen"),
    path("<int:pk>/papier/", views.paper_signature, name="paper_signature"),
    path("<int:pk>/overdragen/", views.dossier_hand_over, name="dossier_hand_over"),
    path("<int:pk>/pdf/", views.dossier_pdf, name="dossier_pdf"),
    path("<int:pk>/export/", views.dossier_export, name="dossier_export"),
    path("ouder/", views.parent_list, name="parent_list"),
    path("ouder/<int:pk>/", views.parent_detail, name="parent_detail"),
    path("ouder/<int:pk>/pdf/", views.parent_pdf, name="parent_pdf"),
]
