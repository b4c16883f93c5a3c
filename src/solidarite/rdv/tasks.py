"""The rdv context's background tasks (django-tasks, database backend), run by `python -m solidarite worker`."""

from __future__ import annotations

import dataclasses

from django.utils import timezone
from django_tasks import task

from solidarite.rdv import conservation


@task()
def purge_quotidienne() -> dict[str, int]:
    """The daily purge (queued once a day by the worker, config/planification.py): counts only in the result."""
    return dataclasses.asdict(conservation.purger(timezone.now()))
