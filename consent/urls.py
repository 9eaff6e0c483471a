"""Staff screens of media consent, and the parents' personal-link pages, under /toestemming/."""

from django.urls import path

from consent import views, views_link

app_name = "consent"

urlpatterns = [
    path("", views.class_list, name="class_list"),
    path("groep/<int:class_id>/", views.class_overview, name="class_overview"),
    path("groep/<int:class_id>/pdf/", views.class_pdf, name="class_pdf"),
    path("groep/<int:class_id>/publiceren/", views.publish_check, name="publish_check"),
    path("leerling/<int:pupil_id>/", views.pupil_history, name="pupil_history"),
    path("school/<int:school_id>/", views.school_settings, name="school_settings"),
    path("kanalen/", views.channel_list, name="channel_list"),
    path("kanalen/<int:channel_id>/", views.channel_edit, name="channel_edit"),
    path("kanalen/<int:channel_id>/actie/", views.channel_action, name="channel_action"),
    path("ronde/", views.round_settings, name="round_settings"),
    # The personal link in consent mails (no account needed), see consent/views_link.py.
    path("ouder/formulier/", views_link.link_form, name="link_form"),
    path("ouder/account/", views_link.link_invite, name="link_invite"),
    path("ouder/<str:token>/", views_link.link_open, name="link_open"),
]
