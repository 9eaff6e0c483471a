"""Every checklist URL sends anonymous visitors to the login page, and none is left untested."""

import pytest
from django.urls import reverse

from checklist import urls as checklist_urls

ARGS = {
    "round_detail": [1],
    "round_answer": [1],
    "round_threshold": [1],
    "round_derive_actions": [1],
    "round_close": [1],
    "round_report": [1],
    "action_edit": [1],
    "template_detail": [1],
    "protocol": ["12"],
}


def test_every_checklist_url_is_in_this_matrix():
    names = {p.name for p in checklist_urls.urlpatterns}
    no_args = names - set(ARGS)
    assert no_args == {"index", "round_open", "dashboard", "template_list", "template_edit"}


@pytest.mark.parametrize("name", [p.name for p in checklist_urls.urlpatterns])
def test_anonymous_is_sent_to_login(client, db, name):
    url = reverse(f"checklist:{name}", args=ARGS.get(name, []))
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 302, (name, method)
        assert "/account/inloggen/" in response["Location"]


def test_people_without_a_school_or_foundation_role_get_403(world, client_for):
    for user in (world.parent, world.outsider):
        client = client_for(user)
        assert client.get(reverse("checklist:index")).status_code == 403
        assert client.get(reverse("checklist:dashboard")).status_code == 403
        assert client.get(reverse("checklist:round_open")).status_code == 403


def test_round_list_is_searchable(world, client_for):
    from tests.checklist.factories import open_round

    checklist_round = open_round(world.school, world.directie)
    link = f'href="{reverse("checklist:round_detail", args=[checklist_round.pk])}"'
    client = client_for(world.directie)
    assert link in client.get(reverse("checklist:index"), {"q": "regenboog"}).content.decode()
    body = client.get(reverse("checklist:index"), {"q": "Kompas"}).content.decode()
    assert link not in body
    assert "Rondes van mijn school" in body
