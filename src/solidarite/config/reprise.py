"""Tasks left RUNNING by a worker that died (SIGKILL, the OOM killer, a power cut): django-tasks leaves their row
RUNNING for ever, and a daily task, queued once a day (planification.queue_daily), would not run again that day.

Each running worker signs for each of its queues (`beat`: a `PresenceWorker` row per django-tasks worker id,
seen again every BEAT_S). A row RUNNING since more than SOLIDARITE_TACHE_ABANDONNEE_MINUTES, whose worker (the
last id of its `worker_ids`) has not signed for as long, is abandoned: `recover_tasks` marks it failed by a
conditional UPDATE (of two workers, one only gets it) and, in the same transaction, queues a recurring task again
(the daily ones, the sending of messages). Once: the new row's `worker_ids` starts with RETRY_MARK, and a row so
marked that is abandoned in turn is only failed. A one-off task (a region of the planning) is only failed: its
caller waits for that row and sees the failure, rather than a new row nobody waits for.

A live worker's task is never taken: it signed less than the delay ago, however long its task runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from solidarite.config.models import PresenceWorker, TacheQuotidienne

BEAT_S = 60.0  # how often a running worker signs; the staleness delay is at least two of them (settings)
RETRY_MARK = "reprise:"  # first of a re-queued row's worker_ids, followed by the abandoned row's id
ABANDONED = "solidarite.config.reprise.WorkerDisparu"


def delay() -> dt.timedelta:
    return dt.timedelta(minutes=settings.SOLIDARITE_TACHE_ABANDONNEE_MINUTES)


def beat(workers: Iterable[str], now: dt.datetime) -> None:
    """The workers `workers` (django-tasks worker ids) are running at `now`."""
    ids = list(workers)
    seen = PresenceWorker.objects.filter(worker__in=ids)
    if seen.update(vu_le=now) < len(ids):
        present = set(seen.values_list("worker", flat=True))
        PresenceWorker.objects.bulk_create(
            [PresenceWorker(worker=w, vu_le=now) for w in ids if w not in present], ignore_conflicts=True
        )


def leave(workers: Iterable[str]) -> None:
    """A worker that stops cleanly leaves no presence behind."""
    PresenceWorker.objects.filter(worker__in=list(workers)).delete()


def _name(task_path: str) -> str:
    return task_path.rsplit(".", 1)[-1]


def recover_tasks(now: dt.datetime, recurring: Collection[str]) -> list[str]:
    """Fails the tasks abandoned by a dead worker, queues the recurring ones (task paths in `recurring`) again once;
    returns a line in French for each, naming the task only (no argument: no personal data)."""
    cutoff = now - delay()
    minutes = settings.SOLIDARITE_TACHE_ABANDONNEE_MINUTES
    alive = set(PresenceWorker.objects.filter(vu_le__gte=cutoff).values_list("worker", flat=True))
    lines = []
    for row in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff):
        if row.worker_ids and row.worker_ids[-1] in alive:
            continue  # a long task of a worker still running
        retried = bool(row.worker_ids) and str(row.worker_ids[0]).startswith(RETRY_MARK)
        again = row.task_path in recurring and not retried
        why = f"worker disparu (aucun signe de vie depuis plus de {minutes} min) : " + (
            "remise en file une fois" if again else "non remise en file"
        )
        with transaction.atomic():
            taken = DBTaskResult.objects.filter(
                pk=row.pk, status=TaskResultStatus.RUNNING, started_at=row.started_at
            ).update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                return_value=None,
                exception_class_path=ABANDONED,
                traceback=f"WorkerDisparu: {why}\n",
            )
            if not taken:
                continue  # finished meanwhile, or another worker recovered it first
            if again:
                try:
                    task = row.task
                except (ImportError, SuspiciousOperation):  # the task is gone from the code
                    again = False
                else:
                    new = task.enqueue(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
                    DBTaskResult.objects.filter(pk=new.id).update(worker_ids=[f"{RETRY_MARK}{row.pk}"])
                    TacheQuotidienne.objects.filter(resultat=str(row.pk)).update(resultat=str(new.id))
        if again:
            lines.append(
                f"Tâche {_name(row.task_path)} interrompue par l'arrêt brutal d'un worker (aucun signe de vie "
                f"depuis plus de {minutes} min) : marquée en échec et remise en file."
            )
        else:
            reason = (
                "déjà reprise une fois"
                if retried
                else "tâche absente du code"
                if row.task_path in recurring
                else "tâche ponctuelle, son demandeur voit l'échec"
            )
            lines.append(
                f"Tâche {_name(row.task_path)} interrompue par l'arrêt brutal d'un worker (aucun signe de vie "
                f"depuis plus de {minutes} min) : marquée en échec, non remise en file ({reason})."
            )
    PresenceWorker.objects.filter(vu_le__lt=cutoff).delete()  # the dead workers' last signs
    return lines
