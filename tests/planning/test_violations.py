"""What a draft breaks, in the ARS's words: past days, the optimiser's checks with names, never ids."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from solidarite.planning import services
from tests.factories import agent_ars, lieu, medecin, working_days, zone_commune

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 23)
DECEMBER = dt.date(2026, 12, 1)


def _at(freeze_clock, day: dt.date) -> None:  # type: ignore[no-untyped-def]
    freeze_clock(dt.datetime.combine(day, dt.time(10), tzinfo=timezone.get_current_timezone()))


def test_a_past_day_message_keeps_its_date_whatever_the_primary_keys(freeze_clock) -> None:  # type: ignore[no-untyped-def]
    """violations() renames ids in every problem, its own French « ce jour est passé » lines included: a lieu
    of pk 6 turned « 01/12/2026 : » into « 01/12/202<nom du lieu> : »."""
    _at(freeze_clock, TODAY)
    commune = zone_commune()
    site = lieu(commune, id=6, nom="Maison de santé de Mauriac")
    volunteer = medecin(commune)
    days = working_days(DECEMBER, 3)
    services.declare(volunteer, days, today=TODAY)
    agent = agent_ars(commune.departement.region.code)
    draft = services.run_planning(commune.departement.region, DECEMBER, agent)
    assert draft.propositions.filter(lieu=site).exists()
    _at(freeze_clock, days[1])
    problems = services.violations(draft)
    late = [p for p in problems if "ce jour est passé" in p]
    assert late, problems
    assert all("Maison de santé" not in p for p in late), late


def test_the_current_month_can_be_solved_on_its_last_day(freeze_clock) -> None:  # type: ignore[no-untyped-def]
    """On the last day of a month nothing remains to plan in it: the solve must end « terminé », empty."""
    commune = zone_commune()
    lieu(commune)
    volunteer = medecin(commune)
    _at(freeze_clock, TODAY)
    services.declare(volunteer, working_days(DECEMBER, 3), today=TODAY)
    _at(freeze_clock, dt.date(2026, 12, 31))
    agent = agent_ars(commune.departement.region.code)
    run = services.run_planning(commune.departement.region, DECEMBER, agent)
    assert run.calcul == "termine", run.calcul_erreur
    assert not run.propositions.exists()


def test_a_check_problem_names_the_doctor_not_a_lieu_of_the_same_number(freeze_clock) -> None:  # type: ignore[no-untyped-def]
    """names = {**medecins, **lieux} keyed by bare pk: a doctor and a lieu of the same pk collided and
    « 7 n'a pas déclaré le … » named the lieu."""
    _at(freeze_clock, TODAY)
    commune = zone_commune()
    site = lieu(commune, id=7, nom="Maison de santé de Mauriac")
    volunteer = medecin(commune, id=7)
    days = working_days(DECEMBER, 4)
    services.declare(volunteer, days[:3], today=TODAY)
    agent = agent_ars(commune.departement.region.code)
    draft = services.run_planning(commune.departement.region, DECEMBER, agent)
    proposition = draft.propositions.first()
    assert proposition is not None
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        services.move_proposition(proposition, site, days[3], agent)
    text = " ".join(refused.value.messages)
    assert str(volunteer) in text and "Maison de santé de Mauriac n'a pas déclaré" not in text, text


def test_two_doctors_of_the_same_name_are_told_apart_by_their_number() -> None:
    names = services._distinct({"3": "Dr Martin", "9": "Dr Martin", "4": "Dr Ba"})
    assert names == {"3": "Dr Martin (n° 3)", "9": "Dr Martin (n° 9)", "4": "Dr Ba"}


def test_the_ars_grid_greys_the_days_already_past(freeze_clock, client) -> None:  # type: ignore[no-untyped-def]
    """On 2 December the grid of December showed 1 and 2 December as empty places (« · ») a solve could fill."""
    import re

    _at(freeze_clock, TODAY)
    commune = zone_commune()
    site = lieu(commune)
    agent = agent_ars(commune.departement.region.code)
    _at(freeze_clock, dt.date(2026, 12, 2))
    services.run_planning(commune.departement.region, DECEMBER, agent)  # nobody declared: no proposition
    client.force_login(agent)
    page = client.get(
        f"/planning/ars/?region={commune.departement.region.code}&mois=2026-12"
    ).content.decode()
    open_days = [d for d in services.besoins(site, DECEMBER) if d > dt.date(2026, 12, 2)]
    assert len(open_days) < len(services.besoins(site, DECEMBER))
    assert len(re.findall(r'aria-label="place vide"', page)) == len(open_days)
