"""Declined missions (`Instance.excluded`, ADR 0003, révision du 5 décembre 2026) in the JSON form of the
instances (read strictly, written back whole), through the `plan` and `planning_echelle` commands, in the
bench generators, and respected by every solver on instances the tests did not choose."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solidarite.planning.optimizer import (
    Instance,
    InstanceError,
    Site,
    Solution,
    Volunteer,
    check,
    first_come_first_served,
    instance_as_dict,
    parse_instance,
    solve,
    solve_blocks,
    solve_by_region,
    solve_flow,
)
from tests.planning.crowded import crowded_instance
from tests.planning.test_optimizer import EXAMPLE, _plan

MONDAY = dt.date(2026, 3, 2)


def _with(change: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(EXAMPLE))
    change(data)
    return data


def _declined(volunteer: str = "v1", site: str = "s1", date: Any = "2026-03-02") -> dict[str, Any]:
    return {"volunteer": volunteer, "site": site, "date": date}


def _round_trip(instance: Instance) -> Instance:
    return parse_instance(json.loads(json.dumps(instance_as_dict(instance))))


# --- The JSON form ---------------------------------------------------------------------------------------


def test_declined_missions_survive_the_json_form() -> None:
    data = _with(lambda d: d.update(excluded=[_declined(), _declined("v2", "s1", "2026-03-03")]))
    instance = parse_instance(data)
    assert instance.excluded == {("v1", "s1", MONDAY), ("v2", "s1", dt.date(2026, 3, 3))}
    again = _round_trip(instance)
    assert again == instance and again.excluded == instance.excluded


def test_a_file_without_declined_missions_is_still_read() -> None:
    assert "excluded" not in EXAMPLE and parse_instance(EXAMPLE).excluded == frozenset()


def test_only_the_declined_missions_of_the_instance_are_written() -> None:
    """A region's part keeps the whole country's triples (`split_by_region`); its file holds its own only,
    and stays readable."""
    instance = dataclasses.replace(
        parse_instance(EXAMPLE),
        excluded=frozenset(
            {
                ("v1", "s1", MONDAY),
                ("ailleurs", "s1", MONDAY),
                ("v1", "ailleurs", MONDAY),
                ("v1", "s1", dt.date(2026, 4, 1)),
            }
        ),
    )
    assert instance_as_dict(instance)["excluded"] == [_declined()]
    assert _round_trip(instance).excluded == {("v1", "s1", MONDAY)}


@pytest.mark.parametrize(
    ("excluded", "message"),
    [
        ({"volunteer": "v1"}, r"instance\.excluded : liste attendue"),
        (["v1 s1 2026-03-02"], r"excluded\[0\] : objet attendu"),
        ([_declined("v9")], r"excluded\[0\]\.volunteer : volontaire inconnu 'v9'"),
        ([_declined(), _declined("v1", "s9")], r"excluded\[1\]\.site : lieu inconnu 's9'"),
        ([_declined(date="2026-04-01")], r"excluded\[0\]\.date : 2026-04-01 est hors du mois 2026-03"),
        (
            [_declined(date="2026-02-30")],
            r"excluded\[0\]\.date : date invalide '2026-02-30' \(format AAAA-MM-JJ\)",
        ),
        ([_declined(date=20260302)], r"excluded\[0\]\.date : date invalide 20260302"),
        ([_declined(date="2026-W10-1")], r"excluded\[0\]\.date : date invalide '2026-W10-1'"),
        ([{"volunteer": "v1", "site": "s1"}], r"excluded\[0\]\.date : champ obligatoire absent"),
        ([_declined(), _declined()], r"excluded\[1\] : ce refus figure déjà en excluded\[0\]"),
    ],
)
def test_malformed_declined_missions_are_refused_naming_the_entry(excluded: Any, message: str) -> None:
    with pytest.raises(InstanceError, match=message):
        parse_instance(_with(lambda d: d.update(excluded=excluded)))


# --- The commands ----------------------------------------------------------------------------------------


def test_plan_command_never_proposes_a_declined_mission(tmp_path: Path) -> None:
    """EXAMPLE's optimum puts v1 at s1 on Monday 2 (8.25); declined, v2 takes s1 and v1 goes to s2 (6.0)."""
    source, out = tmp_path / "in.json", tmp_path / "out.json"
    source.write_text(json.dumps(_with(lambda d: d.update(excluded=[_declined()]))), encoding="utf-8")
    result = _plan("--instance", str(source), "--out", str(out))
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["priority_total"] == 6.0
    assert _declined() not in data["assignments"]


def test_plan_command_refuses_a_bad_declined_mission_writing_nothing(tmp_path: Path) -> None:
    source, out = tmp_path / "in.json", tmp_path / "out.json"
    for entry, message in (
        (_declined("v9"), "in.json : excluded[0].volunteer : volontaire inconnu 'v9'."),
        (_declined(date="2026-04-01"), "in.json : excluded[0].date : 2026-04-01 est hors du mois 2026-03."),
        ([], "in.json : excluded[0] : objet attendu"),
    ):
        source.write_text(json.dumps(_with(lambda d, e=entry: d.update(excluded=[e]))), encoding="utf-8")
        result = _plan("--instance", str(source), "--out", str(out))
        assert result.returncode == 2 and message in result.stderr, result.stderr
        assert "Traceback" not in result.stderr and not out.exists()


@pytest.mark.django_db
def test_planning_echelle_refuses_a_bad_declined_mission_before_queueing(tmp_path: Path) -> None:
    from django.core.management import CommandError, call_command
    from django_tasks_db.models import DBTaskResult

    path, out = tmp_path / "in.json", tmp_path / "out.json"
    path.write_text(json.dumps(_with(lambda d: d.update(excluded=[_declined("v1", "s9")]))), encoding="utf-8")
    with pytest.raises(CommandError, match=r"in\.json : excluded\[0\]\.site : lieu inconnu 's9'") as refused:
        call_command("planning_echelle", "--instance", str(path), "--out", str(out), "--attente", "1")
    assert refused.value.returncode == 2 and not DBTaskResult.objects.exists() and not out.exists()


def _two_regions() -> Instance:
    """Regions A and B, one volunteer and two lieux each; each volunteer declined the better lieu of their
    region on Monday."""
    tuesday = dt.date(2026, 3, 3)
    return Instance(
        2026,
        3,
        (
            Volunteer("va", 47.0, 2.0, 2, 50.0, (MONDAY, tuesday), region="A"),
            Volunteer("vb", 47.0, 5.0, 2, 50.0, (MONDAY, tuesday), region="B"),
        ),
        (
            Site("a-haut", 47.0, 2.01, 5.0, 1, (MONDAY, tuesday), region="A"),
            Site("a-bas", 47.0, 2.02, 1.0, 1, (MONDAY, tuesday), region="A"),
            Site("b-haut", 47.0, 5.01, 5.0, 1, (MONDAY, tuesday), region="B"),
            Site("b-bas", 47.0, 5.02, 1.0, 1, (MONDAY, tuesday), region="B"),
        ),
        excluded=frozenset({("va", "a-haut", MONDAY), ("vb", "b-haut", MONDAY)}),
    )


def test_each_region_file_carries_its_declined_missions_and_its_task_respects_them(tmp_path: Path) -> None:
    from solidarite.planning import echelle

    instance = _two_regions()
    files = echelle.ecrire_regions(instance, tmp_path / "regions")
    assert echelle.lire_instance(files["A"][0]).excluded == {("va", "a-haut", MONDAY)}
    assert echelle.lire_instance(files["B"][0]).excluded == {("vb", "b-haut", MONDAY)}
    echelle.resoudre_region(str(files["A"][0]), "A", str(tmp_path / "affectations"))
    planned = json.loads((tmp_path / "affectations" / "affectations-A.json").read_text(encoding="utf-8"))
    assert {(a["site"], a["date"]) for a in planned["assignments"]} == {
        ("a-bas", "2026-03-02"),
        ("a-haut", "2026-03-03"),
    }


# --- Every solver, on instances the tests did not choose -------------------------------------------------


def _respects(instance: Instance, solution: Solution) -> None:
    declined = [a for a in solution.assignments if (a.volunteer, a.site, a.date) in instance.excluded]
    assert declined == [], (solution.method, declined)
    assert check(instance, solution.assignments) == [], solution.method


@given(st.integers(min_value=0, max_value=2**31), st.sampled_from([0.3, 0.6, 1.0]))
@settings(max_examples=40, deadline=None)
def test_every_single_day_solver_avoids_the_declined_missions(seed: int, share: float) -> None:
    """Crowded single-day instances over two regions, with the bench generator's declined missions, through
    the JSON form: the hubs' default (which falls back to the pair network), both engines, the decomposition
    by region, the block programme, first come first served; all valid, the exact ones at the same optimum."""
    from solidarite.planning.instances import declined_missions

    drawn = crowded_instance(
        seed,
        volunteers=24,
        sites=10,
        homes=5,
        days=(2, 3, 4, 5, 6, 9, 10),
        reaches=(20.0, 40.0, 80.0, 150.0),
        origin=(45.0, 2.0),
        span=1.5,
        max_days_below=4,
        offered_below=6,
        needed_below=8,
        history=6,
    )
    drawn = dataclasses.replace(
        drawn,
        volunteers=tuple(
            dataclasses.replace(v, region="A" if v.lon < 2.75 else "B") for v in drawn.volunteers
        ),
        sites=tuple(dataclasses.replace(s, region="A" if s.lon < 2.75 else "B") for s in drawn.sites),
    )
    excluded = declined_missions(np.random.default_rng(seed), drawn.volunteers, drawn.sites, share)
    instance = _round_trip(dataclasses.replace(drawn, excluded=excluded))
    assert instance.excluded == excluded
    optimum = solve_flow(instance)
    for solution in (
        optimum,
        solve_flow(instance, engine="ortools"),
        solve_flow(instance, pricing=True),
        solve(dataclasses.replace(instance, volunteers=(*instance.volunteers, _idle_week())), 10),
        solve_by_region(instance),
        first_come_first_served(instance),
    ):
        _respects(instance, solution)
        assert solution.priority_total <= optimum.priority_total + 1e-9
        if solution.optimal:
            assert solution.priority_total == pytest.approx(optimum.priority_total)


def _idle_week() -> Volunteer:
    """A rotation volunteer far from every lieu: `solve` then takes the block programme, on the same problem."""
    return Volunteer("semaine", 43.0, 6.0, 5, 10.0, tuple(dt.date(2026, 3, d) for d in range(2, 7)), 5)


@pytest.mark.parametrize("seed", range(3))
def test_the_generated_families_with_declined_missions_are_planned_around_them(seed: int) -> None:
    """The bench family with weeks and declined missions (seeded), through the JSON form: the block programme,
    CP-SAT and, without the weeks, the flow and the decomposition; the declines bite (the plan without them
    uses some) and no plan uses one."""
    from solidarite.planning.instances import generate_family
    from tests.conftest import real_territoire

    territoire = real_territoire()
    family = generate_family(
        territoire, volunteers=60, sites=25, seed=seed, block_share=0.3, declined_share=0.5
    )
    assert family == generate_family(
        territoire, volunteers=60, sites=25, seed=seed, block_share=0.3, declined_share=0.5
    )  # seeded
    assert family.excluded and family.excluded <= {
        (v.id, s.id, day) for v in family.volunteers for s in family.sites for day in v.available
    }
    assert dataclasses.replace(family, excluded=frozenset()) == generate_family(
        territoire, volunteers=60, sites=25, seed=seed, block_share=0.3
    )  # the option draws after everything else: the seed's instance is unchanged
    instance = _round_trip(family)
    blocks = solve(instance, time_limit_s=30)
    _respects(instance, blocks)
    _respects(instance, solve_blocks(instance, time_limit_s=30))
    single = dataclasses.replace(
        instance, volunteers=tuple(v for v in instance.volunteers if v.block_days == 1)
    )
    _respects(single, solve_flow(single))
    _respects(single, solve_by_region(single))
    free = solve(dataclasses.replace(instance, excluded=frozenset()), time_limit_s=30)
    assert any((a.volunteer, a.site, a.date) in instance.excluded for a in free.assignments)
    assert blocks.priority_total <= free.priority_total + 1e-9
