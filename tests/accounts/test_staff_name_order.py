"""Staff accounts sort in Dutch name order too: "de Boer" under B, "van der Zee" under Z."""

import pytest

from accounts.models import User, surname_sort_key
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("surname", "key"),
    [
        ("de Boer", "boer"),
        ("van der Zee", "zee"),
        ("Van den Berg", "berg"),
        ("in 't Veld", "veld"),
        ("d'Hondt", "hondt"),
        ("Jansen", "jansen"),
        ("de", "de"),  # a surname that is only a word stays itself
        ("", ""),
    ],
)
def test_the_sort_surname_leaves_out_the_tussenvoegsel(surname, key):
    assert surname_sort_key(surname) == key


def test_staff_accounts_are_listed_in_dutch_name_order():
    for first, last in [
        ("Kees", "van der Zee"),
        ("Piet", "de Boer"),
        ("Jan", "Jansen"),
        ("Anna", "Aalders"),
    ]:
        UserFactory(first_name=first, last_name=last)
    names = [
        u.last_name
        for u in User.objects.filter(last_name__in=["van der Zee", "de Boer", "Jansen", "Aalders"])
    ]
    assert names == ["Aalders", "de Boer", "Jansen", "van der Zee"]


def test_a_changed_surname_moves_the_account_in_the_list():
    user = UserFactory(first_name="Piet", last_name="Jansen")
    user.last_name = "van Zanten"
    user.save(update_fields=["last_name"])
    user.refresh_from_db()
    assert user.sort_name == "zanten"
