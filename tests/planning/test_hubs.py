"""The hub network (issue 23): the same optimum as the network of every pair, on instances the tests did
not choose, and the reach balls are exactly the discs."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solidarite.planning.optimizer import Instance, Site, Volunteer, check, solve_flow
from solidarite.planning.optimizer.reach import balls, site_tree
from solidarite.territoire.travel import haversine_km
from tests.planning.crowded import crowded_instance

# No database, in this process or in a command it runs: once, in the SQLite pass (.ci/run).
pytestmark = pytest.mark.sans_base


@given(
    st.integers(min_value=1, max_value=60),
    st.integers(min_value=1, max_value=40),
    st.integers(min_value=0, max_value=2**31),
)
@settings(max_examples=60, deadline=None)
def test_a_ball_is_exactly_its_maximal_full_nodes(n_sites: int, n_volunteers: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    s_lat, s_lon = 44 + rng.uniform(0, 4, n_sites), rng.uniform(-1, 5, n_sites)
    homes = rng.integers(0, max(1, n_volunteers // 3), n_volunteers)
    v_lat, v_lon = 44 + rng.uniform(0, 4, n_volunteers)[homes], rng.uniform(-1, 5, n_volunteers)[homes]
    max_km = rng.choice([0.5, 40.0, 80.0, 150.0, 300.0], n_volunteers)
    tree = site_tree(s_lat, s_lon)
    reach = balls(tree, v_lat, v_lon, max_km, s_lat, s_lon)
    for v in range(n_volunteers):
        b = reach.of_volunteer[v]
        nodes = reach.node[reach.first[b] : reach.first[b + 1]]
        covered = np.concatenate(
            [tree.order[tree.start[t] : tree.end[t]] for t in nodes] or [np.empty(0, int)]
        )
        assert len(covered) == len(set(covered.tolist()))  # disjoint subtrees
        inside = np.flatnonzero(haversine_km(v_lat[v], v_lon[v], s_lat, s_lon) <= max_km[v])
        assert sorted(covered.tolist()) == inside.tolist()


def _instance(seed: int, n_v: int = 40, n_s: int = 14, history: int = 10) -> Instance:
    """Volunteers crowded in six communes, reaches of 20 to 150 km, one- and two-place lieux."""
    return crowded_instance(
        seed,
        volunteers=n_v,
        sites=n_s,
        homes=6,
        days=(2, 3, 4, 5, 6, 9, 10),
        reaches=(20.0, 40.0, 80.0, 150.0),
        origin=(45.0, 2.0),
        span=1.5,
        max_days_below=4,
        offered_below=6,
        needed_below=8,
        history=history,
    )


@pytest.mark.parametrize("seed", range(25))
def test_hubs_find_the_pair_network_optimum(seed: int) -> None:
    """Priority, continuity and travel (proven here) equal the lexicographic optimum of every pair."""
    instance = _instance(seed)
    pairs = solve_flow(instance, engine="lemon")
    hubs = solve_flow(instance)
    assert check(instance, hubs.assignments) == []
    assert hubs.optimal and hubs.details["trajet_prouve"]
    assert hubs.priority_total == pytest.approx(pairs.priority_total)
    assert hubs.continuity == pairs.continuity
    assert hubs.travel_km == pytest.approx(pairs.travel_km, abs=0.01 * max(1, hubs.filled_places))


@pytest.mark.parametrize("seed", range(10))
def test_without_travel_phase_priority_and_continuity_stay_optimal(seed: int) -> None:
    instance = _instance(seed, n_v=60, n_s=20, history=25)
    exact = solve_flow(instance, engine="ortools")
    quick = solve_flow(instance, travel_time_limit_s=0)
    assert check(instance, quick.assignments) == []
    assert quick.priority_total == pytest.approx(exact.priority_total)
    assert quick.continuity == exact.continuity
    assert not quick.details["trajet_prouve"] and quick.as_dict()["travel_proven"] is False
    assert quick.travel_km >= exact.travel_km - 0.01 * max(1, exact.filled_places)


def test_generated_family_instance_matches_the_pair_network() -> None:
    """A small instance of the issue-23 family on the real communes: same optimum both ways."""
    from solidarite.planning.instances import generate_family
    from tests.conftest import real_territoire

    instance = generate_family(real_territoire(), volunteers=400, sites=60, seed=7)
    pairs = solve_flow(instance, engine="lemon")
    hubs = solve_flow(instance, travel_time_limit_s=60)
    assert check(instance, hubs.assignments) == []
    assert hubs.priority_total == pytest.approx(pairs.priority_total)
    assert hubs.continuity == pairs.continuity
    assert hubs.details["trajet_prouve"]
    assert hubs.travel_km == pytest.approx(pairs.travel_km, abs=0.01 * hubs.filled_places)
    assert hubs.details["arcs"] < pairs.details["arcs"]


_DAYS = [dt.date(2026, 3, k) for k in (2, 3, 4)]


def _v(i: int, max_days: int = 1, days: list[dt.date] = _DAYS, km: float = 50.0) -> Volunteer:
    return Volunteer(f"v{i}", 45.0, 2.0 + i * 0.01, max_days, km, tuple(days))


def _s(j: int, capacity: int = 1, days: list[dt.date] = _DAYS) -> Site:
    return Site(f"s{j}", 45.0, 2.05 + j * 0.01, 1.0, capacity, tuple(days))


@pytest.mark.parametrize(
    ("volunteers", "sites", "history", "expected"),
    [
        ((), (_s(0),), (), (0, 0)),  # a region without resident volunteers (decomposition)
        ((_v(0, 0),), (_s(0),), (), (0, 0)),  # max_days 0
        ((_v(0),), (_s(0, 0),), (), (0, 0)),  # no place
        ((_v(0, 1, [_DAYS[0]]),), (_s(0, 1, [_DAYS[1]]),), (), (0, 0)),  # no common day
        ((_v(0, 1, _DAYS, 0.5), _v(1)), (_s(0),), (("v0", "s0"),), (1, 0)),  # history out of reach
        ((_v(0, 3), _v(1, 2)), (_s(0, 2),), (("v1", "s0"),), (5, 2)),
        ((_v(0),), (_s(0, 1, []),), (), (0, 0)),  # a lieu that needs nobody this month
    ],
)
def test_degenerate_instances(volunteers, sites, history, expected) -> None:  # type: ignore[no-untyped-def]
    instance = Instance(2026, 3, volunteers, sites, frozenset(history))
    solution = solve_flow(instance)
    assert check(instance, solution.assignments) == []
    assert (solution.filled_places, solution.continuity) == expected
    assert solution.optimal
