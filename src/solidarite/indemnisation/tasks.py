"""The indemnisation context's background task (django-tasks, database backend; docs/decisions/0011): the month's
statements, built by `python -m solidarite worker` while the ARS page shows the run's progress (CalculMois)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from solidarite.indemnisation import services


@task()
def construire_releves(run_id: int) -> dict[str, Any]:
    """Builds the month's statements of a queued run (services.executer_calcul); a summary as its result."""
    return services.executer_calcul(run_id)
