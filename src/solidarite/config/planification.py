"""The one background worker: it runs every queued task of the project (django-tasks, database backend) and
queues the recurring ones (docs/decisions/0011-taches-de-fond.md).

`queue_messages` queues the sending task (rdv.tasks.envoyer_messages_dus) when messages are due and none is
waiting already; the messages keep their table (the record and the unique guard), and each is claimed before it
is sent, so a task run twice sends nothing twice.

`queue_daily` inserts one `TacheQuotidienne` row per task and day and queues the task in the same transaction:
the row is unique (task, day), so with any number of workers the task is queued once a day; the worker that
loses the race gets an IntegrityError and queues nothing.

`Worker.run` queues these in its own thread and runs each queue of settings.TASKS with django_tasks_db's own
worker in a thread of its own: a long task (the purge, a planning solve) never delays a message.

Stopping (SIGTERM from systemd or a container, Ctrl+C): `request_stop` is all a signal handler calls; the worker
then finishes the task in hand in each queue (the sending task after the message in hand: rdv.tasks.ARRET),
starts no other, and returns within about one item; whatever was not started stays queued for the next start.
A batch task (the purge, rdv.empreintes) stops between two batches, each committed, and queues itself again for
the rest.

Killed instead (SIGKILL, power cut), a worker leaves its task RUNNING: each worker signs every minute, and fails
the task of a worker not seen for SOLIDARITE_TACHE_ABANDONNEE_MINUTES, queuing a recurring one again once
(config/reprise.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import (
    DatabaseError,
    IntegrityError,
    OperationalError,
    close_old_connections,
    connections,
    transaction,
)
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker as TaskWorker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from solidarite.config import reprise
from solidarite.config.models import TacheQuotidienne
from solidarite.continuite.tasks import suivi_quotidien
from solidarite.rdv import messaging
from solidarite.rdv.tasks import ARRET, empreintes_quotidiennes, envoyer_messages_dus, purge_quotidienne

logger = logging.getLogger(__name__)
# How often the main thread looks whether a signal asked it to stop: the most a stop waits for it.
PAUSE_SLICE_S = 0.1

# name → task; each queued once a day from SOLIDARITE_PURGE_HEURE (local time).
DAILY_TASKS: dict[str, Any] = {
    "purge": purge_quotidienne,
    "continuite": suivi_quotidien,
    "empreintes": empreintes_quotidiennes,  # after a change of SECRET_KEY (rdv.empreintes)
}
# The tasks a dead worker's abandoned run is queued again for (config/reprise.py): queued by the worker itself,
# nobody waits for their result.
RECURRING = frozenset(
    {*(task.module_path for task in DAILY_TASKS.values()), envoyer_messages_dus.module_path}
)


def queue_daily(now: dt.datetime | None = None) -> list[str]:
    """Queues the daily tasks not yet queued today (from the hour set); returns the names queued here."""
    local = timezone.localtime(now or timezone.now())
    if local.hour < settings.SOLIDARITE_PURGE_HEURE:
        return []
    queued = []
    for name, task in DAILY_TASKS.items():
        if TacheQuotidienne.objects.filter(tache=name, jour=local.date()).exists():
            continue
        try:
            with transaction.atomic():
                row = TacheQuotidienne.objects.create(tache=name, jour=local.date())
                row.resultat = str(task.enqueue().id)
                row.save(update_fields=["resultat"])
        except IntegrityError:  # another worker queued it first
            continue
        queued.append(name)
        logger.info("Tâche quotidienne %s mise en file pour le %s", name, local.date())
    return queued


def queues() -> list[str]:
    """Every queue of the project's task backend: the worker runs them all."""
    return sorted(settings.TASKS["default"].get("QUEUES", ["default"]))


def queue_messages(now: dt.datetime | None = None) -> bool:
    """Queues the sending task if messages are due and no sending task is waiting yet; True if queued here.

    Two workers may both queue one at the same moment: harmless, the second finds nothing left to claim."""
    if not messaging.due_ids(now or timezone.now(), limit=1):
        return False
    waiting = DBTaskResult.objects.filter(
        task_path=envoyer_messages_dus.module_path, status=TaskResultStatus.READY
    )
    if waiting.exists():
        return False
    envoyer_messages_dus.enqueue()
    return True


class QueueWorker(TaskWorker):
    """django_tasks_db's worker on one queue of the default backend, telling `done` of each task it ran, until
    `stop` is set: then it ends the task in hand (which sees `stop` as rdv.tasks.ARRET) and claims no other.

    Its own loop, not django_tasks_db's: that one sleeps `interval` without waking when asked to stop, and
    looks at its flag only between two tasks, not between two messages of a task."""

    def __init__(
        self, queue: str, interval: float, done: Callable[[DBTaskResult], None], stop: threading.Event
    ) -> None:
        super().__init__(
            queue_names=[queue],
            interval=interval,
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=get_random_string(32),
            excluded_queue_names=[],
        )
        self.done = done
        self.stop = stop

    def claim_next(self) -> DBTaskResult | None:
        """The next ready task of this queue, claimed (as django_tasks_db's loop claims it); None if there is
        none, or if the database is locked by another writer for now (SQLite: the next round tries again)."""
        ready = DBTaskResult.objects.ready().filter(
            backend_name=self.backend_name, queue_name__in=self.queue_names
        )
        try:
            with exclusive_transaction(ready.db):
                result = ready.get_locked()
                if result is not None:
                    result.claim(self.worker_id)
                return result
        except OperationalError as exc:
            if is_locked_database_exception(exc):
                return None
            raise

    def run(self) -> None:
        while not self.stop.is_set():
            close_old_connections()  # a long-running thread: drop a connection the database closed
            result = self.claim_next()
            if result is not None:
                self.run_task(result)
            else:
                self.stop.wait(self.interval)

    def run_task(self, db_task_result: DBTaskResult) -> None:
        token = ARRET.set(self.stop)
        try:
            super().run_task(db_task_result)
        finally:
            ARRET.reset(token)
        self.done(db_task_result)


class Worker:
    """Each queue in a thread of its own; the calling thread queues the recurring tasks, until `stop` is set
    (by another thread) or `request_stop` is called (by a signal handler)."""

    def __init__(self, interval: float, report: Callable[[str], None]) -> None:
        self.interval = interval
        self.report = report
        self.stop = threading.Event()
        # Set by a signal handler, read by the calling thread between two short sleeps: a handler that set the
        # Event itself could wait forever on the lock the interrupted Event.wait holds (same thread).
        self.stop_requested = False
        self.sent = 0
        self.tasks = 0  # the other tasks run
        self._lock = threading.Lock()
        self.workers = [QueueWorker(queue, interval, self._done, self.stop) for queue in queues()]
        self._next_sign = 0.0  # time.monotonic() of the next sign of life (config/reprise.py)

    def request_stop(self) -> None:
        """What a signal handler calls: no lock, no I/O."""
        self.stop_requested = True

    def _sign(self) -> None:
        """This worker's sign of life, for each queue; then the tasks abandoned by a dead worker (reported)."""
        now = timezone.now()
        reprise.beat((worker.worker_id for worker in self.workers), now)
        for line in reprise.recover_tasks(now, RECURRING):
            self.report(line)
        self._next_sign = time.monotonic() + reprise.BEAT_S

    def _sign_if_due(self) -> None:
        if time.monotonic() >= self._next_sign:
            self._sign()

    def _leave(self) -> None:
        with contextlib.suppress(DatabaseError):  # SQLite busy: the presence expires anyway
            reprise.leave(worker.worker_id for worker in self.workers)

    def _done(self, result: DBTaskResult) -> None:
        """Counts the tasks run, and reports the messages a sending task handled and a batch task stopped."""
        if result.task_path != envoyer_messages_dus.module_path:
            with self._lock:
                self.tasks += 1
            outcome = result.return_value
            stopped = isinstance(outcome, dict) and outcome.get("interrompue")
            if result.status == TaskResultStatus.SUCCESSFUL and stopped:
                self.report(
                    f"Tâche {result.task_path.rsplit('.', 1)[-1]} arrêtée entre deux lots (chacun validé) : "
                    f"{outcome.get('reste', 0)} ligne(s) restent, remise en file pour le prochain démarrage."
                )
            return
        if result.status != TaskResultStatus.SUCCESSFUL:
            self.report(f"Envoi des messages en échec : {result.exception_class_path}.")
            return
        with self._lock:
            self.sent += result.return_value
        if result.return_value:
            self.report(f"{result.return_value} message(s) traité(s).")

    def remaining(self) -> tuple[int, int]:
        """(messages due, tasks ready) left in the queue: what the next start will do."""
        ready = DBTaskResult.objects.ready().filter(backend_name="default", queue_name__in=queues())
        return messaging.count_due(timezone.now()), ready.count()

    @staticmethod
    def _run_queue(worker: QueueWorker) -> None:
        try:
            worker.run()
        finally:
            connections.close_all()  # this thread's connection

    def once(self) -> int:
        """One pass: the sending task queued if messages are due, today's tasks queued, every ready task of
        every queue run; then returns the number of messages handled.

        The tasks are claimed as django_tasks_db's loop claims them and run by its `run_task`; its loop itself
        is not used here, because it closes the connection between tasks (it would end a caller's transaction).
        """
        sent_before = self.sent
        self._sign()
        try:
            queue_messages()
            queue_daily()
            runner = self.workers[0]
            ready = DBTaskResult.objects.ready().filter(backend_name="default", queue_name__in=queues())
            round_start = self.sent
            while True:
                self._sign_if_due()  # before each task: the one before may have been long
                with exclusive_transaction(ready.db):
                    result = ready.get_locked()
                    if result is not None:
                        result.claim(runner.worker_id)
                if result is not None:
                    runner.run_task(result)
                    continue
                # A sending task handles a batch (messaging.send_due's limit): « everything due » takes another
                # while the last one handled some and more are due.
                if self.sent == round_start or not queue_messages():
                    return self.sent - sent_before
                round_start = self.sent
        finally:
            self._leave()

    def run(self) -> None:
        threads = [
            threading.Thread(
                target=self._run_queue, args=(worker,), name=f"taches-{worker.queue_names[0]}", daemon=True
            )
            for worker in self.workers
        ]
        self._sign()  # before any task is claimed: a task of this worker is never taken for abandoned
        for thread in threads:
            thread.start()
        queued_for: dt.date | None = None
        try:
            while not self._stopping():
                self._sign_if_due()
                stale = messaging.recover_stale(timezone.now())  # left by a worker stopped at once, or killed
                if stale:
                    self.report(
                        f"{stale} message(s) interrompu(s) par un arrêt précédent : marqués en échec."
                    )
                queue_messages()
                today = timezone.localdate()
                if queued_for != today and timezone.localtime().hour >= settings.SOLIDARITE_PURGE_HEURE:
                    for name in queue_daily():
                        self.report(f"Tâche quotidienne mise en file : {name}.")
                    queued_for = today
                self._pause(self.interval)
                close_old_connections()  # a long-running process: drop a connection the database closed
        finally:
            self.stop.set()  # each queue ends the task in hand, and takes no other
            for thread in threads:
                thread.join()
            self._leave()

    def _stopping(self) -> bool:
        """True once a stop is asked for, by `stop` or by `request_stop` (then `stop` is set, for the queues)."""
        if self.stop_requested and not self.stop.is_set():
            self.stop.set()
            self.report(
                "Arrêt demandé : le message ou la tâche en cours est terminé, aucun autre n'est commencé "
                "(Ctrl+C de nouveau pour arrêter tout de suite)."
            )
        return self.stop.is_set()

    def _pause(self, seconds: float) -> None:
        """Sleeps `seconds`, or less if a stop is asked for meanwhile (looked at every PAUSE_SLICE_S)."""
        deadline = time.monotonic() + seconds
        while not self._stopping():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self._sign_if_due()  # --interval may be longer than a sign's period
            time.sleep(min(left, PAUSE_SLICE_S))
