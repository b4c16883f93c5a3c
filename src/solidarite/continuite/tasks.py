"""The continuite context's background task (django-tasks), queued once a day by the worker
(config/planification.py): ends the mission days that are over (owners move on) and escalates overdue results."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from solidarite.continuite import relances, services
from solidarite.rdv.tasks import ARRET


@task()
def suivi_quotidien() -> dict[str, int]:
    """A worker asked to stop ends it after the reminder in hand (ARRET): the reminders left are counted (`reste`)
    and the task queued again, for the next start (the day's one is queued already)."""
    stop = ARRET.get()
    outcome = {"proprietaires_changes": services.reassign_stale(), "relances": relances.relancer(stop=stop)}
    if stop is not None and stop.is_set():
        left = relances.a_relancer(timezone.localdate()).count()
        if left:
            outcome |= {"interrompue": 1, "reste": left}
            suivi_quotidien.enqueue()
    return outcome
