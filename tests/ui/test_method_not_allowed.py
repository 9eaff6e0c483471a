"""A GET on an address that only takes a posted form is a real page with a way back, never an
empty 405 (what a person sees after signing in again with a form's address as ``next``)."""

import pytest

pytestmark = pytest.mark.django_db


def test_get_on_a_post_only_address_shows_a_page_with_a_way_back(world, client_for):
    client = client_for(world.fg)
    response = client.get(
        "/datalekken/1/beoordelen/", HTTP_REFERER="http://testserver/datalekken/1/"
    )
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    body = response.content.decode()
    assert "Deze pagina kan niet zo worden geopend" in body
    assert 'href="http://testserver/datalekken/1/"' in body


def test_a_foreign_referer_is_not_offered_as_the_way_back(world, client_for):
    client = client_for(world.fg)
    response = client.get("/datalekken/1/beoordelen/", HTTP_REFERER="https://evil.example/x")
    assert response.status_code == 405
    assert "evil.example" not in response.content.decode()
