"""The daily task the worker queues (config/planification.py): mission days over, then overdue reminders."""

import datetime as dt

import pytest

from solidarite.config import planification
from solidarite.continuite.tasks import suivi_quotidien
from tests.factories import transmission

pytestmark = pytest.mark.django_db


def test_the_worker_queues_it_daily_and_it_hands_over_the_ended_days(lundi, freeze_clock) -> None:  # type: ignore[no-untyped-def]
    assert planification.DAILY_TASKS["continuite"] is suivi_quotidien
    r = transmission().resultats.get()
    freeze_clock(lundi + dt.timedelta(days=1))
    assert suivi_quotidien.call() == {"proprietaires_changes": 1, "relances": 0}
    r.refresh_from_db()
    assert r.proprietaire_referent_id is not None
