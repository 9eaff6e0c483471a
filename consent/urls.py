"""Staff screens of media consent, mounted under /toestemming/."""

from django.urls import path

from consent import views

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
]
