"""Tasks left RUNNING by a dead worker (config/reprise.py): failed, a recurring one queued again once; a live
worker's task, however long, never touched."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.conf import settings
from django.db import connections
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from solidarite.config import planification, reprise
from solidarite.config.models import PresenceWorker, TacheQuotidienne
from solidarite.rdv.tasks import purge_quotidienne
from tests.config.test_arret_worker import long_task


def _running(task, started_ago: dt.timedelta, worker_ids: list[str]) -> DBTaskResult:  # type: ignore[no-untyped-def]
    """A task row as a worker leaves it while it runs the task (claimed `started_ago`)."""
    row = DBTaskResult.objects.get(pk=task.enqueue().id)
    DBTaskResult.objects.filter(pk=row.pk).update(
        status="RUNNING", started_at=timezone.now() - started_ago, worker_ids=worker_ids
    )
    row.refresh_from_db()
    return row


def _stale() -> dt.timedelta:
    return dt.timedelta(minutes=settings.SOLIDARITE_TACHE_ABANDONNEE_MINUTES + 1)


def _recover() -> list[str]:
    return reprise.recover_tasks(timezone.now(), planification.RECURRING)


@pytest.mark.django_db
def test_a_long_task_of_a_worker_still_signing_is_left_alone() -> None:
    row = _running(purge_quotidienne, dt.timedelta(hours=3), ["vivant"])
    reprise.beat(["vivant"], timezone.now() - dt.timedelta(minutes=1))
    assert _recover() == []
    row.refresh_from_db()
    assert row.status == "RUNNING" and DBTaskResult.objects.count() == 1


@pytest.mark.django_db
def test_a_task_started_within_the_delay_is_left_alone_even_without_a_sign() -> None:
    """A worker of before the signs, or one between its claim and its first sign: the delay protects it."""
    _running(purge_quotidienne, dt.timedelta(minutes=settings.SOLIDARITE_TACHE_ABANDONNEE_MINUTES - 1), ["x"])
    assert _recover() == []


@pytest.mark.django_db
def test_a_daily_task_of_a_dead_worker_is_failed_and_queued_again_once() -> None:
    row = _running(purge_quotidienne, _stale(), ["mort"])
    TacheQuotidienne.objects.create(tache="purge", jour=timezone.localdate(), resultat=str(row.pk))
    reprise.beat(["mort"], timezone.now() - _stale())
    minutes = settings.SOLIDARITE_TACHE_ABANDONNEE_MINUTES
    assert _recover() == [
        "Tâche purge_quotidienne interrompue par l'arrêt brutal d'un worker (aucun signe de vie depuis plus de "
        f"{minutes} min) : marquée en échec et remise en file."
    ]
    row.refresh_from_db()
    assert row.status == "FAILED" and row.exception_class_path == reprise.ABANDONED
    again = DBTaskResult.objects.exclude(pk=row.pk).get()
    assert again.status == "READY" and again.task_path == row.task_path
    assert TacheQuotidienne.objects.get().resultat == str(again.pk)
    assert not PresenceWorker.objects.exists()  # the dead worker's last sign, gone with it
    assert _recover() == []  # a second worker finds nothing more: queued once

    # the task queued again dies in turn: failed, not queued a third time
    DBTaskResult.objects.filter(pk=again.pk).update(
        status="RUNNING", started_at=timezone.now() - _stale(), worker_ids=[*again.worker_ids, "mort2"]
    )
    assert _recover() == [
        "Tâche purge_quotidienne interrompue par l'arrêt brutal d'un worker (aucun signe de vie depuis plus de "
        f"{minutes} min) : marquée en échec, non remise en file (déjà reprise une fois)."
    ]
    assert DBTaskResult.objects.filter(status="FAILED").count() == 2 and DBTaskResult.objects.count() == 2


@pytest.mark.django_db
def test_a_one_off_task_of_a_dead_worker_is_failed_for_its_caller_not_queued_again() -> None:
    row = _running(long_task, _stale(), ["mort"])
    assert [line.endswith("(tâche ponctuelle, son demandeur voit l'échec).") for line in _recover()] == [True]
    row.refresh_from_db()
    assert row.status == "FAILED" and row.traceback.strip().endswith("non remise en file")
    assert DBTaskResult.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_running_worker_signs_for_each_queue_and_leaves_no_sign_when_stopped(
    monkeypatch, territoire
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(reprise, "BEAT_S", 0.05)
    TacheQuotidienne.objects.bulk_create(
        TacheQuotidienne(tache=name, jour=day, resultat="")
        for name in planification.DAILY_TASKS
        for day in (timezone.localdate(), timezone.localdate() + dt.timedelta(days=1))
    )
    worker = planification.Worker(interval=30, report=lambda line: None)  # a long pause: signs all the same
    thread = threading.Thread(target=lambda: (worker.run(), connections.close_all()))
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while PresenceWorker.objects.count() < len(worker.workers):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        first = max(PresenceWorker.objects.values_list("vu_le", flat=True))
        while max(PresenceWorker.objects.values_list("vu_le", flat=True)) == first:
            assert time.monotonic() < deadline, "le worker ne signe plus"
            time.sleep(0.05)
        assert set(PresenceWorker.objects.values_list("worker", flat=True)) == {
            w.worker_id for w in worker.workers
        }
    finally:
        worker.stop.set()
        thread.join()
    assert not PresenceWorker.objects.exists()
