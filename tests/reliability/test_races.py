"""Two staff acting on one thing at once: one wins, the other gets a clear message, never a 500,
never a second decision or a second mail. Threads on PostgreSQL (row locks); skipped on SQLite,
which serialises every write anyway."""

import contextlib
import threading

import pytest
from django.core import mail
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from portal import services
from portal.models import CorrectionItem, ParentRequest
from privacy_portal.models import OutboxMail
from tests import factories as f
from tests.conftest import sign_in

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (threads)"
    ),
]


def _at_the_same_time(monkeypatch, posts):
    """Run ``posts`` (callables) in threads that all pass the access check before any of them
    goes on, so that without the row lock each would see the request still open."""
    barrier = threading.Barrier(len(posts), timeout=10)
    real = services._require_handler

    def require_handler_then_wait(actor, request):
        real(actor, request)
        # A broken barrier: the other thread is already past (it holds the lock).
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()

    monkeypatch.setattr(services, "_require_handler", require_handler_then_wait)
    results = [None] * len(posts)

    def run(index, post):
        try:
            results[index] = post()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, post)) for i, post in enumerate(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def _signed_in(user):
    return sign_in(Client(), user)


def test_two_opposite_decisions_on_one_request_one_wins_one_mail(world, monkeypatch):
    request = services.parent_request_create(
        # An erasure: a granted objection must also record its effect (issue 19), which would
        # make the "grant" fail for a reason of its own instead of racing.
        actor=world.parent,
        pupil=world.pupil,
        kind="verwijdering",
        description="Geen foto's.",
    )
    mail.outbox.clear()
    url = reverse("portal:staff_decide", args=[request.pk])
    grant = _signed_in(world.directie)
    refuse = _signed_in(world.administratie)
    responses = _at_the_same_time(
        monkeypatch,
        [
            lambda: grant.post(url, {"granted": "1", "decision": "Foto's worden verwijderd."}),
            lambda: refuse.post(url, {"granted": "0", "decision": "Afgewezen, want ..."}),
        ],
    )
    codes = sorted(response.status_code for response in responses)
    assert codes == [302, 400]
    loser = next(r for r in responses if r.status_code == 400)
    assert "Dit verzoek is al afgehandeld." in loser.content.decode()
    request.refresh_from_db()
    assert request.status in (ParentRequest.Status.DONE, ParentRequest.Status.REFUSED)
    closed = OutboxMail.objects.filter(template="portal/email/request_closed")
    assert closed.count() == 1
    assert [m.to for m in mail.outbox] == [[world.parent.email]]


def test_two_decisions_on_one_correction_never_deadlock_or_contradict(world, monkeypatch):
    request = services.parent_request_create(
        actor=world.parent,
        pupil=world.pupil,
        kind="correctie",
        corrections={"first_name": "Milou"},
    )
    item = request.corrections.get()
    url = reverse("portal:staff_correction", args=[request.pk, item.pk])
    accept = _signed_in(world.directie)
    refuse = _signed_in(world.administratie)
    responses = _at_the_same_time(
        monkeypatch,
        [
            lambda: accept.post(url, {"accept": "1"}),
            lambda: refuse.post(url, {"accept": "0", "reason": "Klopt niet met de akte."}),
        ],
    )
    assert sorted(r.status_code for r in responses) == [302, 400]
    item.refresh_from_db()
    world.pupil.refresh_from_db()
    if item.decision == CorrectionItem.Decision.ACCEPTED:
        assert world.pupil.first_name == "Milou"
    else:
        assert item.decision == CorrectionItem.Decision.REFUSED
        assert world.pupil.first_name == "Mila"
    assert ParentRequest.objects.get().status == ParentRequest.Status.DONE
    assert OutboxMail.objects.filter(template="portal/email/request_closed").count() == 1


def test_a_redelivered_import_task_does_nothing_while_its_worker_still_works(
    world, monkeypatch, settings
):
    from students import imports
    from students import tasks as student_tasks
    from students.models import ImportRun, Pupil
    from tests.students.test_import import SAMPLE

    settings.JOB_CLAIM_GRACE_SECONDS = 0  # the claim looks stale at once: only the lock tells
    monkeypatch.setattr(student_tasks.apply_pupil_import, "delay", lambda *args: None)
    queued = imports.import_queue(
        actor=world.administratie, school=world.school, raw=SAMPLE.read_bytes(), mode="all"
    )
    working, finish = threading.Event(), threading.Event()
    real_import = imports.pupil_import

    def slow_import(**kwargs):
        working.set()
        finish.wait(20)
        return real_import(**kwargs)

    monkeypatch.setattr(imports, "pupil_import", slow_import)

    def first_worker():
        try:
            imports.import_apply(queued.pk)
        finally:
            connections.close_all()

    worker = threading.Thread(target=first_worker)
    worker.start()
    assert working.wait(20)
    imports.import_apply(queued.pk)  # the same message, redelivered to a second worker
    from privacy_portal import jobs

    assert jobs.reap() == []  # the reaper leaves a locked run alone
    assert ImportRun.objects.get(pk=queued.pk).status == ImportRun.Status.RUNNING
    finish.set()
    worker.join(30)
    run = ImportRun.objects.get(pk=queued.pk)
    assert (run.status, run.attempts) == (ImportRun.Status.DONE, 1)
    assert Pupil.objects.exclude(administration_number="").count() == 3


def test_two_simultaneous_assessments_of_one_breach_tell_the_board_once(world, monkeypatch):
    from breaches import services as breach_services
    from tests.breaches.factories import report_breach

    breach = report_breach(world.teacher, world.school)
    second_fg = f.foundation_person(world.foundation, "fg")
    barrier = threading.Barrier(2, timeout=10)
    real_lock = breach_services._lock

    def wait_then_lock(b):
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return real_lock(b)

    monkeypatch.setattr(breach_services, "_lock", wait_then_lock)
    data = {
        "a-risk": "high",
        "a-risk_reasoning": "Onversleutelde zorgnotities.",
        "a-notify_ap": "yes",
        "a-notify_ap_reason": "Hoog risico.",
        "a-inform_subjects": "yes",
        "a-inform_subjects_reason": "Hoog risico en leesbaar.",
    }
    url = reverse("breaches:assess", args=[breach.pk])
    clients = [_signed_in(world.fg), _signed_in(second_fg)]
    responses = [None, None]

    def post(index):
        try:
            responses[index] = clients[index].post(url, data)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert all(r is not None and r.status_code < 500 for r in responses)
    assert OutboxMail.objects.filter(template="breaches/email/board").count() == 1
