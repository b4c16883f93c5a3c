"""Rotation blocks (runs of `block_days` consecutive dates at one site): CP-SAT, seeded and bounded
by the flow optimum of the relaxed problem; and `solve`, which picks the exact solver that fits."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np

from solidarite.planning.optimizer.feasibility import build_solution, candidate_arcs
from solidarite.planning.optimizer.flow import priority_scale, solve_flow
from solidarite.planning.optimizer.model import Assignment, Instance, Solution

# Called at every stage of a solve (« arcs », « résolution », « trajets ») with the best upper bound on the
# priority total known so far (None before one is known): the ARS page shows it while the solve runs.
Progress = Callable[[str, float | None], None]


def rounding_slack(instance: Instance, scale: int) -> float:
    """What the integer model's rounding of the priorities to 1/scale (`priority_scale`) can hide in a bound:
    the largest rounding error of a priority, per day that can be assigned — 0 (to float noise) when every
    priority is exact at that scale. Added to the bounds reported in priority units, so that a bound stays
    above every plan's true priority total."""
    scaled = np.array([s.priority for s in instance.sites], dtype=np.float64) * scale
    error = float(np.max(np.abs(scaled - np.round(scaled)))) if len(scaled) else 0.0
    return error / scale * sum(v.max_days for v in instance.volunteers)


def _relaxed(instance: Instance) -> Instance:
    """The instance with every rotation split into single days, and nothing else changed (region, travel
    provider's pairs, declined days, and any field added later)."""
    return dataclasses.replace(
        instance, volunteers=tuple(dataclasses.replace(v, block_days=1) for v in instance.volunteers)
    )


def solve_blocks(
    instance: Instance, time_limit_s: float = 60.0, workers: int = 2, progress: Progress | None = None
) -> Solution:
    """Exact model with rotation blocks; CP-SAT, hinted with the relaxed flow optimum (also an upper bound).

    Lexicographic in two phases: (1) priority then continuity, proven optimal (`optimal`); (2) with that
    optimum fixed, travel minimised in the time left (`details["trajet_prouve"]` says if proven)."""
    from ortools.sat.python import cp_model

    started = time.perf_counter()
    arcs = candidate_arcs(instance)
    relaxed = solve_flow(_relaxed(instance), arcs)
    if progress:
        progress("arcs", relaxed.priority_total)  # the relaxed flow optimum bounds the blocks' priority
    n_days = instance.days_in_month
    block = np.array([v.block_days for v in instance.volunteers], dtype=np.int64)
    arc_set = set(zip(arcs.volunteer.tolist(), arcs.site.tolist(), arcs.day.tolist(), strict=True))
    km_of = {(int(v), int(s)): float(k) for v, s, k in zip(arcs.volunteer, arcs.site, arcs.km, strict=True)}
    cont_of = {
        (int(v), int(s)): int(c) for v, s, c in zip(arcs.volunteer, arcs.site, arcs.continuity, strict=True)
    }

    # One variable per (volunteer, site, first day) run of block_days feasible days (block_days = 1: single days).
    options: list[tuple[int, int, int, int]] = []  # (volunteer, site, first day, length)
    for v, s in sorted(km_of):
        length = int(block[v])
        for first in range(n_days - length + 1):
            if all((v, s, first + k) in arc_set for k in range(length)):
                options.append((v, s, first, length))
    scale, priority_int = priority_scale(instance)
    slack = rounding_slack(instance, scale)
    max_days = {v: vol.max_days for v, vol in enumerate(instance.volunteers)}
    with_history = {v for (v, s), c in cont_of.items() if c}

    model = cp_model.CpModel()
    x = [model.new_bool_var(f"b{k}") for k in range(len(options))]
    by_volunteer_day: dict[tuple[int, int], list[int]] = defaultdict(list)
    by_site_day: dict[tuple[int, int], list[int]] = defaultdict(list)
    by_volunteer: dict[int, list[int]] = defaultdict(list)
    for k, (v, s, first, length) in enumerate(options):
        by_volunteer[v].append(k)
        for d in range(first, first + length):
            by_volunteer_day[(v, d)].append(k)
            by_site_day[(s, d)].append(k)
    for ks in by_volunteer_day.values():
        if len(ks) > 1:
            model.add_at_most_one(x[k] for k in ks)
    for v, ks in by_volunteer.items():
        model.add(sum(options[k][3] * x[k] for k in ks) <= instance.volunteers[v].max_days)
    for (s, d), ks in by_site_day.items():
        places = instance.sites[s].capacity_on(instance.day(d))
        if len(ks) > places:
            model.add(sum(x[k] for k in ks) <= places)
    # Phase 1: priority, then continuity (one integer objective; small weights, quickly proven).
    continuity_range = sum(max_days[v] for v in with_history) + 1
    level12 = [
        length * (int(priority_int[s]) * continuity_range + cont_of[(v, s)])
        for v, s, _first, length in options
    ]
    model.maximize(sum(c * x[k] for k, c in enumerate(level12)))
    # Hint: the blocks the relaxed optimum already fills.
    chosen = {(a.volunteer, a.site, a.date) for a in relaxed.assignments}
    for k, (v, s, first, length) in enumerate(options):
        vid, sid = instance.volunteers[v].id, instance.sites[s].id
        hinted = all((vid, sid, instance.day(first + j)) in chosen for j in range(length))
        model.add_hint(x[k], 1 if hinted else 0)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, time_limit_s - (time.perf_counter() - started))
    solver.parameters.num_workers = workers

    class _Report(cp_model.CpSolverSolutionCallback):
        """At every improving solution, the best bound CP-SAT has proven so far (in priority units)."""

        def on_solution_callback(self) -> None:
            if progress:
                progress(
                    "résolution",
                    min(relaxed.priority_total, self.best_objective_bound / continuity_range / scale + slack),
                )

    status = solver.solve(model, _Report() if progress else None)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise RuntimeError(
            f"CP-SAT n'a trouvé aucune solution dans le temps imparti (statut {solver.status_name(status)})."
        )
    phase1_optimal = status == cp_model.OPTIMAL
    best_level12 = round(solver.objective_value)
    bound_priority = min(
        relaxed.priority_total, solver.best_objective_bound / continuity_range / scale + slack
    )
    values = [solver.value(x[k]) for k in range(len(options))]
    # Phase 2 (levels 1–2 proven): keep their optimum, minimise travel in the time left.
    phase2_optimal = False
    remaining = time_limit_s - (time.perf_counter() - started)
    if progress:
        progress("trajets", bound_priority)
    if phase1_optimal and remaining > 0.5:
        model.add(sum(c * x[k] for k, c in enumerate(level12)) >= best_level12)
        model.minimize(
            sum(length * round(km_of[(v, s)] / 0.01) * x[k] for k, (v, s, _f, length) in enumerate(options))
        )
        model.clear_hints()  # type: ignore[no-untyped-call]
        for k in range(len(options)):
            model.add_hint(x[k], values[k])
        solver.parameters.max_time_in_seconds = remaining
        status2 = solver.solve(model)
        if status2 in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            values = [solver.value(x[k]) for k in range(len(options))]
            phase2_optimal = status2 == cp_model.OPTIMAL
    assignments: list[Assignment] = []
    for k, (v, s, first, length) in enumerate(options):
        if values[k]:
            assignments.extend(
                Assignment(instance.volunteers[v].id, instance.sites[s].id, instance.day(first + j))
                for j in range(length)
            )
    solution = build_solution(
        instance,
        assignments,
        started,
        optimal=phase1_optimal,
        bound=bound_priority,
        method="CP-SAT (séries de jours)",
        travel_resolution_km=0.01,
    )
    if solution.optimal:
        solution.bound = solution.priority_total
    solution.details = {
        "options": len(options),
        "borne_relachee": relaxed.priority_total,
        "statut": solver.status_name(status),
        "trajet_prouve": phase2_optimal,
    }
    return solution


def _block_options(
    instance: Instance,
) -> tuple[list[tuple[int, int, int, int]], dict[tuple[int, int], float], dict[tuple[int, int], int]]:
    """(volunteer, site, first day, length) of every run of block_days feasible days at one site — a week at
    one lieu is ONE decision — with the travel and continuity of every (volunteer, site) pair."""
    arcs = candidate_arcs(instance)
    n_days = instance.days_in_month
    arc_set = set(zip(arcs.volunteer.tolist(), arcs.site.tolist(), arcs.day.tolist(), strict=True))
    km_of = {(int(v), int(s)): float(k) for v, s, k in zip(arcs.volunteer, arcs.site, arcs.km, strict=True)}
    cont_of = {
        (int(v), int(s)): int(c) for v, s, c in zip(arcs.volunteer, arcs.site, arcs.continuity, strict=True)
    }
    options: list[tuple[int, int, int, int]] = []
    for v, s in sorted(km_of):
        length = instance.volunteers[v].block_days
        for first in range(n_days - length + 1):
            if all((v, s, first + k) in arc_set for k in range(length)):
                options.append((v, s, first, length))
    return options, km_of, cont_of


def _unplaceable_blocks(instance: Instance, options: list[tuple[int, int, int, int]]) -> list[str]:
    """Why a rotation-block volunteer cannot be planned at all (no run of block_days days at one lieu in
    reach that needs every one of them, or only at lieux they declined on one of those days): a French
    sentence per volunteer, so that an infeasible block request is explained, not left as a silently empty
    plan."""
    placeable = {v for v, _s, _f, _l in options}
    without_declines: set[int] | None = None  # computed once, only when a declined day may be the cause
    reasons = []
    for v, vol in enumerate(instance.volunteers):
        block = vol.block_days
        if block == 1:
            continue
        offered = set(vol.available)
        has_run = any(all(d + dt.timedelta(days=k) in offered for k in range(block)) for d in offered)
        if vol.max_days < block:
            reasons.append(
                f"{vol.id} : il lui reste {vol.max_days} jour(s) ce mois, moins qu'une série de {block} jours ; "
                "sa série ne peut pas être proposée."
            )
        elif not has_run:
            reasons.append(
                f"{vol.id} : ses dates ne contiennent aucune série de {block} jours consécutifs ; "
                "sa série ne peut pas être proposée."
            )
        elif v not in placeable:
            if without_declines is None:
                undeclined = dataclasses.replace(instance, excluded=frozenset())
                without_declines = (
                    {k for k, _s, _f, _l in _block_options(undeclined)[0]} if instance.excluded else placeable
                )
            if v in without_declines:  # in reach and needed: only the lieux they declined hold a whole run
                reasons.append(
                    f"{vol.id} : chaque lieu à moins de {vol.max_km:g} km qui a besoin de lui sur une série de "
                    f"{block} jours consécutifs parmi ses dates est un lieu qu'il a décliné l'un de ces jours ; "
                    "sa série ne peut pas être proposée."
                )
            else:
                reasons.append(
                    f"{vol.id} : aucun lieu à moins de {vol.max_km:g} km n'a besoin de lui sur une série de "
                    f"{block} jours consécutifs parmi ses dates ; sa série ne peut pas être proposée."
                )
    return reasons


def _reduced_cost_fixing(
    level12: np.ndarray, matrix: Any, upper: np.ndarray, duals: np.ndarray, best: float
) -> tuple[np.ndarray, np.ndarray, float]:
    """Bounds that every solution of level12 · x ≥ best keeps (exact, for any duals y ≥ 0).

    For x feasible in [0, 1]: level12 · x = y · A x + r · x ≤ U − Σ_{r_j<0} |r_j| x_j − Σ_{r_j>0} r_j (1 − x_j),
    with r = level12 − Aᵀy and U = y · b + Σ max(r_j, 0) (weak duality). So a column with r_j < −(U − best)
    is 0 and one with r_j > U − best is 1 in every such solution. The LP optimal duals make U the LP bound
    and fix most columns when the relaxation is nearly tight. Returns (lower, upper, U)."""
    y = np.maximum(duals, 0.0)
    reduced = level12 - matrix.T @ y
    bound = float(y @ upper + np.maximum(reduced, 0.0).sum())
    slack = bound - best + 1e-6 * max(1.0, abs(bound))  # float round-off of U and r, on the safe side
    lower = (reduced > slack).astype(np.float64)
    upper_bound = np.where(reduced < -slack, 0.0, 1.0)
    return lower, upper_bound, bound


def solve_blocks_mip(
    instance: Instance,
    time_limit_s: float = 60.0,
    travel_limit_s: float | None = 4.0,
    progress: Progress | None = None,
) -> Solution:
    """Rotation blocks, exact: an integer programme over block decisions (HiGHS through scipy.optimize.milp).

    Variables: one per run of block_days days at one site (single days for the others). Rows: one mission a
    day per volunteer, the monthly maximum, the places of every site-day. Its linear relaxation is nearly
    tight (a week is one column, not five coupled days), so HiGHS closes the gap at the root or nearly.
    Lexicographic in two solves with integer coefficients and a zero gap tolerance: (1) priority then
    continuity, proven optimal (`optimal`), travel as a tie-break too small to change them; (2) with that
    value fixed, travel at 0.01 km proven (or bounded). Phase 2 first fixes
    by reduced costs of the LP relaxation the columns no solution of the phase-1 value can use (exact, see
    `_reduced_cost_fixing`), then runs at most `travel_limit_s` (None: the time left);
    `details["trajet_prouve"]` says whether travel was proven minimal, `details["trajet_borne_km"]` gives
    its proven lower bound otherwise."""
    from scipy.optimize import Bounds, LinearConstraint, linprog, milp
    from scipy.sparse import coo_matrix, vstack

    started = time.perf_counter()
    options, km_of, cont_of = _block_options(instance)
    unplaceable = _unplaceable_blocks(instance, options)
    if progress:
        progress("arcs", None)
    scale, priority_int = priority_scale(instance)
    n = len(options)
    if n == 0:
        empty = build_solution(
            instance,
            [],
            started,
            optimal=True,
            bound=0.0,
            method="programme linéaire en nombres entiers (séries)",
            travel_resolution_km=0.01,
        )
        empty.details = {"options": 0, "trajet_prouve": True, "series_impossibles": unplaceable}
        return empty
    rows: list[int] = []
    cols: list[int] = []
    upper: list[float] = []
    row_of: dict[tuple[str, int, int], int] = {}

    def row(key: tuple[str, int, int], bound: float) -> int:
        if key not in row_of:
            row_of[key] = len(upper)
            upper.append(bound)
        return row_of[key]

    values: list[float] = []
    for k, (v, s, first, length) in enumerate(options):
        rows.append(row(("max", v, 0), instance.volunteers[v].max_days))
        cols.append(k)
        values.append(length)
        for d in range(first, first + length):
            rows.extend(
                (row(("jour", v, d), 1), row(("place", s, d), instance.sites[s].capacity_on(instance.day(d))))
            )
            cols.extend((k, k))
            values.extend((1.0, 1.0))
    matrix = coo_matrix(
        (np.array(values), (np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64))),
        shape=(len(upper), n),
    ).tocsr()
    upper_array = np.array(upper)
    with_history = {v for (v, _s), c in cont_of.items() if c}
    continuity_range = sum(instance.volunteers[v].max_days for v in with_history) + 1
    level12 = np.array(
        [
            length * (int(priority_int[s]) * continuity_range + cont_of[(v, s)])
            for v, s, _f, length in options
        ],
        dtype=np.float64,
    )
    if float(level12.sum()) >= 2**52:
        raise OverflowError("Instance trop grande pour un objectif entier exact en double précision.")

    slack = rounding_slack(instance, scale)

    def in_priority(level: float) -> float:
        return level / continuity_range / scale + slack

    # The LP relaxation: its value is the first bound shown while the integer solve runs, its duals fix
    # columns for phase 2.
    # (scipy's stubs omit the sparse A_ub that HiGHS accepts.)
    relaxation = linprog(-level12, A_ub=matrix, b_ub=upper_array, bounds=(0, 1), method="highs")  # type: ignore[call-overload]
    duals = -np.asarray(relaxation.ineqlin.marginals) if relaxation.status == 0 else np.zeros(len(upper))
    if progress:
        progress("résolution", in_priority(-float(relaxation.fun)) if relaxation.status == 0 else None)
    rows_constraint = LinearConstraint(matrix, -np.inf, upper_array)
    integrality = np.ones(n, dtype=np.int64)
    # Phase 1 maximises level12 − km / K with K = 2 (Σ km + 1): any plan's km / K < 1/2, so a plan one unit
    # better on the integer level12 is at least 1/2 better here — far above HiGHS's absolute gap tolerance
    # (1e-6) — and the proven optimum keeps the proven optimum of levels 1–2. The travel tie-break makes
    # that optimum a short-travel one (on the bench, already the travel optimum phase 2 then proves).
    km = np.array([length * round(km_of[(v, s)] / 0.01) for v, s, _f, length in options], dtype=np.float64)
    tie = 2.0 * (float(km.sum()) + 1.0)
    first_solve = milp(
        -(level12 - km / tie),
        constraints=[rows_constraint],
        options={"time_limit": max(0.1, time_limit_s - (time.perf_counter() - started)), "mip_rel_gap": 0.0},
        integrality=integrality,
        bounds=Bounds(0, 1),
    )
    if first_solve.x is None:
        raise RuntimeError(f"Le programme en nombres entiers n'a pas abouti ({first_solve.message}).")
    phase1_optimal = first_solve.status == 0
    phase1_seconds = time.perf_counter() - started
    chosen = np.round(first_solve.x)
    best = float(level12 @ chosen)
    dual_bound = getattr(first_solve, "mip_dual_bound", None)
    # level12 ≤ objective + km / K < objective + 1/2, and level12 is an integer.
    bound_level12 = (
        float(np.floor(-float(dual_bound) + 0.5))
        if dual_bound is not None and np.isfinite(dual_bound)
        else best
    )
    if progress:
        progress("trajets", in_priority(max(bound_level12, best)))
    travel_proven = False
    travel_bound: float | None = None
    fixed = 0
    remaining = time_limit_s - (time.perf_counter() - started)
    if travel_limit_s is not None:
        remaining = min(remaining, travel_limit_s)
    if phase1_optimal and remaining > 0.1:
        lower, upper_x, _bound = _reduced_cost_fixing(level12, matrix, upper_array, duals, best)
        # The phase-1 optimum satisfies every fixing (it reaches `best`); if round-off ever disagreed,
        # the fixing is dropped rather than trusted.
        if not (np.all(chosen >= lower) and np.all(chosen <= upper_x)):
            lower, upper_x = np.zeros(n), np.ones(n)
        fixed = int(np.count_nonzero(lower) + np.count_nonzero(upper_x == 0))
        second = milp(
            km,
            constraints=[
                rows_constraint,
                LinearConstraint(level12.reshape(1, -1), best - 0.5, np.inf),
                LinearConstraint(km.reshape(1, -1), -np.inf, float(km @ chosen) + 0.5),  # phase 1 as cutoff
            ],
            options={"time_limit": remaining, "mip_rel_gap": 0.0},
            integrality=integrality,
            bounds=Bounds(lower, upper_x),
        )
        if second.x is not None and float(level12 @ np.round(second.x)) >= best - 0.5:
            candidate = np.round(second.x)
            if float(km @ candidate) <= float(km @ chosen):
                chosen = candidate
            travel_proven = second.status == 0
        # Stopped by the cap, even without a better plan, the search has a proven lower bound on travel.
        dual = getattr(second, "mip_dual_bound", None)
        if not travel_proven and dual is not None and np.isfinite(dual):
            travel_bound = min(float(dual), float(km @ chosen)) * 0.01
        elif not travel_proven:  # scipy gives no dual bound without a primal plan: the LP's, weaker
            relaxed_travel = linprog(  # type: ignore[call-overload]
                km,
                A_ub=vstack([matrix, coo_matrix(-level12.reshape(1, -1))], format="csr"),
                b_ub=np.append(upper_array, -(best - 0.5)),
                bounds=np.column_stack([lower, upper_x]),
                method="highs",
            )
            if relaxed_travel.status == 0:
                travel_bound = min(float(relaxed_travel.fun), float(km @ chosen)) * 0.01
    assignments = [
        Assignment(instance.volunteers[v].id, instance.sites[s].id, instance.day(first + j))
        for k, (v, s, first, length) in enumerate(options)
        if chosen[k] > 0.5
        for j in range(length)
    ]
    solution = build_solution(
        instance,
        assignments,
        started,
        optimal=phase1_optimal,
        bound=in_priority(max(bound_level12, best)),
        method="programme linéaire en nombres entiers (séries, HiGHS)",
        travel_resolution_km=0.01,
    )
    if solution.optimal:
        solution.bound = solution.priority_total
    solution.details = {
        "options": n,
        "options_fixees_trajet": fixed,
        "trajet_prouve": travel_proven,
        "trajet_borne_km": float(km @ chosen) * 0.01 if travel_proven else travel_bound,
        "preuve_priorite_continuite_s": round(phase1_seconds, 3),
        "series_impossibles": unplaceable,
    }
    return solution


def solve(instance: Instance, time_limit_s: float = 60.0, progress: Progress | None = None) -> Solution:
    """The exact solver that fits the instance: a flow, or the block integer programme when rotation blocks
    are requested (CP-SAT, `solve_blocks`, is kept for comparison)."""
    if any(v.block_days > 1 for v in instance.volunteers):
        return solve_blocks_mip(instance, time_limit_s, progress=progress)
    if progress:
        progress("résolution", None)
    return solve_flow(instance)
