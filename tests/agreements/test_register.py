"""Suppliers, products, bijsluiter versions and products in use: validation and widening (R6)."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from agreements import services
from agreements.countries import COUNTRIES, EEA, is_eea
from agreements.models import Bijsluiter, ProductUse, Supplier
from tests.agreements import factories as af

pytestmark = pytest.mark.django_db


def test_country_list_is_iso_3166_and_the_eea_has_30_members():
    assert len(EEA) == 30 and set(COUNTRIES) >= EEA
    assert is_eea("NL") and is_eea("NO") and not is_eea("US") and not is_eea("GB")


def test_unknown_country_code_is_refused_and_nothing_saved(world, reg):
    with pytest.raises(ValidationError) as exc:
        services.bijsluiter_record(
            actor=world.beheerder, product=reg.product, **af.bijsluiter_data(countries=["NL", "XX"])
        )
    assert "XX is geen bestaande landcode" in str(exc.value.message_dict["countries"])
    assert Bijsluiter.objects.count() == 1


def test_unknown_country_of_a_subprocessor_is_refused(world, reg):
    with pytest.raises(ValidationError) as exc:
        services.bijsluiter_record(
            actor=world.beheerder,
            product=reg.product,
            subprocessors=[{"name": "Cloud", "task": "hosting", "country": "ZZ"}],
            **af.bijsluiter_data(),
        )
    assert "ZZ is geen bestaande landcode" in str(exc.value.message_dict["subprocessors"])


@pytest.mark.parametrize(
    "section",
    ["core_processing", "contact", "staff_access", "protection_measures", "breach_procedure"],
)
def test_empty_required_bijsluiter_section_is_refused(world, reg, section):
    with pytest.raises(ValidationError) as exc:
        services.bijsluiter_record(
            actor=world.beheerder, product=reg.product, **af.bijsluiter_data(**{section: "   "})
        )
    assert section in exc.value.message_dict
    assert Bijsluiter.objects.count() == 1


def test_bijsluiter_needs_a_data_category_from_the_registry(world, reg):
    with pytest.raises(ValidationError) as exc:
        services.bijsluiter_record(
            actor=world.beheerder,
            product=reg.product,
            **af.bijsluiter_data(categories=["shoe_size"]),
        )
    assert "shoe_size" in str(exc.value.message_dict["categories"])
    with pytest.raises(ValidationError):
        services.bijsluiter_record(
            actor=world.beheerder, product=reg.product, **af.bijsluiter_data(categories=[])
        )


def test_a_pupil_information_system_must_name_its_purposes(world, reg):
    product = services.product_create(
        actor=world.beheerder, supplier=reg.supplier, name="ParnasSys", description="LAS", kind="II"
    )
    with pytest.raises(ValidationError) as exc:
        services.bijsluiter_record(actor=world.beheerder, product=product, **af.bijsluiter_data())
    assert "purposes" in exc.value.message_dict


def test_processing_outside_the_eea_is_flagged(world, reg):
    bijsluiter = services.bijsluiter_record(
        actor=world.beheerder,
        product=reg.product,
        subprocessors=[{"name": "Mailer Inc", "task": "e-mail", "country": "us"}],
        **af.bijsluiter_data(version_label="1.1"),
    )
    assert bijsluiter.countries_outside_eea() == ["US"]


def test_first_bijsluiter_widens_nothing_and_a_new_country_or_category_widens(world, reg):
    first = reg.product.bijsluiters.get()
    assert not first.widens
    same = services.bijsluiter_record(
        actor=world.beheerder, product=reg.product, **af.bijsluiter_data(version_label="1.1")
    )
    assert not same.widens
    wider = services.bijsluiter_record(
        actor=world.beheerder,
        product=reg.product,
        subprocessors=[{"name": "Analytics Co", "task": "statistiek", "country": "US"}],
        **af.bijsluiter_data(
            version_label="2.0",
            categories=["identification", "enrolment", "results", "care"],
            purposes="Gepersonaliseerde advertenties",
        ),
    )
    assert wider.widens
    assert wider.widening["categories"] == ["care"]
    assert wider.widening["countries"] == ["US"]
    assert wider.widening["subprocessors"] == ["Analytics Co"]
    assert wider.widening["purposes"] == ["gepersonaliseerde advertenties"]
    labels = [str(row["label"]) for row in services.bijsluiter_diff(same, wider)]
    assert any("categorieën" in label for label in labels)
    assert any("subverwerkers" in label for label in labels)


def test_directie_approves_a_widened_bijsluiter_for_own_school_only(world, reg):
    wider = services.bijsluiter_record(
        actor=world.beheerder, product=reg.product, **af.bijsluiter_data(countries=["NL", "US"])
    )
    with pytest.raises(PermissionDenied):
        services.bijsluiter_approve(
            actor=world.directie, bijsluiter=wider, school=world.other_school
        )
    with pytest.raises(PermissionDenied):
        services.bijsluiter_approve(actor=world.teacher, bijsluiter=wider, school=world.school)
    approval = services.bijsluiter_approve(
        actor=world.directie, bijsluiter=wider, school=world.school
    )
    assert approval.approved_by == world.directie


def test_teacher_cannot_add_a_supplier(world):
    with pytest.raises(PermissionDenied):
        af.supplier(world.teacher, world.foundation)
    assert not Supplier.objects.exists()


def test_supplier_with_a_bad_kvk_number_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        af.supplier(world.beheerder, world.foundation, kvk_number="123")
    assert "kvk_number" in exc.value.message_dict


def test_product_in_use_records_classes_and_registry_categories(world, reg):
    use = services.product_use_create(
        actor=world.directie,
        school=world.school,
        product=reg.product,
        start_date=date(2026, 1, 1),
        classes=[world.class_5a],
        categories=["identification"],
    )
    assert list(use.classes.all()) == [world.class_5a]


def test_product_in_use_refuses_classes_of_another_school_and_unknown_categories(world, reg):
    with pytest.raises(ValidationError):
        services.product_use_create(
            actor=world.directie,
            school=world.school,
            product=reg.product,
            start_date=date(2026, 1, 1),
            classes=[world.class_7c],
            categories=["identification"],
        )
    with pytest.raises(ValidationError):
        services.product_use_create(
            actor=world.directie,
            school=world.school,
            product=reg.product,
            start_date=date(2026, 1, 1),
            categories=["favourite_colour"],
        )
    assert ProductUse.objects.count() == 1


def test_directie_cannot_record_a_product_in_use_for_another_school(world, reg):
    with pytest.raises(PermissionDenied):
        af.product_in_use(world.directie, world.other_school, reg.product)


def test_products_receiving_a_pupils_data_follow_school_and_class(world, reg):
    from agreements import selectors

    other = af.product(world.beheerder, reg.supplier, name="Alleen groep 6b")
    services.product_use_create(
        actor=world.directie,
        school=world.school,
        product=other,
        start_date=date(2025, 8, 1),
        classes=[world.class_6b],
        categories=["identification"],
    )
    names = lambda pupil: {u.product.name for u in selectors.product_uses_for_pupil(pupil)}  # noqa: E731
    assert names(world.pupil) == {"Rekentuin Online"}
    assert names(world.pupil_other_class) == {"Rekentuin Online", "Alleen groep 6b"}
    assert names(world.pupil_other_school) == set()
