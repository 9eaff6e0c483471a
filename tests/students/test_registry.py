"""The data-category registry covers every field of the students models (DESIGN.md: adding a
field without registering it fails a test), and every registered field exists."""

import pytest
from django.apps import apps

from accounts.roles import Capability, Sensitivity
from students import registry


def _students_model_fields():
    for model in apps.get_app_config("students").get_models():
        for model_field in model._meta.get_fields():
            if model_field.auto_created and not model_field.concrete:
                continue  # reverse relations live on the other model
            yield f"{model.__name__}.{model_field.name}"


def test_every_field_of_a_students_model_is_in_the_registry_or_declared_not_personal():
    registered = registry.registered_fields()
    missing = [
        name
        for name in _students_model_fields()
        if name not in registered and name not in registry.NOT_PERSONAL
    ]
    assert missing == [], f"register these fields in students/registry.py: {missing}"


def test_every_registered_field_exists_on_its_model():
    existing = set(_students_model_fields())
    unknown = [
        name
        for name in [*registry.registered_fields(), *registry.NOT_PERSONAL]
        if name not in existing
    ]
    assert unknown == []


def test_no_field_is_both_personal_and_not_personal():
    assert set(registry.registered_fields()) & set(registry.NOT_PERSONAL) == set()


def test_the_stable_category_keys_still_exist():
    stable = {
        "identification",
        "enrolment",
        "parents",
        "contact",
        "citizen_number",
        "allergies",
        "medical",
        "care",
        "results",
        "secret_contact",
    }
    assert stable <= set(registry.BY_KEY)


@pytest.mark.parametrize("key", ["citizen_number", "medical", "care", "secret_contact"])
def test_bsn_medical_care_and_secret_contact_are_very_sensitive(key):
    assert registry.get_category(key).sensitivity == Sensitivity.VERY_SENSITIVE


@pytest.mark.parametrize("category", registry.CATEGORIES, ids=lambda c: c.key)
def test_each_category_names_purposes_basis_retention_and_a_text_for_parents(category):
    assert category.purposes
    assert all(code in registry.Purpose.values for code in category.purposes)
    assert category.legal_basis in registry.LegalBasis.values
    assert category.retention in registry.RetentionClass.values
    assert str(category.parent_explanation)
    assert category.capability in Capability.values
    assert category.edit_capability in Capability.values


def test_medical_and_care_are_kept_as_dossier_and_the_administration_as_administration():
    assert registry.get_category("care").retention == registry.RetentionClass.DOSSIER
    assert registry.get_category("medical").retention == registry.RetentionClass.DOSSIER
    assert registry.get_category("contact").retention == registry.RetentionClass.ADMINISTRATION


def test_retention_follows_deregistration_and_sbo_destination():
    from datetime import date

    from students.models import Pupil

    pupil = Pupil(deregistered_on=None)
    assert registry.retention_until(pupil, registry.RetentionClass.DOSSIER) is None
    pupil.deregistered_on = date(2024, 2, 29)
    assert registry.retention_until(pupil, registry.RetentionClass.ADMINISTRATION) == date(
        2029, 2, 28
    )
    assert registry.retention_until(pupil, registry.RetentionClass.DOSSIER) == date(2026, 2, 28)
    pupil.destination_is_sbo = True
    assert registry.retention_until(pupil, registry.RetentionClass.DOSSIER) == date(2027, 2, 28)


# --- The registry as the one field policy --------------------------------------------------


def test_every_registered_field_has_a_complete_policy():
    for name in registry.registered_fields():
        policy = registry.field_policy(name)
        assert policy.sensitivity in Sensitivity.values
        assert policy.audiences
        assert isinstance(policy.audit_masked, bool)
        assert isinstance(policy.secret_hides, bool)


def test_the_audit_log_keeps_no_bsn_health_care_dossier_or_contact_value():
    must_mask = {
        "Pupil.citizen_number",
        "Pupil.medical_information",
        "Pupil.allergies",
        "Pupil.emergency_instructions",
        "Pupil.street_address",
        "Pupil.postal_code",
        "Pupil.city",
        "Pupil.phone",
        "Pupil.contact_is_secret",
        "DossierEntry.title",
        "DossierEntry.body",
        "DossierEntry.document_name",
    }
    assert {n for n in registry.registered_fields() if registry.field_policy(n).audit_masked} >= (
        must_mask
    )


def test_very_sensitive_text_fields_are_masked_in_the_audit_log():
    for category in registry.CATEGORIES:
        if not category.is_very_sensitive:
            continue
        for name in category.fields:
            model_name, field_name = name.split(".")
            model_field = apps.get_model("students", model_name)._meta.get_field(field_name)
            if model_field.get_internal_type() in ("CharField", "TextField", "BooleanField"):
                if field_name in ("category", "kind", "content_type"):
                    continue  # codes, not content
                assert registry.field_policy(name).audit_masked, name


def test_auditlog_masks_exactly_what_the_registry_says():
    from auditlog.registry import auditlog

    for model in apps.get_app_config("students").get_models():
        if not auditlog.contains(model):
            continue
        fields = auditlog.get_model_fields(model)
        assert sorted(fields["mask_fields"]) == registry.audit_masked_fields(model.__name__)
        if fields["mask_fields"]:
            assert fields["mask_callable"] == "students.registry.mask_audit_value"


def test_the_secret_flag_hides_the_contact_details():
    assert registry.secret_hidden_fields("Pupil") == [
        "street_address",
        "postal_code",
        "city",
        "phone",
    ]
