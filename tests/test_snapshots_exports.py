"""Exports compared to tests/snapshots/: the volunteers' iCalendar feed (missions_ics)."""

from __future__ import annotations

import datetime as dt

import pytest

from solidarite.planning.calendar import missions_ics
from solidarite.planning.models import Mission
from tests.factories import MissionFactory, mission_a_mauriac
from tests.snapshot import assert_snapshot, stable

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


def test_missions_ical_feed(freeze_clock) -> None:  # type: ignore[no-untyped-def]
    freeze_clock(NOW)  # DTSTAMP is the time of the export
    confirmed = mission_a_mauriac()
    cancelled = MissionFactory(
        lieu=confirmed.lieu,
        medecin=confirmed.medecin,
        date=confirmed.date + dt.timedelta(days=1),
        statut=Mission.Statut.ANNULEE,
    )
    proposed = MissionFactory(
        lieu=confirmed.lieu,
        medecin=confirmed.medecin,
        date=confirmed.date + dt.timedelta(days=4),
        statut=Mission.Statut.PROPOSEE,
    )
    ics = missions_ics([confirmed, cancelled, proposed], "Missions de Camille Nom").decode()
    unfolded = ics.replace("\r\n ", "")  # RFC 5545 folding moves with the length of the primary keys
    text = stable(
        unfolded.replace("\r\n", "\n"), {r"mission-\d+@": "mission-<id>@", r"/journee/\d+/": "/journee/<id>/"}
    )
    assert_snapshot("exports/missions.ics", text)
