"""URLs of the agreements app, mounted under /verwerkers/."""

from django.urls import path

from agreements import views

app_name = "agreements"

urlpatterns = [
    path("overeenkomsten/<int:pk>/", views.agreement_detail, name="agreement_detail"),
    path("bijsluiters/<int:pk>/", views.bijsluiter_detail, name="bijsluiter_detail"),
]
