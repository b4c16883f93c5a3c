"""The rdv context's background tasks (django-tasks, database backend), run by `python -m solidarite worker`."""

from __future__ import annotations

import contextvars
import dataclasses
import threading

from django.utils import timezone
from django_tasks import task

from solidarite.rdv import conservation, empreintes, messaging

# The queue of the messages: the worker runs it in its own thread, so a long task never delays a reminder.
MESSAGES_QUEUE = "messages"

# The stop flag of the worker running a task in this thread (config/planification.py sets it around each task):
# a task that loops over many items looks at it between two, so that a stopped worker ends within one item.
ARRET: contextvars.ContextVar[threading.Event | None] = contextvars.ContextVar("arret", default=None)


@task()
def purge_quotidienne() -> dict[str, int]:
    """The daily purge (queued once a day by the worker, config/planification.py): counts only in the result.

    A worker asked to stop ends it between two batches (ARRET), each committed; then the rows left are counted
    (`reste`) and the purge is queued again, for the next start of a worker (the day's one is queued already)."""
    now = timezone.now()
    bilan = conservation.purger(now, stop=ARRET.get())
    outcome = dataclasses.asdict(bilan)
    if bilan.interrompue:
        outcome["reste"] = sum(dataclasses.astuple(conservation.compter(now)))
        purge_quotidienne.enqueue()
    return {name: int(value) for name, value in outcome.items()}


@task()
def empreintes_quotidiennes(apres: int = 0) -> dict[str, int]:
    """The appointments to come under the current SECRET_KEY (rdv.empreintes; queued once a day by the worker),
    those whose pk is above `apres`.

    A worker asked to stop ends it between two batches (ARRET), each committed; then the appointments not read yet
    are counted (`reste`) and the task is queued again for them, from the last one read, for the next start of a
    worker (the day's one is queued already)."""
    now = timezone.now()
    bilan = empreintes.reempreinter(now, stop=ARRET.get(), apres=apres)
    outcome = {"lus": bilan.lus, "recalcules": bilan.recalcules, "en_conflit": bilan.en_conflit}
    if bilan.interrompue_apres is not None:
        rest = empreintes.a_relire(now).filter(pk__gt=bilan.interrompue_apres)
        outcome |= {"interrompue": 1, "reste": rest.count()}
        empreintes_quotidiennes.enqueue(apres=bilan.interrompue_apres)
    return outcome


@task(queue_name=MESSAGES_QUEUE)
def envoyer_messages_dus() -> int:
    """Sends the messages due (queued by the worker whenever some are due): how many were handled.

    Running it twice, or in two workers at once, sends nothing twice: each message is claimed by a conditional
    UPDATE before it is sent (messaging.claim; docs/decisions/0011-taches-de-fond.md). A worker asked to stop
    ends it after the message in hand (ARRET)."""
    return messaging.send_due(stop=ARRET.get())
