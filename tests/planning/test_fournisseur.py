"""Issue 23: the planner's reach is the travel-time provider chosen in settings (crow-fly by default,
OSRM when configured), proven with the local OSRM fake of the territoire tests (eastward roads 10 % slower)."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from solidarite.planning import services
from solidarite.planning.models import Disponibilite
from solidarite.territoire.models import Commune
from solidarite.territoire.travel import CrowFlyProvider, haversine_km
from tests.factories import lieu, medecin, working_days
from tests.territoire.test_travel import _OsrmHandler, osrm_server  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db
DECEMBER = dt.date(2026, 12, 1)
BEFORE = dt.date(2026, 11, 23)  # December is still to plan, whatever day the test runs


def test_the_planner_uses_the_travel_provider_of_the_settings(settings, osrm_server: str) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    site = lieu()
    # A commune 25 to 60 km west of the lieu: by OSRM's fake the road east is 10 % slower than crow-fly.
    candidates = Commune.objects.filter(
        longitude__lt=site.longitude - 0.2, latitude__range=(site.latitude - 0.1, site.latitude + 0.1)
    ).exclude(latitude=None)
    home = min(
        (
            c
            for c in candidates
            if 25 <= float(haversine_km(c.latitude, c.longitude, site.latitude, site.longitude)) <= 60
        ),
        key=lambda c: abs(c.longitude - site.longitude),
    )
    crow = float(
        CrowFlyProvider().minutes_for_km(
            haversine_km(home.latitude, home.longitude, site.latitude, site.longitude)
        )
    )
    limit = math.ceil(crow + 0.3)  # reachable as the crow flies, not by the (fake) road: crow × 1.1 > limit
    assert crow * 1.1 > limit
    volunteer = medecin(home, trajet_max_minutes=limit)
    Disponibilite.objects.bulk_create(
        [Disponibilite(medecin=volunteer, date=day) for day in working_days(DECEMBER, 2)]
    )
    region = site.commune.departement.region

    crow_instance = services.build_instance(region, DECEMBER, BEFORE).instance
    assert (str(volunteer.pk), str(site.pk)) in (crow_instance.allowed or set())
    assert services.optimizer.solve(crow_instance).filled_places >= 1

    settings.SOLIDARITE_TRAVEL_PROVIDER, settings.SOLIDARITE_OSRM_URL = "osrm", osrm_server
    _OsrmHandler.requests = []
    road_instance = services.build_instance(region, DECEMBER, BEFORE).instance
    assert _OsrmHandler.requests  # the OSRM server was asked
    assert (str(volunteer.pk), str(site.pk)) not in (road_instance.allowed or set())
    assert all(a.volunteer != str(volunteer.pk) for a in services.optimizer.solve(road_instance).assignments)
