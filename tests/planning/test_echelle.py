"""Issue 23: the bad instances of the issue, each refused with a French message naming the record, and the
`plan` command's exit code 2 on them. `planning_echelle` runs as real processes (the orchestrator and its workers)
where the queue is shared; its refusals and its one-region run go through the same entry point in the test's
process (`run_main`)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from solidarite.planning.optimizer import InstanceError, parse_instance
from tests.cli import run_cli, run_main
from tests.planning.test_optimizer import EXAMPLE, _plan

# No test database here: the workers and their orchestrator get a SQLite file of their own, the commands run in the
# test's process may not reach one (the tests that go through the test database's queue are in test_echelle_file.py).
# Once, in the SQLite pass (.ci/run).
pytestmark = pytest.mark.sans_base


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated by `python -m solidarite migrate` (9 s), once for the tests of this module."""
    path = tmp_path_factory.mktemp("base") / "file.sqlite3"
    assert run_cli("migrate", "-v0", env={"DATABASE_URL": f"sqlite:///{path}"}).returncode == 0
    return path


def _fresh_database(migrated: Path, folder: Path) -> dict[str, str]:
    """A fresh copy of the migrated SQLite file in `folder`, as DATABASE_URL for the commands and workers."""
    copy = folder / "file.sqlite3"
    shutil.copyfile(migrated, copy)
    return {"DATABASE_URL": f"sqlite:///{copy}"}


def _bad(change: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(EXAMPLE))
    change(data)
    return data


BAD = [
    (
        lambda d: d["volunteers"][1]["available"].append("2026-04-02"),
        r"volunteers\[1\]\.available\[2\] : 2026-04-02 est hors du mois 2026-03 \(volontaire 'v2'\)",
    ),
    (lambda d: d["sites"][1].pop("lat"), r"sites\[1\]\.lat : champ obligatoire absent \(lieu 's2'\)"),
    (
        lambda d: d["sites"][0].update(capacity=-1),
        r"sites\[0\]\.capacity : doit être au moins 0 .*\(lieu 's1'\)",
    ),
    (lambda d: d["volunteers"][0].update(max_km=0), r"volunteers\[0\]\.max_km : distance maximale 0 km hors"),
    (
        lambda d: d["volunteers"][1].update(max_km=10_000),
        r"volunteers\[1\]\.max_km : distance maximale 10000 km hors .*\(volontaire 'v2'\)",
    ),
    (lambda d: d.update(volunteers=[]), r"instance\.volunteers : aucun volontaire"),
    (
        lambda d: d["sites"][1].update(id="s1"),
        r"sites\[1\]\.id : identifiant 's1' en double \(déjà pris par sites\[0\]\)",
    ),
    (
        lambda d: d["volunteers"][0].update(block_days=5, max_days=5),
        r"volunteers\[0\]\.available : aucune suite de 5 dates consécutives .* \(volontaire 'v1'\)",
    ),
    (
        lambda d: d["volunteers"][0].update(block_days=5, max_days=2),
        r"volunteers\[0\]\.block_days : une série de 5 jours dépasse son maximum de 2",
    ),
]


@pytest.mark.parametrize(("change", "message"), BAD)
def test_bad_instances_name_the_record(change: Callable[[dict[str, Any]], Any], message: str) -> None:
    with pytest.raises(InstanceError, match=message):
        parse_instance(_bad(change))


def test_a_block_run_inside_the_offered_dates_is_accepted() -> None:
    data = _bad(lambda d: d["volunteers"][0].update(block_days=5, max_days=5))
    data["volunteers"][0]["available"] = [f"2026-03-{d:02d}" for d in range(9, 14)]
    assert parse_instance(data).volunteers[0].block_days == 5


def test_plan_command_exit_2_names_the_record(tmp_path: Path) -> None:
    source, out = tmp_path / "in.json", tmp_path / "out.json"
    for change, _message in (BAD[3], BAD[5], BAD[7]):
        source.write_text(json.dumps(_bad(change)), encoding="utf-8")
        result = _plan("--instance", str(source), "--out", str(out))
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        assert "in.json : " in result.stderr and not out.exists()


# --- Decomposition by region (issue 23, scale-out; ADR 0017) ----------------------------------------


def _two_regions() -> Any:
    import datetime as dt

    from solidarite.planning.optimizer import Instance, Site, Volunteer

    monday, tuesday = dt.date(2026, 3, 2), dt.date(2026, 3, 3)
    # v_border lives in region A, 30 km from a lieu of region B; region A has one place only.
    volunteers = (
        Volunteer("v_a", 47.00, 2.00, 1, 50.0, (monday,), region="A"),
        Volunteer("v_border", 47.00, 2.10, 2, 50.0, (monday, tuesday), region="A"),
    )
    sites = (
        Site("s_a", 47.00, 2.05, 2.0, 1, (monday,), region="A"),
        Site("s_b", 47.00, 2.50, 5.0, 1, (monday, tuesday), region="B"),
    )
    return Instance(2026, 3, volunteers, sites)


def test_a_boundary_volunteer_is_offered_to_both_regions_and_planned_once() -> None:
    from solidarite.planning.optimizer import check, solve_by_region, solve_flow, split_by_region

    instance = _two_regions()
    parts = split_by_region(instance)
    assert [v.id for v in parts["B"].volunteers] == []  # pass 1: B has no resident volunteer
    decomposed = solve_by_region(instance)
    assert check(instance, decomposed.assignments) == []
    days = [(a.volunteer, a.date) for a in decomposed.assignments]
    assert len(days) == len(set(days))  # never two missions the same day
    assert ("v_border", "s_b") in {(a.volunteer, a.site) for a in decomposed.assignments}  # pass 2 offered B
    assert decomposed.details["seconde_passe"] >= 1
    assert decomposed.priority_total <= solve_flow(instance).priority_total + 1e-9


def test_the_decomposition_never_exceeds_a_volunteers_allowance() -> None:
    import dataclasses

    from solidarite.planning.optimizer import check, solve_by_region

    instance = _two_regions()
    tight = dataclasses.replace(
        instance, volunteers=tuple(dataclasses.replace(v, max_days=1) for v in instance.volunteers)
    )
    decomposed = solve_by_region(tight)
    assert check(tight, decomposed.assignments) == []
    assert sum(1 for a in decomposed.assignments if a.volunteer == "v_border") == 1


def test_pass_2_with_every_place_already_filled_plans_nothing_more() -> None:
    """Pass 1 fills every place: pass 2 is an instance with neither lieu nor volunteer, which used to crash the
    flow (IndexError in the reach hubs); a volunteer left with lieux nowhere likewise."""
    import dataclasses

    from solidarite.planning.optimizer import check, solve_by_region, solve_flow

    instance = _two_regions()
    only_a = dataclasses.replace(instance, volunteers=instance.volunteers[:1], sites=instance.sites[:1])
    decomposed = solve_by_region(only_a)
    assert [(a.volunteer, a.site) for a in decomposed.assignments] == [("v_a", "s_a")]
    assert check(only_a, decomposed.assignments) == [] and decomposed.details["seconde_passe"] == 0
    assert solve_flow(dataclasses.replace(instance, sites=())).assignments == []


def _three_regions() -> Any:
    """`_two_regions` (B: lieux only) plus region C: a volunteer, no lieu, 30 km from B's lieu."""
    import dataclasses

    from solidarite.planning.optimizer import Volunteer

    instance = _two_regions()
    monday, tuesday = instance.sites[1].needed
    v_c = Volunteer("v_c", 47.00, 2.90, 1, 50.0, (monday, tuesday), region="C")
    return dataclasses.replace(instance, volunteers=(*instance.volunteers, v_c))


def test_a_region_with_nothing_to_solve_gets_no_file_and_says_why(tmp_path: Path) -> None:
    """Region B has lieux but no resident: its file used to be written and could not be read back (« aucun
    volontaire »), failing its task and the whole run. It has nothing to solve in pass 1: no file, no task."""
    from solidarite.planning import echelle

    instance = _three_regions()
    files = echelle.ecrire_regions(instance, tmp_path)
    assert sorted(files) == ["A"] and sorted(p.name for p in tmp_path.iterdir()) == ["region-A.json"]
    assert [v.id for v in echelle.lire_instance(files["A"][0]).volunteers] == ["v_a", "v_border"]
    motifs = echelle.sans_passe_1(instance, files)
    assert motifs == {
        "B": "aucun volontaire n'y réside : ses lieux vont à la passe frontalière",
        "C": "aucun lieu : ses volontaires vont à la passe frontalière",
    }


def test_a_region_file_keeps_the_places_already_taken(tmp_path: Path) -> None:
    """The region files went through the JSON form, which dropped `Site.reduced`: a region's task could fill
    places missions in progress already hold."""
    import dataclasses

    from solidarite.planning import echelle

    instance = _two_regions()
    monday = instance.sites[0].needed[0]
    s_a = dataclasses.replace(instance.sites[0], capacity=2, reduced=((monday, 1),))
    files = echelle.ecrire_regions(dataclasses.replace(instance, sites=(s_a, instance.sites[1])), tmp_path)
    assert echelle.lire_instance(files["A"][0]).sites == (s_a,)
    echelle.resoudre_region(str(files["A"][0]), "A", str(tmp_path / "sortie"))
    planned = json.loads((tmp_path / "sortie" / "affectations-A.json").read_text(encoding="utf-8"))
    assert len(planned["assignments"]) == 1  # one place left of two, though both volunteers could go


def test_planning_echelle_completes_with_a_region_without_volunteer_and_one_without_lieu(
    tmp_path: Path, migrated: Path
) -> None:
    """The real command with a real worker process: region A is solved by its task; B's lieux (no resident)
    and C's volunteer (no lieu) meet in pass 2; every place is filled, the plan is the undecomposed optimum."""
    import datetime as dt
    import signal
    import subprocess
    import sys

    from solidarite.planning.optimizer import Assignment, check, instance_as_dict, solve_flow

    instance = _three_regions()
    path, out = tmp_path / "instance.json", tmp_path / "out.json"
    path.write_text(json.dumps(instance_as_dict(instance)), encoding="utf-8")
    env = _fresh_database(migrated, tmp_path)
    worker = subprocess.Popen(
        [sys.executable, "-m", "solidarite", "worker", "--interval", "0.2"],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        result = run_cli(
            "planning_echelle", "--instance", str(path), "--out", str(out), "--attente", "120", env=env
        )
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
    assert result.returncode == 0, result.stderr
    assert "région B sans calcul régional : aucun volontaire n'y réside" in result.stdout, result.stdout
    assert "région C sans calcul régional : aucun lieu" in result.stdout
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [r["region"] for r in data["regions"]] == ["A"] and sorted(data["regions_sans_passe_1"]) == [
        "B",
        "C",
    ]
    assignments = [
        Assignment(a["volunteer"], a["site"], dt.date.fromisoformat(a["date"]))
        for a in data["planning"]["assignments"]
    ]
    assert check(instance, assignments) == [] and data["violations"] == []
    assert data["places"] == 3 and "v_c" in {a.volunteer for a in assignments}  # C's volunteer went to B
    assert data["priorite"] == pytest.approx(solve_flow(instance).priority_total)


# --- Rotation blocks: the exact integer programme (a week at one lieu is one decision) --------------


@pytest.mark.parametrize("seed", range(6))
def test_block_programme_is_the_lexicographic_optimum(seed: int) -> None:
    from solidarite.planning.optimizer import check, solve, solve_blocks_mip
    from tests.planning.test_optimizer import _brute_force_blocks, _legal, _random_instance, _score

    instance = _random_instance(100 + seed, block=2)
    solution = solve_blocks_mip(instance, time_limit_s=20)
    assert solution.optimal and solution.gap == 0 and check(instance, solution.assignments) == []
    assert _legal(instance, solution.assignments)
    priority, continuity, km = _brute_force_blocks(instance)
    assert _score(instance, solution.assignments)[:2] == (pytest.approx(priority), continuity)
    assert solution.details["trajet_prouve"] is True
    assert solution.travel_km == pytest.approx(km, abs=0.01 * max(1, solution.filled_places))
    assert solve(instance).method == solution.method  # `solve` (and `plan`) use it for blocks


def test_block_programme_on_a_mixed_instance_with_history() -> None:
    """Week volunteers beside single-day ones, continuity pairs on volunteers without any option: the
    CP-SAT model used to fail there (KeyError), the programme and CP-SAT now agree."""
    from solidarite.planning.instances import generate_family
    from solidarite.planning.optimizer import check, solve_blocks, solve_blocks_mip
    from tests.conftest import real_territoire

    instance = generate_family(real_territoire(), volunteers=60, sites=25, seed=7, block_share=0.3)
    assert any(v.block_days == 5 for v in instance.volunteers)
    exact = solve_blocks_mip(instance, time_limit_s=30)
    assert exact.optimal and check(instance, exact.assignments) == []
    cpsat = solve_blocks(instance, time_limit_s=30)
    assert cpsat.optimal and cpsat.priority_total == pytest.approx(exact.priority_total)
    assert cpsat.continuity == exact.continuity


def test_the_take_back_moves_a_boundary_volunteer_to_the_more_needed_place() -> None:
    """Pass 1 gives v_border's only day to the home lieu (priority 2); the neighbour's lieu (priority 5) stays
    empty, and pass 2 has no day of v_border left to offer it: the take-back frees the day and moves it."""
    import dataclasses

    from solidarite.planning.optimizer import (
        check,
        reopen,
        residual,
        solve_by_region,
        solve_flow,
        split_by_region,
    )

    instance = _two_regions()
    monday = instance.sites[0].needed[0]
    alone = dataclasses.replace(
        instance,
        volunteers=(dataclasses.replace(instance.volunteers[1], max_days=1, available=(monday,)),),
        sites=(instance.sites[0], dataclasses.replace(instance.sites[1], needed=(monday,))),
    )
    taken = [a for part in split_by_region(alone).values() for a in solve_flow(part).assignments]
    taken += solve_flow(residual(alone, taken)).assignments
    assert [(a.volunteer, a.site) for a in taken] == [("v_border", "s_a")]  # passes 1 and 2: worth 2
    kept, movable = reopen(alone, taken)
    assert kept == [] and movable == {"v_border"}
    decomposed = solve_by_region(alone)
    assert [(a.volunteer, a.site) for a in decomposed.assignments] == [("v_border", "s_b")]
    assert decomposed.priority_total == solve_flow(alone).priority_total == 5.0
    assert check(alone, decomposed.assignments) == [] and decomposed.details["rattrapage_volontaires"] == 1


@pytest.mark.parametrize("seed", range(4))
def test_the_take_back_never_lowers_the_value(seed: int) -> None:
    from solidarite.planning.instances import generate_family
    from solidarite.planning.optimizer import (
        check,
        evaluate,
        residual,
        solve_by_region,
        solve_flow,
        split_by_region,
    )
    from tests.conftest import real_territoire

    instance = generate_family(real_territoire(), volunteers=300, sites=60, seed=seed)
    taken = [a for part in split_by_region(instance).values() for a in solve_flow(part).assignments]
    taken += solve_flow(residual(instance, taken)).assignments
    decomposed = solve_by_region(instance)
    assert check(instance, decomposed.assignments) == []
    assert (
        evaluate(instance, taken)[0]
        <= decomposed.priority_total
        <= solve_flow(instance).priority_total + 1e-9
    )


def test_the_decomposition_keeps_continuity_pairs_of_other_regions_out() -> None:
    import dataclasses

    from solidarite.planning.optimizer import check, solve_by_region

    instance = _two_regions()
    with_history = dataclasses.replace(instance, history=frozenset({("v_border", "s_b"), ("v_a", "s_a")}))
    decomposed = solve_by_region(with_history)  # used to fail: KeyError on the pair of the other region
    assert check(with_history, decomposed.assignments) == [] and decomposed.continuity >= 1


# --- The aggregated network (volunteers of one commune share a chain of reaches) ----------------------


def _crowded_instance(seed: int) -> Any:
    from tests.planning.crowded import crowded_instance

    return crowded_instance(
        seed,
        volunteers=14,
        sites=8,
        homes=3,
        days=(2, 3, 4, 5, 6),
        reaches=(20.0, 40.0, 60.0, 90.0),
        origin=(46.0, 2.0),
        span=0.8,
        max_days_below=3,
        offered_below=4,
        needed_below=6,
        history=frozenset({(f"v{k}", f"s{k % 8}") for k in range(0, 14, 3)}),
    )


@pytest.mark.parametrize("engine", ["lemon", "ortools"])
@pytest.mark.parametrize("seed", range(15))
def test_the_aggregated_network_has_the_plain_optimum(seed: int, engine: str) -> None:
    from solidarite.planning.optimizer import check, solve_flow

    instance = _crowded_instance(seed)
    plain = solve_flow(instance, engine=engine, aggregate=False)
    chained = solve_flow(instance, engine=engine, aggregate=True)
    assert check(instance, chained.assignments) == []
    assert chained.priority_total == pytest.approx(plain.priority_total)
    assert chained.continuity == plain.continuity
    assert chained.travel_km == pytest.approx(plain.travel_km, abs=1e-6)
    assert chained.details["arcs"] <= plain.details["arcs"] + len(instance.volunteers) * 5


# --- Pricing: a subset of the arcs, grown until no omitted arc has a negative reduced cost -------------


def test_pricing_reaches_the_full_network_optimum() -> None:
    """The restricted network (1 cheapest arc per volunteer-day and per site-day) grown by pricing has the
    same optimal cost as the full network, to the unit, and the start really omitted arcs it had to add."""
    from solidarite.planning.optimizer import candidate_arcs, check, solve_flow
    from solidarite.planning.optimizer.flow import _assignment_flows_lemon, _network, _priced_flows

    grown = 0
    for seed in range(15):
        instance = _crowded_instance(seed)
        arcs = candidate_arcs(instance)
        net = _network(instance, arcs)
        full = _assignment_flows_lemon(net)[len(net.struct_tail) :]
        priced, rounds, kept = _priced_flows(net, arcs.continuity, per_tail=1, per_head=1)
        assert int((net.arc_cost * priced).sum()) == int((net.arc_cost * full).sum())
        grown += rounds > 1 and kept < len(arcs.volunteer)
        solution = solve_flow(instance, pricing=True)
        assert check(instance, solution.assignments) == []
        assert solution.priority_total == pytest.approx(solve_flow(instance).priority_total)
    assert grown >= 3


# --- Scale-out in the platform: one background task per region, run by real workers (planning/echelle.py) ----


def _family_file(folder: Path, volunteers: int = 400, sites: int = 60, seed: int = 5) -> tuple[Any, Path]:
    from solidarite.planning.instances import generate_family
    from solidarite.planning.optimizer import instance_as_dict
    from tests.conftest import real_territoire

    instance = generate_family(real_territoire(), volunteers=volunteers, sites=sites, seed=seed)
    path = folder / "instance.json"
    path.write_text(json.dumps(instance_as_dict(instance)), encoding="utf-8")
    return instance, path


def _assert_decomposed_plan(instance: Any, assignments: list[Any], priority: float) -> None:
    from solidarite.planning.optimizer import check, solve_by_region, solve_flow

    assert check(instance, assignments) == []
    days = [(a.volunteer, a.date) for a in assignments]
    assert len(days) == len(set(days))  # no volunteer planned twice on a day, across regions and passes
    assert priority <= solve_flow(instance).priority_total + 1e-9
    assert priority == pytest.approx(solve_by_region(instance).priority_total)  # the pure decomposition


def test_two_worker_processes_share_the_region_tasks(tmp_path: Path, migrated: Path) -> None:
    """The real thing, as on several machines: a fresh SQLite database, two `worker` processes, the
    orchestrator in a third; every region solved by one of the two, the whole plan checked."""
    import datetime as dt
    import signal
    import subprocess
    import sys

    from solidarite.planning.optimizer import Assignment, split_by_region

    instance, path = _family_file(tmp_path, volunteers=2_000, sites=200)
    env = _fresh_database(migrated, tmp_path)
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "solidarite", "worker", "--interval", "0.2"],
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    try:
        out = tmp_path / "out.json"
        result = run_cli(
            "planning_echelle", "--instance", str(path), "--out", str(out), "--attente", "120", env=env
        )
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=60)
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert sorted(r["region"] for r in data["regions"]) == sorted(split_by_region(instance))
    assert set(data["workers"]) <= {w.pid for w in workers}  # solved by the worker processes, not here
    assert data["violations"] == [] and data["priorite"] >= data["priorite_passes_1_2"]
    assignments = [
        Assignment(a["volunteer"], a["site"], dt.date.fromisoformat(a["date"]))
        for a in data["planning"]["assignments"]
    ]
    assert len(assignments) == data["places"]
    _assert_decomposed_plan(instance, assignments, data["priorite"])


def test_planning_echelle_bad_input_exit_2(tmp_path: Path) -> None:
    """Refused before anything is queued, and one region solved here: this test may not reach the database."""
    _, path = _family_file(tmp_path, volunteers=200, sites=30)
    missing = run_main("planning_echelle", "--instance", str(tmp_path / "absent.json"))
    assert missing.returncode == 2 and "(fichier ou dossier introuvable)" in missing.stderr, missing.stderr
    unknown = run_main(
        "planning_echelle", "--instance", str(path), "--region", "ZZ", "--dossier", str(tmp_path)
    )
    assert unknown.returncode == 2 and "Traceback" not in unknown.stderr
    assert "Région inconnue 'ZZ'" in unknown.stderr and "84" in unknown.stderr, unknown.stderr
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**json.loads(path.read_text()), "volunteers": []}), encoding="utf-8")
    empty = run_main("planning_echelle", "--instance", str(bad))
    assert empty.returncode == 2 and "bad.json : instance.volunteers : aucun volontaire" in empty.stderr
    one = run_main("planning_echelle", "--instance", str(path), "--region", "84", "--dossier", str(tmp_path))
    assert one.returncode == 0, one.stderr  # one region, here, without a worker
    assert "région 84 : " in one.stdout and (tmp_path / "affectations-84.json").exists()


def test_planning_echelle_refuses_a_loose_date_exit_2(tmp_path: Path) -> None:
    """20260302 used to be read as 2 March in `available` (`date.fromisoformat`); refused before any queueing (this
    test may not reach the database)."""

    data = json.loads(json.dumps(EXAMPLE))
    data["volunteers"][0]["available"][1] = "20260309"
    path = tmp_path / "in.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = run_main("planning_echelle", "--instance", str(path), "--dossier", str(tmp_path / "travail"))
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert (
        "in.json : volunteers[0].available[1] : date invalide '20260309' (format AAAA-MM-JJ)" in result.stderr
    )
    assert not (tmp_path / "travail").exists()


def test_planning_echelle_refuses_paths_it_cannot_write_in_french(tmp_path: Path) -> None:
    from django.core.management import CommandError, call_command

    path = tmp_path / "in.json"
    path.write_text(json.dumps(EXAMPLE), encoding="utf-8")
    for options, message in (
        (("--out", str(tmp_path / "absent" / "o.json")), f"le dossier {tmp_path / 'absent'} n'existe pas"),
        (("--out", str(tmp_path)), "est un dossier"),
        (("--dossier", str(path)), "existe et n'est pas un dossier"),
        # under a file: refused after the split, exit 1 (an outside probe, 6 December: « --dossier /proc/x »)
        (("--dossier", str(path / "travail")), "--dossier : impossible d'y écrire les fichiers des régions"),
    ):
        with pytest.raises(CommandError, match=message) as refused:
            call_command("planning_echelle", "--instance", str(path), *options)
        assert refused.value.returncode == 2


def test_a_region_that_cannot_write_its_result_says_why_in_french(tmp_path: Path) -> None:
    from solidarite.planning import echelle

    _, path = _family_file(tmp_path, volunteers=200, sites=30)
    blocked = tmp_path / "fichier"
    blocked.write_text("", encoding="utf-8")
    with pytest.raises(
        echelle.EchelleError, match=r"Impossible d'écrire dans .*fichier.*\(un élément du chemin"
    ):
        echelle.resoudre_region(str(path), "84", str(blocked / "sortie"))
