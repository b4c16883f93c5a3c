"""Rotation blocks: the exactness of the reduced-cost fixing, the explained infeasible week, the honest
travel cap and the progress reported while solving."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools

import numpy as np
import pytest
from scipy.sparse import csr_matrix

from solidarite.planning.optimizer import Instance, Site, Volunteer, check
from solidarite.planning.optimizer.blocks import (
    _reduced_cost_fixing,
    _relaxed,
    rounding_slack,
    solve_blocks_mip,
)
from solidarite.planning.optimizer.flow import priority_scale

# No database, in this process or in a command it runs: once, in the SQLite pass (.ci/run).
pytestmark = pytest.mark.sans_base

WEEK = tuple(dt.date(2026, 3, d) for d in (9, 10, 11, 12, 13))


@pytest.mark.parametrize("seed", range(8))
def test_reduced_cost_fixing_keeps_every_solution_of_the_best_value(seed: int) -> None:
    """Weak duality holds for ANY duals y ≥ 0: random small programmes, random duals (and near-optimal
    ones), every 0/1 point of value ≥ best enumerated — none may fall outside the fixed bounds."""
    rng = np.random.default_rng(seed)
    n, m = 9, 5
    a = (rng.random((m, n)) < 0.4).astype(float)
    b = rng.integers(1, 3, size=m).astype(float)
    level = rng.integers(1, 20, size=n).astype(float)
    points = [np.array(x, dtype=float) for x in itertools.product((0, 1), repeat=n)]
    feasible = [x for x in points if np.all(a @ x <= b)]
    best = max(float(level @ x) for x in feasible)
    for y in (rng.random(m) * 20, rng.random(m) * 5, np.zeros(m), rng.random(m) * 60 - 10):
        lower, upper, bound = _reduced_cost_fixing(level, csr_matrix(a), b, y, best)
        assert bound >= best - 1e-9  # an upper bound on every feasible point
        for x in feasible:
            if level @ x >= best:
                assert np.all(x >= lower) and np.all(x <= upper), (y, x, lower, upper)


def _instance(volunteers: tuple[Volunteer, ...]) -> Instance:
    sites = (
        Site("lieu-proche", 46.0, 2.0, 4.0, 1, WEEK),
        Site("lieu-deux-jours", 46.05, 2.05, 2.0, 1, WEEK[:2]),
    )
    return Instance(2026, 3, volunteers, sites, frozenset())


def test_an_infeasible_week_is_explained_not_left_silent() -> None:
    instance = _instance(
        (
            Volunteer("semaine-ok", 46.01, 2.01, 5, 60.0, WEEK, 5),
            Volunteer("semaine-loin", 43.0, 6.0, 5, 40.0, WEEK, 5),  # no lieu within 40 km
            Volunteer("jour", 46.02, 2.03, 2, 60.0, WEEK[:2]),
        )
    )
    solution = solve_blocks_mip(instance, time_limit_s=10)
    assert solution.optimal and check(instance, solution.assignments) == []
    reasons = solution.details["series_impossibles"]
    assert len(reasons) == 1 and reasons[0].startswith("semaine-loin : aucun lieu à moins de 40 km")
    assert {a.volunteer for a in solution.assignments} == {"semaine-ok", "jour"}


def test_only_impossible_weeks_give_an_explained_empty_plan() -> None:
    instance = _instance((Volunteer("semaine-loin", 43.0, 6.0, 5, 40.0, WEEK, 5),))
    solution = solve_blocks_mip(instance, time_limit_s=10)
    assert solution.assignments == [] and len(solution.details["series_impossibles"]) == 1


def _family(seed: int) -> Instance:
    from solidarite.planning.instances import generate_family
    from tests.conftest import real_territoire

    return generate_family(real_territoire(), volunteers=60, sites=25, seed=seed, block_share=0.3)


def test_travel_cap_is_reported_and_the_fixing_does_not_change_the_optimum() -> None:
    instance = _family(7)
    full = solve_blocks_mip(instance, time_limit_s=30, travel_limit_s=None)
    assert full.optimal and full.details["trajet_prouve"] is True
    assert full.details["options_fixees_trajet"] > 0
    capped = solve_blocks_mip(instance, time_limit_s=30, travel_limit_s=0.0)
    # Levels 1–2 are proven either way; with no time for travel the plan is phase 1's, said so.
    assert capped.optimal and capped.details["trajet_prouve"] is False
    assert (capped.priority_total, capped.continuity) == (pytest.approx(full.priority_total), full.continuity)
    assert capped.travel_km >= full.travel_km - 1e-6
    # The fixed phase 2 finds the same travel as CP-SAT's unfixed lexicographic model when it proves it.
    from solidarite.planning.optimizer import solve_blocks

    cpsat = solve_blocks(instance, time_limit_s=30)
    if cpsat.details["trajet_prouve"]:
        assert full.travel_km == pytest.approx(cpsat.travel_km, abs=0.01 * full.filled_places)


def test_progress_reports_the_stages_and_bounds_above_the_optimum() -> None:
    instance = _family(3)
    seen: list[tuple[str, float | None]] = []
    solution = solve_blocks_mip(instance, time_limit_s=30, progress=lambda stage, b: seen.append((stage, b)))
    assert [stage for stage, _ in seen] == ["arcs", "résolution", "trajets"]
    bounds = [b for _, b in seen if b is not None]
    assert len(bounds) == 2 and all(b >= solution.priority_total - 1e-9 for b in bounds)
    assert bounds[1] <= bounds[0] + 1e-9  # the proven bound tightens the relaxation's


def test_the_bound_slack_is_the_rounding_of_the_priorities_only() -> None:
    """Priorities exact at their scale: no slack. Priorities with more than 6 decimals (zonage scores): the
    largest rounding error, per assignable day, and no more."""
    instance = _family(1)
    scale, _ = priority_scale(instance)
    assert rounding_slack(instance, scale) < 1e-9
    sites = [
        dataclasses.replace(s, priority=s.priority + 1.23456789e-3 * (k % 3))
        for k, s in enumerate(instance.sites)
    ]
    fine = dataclasses.replace(instance, sites=sites)
    scale, _ = priority_scale(fine)
    days = sum(v.max_days for v in fine.volunteers)
    assert scale == 10**6 and 0 < rounding_slack(fine, scale) <= 0.5e-6 * days + 1e-12


def test_each_reason_a_week_cannot_be_proposed_is_named() -> None:
    instance = _instance(
        (
            Volunteer("trois-dates", 46.01, 2.01, 5, 60.0, WEEK[:3], 5),
            Volunteer("deux-jours-restants", 46.01, 2.01, 2, 60.0, WEEK, 5),
            Volunteer("semaine-ok", 46.01, 2.01, 5, 60.0, WEEK, 5),
        )
    )
    solution = solve_blocks_mip(instance, time_limit_s=10)
    assert solution.details["series_impossibles"] == [
        "trois-dates : ses dates ne contiennent aucune série de 5 jours consécutifs ; "
        "sa série ne peut pas être proposée.",
        "deux-jours-restants : il lui reste 2 jour(s) ce mois, moins qu'une série de 5 jours ; "
        "sa série ne peut pas être proposée.",
    ]
    assert {a.volunteer for a in solution.assignments} == {"semaine-ok"}


def test_the_relaxed_instance_changes_the_rotation_length_only() -> None:
    """`_relaxed` rebuilt each volunteer field by field and lost `region` (and the travel provider's pairs):
    the relaxation splits every week into single days and keeps everything else."""
    week = Volunteer("semaine", 46.01, 2.01, 5, 60.0, WEEK, 5, region="24")
    instance = dataclasses.replace(
        _instance((week, Volunteer("jour", 46.02, 2.03, 2, 60.0, WEEK[:2], region="24"))),
        allowed=frozenset({("semaine", "lieu-proche"), ("jour", "lieu-deux-jours")}),
        excluded=frozenset({("jour", "lieu-deux-jours", WEEK[0])}),
    )
    relaxed = _relaxed(instance)
    assert relaxed == dataclasses.replace(
        instance, volunteers=(dataclasses.replace(week, block_days=1), instance.volunteers[1])
    )
    assert [v.region for v in relaxed.volunteers] == ["24", "24"]


def test_a_week_held_back_only_by_declined_days_says_so() -> None:
    """A week whose only lieu in reach was declined on one of its days: the reason is the decline, not
    « aucun lieu à moins de … km » (which sent the ARS looking for a missing lieu)."""
    instance = dataclasses.replace(
        _instance(
            (
                Volunteer("a-decline", 46.01, 2.01, 5, 60.0, WEEK, 5),
                Volunteer("semaine-loin", 43.0, 6.0, 5, 40.0, WEEK, 5),
            )
        ),
        excluded=frozenset({("a-decline", "lieu-proche", WEEK[2])}),
    )
    solution = solve_blocks_mip(instance, time_limit_s=10)
    assert solution.assignments == []
    assert solution.details["series_impossibles"] == [
        "a-decline : chaque lieu à moins de 60 km qui a besoin de lui sur une série de 5 jours consécutifs parmi "
        "ses dates est un lieu qu'il a décliné l'un de ces jours ; sa série ne peut pas être proposée.",
        "semaine-loin : aucun lieu à moins de 40 km n'a besoin de lui sur une série de 5 jours consécutifs "
        "parmi ses dates ; sa série ne peut pas être proposée.",
    ]
