"""Issue 23, platform: a running solve writes its stage and best known bound to its row; the ARS page,
polling, shows them."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

import pytest
from django.test import Client

from solidarite.annuaire.models import MedecinVolontaire
from solidarite.planning import optimizer, services
from solidarite.planning.models import PlanningRun
from tests.factories import agent_ars, lieu, medecin, working_days, zone_commune

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 23)
DECEMBER = dt.date(2026, 12, 1)


@pytest.fixture(autouse=True)
def _today_is_before_december(freeze_clock) -> None:  # type: ignore[no-untyped-def]
    from django.utils import timezone

    freeze_clock(dt.datetime.combine(TODAY, dt.time(10), tzinfo=timezone.get_current_timezone()))


def _region_with_rotations():  # type: ignore[no-untyped-def]
    """Two lieux, one volunteer by the day and two coming for two consecutive days (the block solver)."""
    commune = zone_commune()
    lieu(commune), lieu(commune)
    days = working_days(DECEMBER, 3)
    volunteers = [
        medecin(commune),
        medecin(commune, rotation=MedecinVolontaire.Rotation.DEUX_JOURS),
        medecin(commune, rotation=MedecinVolontaire.Rotation.DEUX_JOURS),
    ]
    for v in volunteers:
        services.declare(v, days, today=TODAY)
    return commune.departement.region


def test_a_running_solve_shows_its_stage_and_bound_before_it_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    region = _region_with_rotations()
    run = PlanningRun.objects.create(
        region=region, mois=DECEMBER, cree_par=agent_ars(region.code), calcul=PlanningRun.Calcul.EN_FILE
    )
    seen: list[dict[str, Any]] = []
    real_solve = optimizer.solve

    def watched_solve(instance: optimizer.Instance, time_limit_s: float, progress: Any) -> optimizer.Solution:
        def spy(stage: str, bound: float | None) -> None:
            progress(stage, bound)  # the service's writer: then the row, as the polling page reads it
            seen.append(PlanningRun.objects.values("calcul", "calcul_etape", "calcul_borne").get(pk=run.pk))

        return real_solve(instance, time_limit_s, progress=spy)

    monkeypatch.setattr(optimizer, "solve", watched_solve)
    services.compute_planning(run.pk, time_limit_s=20)
    assert [row["calcul_etape"] for row in seen] == ["arcs", "resolution", "trajets"]
    assert all(row["calcul"] == "en_cours" for row in seen)
    bounds = [row["calcul_borne"] for row in seen if row["calcul_borne"] is not None]
    run.refresh_from_db()
    assert run.calcul == "termine" and run.resultat["optimal"] is True
    assert bounds and all(b >= run.resultat["priority_total"] - 1e-9 for b in bounds)
    assert run.calcul_borne == pytest.approx(run.resultat["bound"])


def test_a_flow_solve_reports_its_stages_too() -> None:
    commune = zone_commune()
    lieu(commune)
    volunteer = medecin(commune)
    services.declare(volunteer, working_days(DECEMBER, 2), today=TODAY)
    region = commune.departement.region
    run = services.run_planning(region, DECEMBER, agent_ars(region.code))
    assert run.calcul == "termine" and run.calcul_etape == "resolution"
    assert run.calcul_borne == pytest.approx(run.resultat["bound"])


def test_the_polled_status_renders_the_stage_and_the_bound(client: Client) -> None:
    region = zone_commune().departement.region
    agent = agent_ars(region.code)
    PlanningRun.objects.create(
        region=region,
        mois=DECEMBER,
        cree_par=agent,
        calcul=PlanningRun.Calcul.EN_COURS,
        calcul_etape=PlanningRun.Etape.RESOLUTION,
        calcul_borne=123.45,
    )
    client.force_login(agent)
    polled = client.get(
        f"/planning/ars/calcul/?region={region.code}&mois=2026-12", headers={"HX-Request": "true"}
    )
    text = html.unescape(polled.content.decode())
    assert polled.status_code == 200 and 'hx-trigger="every 2s"' in text
    assert "Étape : résolution" in text and "au plus 123,5" in text
    # Without JavaScript: the page itself shows the same, and a link to reload it.
    page = html.unescape(client.get(f"/planning/ars/?region={region.code}&mois=2026-12").content.decode())
    assert "Étape : résolution" in page and "au plus 123,5" in page and "actualisez-la" in page


def test_an_impossible_week_is_explained_on_the_page(client: Client) -> None:
    commune = zone_commune()
    lieu(commune)
    week = medecin(commune, rotation=MedecinVolontaire.Rotation.SEMAINE, jours_max_par_mois=5)
    day = medecin(commune)
    services.declare(week, working_days(DECEMBER, 3), today=TODAY)  # three dates: no run of five
    services.declare(day, working_days(DECEMBER, 2), today=TODAY)
    region = commune.departement.region
    agent = agent_ars(region.code)
    run = services.run_planning(region, DECEMBER, agent)
    assert run.calcul == "termine" and run.propositions.exists()  # the others are planned
    # A week of 5 days is beyond the national cap (2 days a month, a dated parameter): the planner holds the
    # profile to the cap in force, and says so.
    assert run.resultat["series_impossibles"] == [
        f"{week} : il lui reste 2 jour(s) ce mois, moins qu'une série de 5 jours ; sa série ne peut pas être proposée."
    ]
    client.force_login(agent)
    page = html.unescape(client.get(f"/planning/ars/?region={region.code}&mois=2026-12").content.decode())
    assert "Séries demandées qui ne peuvent pas être proposées" in page and f"{week} : il lui reste" in page
