"""The pilotage context's background tasks (django-tasks, database backend), run by `python -m solidarite worker`:
an impact simulation takes seconds to minutes, so the page queues it and polls its progress (docs/decisions/0019)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from solidarite.pilotage import simulation_services


@task()
def calculer_simulation(simulation_id: int) -> dict[str, Any]:
    """Runs a queued simulation (simulation_services.compute_simulation); a short summary as the result."""
    return simulation_services.compute_simulation(simulation_id)
