"""The one worker: the daily purge queued once a day whatever the number of workers, run from the task queue,
and a long task never holding up the messages."""

from __future__ import annotations

import datetime as dt
import io
import threading
import time
import zoneinfo

import pytest
import time_machine
from django.db import connections
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from solidarite.config import planification
from solidarite.config.models import TacheQuotidienne
from solidarite.rdv import services
from solidarite.rdv.models import Message, RendezVous
from tests.factories import PATIENT
from tests.factories import mission as _mission

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def _at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2027, 3, day, hour, minute, tzinfo=PARIS)


def _in_threads(count: int, function) -> list[object]:  # type: ignore[no-untyped-def]
    """`function` called by `count` threads at once (each with its own database connection, like workers)."""
    barrier = threading.Barrier(count)
    results: list[object] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(function())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_two_workers_queue_the_daily_purge_once_a_day(settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    settings.SOLIDARITE_PURGE_HEURE = 3
    # The purge alone (other contexts add daily tasks of their own: continuite's is tested in tests/continuite).
    monkeypatch.setattr(planification, "DAILY_TASKS", {"purge": planification.DAILY_TASKS["purge"]})
    with time_machine.travel(_at(1, 2, 59), tick=False):
        assert _in_threads(2, planification.queue_daily) == [[], []]  # before the hour: nothing
    with time_machine.travel(_at(1, 3, 0), tick=False):
        first = _in_threads(2, planification.queue_daily)
        assert sorted(first, key=len) == [[], ["purge"]]  # two workers at once: one queues it
        assert _in_threads(2, planification.queue_daily) == [[], []]  # a later pass, the same day: nothing
    with time_machine.travel(_at(1, 23, 59), tick=False):
        assert planification.queue_daily() == []
    with time_machine.travel(_at(2, 4, 0), tick=False):
        assert sorted(_in_threads(2, planification.queue_daily), key=len) == [[], ["purge"]]  # the next day
    rows = list(TacheQuotidienne.objects.order_by("jour").values_list("tache", "jour", "resultat"))
    assert [(name, day) for name, day, _ in rows] == [
        ("purge", dt.date(2027, 3, 1)),
        ("purge", dt.date(2027, 3, 2)),
    ]
    queued = DBTaskResult.objects.order_by("enqueued_at")
    assert [str(result.id) for result in queued] == [result for _, _, result in rows]
    assert {result.task_path for result in queued} == {"solidarite.rdv.tasks.purge_quotidienne"}


@pytest.mark.django_db(transaction=True)
def test_two_workers_run_the_daily_purge_once(territoire, settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from django.core.management import call_command

    monkeypatch.setattr(planification, "DAILY_TASKS", {"purge": planification.DAILY_TASKS["purge"]})

    from solidarite.rdv.models import ComptageMensuel

    settings.SOLIDARITE_CONSERVATION_RDV_JOURS = 365
    mission = _mission()
    rdv = services.book(services.slots(mission.lieu, mission.date, mission.date)[0].id, PATIENT)
    Message.objects.update(statut=Message.Statut.ENVOYE)  # sent long ago: a year later, nothing is due
    with time_machine.travel(rdv.debut + dt.timedelta(days=366, hours=20), tick=False):
        _in_threads(2, lambda: planification.Worker(0.05, lambda line: None).once())
        call_command("worker", "--once", stdout=io.StringIO())  # a third pass the same day: nothing more
    assert not RendezVous.objects.filter(pk=rdv.pk).exists()
    result = DBTaskResult.objects.get()  # queued once, run once
    assert result.status == "SUCCESSFUL" and result.return_value["rendez_vous"] == 1
    assert list(ComptageMensuel.objects.filter(objet="rendez_vous").values_list("statut", "nombre")) == [
        ("reserve", 1)
    ]


GATE = threading.Event()


@task()
def hold_until_released() -> str:
    """A long task: runs until the test lets it go."""
    GATE.wait(timeout=120)
    return "fini"


def _until(condition, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, f"jamais arrivé : {what}"
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_a_long_task_does_not_hold_up_the_messages(territoire, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SOLIDARITE_PURGE_HEURE = 23  # (the daily purge may be queued too: it waits behind the long task)
    GATE.clear()
    long_task = hold_until_released.enqueue()
    worker = planification.Worker(interval=0.05, report=lambda line: None)
    thread = threading.Thread(target=lambda: (worker.run(), connections.close_all()))
    thread.start()
    try:
        _until(
            lambda: DBTaskResult.objects.get(pk=long_task.id).status == "RUNNING", "la tâche longue démarre"
        )
        mission = _mission()
        rdv = services.book(services.slots(mission.lieu, mission.date, mission.date)[0].id, PATIENT)
        confirmation = Message.objects.get(rendez_vous=rdv, nature=Message.Nature.CONFIRMATION)
        _until(
            lambda: Message.objects.get(pk=confirmation.pk).statut == Message.Statut.ENVOYE,
            "la confirmation part pendant la tâche longue",
        )
        assert DBTaskResult.objects.get(pk=long_task.id).status == "RUNNING"  # it was still running meanwhile
    finally:
        GATE.set()
        worker.stop.set()
        thread.join()
    assert DBTaskResult.objects.get(pk=long_task.id).status == "SUCCESSFUL"
