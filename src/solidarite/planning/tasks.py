"""The planning context's background tasks (django-tasks, database backend), run by `python -m solidarite worker`:
a solve takes up to 20 s, so the ARS page queues it and shows its progress (PlanningRun.calcul)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from solidarite.planning import echelle, services


@task()
def calculer_planning(run_id: int) -> dict[str, Any]:
    """Solves a queued planning run (services.compute_planning); a short summary as the task's result."""
    return services.compute_planning(run_id)


@task()
def resoudre_region(chemin_instance: str, region: str, dossier_sortie: str) -> dict[str, Any]:
    """Pass 1 of one ARS region (echelle.resoudre_region): the instance travels as a file path, the assignments
    come back as a file in `dossier_sortie`; the summary (time, worker pid and peak memory) is the result."""
    return echelle.resoudre_region(chemin_instance, region, dossier_sortie)
