"""A small world for the dashboard: two zones of two regions, October 2026 worked, the clock on 4 December 2026."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from solidarite.planning.models import Mission
from solidarite.rdv.models import RendezVous
from tests.factories import lieu, medecin, zone_commune

OCT = dt.date(2026, 10, 1)


def worked_days(lieu_obj: Any, days: list[dt.date], seen: int = 0, absent: int = 0) -> list[Mission]:
    """One mission per day by a new volunteer each; `seen` honoured and `absent` no-show appointments on the first."""
    missions = [
        Mission.objects.create(medecin=medecin(lieu_obj.commune), lieu=lieu_obj, date=day, statut="realisee")
        for day in days
    ]
    first = missions[0]
    start = timezone.make_aware(dt.datetime.combine(first.date, dt.time(8, 30)))
    for n in range(seen + absent):
        debut = start + dt.timedelta(minutes=20 * n)
        RendezVous.objects.create(
            mission=first,
            lieu=lieu_obj,
            debut=debut,
            fin=debut + dt.timedelta(minutes=20),
            statut="vu" if n < seen else "absent",
            nom="Martin",
            prenom="Jeanne",
            date_naissance=dt.date(1948, 5, 17),
            telephone="0612345678",
        )
    return missions


@pytest.fixture
def world(freeze_clock):  # type: ignore[no-untyped-def]
    freeze_clock(dt.datetime(2026, 12, 4, 9, tzinfo=dt.UTC))
    commune_a = zone_commune(1)
    rank_b = next(
        r for r in range(2, 151) if zone_commune(r).departement.region_id != commune_a.departement.region_id
    )
    commune_b = zone_commune(rank_b)
    lieu_a, lieu_b = lieu(commune_a), lieu(commune_b)
    days = [OCT + dt.timedelta(days=d) for d in range(31) if (OCT + dt.timedelta(days=d)).weekday() < 5][:12]
    worked_days(lieu_a, days, seen=12, absent=3)
    worked_days(lieu_b, days[:2], seen=2)
    return {"a": commune_a, "b": commune_b, "lieu_a": lieu_a, "lieu_b": lieu_b, "days": days}
