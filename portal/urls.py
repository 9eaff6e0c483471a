"""The parent portal. For now: media consent (issue 5); other parent screens come later."""

from django.urls import path

from portal import views_consent

app_name = "portal"

urlpatterns: list = [
    path("toestemming/", views_consent.consent_index, name="consent_index"),
    path("toestemming/<int:pupil_id>/", views_consent.consent_detail, name="consent_detail"),
]
