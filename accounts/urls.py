from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("account/inloggen/", views.login_view, name="login"),
    path("account/uitloggen/", views.logout_view, name="logout"),
    path("account/tweestaps/instellen/", views.otp_setup, name="otp_setup"),
    path("account/tweestaps/", views.otp_verify, name="otp_verify"),
    path("account/wachtwoord/", views.password_change, name="password_change"),
    path("account/", views.account, name="account"),
    path("account/wachtwoord-vergeten/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "account/wachtwoord-vergeten/verstuurd/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "account/wachtwoord-herstellen/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "account/wachtwoord-herstellen/klaar/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("groepen/", views.class_list, name="class_list"),
    path("groepen/<int:pk>/", views.class_detail, name="class_detail"),
]
