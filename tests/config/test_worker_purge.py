"""The daily purge in a real worker process, stopped by a real signal: SIGTERM ends it between two batches (each
batch committed, the rest left for the next run); SIGKILL leaves its task RUNNING, taken again once the worker
is known to be gone (docs/decisions/0011-taches-de-fond.md)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from solidarite.config import planification, reprise
from solidarite.config.models import PresenceWorker, TacheQuotidienne
from solidarite.rdv.models import ComptageMensuel, RendezVous
from solidarite.rdv.tasks import purge_quotidienne
from tests.cli import run_cli
from tests.config.test_arret_worker import STOP_WITHIN_S, _start_worker, _until, _worker_env
from tests.factories import mission

# Enough rows that the purge takes many batches of LOT (2,000: seconds on SQLite, more on a loaded machine), so
# that a signal lands mid-purge; the rest is purged by the default batch.
EXPIRED = 4000
LOT = 2


def _expired_appointments(count: int) -> int:
    """`count` appointments older than their retention period (400 days ago), in one mission."""
    planned = mission(days_ahead=1)
    start = timezone.now() - dt.timedelta(days=400)
    RendezVous.objects.bulk_create(
        RendezVous(
            mission=planned,
            lieu=planned.lieu,
            debut=start + dt.timedelta(minutes=i),
            fin=start + dt.timedelta(minutes=i + 20),
            statut=RendezVous.Statut.VU,
            nom="Martin",
            prenom="Jeanne",
            date_naissance=dt.date(1948, 5, 17),
            telephone="+33612345678",
        )
        for i in range(count)
    )
    return RendezVous.objects.count()


def _purge_queued_today() -> DBTaskResult:
    """Today's purge queued as the worker queues it (its row of the day, its task); the other daily tasks marked
    as queued, today and tomorrow, so that the purge is the one task of the day."""
    today = timezone.localdate()
    result = purge_quotidienne.enqueue()
    TacheQuotidienne.objects.bulk_create(
        TacheQuotidienne(
            tache=name, jour=day, resultat=str(result.id) if name == "purge" and day == today else ""
        )
        for name in planification.DAILY_TASKS
        for day in (today, today + dt.timedelta(days=1))
    )
    return DBTaskResult.objects.get(pk=result.id)


def _env(tmp_path: Path) -> dict[str, str]:
    return {**_worker_env(tmp_path), "SOLIDARITE_PURGE_LOT": str(LOT)}


def _purge_under_way(tmp_path: Path) -> tuple[int, DBTaskResult, dict[str, str], subprocess.Popen[str]]:
    """EXPIRED appointments, today's purge queued, a real worker started and seen purging: (the appointments, the
    purge's task row, the worker's environment, the worker)."""
    total = _expired_appointments(EXPIRED)
    purge = _purge_queued_today()
    env = _env(tmp_path)
    worker = _start_worker(env)
    try:
        _until(lambda: RendezVous.objects.count() < total, worker, "la purge a commencé")
    except BaseException:
        _kill(worker)
        raise
    return total, purge, env, worker


def _kill(worker: subprocess.Popen[str]) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.communicate()


@pytest.mark.django_db(transaction=True)
def test_a_purge_left_running_by_a_killed_worker_is_run_again_the_same_day(
    territoire, tmp_path: Path
) -> None:
    total, purge, env, worker = _purge_under_way(tmp_path)
    try:
        os.killpg(worker.pid, signal.SIGKILL)  # a power cut, the OOM killer, systemd's SIGKILL after its 10 s
        worker.communicate()
    finally:
        _kill(worker)
    left = RendezVous.objects.count()
    assert 0 < left < total
    purge.refresh_from_db()
    assert purge.status == "RUNNING"
    # the dead worker signed for its queues, the purge's among them
    assert set(purge.worker_ids) <= set(PresenceWorker.objects.values_list("worker", flat=True))

    # Within the delay, another worker takes it for a live one's task (a long purge): it is left alone.
    assert reprise.recover_tasks(timezone.now(), planification.RECURRING) == []
    assert DBTaskResult.objects.get(pk=purge.pk).status == "RUNNING"

    # The time passes (more than the staleness delay): the dead worker's task and last signs, moved back.
    long_ago = timezone.now() - dt.timedelta(minutes=settings.SOLIDARITE_TACHE_ABANDONNEE_MINUTES + 1)
    DBTaskResult.objects.filter(pk=purge.pk).update(started_at=long_ago)
    PresenceWorker.objects.update(vu_le=long_ago)
    again = run_cli("worker", "--once", env={**env, "SOLIDARITE_PURGE_LOT": "500"})
    assert again.returncode == 0, again.stderr
    assert RendezVous.objects.count() == 0  # the purge of the day was done after all
    counted = ComptageMensuel.objects.filter(objet=ComptageMensuel.Objet.RENDEZ_VOUS)
    assert (
        sum(counted.values_list("nombre", flat=True)) == total
    )  # each row counted once: none lost, none twice
    purge.refresh_from_db()
    assert purge.status == "FAILED" and "worker disparu" in purge.traceback
    retried = DBTaskResult.objects.get(
        pk=TacheQuotidienne.objects.get(tache="purge", jour=timezone.localdate()).resultat
    )
    assert retried.status == "SUCCESSFUL" and retried.worker_ids[0] == f"reprise:{purge.pk}"
    assert (
        "Tâche purge_quotidienne interrompue par l'arrêt brutal d'un worker (aucun signe de vie depuis plus de "
        f"{settings.SOLIDARITE_TACHE_ABANDONNEE_MINUTES} min) : marquée en échec et remise en file."
    ) in again.stdout
    assert (
        not PresenceWorker.objects.exists()
    )  # the dead worker's signs expired, the --once ones left with it
    # once: another worker finds nothing more to recover
    assert reprise.recover_tasks(timezone.now(), planification.RECURRING) == []
    assert DBTaskResult.objects.filter(task_path=purge.task_path).count() == 2


@pytest.mark.django_db(transaction=True)
def test_sigterm_stops_the_purge_between_two_batches_and_leaves_the_rest_queued(
    territoire, tmp_path: Path
) -> None:
    total, purge, _, worker = _purge_under_way(tmp_path)
    try:
        worker.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        out, err = worker.communicate(timeout=60)
        stopped_after = time.monotonic() - signalled
    finally:
        _kill(worker)
    assert worker.returncode == 0, err
    assert stopped_after < STOP_WITHIN_S
    left = RendezVous.objects.count()
    assert 0 < left < total  # stopped mid-purge
    assert (total - left) % LOT == 0  # whole batches only: nothing half-written
    counted = ComptageMensuel.objects.filter(objet=ComptageMensuel.Objet.RENDEZ_VOUS)
    assert sum(counted.values_list("nombre", flat=True)) == total - left  # each row gone is counted
    purge.refresh_from_db()
    assert purge.status == "SUCCESSFUL" and purge.return_value["interrompue"] == 1
    assert purge.return_value["rendez_vous"] == total - left and purge.return_value["reste"] == left
    assert (
        f"Tâche purge_quotidienne arrêtée entre deux lots (chacun validé) : {left} ligne(s) restent, remise en "
        "file pour le prochain démarrage."
    ) in out
    assert "1 autre(s) tâche(s) traité(s)" in out and "0 message(s) dû(s), 1 tâche(s)." in out

    # the next start finishes the day's purge
    lines: list[str] = []
    planification.Worker(0.05, lines.append).once()
    assert RendezVous.objects.count() == 0
    assert sum(counted.values_list("nombre", flat=True)) == total
