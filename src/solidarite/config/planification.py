"""The daily tasks, queued once a day by the worker, and the worker itself: messages and background tasks.

`queue_daily` inserts one `TacheQuotidienne` row per task and day and queues the task in the same transaction:
the row is unique (task, day), so with any number of workers the task is queued once a day; the worker that
loses the race gets an IntegrityError and queues nothing.

`Worker.run` sends the messages as before in its own thread, and runs django-tasks' queue with django_tasks_db's
own worker in a second thread: a long task (the purge) never delays a message.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, close_old_connections, connections, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker as TaskWorker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from solidarite.config.models import TacheQuotidienne
from solidarite.rdv import messaging
from solidarite.rdv.tasks import purge_quotidienne

logger = logging.getLogger(__name__)

# name → task; each queued once a day from SOLIDARITE_PURGE_HEURE (local time).
DAILY_TASKS: dict[str, Any] = {"purge": purge_quotidienne}


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


def task_worker(batch: bool, interval: float) -> TaskWorker:
    """django_tasks_db's worker on the default backend and queue (the same loop as its db_worker command)."""
    return TaskWorker(
        queue_names=["default"],
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=get_random_string(32),
        excluded_queue_names=[],
    )


class Worker:
    """Messages in the calling thread, background tasks in a second one, until `stop` is set."""

    def __init__(self, interval: float, report: Callable[[str], None]) -> None:
        self.interval = interval
        self.report = report
        self.stop = threading.Event()
        self.sent = 0
        self.tasks = task_worker(batch=False, interval=interval)

    def _run_tasks(self) -> None:
        try:
            self.tasks.run()
        finally:
            connections.close_all()  # this thread's connection

    def once(self) -> int:
        """One pass: the messages due, today's tasks queued, every ready task run; then returns.

        The tasks are claimed as django_tasks_db's loop claims them and run by its `run_task`; its loop itself
        is not used here, because it closes the connection between tasks (it would end a caller's transaction).
        """
        handled = messaging.send_due()
        queue_daily()
        ready = DBTaskResult.objects.ready().filter(backend_name="default", queue_name="default")
        while True:
            with exclusive_transaction(ready.db):
                result = ready.get_locked()
                if result is not None:
                    result.claim(self.tasks.worker_id)
            if result is None:
                return handled
            self.tasks.run_task(result)

    def run(self) -> None:
        tasks = threading.Thread(target=self._run_tasks, name="taches", daemon=True)
        tasks.start()
        queued_for: dt.date | None = None
        try:
            while not self.stop.is_set():
                handled = messaging.send_due()
                self.sent += handled
                if handled:
                    self.report(f"{handled} message(s) traité(s).")
                today = timezone.localdate()
                if queued_for != today and timezone.localtime().hour >= settings.SOLIDARITE_PURGE_HEURE:
                    for name in queue_daily():
                        self.report(f"Tâche quotidienne mise en file : {name}.")
                    queued_for = today
                if not handled:
                    self.stop.wait(self.interval)
                close_old_connections()  # a long-running process: drop a connection the database closed
        finally:
            self.tasks.running = False  # ends after its current task, or at its next wake-up
            tasks.join()
