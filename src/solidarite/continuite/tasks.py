"""The continuite context's background task (django-tasks), queued once a day by the worker
(config/planification.py): ends the mission days that are over (owners move on) and escalates overdue results."""

from __future__ import annotations

from django_tasks import task

from solidarite.continuite import relances, services


@task()
def suivi_quotidien() -> dict[str, int]:
    return {"proprietaires_changes": services.reassign_stale(), "relances": relances.relancer()}
