from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from accounts import views as accounts_views
from privacy_portal import views

urlpatterns = [
    path("", views.home, name="home"),
    path("sessie/verlengen/", views.session_keepalive, name="session_keepalive"),
    path("berichten/niet-afgeleverd/", views.outbox_failed, name="outbox_failed"),
    path("berichten/demo/", views.demo_outbox, name="demo_outbox"),
    path("", include("accounts.urls")),
    # The language switch; it also remembers the choice on the account (accounts.views).
    path("i18n/setlang/", accounts_views.set_language, name="set_language"),
    path("beheer/", admin.site.urls),
    path("favicon.ico", RedirectView.as_view(url="/static/img/favicon.svg", permanent=True)),
]

# Each app mounts its own URLs under its own prefix once it has views.
for app_label, prefix in [
    ("students", "leerlingen/"),
    ("agreements", "verwerkers/"),
    ("consent", "toestemming/"),
    ("portal", "ouders/"),
    ("breaches", "datalekken/"),
    ("retention", "bewaartermijnen/"),
    ("checklist", "checklist/"),
    ("transfers", "overdracht/"),
    ("governance", "organisatie/"),
]:
    urlpatterns.append(path(prefix, include(f"{app_label}.urls")))

handler400 = "privacy_portal.views.bad_request"
handler403 = "privacy_portal.views.permission_denied"
handler404 = "privacy_portal.views.page_not_found"
handler500 = "privacy_portal.views.server_error"
