"""URLs of the checklist app, mounted under /checklist/."""

from django.urls import path

from checklist import views

app_name = "checklist"

urlpatterns = [
    path("", views.index, name="index"),
    path("rondes/openen/", views.round_open, name="round_open"),
    path("rondes/<int:pk>/", views.round_detail, name="round_detail"),
    path("rondes/<int:pk>/antwoorden/", views.round_answer, name="round_answer"),
    path("rondes/<int:pk>/drempel/", views.round_threshold, name="round_threshold"),
    path("rondes/<int:pk>/acties/", views.round_derive_actions, name="round_derive_actions"),
    path("rondes/<int:pk>/sluiten/", views.round_close, name="round_close"),
    path("rondes/<int:pk>/rapport.pdf", views.round_report, name="round_report"),
    path("acties/<int:pk>/", views.action_edit, name="action_edit"),
    path("stichting/", views.dashboard, name="dashboard"),
    path("versies/", views.template_list, name="template_list"),
    path("versies/nieuw/", views.template_edit, name="template_edit"),
    path("versies/<int:pk>/", views.template_detail, name="template_detail"),
    path("protocol/<str:ref>/", views.protocol_paragraph, name="protocol"),
]
