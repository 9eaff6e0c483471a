"""Creating forms carry a one-time token: a double click, a reload or a retry creates one
object, and the second submit is shown the first result."""

import re
import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from breaches.models import ApNotification, Breach
from portal.models import ParentRequest
from privacy_portal.models import FormToken
from tests.breaches.factories import assess, report_breach
from tests.breaches.test_bad_input import fmt, valid_report
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def _token_from(client, url) -> str:
    page = client.get(url).content.decode()
    return re.search(r'name="form_token" value="([^"]+)"', page).group(1)


def _objection(token):
    return {"kind": "bezwaar", "description": "Geen foto's op de website.", "form_token": token}


def test_a_double_submitted_parents_request_is_filed_once(world, client_for):
    client = client_for(world.parent)
    url = reverse("portal:request_new", args=[world.pupil.pk])
    token = _token_from(client, url)
    first = client.post(url, _objection(token))
    second = client.post(url, _objection(token), follow=True)
    assert ParentRequest.objects.count() == 1
    assert second.redirect_chain[-1][0] == first["Location"]
    assert "Dit formulier was al verstuurd" in second.content.decode()


def test_a_new_page_gets_a_new_token_so_a_second_real_request_is_possible(world, client_for):
    client = client_for(world.parent)
    url = reverse("portal:request_new", args=[world.pupil.pk])
    client.post(url, _objection(_token_from(client, url)))
    client.post(url, _objection(_token_from(client, url)))
    assert ParentRequest.objects.count() == 2


def test_a_refused_submit_frees_its_token_for_the_corrected_form(world, client_for):
    client = client_for(world.parent)
    url = reverse("portal:request_new", args=[world.pupil.pk])
    token = _token_from(client, url)
    refused = client.post(url, {"kind": "bezwaar", "description": "", "form_token": token})
    assert refused.status_code == 400
    assert client.post(url, _objection(token)).status_code == 302
    assert ParentRequest.objects.count() == 1


def test_a_double_submitted_breach_report_makes_one_breach_and_one_number(world, client_for):
    client = client_for(world.teacher)
    url = reverse("breaches:report")
    data = {**valid_report(world), "form_token": _token_from(client, url)}
    first = client.post(url, data)
    second = client.post(url, data)
    assert Breach.objects.count() == 1
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]


def test_a_double_submitted_ap_notification_is_recorded_once(world, client_for):
    breach = report_breach(world.teacher, world.school)
    assess(breach, world.fg)
    client = client_for(world.fg)
    token = _token_from(client, reverse("breaches:detail", args=[breach.pk]))
    data = {
        "n-sent_at": fmt(timezone.now()),
        "n-ap_reference": "AP-2026-123",
        "n-summary": "Melding gedaan via het meldloket.",
        "form_token": token,
    }
    url = reverse("breaches:notify_ap", args=[breach.pk])
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert ApNotification.objects.count() == 1


def test_another_persons_token_shows_them_nothing_of_the_first_result(world, client_for):
    client = client_for(world.parent)
    url = reverse("portal:request_new", args=[world.pupil.pk])
    token = _token_from(client, url)
    client.post(url, _objection(token))
    FormToken.objects.update(user_id=world.outsider.pk)  # as if someone else had used it
    response = client.post(url, _objection(token))
    assert response.status_code == 400
    assert "Dit formulier is al gebruikt" in response.content.decode()
    assert ParentRequest.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent twins need PostgreSQL")
def test_two_simultaneous_submits_of_one_breach_report_make_one_breach(world):
    clients = [sign_in(Client(), world.teacher) for _ in range(2)]
    url = reverse("breaches:report")
    data = {**valid_report(world), "form_token": "t" * 32}
    barrier = threading.Barrier(2)
    responses = [None, None]

    def post(index):
        try:
            barrier.wait()
            responses[index] = clients[index].post(url, data)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert Breach.objects.count() == 1
    assert [r.status_code for r in responses] == [302, 302]
