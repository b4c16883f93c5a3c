"""A small world for the dashboard: two neighbouring zones of two regions, October 2026 worked, the clock on
4 December 2026."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from solidarite.planning.models import Mission
from solidarite.rdv.models import RendezVous
from solidarite.territoire.travel import haversine_km
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


def neighbouring_zones(within_km: float = 30.0) -> tuple[Any, Any]:
    """The main communes of two zones of the active campaign in two regions, less than `within_km` apart
    (a patient of one crosses the border to the other's lieu): the best-ranked such pair."""
    zones = [zone_commune(r) for r in range(1, 142)]
    zones = [c for c in zones if c.has_coordinates and c.zone == "metro"]
    for k, a in enumerate(zones):
        for b in zones[k + 1 :]:
            if b.departement.region_id == a.departement.region_id:
                continue
            if float(haversine_km(a.latitude, a.longitude, b.latitude, b.longitude)) < within_km:
                return a, b
    raise AssertionError("aucune paire de zones voisines dans deux régions")


@pytest.fixture
def world(freeze_clock):  # type: ignore[no-untyped-def]
    freeze_clock(dt.datetime(2026, 12, 4, 9, tzinfo=dt.UTC))
    commune_a, commune_b = neighbouring_zones()
    lieu_a, lieu_b = lieu(commune_a), lieu(commune_b)
    days = [OCT + dt.timedelta(days=d) for d in range(31) if (OCT + dt.timedelta(days=d)).weekday() < 5][:12]
    worked_days(lieu_a, days, seen=12, absent=3)
    worked_days(lieu_b, days[:2], seen=2)
    return {"a": commune_a, "b": commune_b, "lieu_a": lieu_a, "lieu_b": lieu_b, "days": days}
