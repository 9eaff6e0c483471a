"""URLs of the agreements app, mounted under /verwerkers/."""

from django.urls import path

from agreements import views

app_name = "agreements"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("leveranciers/", views.supplier_list, name="supplier_list"),
    path("leveranciers/nieuw/", views.supplier_create, name="supplier_create"),
    path("leveranciers/<int:pk>/", views.supplier_detail, name="supplier_detail"),
    path("leveranciers/<int:pk>/bewerken/", views.supplier_update, name="supplier_update"),
    path(
        "leveranciers/<int:supplier_pk>/producten/nieuw/",
        views.product_create,
        name="product_create",
    ),
    path(
        "leveranciers/<int:supplier_pk>/overeenkomsten/nieuw/",
        views.agreement_create,
        name="agreement_create",
    ),
    path("producten/", views.product_list, name="product_list"),
    path("landen/", views.countries, name="countries"),
    path("producten/<int:pk>/", views.product_detail, name="product_detail"),
    path(
        "producten/<int:product_pk>/bijsluiter/nieuw/",
        views.bijsluiter_create,
        name="bijsluiter_create",
    ),
    path("bijsluiters/<int:pk>/", views.bijsluiter_detail, name="bijsluiter_detail"),
    path(
        "bijsluiters/<int:pk>/instemmen/<int:school_pk>/",
        views.bijsluiter_approve,
        name="bijsluiter_approve",
    ),
    path(
        "scholen/<int:school_pk>/producten/nieuw/",
        views.product_use_create,
        name="product_use_create",
    ),
    path("in-gebruik/<int:pk>/beeindigen/", views.product_use_end, name="product_use_end"),
    path("overeenkomsten/", views.agreement_list, name="agreement_list"),
    path("overeenkomsten/<int:pk>/", views.agreement_detail, name="agreement_detail"),
    path("overeenkomsten/<int:pk>/bewerken/", views.agreement_update, name="agreement_update"),
    path("overeenkomsten/<int:pk>/afwijkingen/", views.deviation_add, name="deviation_add"),
    path("afwijkingen/<int:pk>/verwijderen/", views.deviation_remove, name="deviation_remove"),
    path("overeenkomsten/<int:pk>/indienen/", views.agreement_submit, name="agreement_submit"),
    path("overeenkomsten/<int:pk>/ondertekenen/", views.agreement_sign, name="agreement_sign"),
    path("overeenkomsten/<int:pk>/terugsturen/", views.agreement_return, name="agreement_return"),
    path("overeenkomsten/<int:pk>/beeindigen/", views.agreement_end, name="agreement_end"),
    path(
        "overeenkomsten/<int:pk>/vernietiging/",
        views.agreement_destruction,
        name="agreement_destruction",
    ),
    path(
        "overeenkomsten/<int:pk>/nieuwe-versie/",
        views.agreement_new_version,
        name="agreement_new_version",
    ),
    path("overeenkomsten/<int:pk>/ondertekend.pdf", views.agreement_pdf, name="agreement_pdf"),
    path("overeenkomsten/<int:pk>/concept.pdf", views.agreement_preview, name="agreement_preview"),
    path(
        "overeenkomsten/<int:pk>/vernietiging.pdf",
        views.destruction_document,
        name="destruction_document",
    ),
    path("overeenkomsten/<int:pk>/controleren/", views.agreement_verify, name="agreement_verify"),
    path(
        "overeenkomsten/<int:pk>/ondertekend-door-beide.pdf",
        views.agreement_sealed_pdf,
        name="agreement_sealed_pdf",
    ),
    path(
        "overeenkomsten/<int:pk>/getekende-kopie.pdf",
        views.countersigned_document,
        name="countersigned_document",
    ),
    path(
        "overeenkomsten/<int:pk>/verwerker-laten-ondertekenen/",
        views.agreement_processor_link,
        name="agreement_processor_link",
    ),
    path(
        "overeenkomsten/<int:pk>/getekende-kopie/",
        views.agreement_countersigned,
        name="agreement_countersigned",
    ),
    path("verwerker/ondertekenen/<str:token>/", views.processor_sign, name="processor_sign"),
    path("bijsluiters/<int:pk>/besluit/", views.bijsluiter_decide, name="bijsluiter_decide"),
    path("in-gebruik/<int:pk>/optioneel/", views.product_use_opt_ins, name="product_use_opt_ins"),
]
