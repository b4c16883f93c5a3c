"""The planning context's background tasks (django-tasks, database backend), run by `python -m solidarite worker`:
a solve takes up to 20 s, so the ARS page queues it and shows its progress (PlanningRun.calcul)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from solidarite.planning import services


@task()
def calculer_planning(run_id: int) -> dict[str, Any]:
    """Solves a queued planning run (services.compute_planning); a short summary as the task's result."""
    return services.compute_planning(run_id)
