"""The planning optimiser: proven optimality against brute force, blocks, baseline, bad instances. The `plan`
command runs once as a real process (`test_plan_command`); its other runs, refusals and plans alike, go through
the same entry point in the test's process (`run_main`): nothing they show depends on a process of their own."""

from __future__ import annotations

import collections
import datetime as dt
import itertools
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from solidarite.planning.optimizer import (
    Assignment,
    Instance,
    InstanceError,
    Site,
    Volunteer,
    check,
    first_come_first_served,
    parse_instance,
    relabel,
    solve,
    solve_blocks,
    solve_flow,
)
from tests.cli import NO_DATABASE, Sortie, run_cli, run_main

# No database, in this process or in a command it runs: once, in the SQLite pass (.ci/run).
pytestmark = pytest.mark.sans_base

EXAMPLE = {
    "month": "2026-03",
    "volunteers": [
        {
            "id": "v1",
            "lat": 46.8,
            "lon": 1.7,
            "max_days": 2,
            "max_km": 120,
            "available": ["2026-03-02", "2026-03-09"],
            "block_days": 1,
        },
        {
            "id": "v2",
            "lat": 46.3,
            "lon": 2.0,
            "max_days": 1,
            "max_km": 50,
            "available": ["2026-03-02", "2026-03-03"],
        },
    ],
    "sites": [
        {
            "id": "s1",
            "lat": 46.2,
            "lon": 2.1,
            "priority": 3.5,
            "capacity": 1,
            "needed": ["2026-03-02", "2026-03-03"],
        },
        {
            "id": "s2",
            "lat": 46.7,
            "lon": 1.8,
            "priority": 1.25,
            "capacity": 1,
            "needed": ["2026-03-02", "2026-03-09"],
        },
    ],
    "history": [{"volunteer": "v1", "site": "s1"}],
}


# --- The oracle: "who may go where on which day" written again from the problem statement -----------
# It shares nothing with the optimiser but the data classes: a bug in candidate_arcs, check or evaluate
# makes the optimiser and this oracle disagree.

RADIUS_KM = 6371.0  # the platform's mean Earth radius


def _km(vol: Volunteer, site: Site) -> float:
    """Great-circle distance by the chord between the two points on the unit sphere."""

    def point(lat: float, lon: float) -> tuple[float, float, float]:
        phi, lmb = math.radians(lat), math.radians(lon)
        return math.cos(phi) * math.cos(lmb), math.cos(phi) * math.sin(lmb), math.sin(phi)

    chord = math.dist(point(vol.lat, vol.lon), point(site.lat, site.lon))
    return 2 * RADIUS_KM * math.asin(min(1.0, chord / 2))


def _places(site: Site, day: dt.date) -> int:
    return dict(site.reduced).get(day, site.capacity)


def _options(instance: Instance) -> list[Assignment]:
    """A volunteer may go to a site on a day of the month he declared, the site needs, within his reach."""
    month = [dt.date(instance.year, instance.month, 1) + dt.timedelta(days=k) for k in range(31)]
    month = [d for d in month if d.month == instance.month]
    return [
        Assignment(vol.id, site.id, day)
        for vol in instance.volunteers
        for site in instance.sites
        if _km(vol, site) <= vol.max_km
        for day in month
        if day in vol.available and day in site.needed
    ]


def _allowed(instance: Instance, chosen: Sequence[Assignment]) -> bool:
    """One mission a day and at most max_days a month per volunteer; no more doctors than places."""
    volunteers = {v.id: v for v in instance.volunteers}
    sites = {s.id: s for s in instance.sites}
    days = collections.Counter((a.volunteer, a.date) for a in chosen)
    months = collections.Counter(a.volunteer for a in chosen)
    places = collections.Counter((a.site, a.date) for a in chosen)
    return (
        all(n == 1 for n in days.values())
        and all(n <= volunteers[v].max_days for v, n in months.items())
        and all(n <= _places(sites[s], d) for (s, d), n in places.items())
    )


def _in_blocks(instance: Instance, chosen: Sequence[Assignment]) -> bool:
    """A block volunteer's dates at each site tile into runs of block_days consecutive calendar dates."""
    for vol in instance.volunteers:
        for site in instance.sites:
            left = sorted(a.date for a in chosen if (a.volunteer, a.site) == (vol.id, site.id))
            while left:
                run = [left[0] + dt.timedelta(days=k) for k in range(vol.block_days)]
                if not set(run) <= set(left):
                    return False
                left = [d for d in left if d not in run]
    return True


def _legal(instance: Instance, chosen: Sequence[Assignment]) -> bool:
    """Every rule of the problem, by the oracle: each assignment an option, the set allowed, blocks kept."""
    return (
        set(chosen) <= set(_options(instance)) and _allowed(instance, chosen) and _in_blocks(instance, chosen)
    )


def _score(instance: Instance, chosen: Sequence[Assignment]) -> tuple[float, int, float]:
    """(priority, continuity, km): priority of the places filled, assignments to a site already served."""
    volunteers = {v.id: v for v in instance.volunteers}
    sites = {s.id: s for s in instance.sites}
    priority = sum(sites[a.site].priority for a in chosen)
    continuity = sum((a.volunteer, a.site) in instance.history for a in chosen)
    km = sum(_km(volunteers[a.volunteer], sites[a.site]) for a in chosen)
    return priority, continuity, km


def _better(score: tuple[float, int, float], best: tuple[float, int, float]) -> bool:
    return (round(score[0], 9), score[1], -round(score[2], 6)) > (
        round(best[0], 9),
        best[1],
        -round(best[2], 6),
    )


def _brute_force(instance: Instance) -> tuple[float, int, float]:
    """Lexicographic optimum (priority, continuity, -km): every allowed set of options, grown one by one."""
    options = _options(instance)
    best = (0.0, 0, 0.0)

    def grow(start: int, chosen: list[Assignment]) -> None:
        nonlocal best
        score = _score(instance, chosen)
        if _better(score, best):
            best = score
        for k in range(start, len(options)):
            if _allowed(instance, [*chosen, options[k]]):
                grow(k + 1, [*chosen, options[k]])

    grow(0, [])
    return best


def _brute_force_blocks(instance: Instance) -> tuple[float, int, float]:
    """Each block volunteer (max_days = block_days) works one run of block_days consecutive dates at one
    site, every day of it allowed, or nothing: try every combination."""
    allowed = set(_options(instance))
    choices = []
    for vol in instance.volunteers:
        runs: list[list[Assignment]] = [[]]
        for site in instance.sites:
            for first in sorted(vol.available):
                run = [
                    Assignment(vol.id, site.id, first + dt.timedelta(days=k)) for k in range(vol.block_days)
                ]
                if all(a in allowed for a in run):
                    runs.append(run)
        choices.append(runs)
    best = (0.0, 0, 0.0)
    for combination in itertools.product(*choices):
        chosen = [a for run in combination for a in run]
        if _allowed(instance, chosen) and _better(_score(instance, chosen), best):
            best = _score(instance, chosen)
    return best


def _random_instance(seed: int, block: int = 1) -> Instance:
    rng = np.random.default_rng(seed)
    days = [dt.date(2026, 3, d) for d in (2, 3, 4, 5)]
    volunteers = tuple(
        Volunteer(
            f"v{i}",
            46 + rng.uniform(0, 0.6),
            2 + rng.uniform(0, 0.6),
            int(rng.integers(1, 3)) if block == 1 else block,
            float(rng.choice([30.0, 60.0])),
            tuple(
                sorted(
                    rng.choice(
                        days, size=int(rng.integers(1, 4)) if block == 1 else 4, replace=False
                    ).tolist()
                )
            ),
            block,
        )
        for i in range(3)
    )
    sites = tuple(
        Site(
            f"s{j}",
            46 + rng.uniform(0, 0.6),
            2 + rng.uniform(0, 0.6),
            float(rng.choice([1.0, 2.5, 4.0])),
            1,
            tuple(sorted(rng.choice(days, size=3, replace=False).tolist())),
        )
        for j in range(2)
    )
    history = frozenset({("v0", "s1"), ("v2", "s0")})
    return Instance(2026, 3, volunteers, sites, history)


def test_example_instance() -> None:
    instance = parse_instance(EXAMPLE)
    solution = solve_flow(instance)
    assert solution.optimal and solution.bound == solution.priority_total == pytest.approx(8.25)
    assert (solution.filled_places, solution.continuity) == (3, 1)
    assert check(instance, solution.assignments) == []
    baseline = first_come_first_served(instance)
    assert check(instance, baseline.assignments) == [] and baseline.priority_total == pytest.approx(6.0)


@pytest.mark.parametrize("engine", ["hubs", "lemon", "ortools"])
@pytest.mark.parametrize("seed", range(12))
def test_flow_is_the_lexicographic_optimum(seed: int, engine: str) -> None:
    instance = _random_instance(seed)
    solution = solve_flow(instance, engine=engine)
    assert check(instance, solution.assignments) == [] and _legal(instance, solution.assignments)
    priority, continuity, km = _brute_force(instance)
    assert _score(instance, solution.assignments) == pytest.approx((priority, continuity, km), abs=0.01)
    assert solution.priority_total == pytest.approx(priority)
    assert solution.continuity == continuity
    assert solution.travel_km == pytest.approx(km, abs=0.01 * max(1, solution.filled_places))
    baseline = first_come_first_served(instance)
    assert check(instance, baseline.assignments) == [] and _legal(instance, baseline.assignments)
    assert baseline.priority_total <= solution.priority_total + 1e-9


@pytest.mark.parametrize("seed", range(6))
def test_blocks_are_solved_exactly(seed: int) -> None:
    instance = _random_instance(100 + seed, block=2)
    solution = solve_blocks(instance, time_limit_s=20)
    assert solution.optimal and check(instance, solution.assignments) == []
    assert _legal(instance, solution.assignments)
    priority, continuity, _ = _brute_force_blocks(instance)
    assert _score(instance, solution.assignments)[:2] == (pytest.approx(priority), continuity)
    assert solution.priority_total == pytest.approx(priority)
    assert solution.continuity == continuity
    relaxed = solution.details["borne_relachee"]
    assert relaxed >= solution.priority_total - 1e-9  # the flow relaxation bounds the block problem
    baseline = first_come_first_served(instance)
    assert check(instance, baseline.assignments) == [] and _legal(instance, baseline.assignments)


def test_consecutive_means_calendar_dates() -> None:
    # Friday 6 and Monday 9 March are consecutive working days, not consecutive dates: no block of 2.
    friday, monday = dt.date(2026, 3, 6), dt.date(2026, 3, 9)
    volunteer = Volunteer("v", 46.0, 2.0, 2, 50.0, (friday, monday), 2)
    site = Site("s", 46.0, 2.0, 5.0, 1, (friday, monday))
    solution = solve(Instance(2026, 3, (volunteer,), (site,)))
    assert solution.assignments == []
    assert check(
        Instance(2026, 3, (volunteer,), (site,)), [Assignment("v", "s", friday), Assignment("v", "s", monday)]
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["history"].append({"volunteer": "v9", "site": "s1"}),
            r"history\[1\]\.volunteer : volontaire inconnu 'v9'",
        ),
        (
            lambda d: d["history"].append({"volunteer": "v1", "site": "s9"}),
            r"history\[1\]\.site : lieu inconnu 's9'",
        ),
        (
            lambda d: d["sites"][0]["needed"].append("2026-04-01"),
            r"sites\[0\]\.needed\[2\] : 2026-04-01 est hors du mois 2026-03",
        ),
        (lambda d: d["sites"][1].update(capacity=-1), r"sites\[1\]\.capacity : doit être au moins 0"),
        (
            lambda d: d["volunteers"][0].update(max_days=1.5),
            r"volunteers\[0\]\.max_days : nombre entier attendu",
        ),
        (lambda d: d["volunteers"][1].update(id="v1"), r"volunteers\[1\]\.id : identifiant 'v1' en double"),
        (lambda d: d["volunteers"][0].pop("max_km"), r"volunteers\[0\]\.max_km : champ obligatoire absent"),
        (lambda d: d.update(month="mars"), r"instance\.month : mois invalide"),
        (lambda d: d["volunteers"][0].update(lat=123), r"volunteers\[0\] : coordonnées hors limites"),
        (
            lambda d: d["volunteers"][0].update(block_days=0),
            r"volunteers\[0\]\.block_days : doit être au moins 1",
        ),
        # Numbers out of every sensible range (revue du 5 décembre): 10**30 days overflowed the flow's integers.
        (
            lambda d: d["volunteers"][0].update(max_days=10**30),
            r"volunteers\[0\]\.max_days : doit être au plus 31 jours \(un mois\)",
        ),
        (
            lambda d: d["volunteers"][0].update(block_days=40),
            r"volunteers\[0\]\.block_days : doit être au plus 31 jours",
        ),
        (
            lambda d: d["sites"][0].update(capacity=10**30),
            r"sites\[0\]\.capacity : doit être au plus 32767 médecins par jour",
        ),
        (lambda d: d["sites"][0].update(priority=1e200), r"sites\[0\]\.priority : doit être au plus 1000"),
        (lambda d: d["volunteers"][0].update(lat=10**30), r"volunteers\[0\]\.lat : nombre démesuré"),
        (
            lambda d: d["volunteers"][0].update(lon=float("nan")),
            r"volunteers\[0\]\.lon : nombre fini attendu",
        ),
        (lambda d: d.update(month="9999-12"), r"instance\.month : mois '9999-12' hors limites"),
    ],
)
def test_malformed_instances_name_the_field(change, message: str) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(json.dumps(EXAMPLE))
    change(data)
    with pytest.raises(InstanceError, match=message):
        parse_instance(data)


LOOSE_DATES = ["20260302", 20260302, "2026-W10-1", "2026-03-2", "2026-03-02T08:00", " 2026-03-02"]


@pytest.mark.parametrize("text", LOOSE_DATES)
@pytest.mark.parametrize(
    ("where", "record"),
    [
        (
            ("volunteers", 1, "available"),
            r"volunteers\[1\]\.available\[0\] : date invalide .*\(volontaire 'v2'\)",
        ),
        (("sites", 0, "needed"), r"sites\[0\]\.needed\[0\] : date invalide .*\(lieu 's1'\)"),
    ],
    ids=["available", "needed"],
)
def test_dates_are_written_aaaa_mm_jj_and_nothing_else(
    text: Any, where: tuple[str, int, str], record: str
) -> None:
    """`date.fromisoformat` alone took 20260302 and 2026-W10-1 (a week date) in `available` and `needed`,
    while `excluded` refused them: every date of the format is now AAAA-MM-JJ, the entry named."""
    data = json.loads(json.dumps(EXAMPLE))
    kind, index, key = where
    data[kind][index][key][0] = text
    with pytest.raises(InstanceError, match=record + ".*") as refused:
        parse_instance(data)
    assert "format AAAA-MM-JJ" in str(refused.value)


@pytest.mark.parametrize("month", ["202603", 202603, "2026-3", "2026-03-01", " 2026-03", "2026-13", None])
def test_the_month_is_written_aaaa_mm_and_nothing_else(month: Any) -> None:
    data = {**json.loads(json.dumps(EXAMPLE)), "month": month}
    with pytest.raises(InstanceError, match=r"instance\.month : mois invalide .* \(format AAAA-MM\)"):
        parse_instance(data)


def _with_reduced(s1: Any = None, s2: Any = None) -> dict[str, Any]:
    """EXAMPLE with s1 of 2 places a day; `reduced` keys set on s1 and s2 when given."""
    data: dict[str, Any] = json.loads(json.dumps(EXAMPLE))
    data["sites"][0]["capacity"] = 2
    for site, reduced in zip(data["sites"], (s1, s2), strict=True):
        if reduced is not None:
            site["reduced"] = reduced
    return data


def test_reduced_days_are_read_and_written_back() -> None:
    """`Site.reduced` (places already taken by missions in progress, `services.build_instance`) used to be
    dropped by the JSON form: an exported month offered those places again."""
    from solidarite.planning.optimizer import instance_as_dict

    data = _with_reduced([{"date": "2026-03-03", "places": 1}], [{"date": "2026-03-09", "places": 0}])
    instance = parse_instance(data)
    s1, s2 = instance.sites
    assert s1.reduced == ((dt.date(2026, 3, 3), 1),) and s1.capacity_on(dt.date(2026, 3, 3)) == 1
    assert s1.capacity_on(dt.date(2026, 3, 2)) == 2 and s2.capacity_on(dt.date(2026, 3, 9)) == 0
    written = instance_as_dict(instance)
    assert written["sites"][0]["reduced"] == [{"date": "2026-03-03", "places": 1}]
    assert parse_instance(json.loads(json.dumps(written))) == instance
    assert "reduced" not in instance_as_dict(parse_instance(EXAMPLE))["sites"][0]  # absent when none


@pytest.mark.parametrize(
    ("reduced", "message"),
    [
        ({"date": "2026-03-03"}, r"sites\[0\]\.reduced : liste attendue"),
        (["2026-03-03"], r"sites\[0\]\.reduced\[0\] : objet attendu"),
        ([{"places": 1}], r"sites\[0\]\.reduced\[0\]\.date : champ obligatoire absent"),
        ([{"date": "2026-03-03"}], r"sites\[0\]\.reduced\[0\]\.places : champ obligatoire absent"),
        ([{"date": "20260303", "places": 1}], r"sites\[0\]\.reduced\[0\]\.date : date invalide '20260303'"),
        ([{"date": "2026-04-03", "places": 1}], r"reduced\[0\]\.date : 2026-04-03 est hors du mois 2026-03"),
        (
            [{"date": "2026-03-09", "places": 1}],
            r"reduced\[0\]\.date : le 2026-03-09 n'est pas un jour de besoin de ce lieu",
        ),
        (
            [{"date": "2026-03-03", "places": 1}, {"date": "2026-03-03", "places": 0}],
            r"reduced\[1\]\.date : le 2026-03-03 figure déjà en sites\[0\]\.reduced\[0\]",
        ),
        (
            [{"date": "2026-03-03", "places": 2}],
            r"reduced\[0\]\.places : 2 place\(s\) restante\(s\) pour une capacité de 2",
        ),
        ([{"date": "2026-03-03", "places": -1}], r"reduced\[0\]\.places : doit être au moins 0"),
        ([{"date": "2026-03-03", "places": 0.5}], r"reduced\[0\]\.places : nombre entier attendu"),
        ([{"date": "2026-03-03", "places": True}], r"reduced\[0\]\.places : nombre attendu"),
    ],
)
def test_malformed_reduced_days_are_refused_naming_the_entry(reduced: Any, message: str) -> None:
    with pytest.raises(InstanceError, match=message + r".*\(lieu 's1'\)"):
        parse_instance(_with_reduced(reduced))


def test_plan_command_leaves_the_places_already_taken(tmp_path: Path) -> None:
    """Both of s1's places on Monday 2 are already taken: the plan puts nobody there; a bad entry is exit 2."""
    source, out = tmp_path / "in.json", tmp_path / "out.json"
    monday = ("s1", "2026-03-02")
    assert monday in {
        (a.site, a.date.isoformat()) for a in solve(parse_instance(_with_reduced())).assignments
    }
    data = _with_reduced([{"date": "2026-03-02", "places": 0}])
    source.write_text(json.dumps(data), encoding="utf-8")
    result = _plan("--instance", str(source), "--out", str(out))
    assert result.returncode == 0, result.stderr
    planned = json.loads(out.read_text(encoding="utf-8"))["assignments"]
    assert planned and monday not in {(a["site"], a["date"]) for a in planned}
    data["sites"][0]["reduced"][0]["places"] = 2
    source.write_text(json.dumps(data), encoding="utf-8")
    out.unlink()
    refused = _plan("--instance", str(source), "--out", str(out))
    assert refused.returncode == 2 and "Traceback" not in refused.stderr and not out.exists()
    assert (
        "in.json : sites[0].reduced[0].places : 2 place(s) restante(s) pour une capacité de 2"
        in refused.stderr
    )


def test_plan_command_refuses_a_loose_date_exit_2(tmp_path: Path) -> None:
    source, out = tmp_path / "in.json", tmp_path / "out.json"
    data = json.loads(json.dumps(EXAMPLE))
    data["sites"][1]["needed"][0] = "2026-W10-1"
    source.write_text(json.dumps(data), encoding="utf-8")
    result = _plan("--instance", str(source), "--out", str(out))
    assert result.returncode == 2 and "Traceback" not in result.stderr and not out.exists()
    assert "in.json : sites[1].needed[0] : date invalide '2026-W10-1' (format AAAA-MM-JJ)" in result.stderr


def _plan(*args: str) -> Sortie:
    """`python -m solidarite plan …` in the test's process (`run_main`): the test may not reach the database."""
    return run_main("plan", *args)


def test_plan_command(tmp_path: Path) -> None:
    """The real process, end to end: `python -m solidarite plan` starts, plans and writes, without a database."""
    source, out = tmp_path / "in.json", tmp_path / "out.json"
    source.write_text(json.dumps(EXAMPLE), encoding="utf-8")
    result = run_cli(
        "plan", "--instance", str(source), "--out", str(out), "--compare", env=NO_DATABASE, timeout=120
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert {
        "assignments",
        "priority_total",
        "filled_places",
        "continuity",
        "travel_km",
        "optimal",
        "bound",
        "solve_seconds",
        "travel_proven",
    } <= set(data)
    assert data["optimal"] is True and data["priority_total"] == 8.25 and data["filled_places"] == 3
    assert data["travel_proven"] is True and "(trajet prouvé)" in result.stdout
    assert data["assignments"][0] == {"volunteer": "v1", "site": "s1", "date": "2026-03-02"}
    assert "gain de l'optimisation : +37.5 %" in result.stdout


def test_plan_command_bad_instances_exit_2(tmp_path: Path) -> None:
    source, out = tmp_path / "in.json", tmp_path / "out.json"
    source.write_text('{"month": "2026-03", "volunteers": [', encoding="utf-8")
    result = _plan("--instance", str(source), "--out", str(out))
    assert (
        result.returncode == 2
        and "JSON mal formé (ligne 1" in result.stderr
        and "Traceback" not in result.stderr
    )
    bad = json.loads(json.dumps(EXAMPLE))
    bad["sites"][0]["capacity"] = -2
    source.write_text(json.dumps(bad), encoding="utf-8")
    result = _plan("--instance", str(source), "--out", str(out))
    assert result.returncode == 2 and "sites[0].capacity" in result.stderr
    assert not out.exists()
    source.write_text(json.dumps(EXAMPLE), encoding="utf-8")
    result = _plan("--instance", str(source), "--out", str(out), "--trajet-s", "-1")
    assert result.returncode == 2 and "--trajet-s doit être un nombre positif ou nul fini" in result.stderr
    assert not out.exists()


def test_plan_command_refuses_bad_numbers_and_paths_in_french(tmp_path: Path) -> None:
    """Revue du 5 décembre: a result path that cannot be written ended in English (exit 1), after the solve;
    10**30 days was a traceback (exit 1); --time-limit nan was accepted. All exit 2, in French, writing nothing."""
    source, out = tmp_path / "in.json", tmp_path / "out.json"
    source.write_text(json.dumps(EXAMPLE), encoding="utf-8")
    for target, message in (
        (tmp_path / "absent" / "o.json", f"--out : le dossier {tmp_path / 'absent'} n'existe pas"),
        (tmp_path, f"--out : {tmp_path} est un dossier"),
    ):
        result = _plan("--instance", str(source), "--out", str(target))
        assert result.returncode == 2 and message in result.stderr, result.stderr
        assert "Traceback" not in result.stderr and "No such file" not in result.stderr
    for option, value in (("--time-limit", "nan"), ("--time-limit", "inf"), ("--trajet-s", "nan")):
        result = _plan("--instance", str(source), "--out", str(out), option, value)
        assert result.returncode == 2 and f"{option} doit être un nombre positif" in result.stderr, (
            result.stderr
        )
    bad = json.loads(json.dumps(EXAMPLE))
    bad["volunteers"][0]["max_days"] = 10**30
    source.write_text(json.dumps(bad), encoding="utf-8")
    result = _plan("--instance", str(source), "--out", str(out))
    assert result.returncode == 2 and "volunteers[0].max_days : doit être au plus 31" in result.stderr
    assert "Traceback" not in result.stderr
    source.write_text(json.dumps(EXAMPLE).replace('"max_days": 2', '"max_days": ' + "9" * 5000, 1), "utf-8")
    result = _plan("--instance", str(source), "--out", str(out))
    assert result.returncode == 2 and "un nombre du fichier est démesuré" in result.stderr, result.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == [source]  # no result, no temporary left
    # A Windows-1252 file was reported as « un nombre démesuré » (UnicodeDecodeError is a ValueError); a folder
    # given as the instance said « [Errno 21] Is a directory » in English.
    source.write_bytes(json.dumps(EXAMPLE).replace('"id"', '"idé"', 1).encode("cp1252"))
    result = _plan("--instance", str(source), "--out", str(out))
    assert result.returncode == 2 and "in.json : le fichier n'est pas en UTF-8" in result.stderr, (
        result.stderr
    )
    result = _plan("--instance", str(tmp_path), "--out", str(out))
    assert (
        result.returncode == 2 and f"Instance illisible : {tmp_path} (c'est un dossier)" in result.stderr
    ), result.stderr
    assert not out.exists()


def test_plan_command_replaces_its_result_whole(tmp_path: Path) -> None:
    source, out = tmp_path / "in.json", tmp_path / "out.json"
    source.write_text(json.dumps(EXAMPLE), encoding="utf-8")
    out.write_text("ancien", encoding="utf-8")
    out.chmod(0o640)
    result = _plan("--instance", str(source), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["filled_places"] == 3
    assert out.stat().st_mode & 0o777 == 0o640 and sorted(tmp_path.iterdir()) == [source, out]


def test_both_engines_agree_on_a_real_geography_instance(zonage_result) -> None:  # type: ignore[no-untyped-def]
    """On the real communes and the national zonage, read and computed once for the session (tests/conftest.py),
    not again here."""
    from solidarite.planning.instances import GeographyCache, generate_instance
    from tests.conftest import DATA_DIR, real_territoire

    geo = GeographyCache(DATA_DIR, real_territoire(), zonage_result)
    instance = generate_instance(geo, volunteers=250, sites=100, year=2026, month=3, seed=1)
    lemon, ortools = solve_flow(instance, engine="lemon"), solve_flow(instance, engine="ortools")
    assert check(instance, lemon.assignments) == [] and check(instance, ortools.assignments) == []
    assert lemon.priority_total == pytest.approx(ortools.priority_total)
    assert lemon.continuity == ortools.continuity
    assert lemon.travel_km == pytest.approx(ortools.travel_km, abs=0.01 * lemon.filled_places)
    assert lemon.priority_total >= first_come_first_served(instance).priority_total


def test_plan_command_explains_an_impossible_week(tmp_path: Path) -> None:
    """A week nobody within reach needs: the plan says why, on its output and in its file (issue 23)."""
    instance = {
        "month": "2026-03",
        "volunteers": [
            {
                "id": "w1",
                "lat": 45.0,
                "lon": 2.0,
                "max_days": 5,
                "max_km": 10,
                "available": [f"2026-03-0{d}" for d in range(2, 7)],
                "block_days": 5,
            },
            {"id": "d1", "lat": 45.0, "lon": 2.0, "max_days": 1, "max_km": 50, "available": ["2026-03-02"]},
        ],
        "sites": [
            {
                "id": "s1",
                "lat": 45.2,
                "lon": 2.0,
                "priority": 2,
                "capacity": 1,
                "needed": [f"2026-03-0{d}" for d in range(2, 7)],
            }
        ],
    }
    source, out = tmp_path / "in.json", tmp_path / "out.json"
    source.write_text(json.dumps(instance), encoding="utf-8")
    result = _plan("--instance", str(source), "--out", str(out))
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["filled_places"] == 1 and [a["volunteer"] for a in data["assignments"]] == ["d1"]
    assert len(data["series_impossibles"]) == 1 and data["series_impossibles"][0].startswith(
        "w1 : aucun lieu"
    )
    assert "série impossible — w1 : aucun lieu à moins de 10 km" in result.stdout


def _declined(excluded: frozenset[tuple[str, str, dt.date]], block_days: int = 1) -> Instance:
    """One volunteer, two sites at their door; « haut » has the higher priority."""
    days = (dt.date(2026, 12, 2), dt.date(2026, 12, 3))
    return Instance(
        2026,
        12,
        (Volunteer("v", 48.0, 2.0, 2, 50.0, days, block_days),),
        (Site("haut", 48.0, 2.0, 9.0, 1, days), Site("bas", 48.0, 2.0, 1.0, 1, days)),
        excluded=excluded,
    )


def test_a_declined_site_is_never_proposed_that_day_by_any_solver() -> None:
    """ADR 0003, révision du 5 décembre 2026: a (volunteer, site, day) the volunteer declined is no arc."""
    first, second = dt.date(2026, 12, 2), dt.date(2026, 12, 3)
    declined = frozenset({("v", "haut", first)})
    assert {(a.site, a.date) for a in solve(_declined(frozenset())).assignments} == {
        ("haut", first),
        ("haut", second),
    }
    for solution in (
        solve(_declined(declined)),
        solve_flow(_declined(declined), engine="ortools"),
        first_come_first_served(_declined(declined)),
    ):
        assert {(a.site, a.date) for a in solution.assignments} == {("bas", first), ("haut", second)}
    # A two-day rotation cannot hold « haut » on both days: it goes to « bas », the next best.
    rotation = solve(_declined(declined, block_days=2), time_limit_s=10)
    assert {(a.site, a.date) for a in rotation.assignments} == {("bas", first), ("bas", second)}
    assert check(_declined(declined), [Assignment("v", "haut", first)]) == [
        "v a décliné haut le 02/12/2026 : ne le lui proposez plus."
    ]
    renamed = relabel(_declined(declined), {"v": "Dr A"}, {"haut": "Lieu H", "bas": "Lieu B"})
    assert renamed.excluded == {("Dr A", "Lieu H", first)}
