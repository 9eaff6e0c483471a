"""Two board members acting on one agreement at once: one wins, the other gets a clear message,
never a 500, never a second transition or a second mail. Threads on PostgreSQL (row locks);
skipped on SQLite, which serialises every write anyway."""

import contextlib
import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from agreements import services, views
from agreements.models import AgreementEvent, AgreementState
from privacy_portal.models import OutboxMail
from tests.agreements import factories as af
from tests.conftest import sign_in

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_pdf"),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (threads)"
    ),
]
S = AgreementState


def _at_the_same_time(monkeypatch, posts):
    """Run ``posts`` in threads that have all read the agreement (still "submitted") before any
    of them goes on, so that without the row lock both would act on it."""
    barrier = threading.Barrier(len(posts), timeout=10)
    real = views._agreement

    def read_then_wait(request, pk):
        agreement = real(request, pk)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return agreement

    monkeypatch.setattr(views, "_agreement", read_then_wait)
    results = [None] * len(posts)

    def run(index, post):
        try:
            results[index] = post()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, p)) for i, p in enumerate(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_two_board_members_returning_one_agreement_at_once_return_it_once(world, monkeypatch):
    supplier = af.supplier(world.beheerder, world.foundation)
    product = af.product(world.beheerder, supplier)
    af.product_in_use(world.directie, world.school, product)
    draft = af.draft_agreement(world.directie, supplier, [product], [world.school])
    submitted = services.agreement_submit(actor=world.directie, agreement=draft)
    url = reverse("agreements:agreement_return", args=[submitted.pk])
    first, second = sign_in(Client(), world.cvb), sign_in(Client(), world.cvb)
    responses = _at_the_same_time(
        monkeypatch,
        [
            lambda: first.post(url, {"reason": "Bijlage 2 ontbreekt."}),
            lambda: second.post(url, {"reason": "Verkeerde modelversie."}),
        ],
    )
    assert sorted(r.status_code for r in responses) == [302, 400]
    loser = next(r for r in responses if r.status_code == 400)
    assert "kan niet naar" in loser.content.decode()
    assert AgreementEvent.objects.filter(agreement=submitted, to_state=S.RETURNED).count() == 1
    assert OutboxMail.objects.filter(template="agreements/email/returned").count() == 1
