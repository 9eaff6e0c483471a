from django.urls import path, re_path

from portal import views, views_consent

app_name = "portal"

urlpatterns = [
    path("", views.index, name="index"),
    path("toestemming/", views_consent.consent_index, name="consent_index"),
    path("toestemming/<int:pupil_id>/", views_consent.consent_detail, name="consent_detail"),
    path("kind/<int:pk>/", views.child_detail, name="child_detail"),
    path("mijn-gegevens/", views.my_details, name="my_details"),
    path("mijn-pagina/", views.pupil_home, name="pupil_home"),
    path("kind/<int:pk>/noodcontacten/", views.emergency_contacts, name="emergency_contacts"),
    path("kind/<int:pk>/verzoek/", views.request_new, name="request_new"),
    path("verzoeken/<int:pk>/", views.request_detail, name="request_detail"),
    re_path(
        r"^verzoeken/(?P<pk>[0-9]+)/inzage\.(?P<fmt>pdf|json|zip)$",
        views.request_export,
        name="request_export",
    ),
    path(
        "uitnodiging/accepteren/",
        views.invitation_continue,
        name="invitation_continue",
    ),
    path("uitnodiging/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("behandeling/", views.staff_queue, name="staff_queue"),
    path("behandeling/<int:pk>/", views.staff_request, name="staff_request"),
    path("behandeling/<int:pk>/bericht/", views.staff_message, name="staff_message"),
    path("behandeling/<int:pk>/verlengen/", views.staff_extend, name="staff_extend"),
    path("behandeling/<int:pk>/besluit/", views.staff_decide, name="staff_decide"),
    path(
        "behandeling/<int:pk>/correctie/<int:item_pk>/",
        views.staff_correction,
        name="staff_correction",
    ),
    path("behandeling/<int:pk>/export/", views.staff_prepare, name="staff_prepare"),
    path("behandeling/<int:pk>/achterhouden/", views.staff_withhold, name="staff_withhold"),
    path("behandeling/<int:pk>/vrijgeven/", views.staff_release, name="staff_release"),
    re_path(
        r"^behandeling/(?P<pk>[0-9]+)/inzage\.(?P<fmt>pdf|json|zip)$",
        views.staff_export,
        name="staff_export",
    ),
    path("leerling/<int:pk>/ouders/", views.staff_guardians, name="staff_guardians"),
    path(
        "leerling/<int:pk>/ouders/<int:guardian_pk>/uitnodigen/",
        views.staff_invite,
        name="staff_invite",
    ),
    path(
        "leerling/<int:pk>/uitnodiging/<int:invitation_pk>/bevestigen/",
        views.staff_invitation_confirm,
        name="staff_invitation_confirm",
    ),
]
