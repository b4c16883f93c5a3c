"""Rotation blocks (runs of `block_days` consecutive dates at one site): CP-SAT, seeded and bounded
by the flow optimum of the relaxed problem; and `solve`, which picks the exact solver that fits."""

from __future__ import annotations

import time
from collections import defaultdict

import numpy as np

from solidarite.planning.optimizer.feasibility import build_solution, candidate_arcs
from solidarite.planning.optimizer.flow import priority_scale, solve_flow
from solidarite.planning.optimizer.model import Assignment, Instance, Solution, Volunteer


def _relaxed(instance: Instance) -> Instance:
    relaxed = tuple(
        Volunteer(v.id, v.lat, v.lon, v.max_days, v.max_km, v.available, 1) for v in instance.volunteers
    )
    return Instance(instance.year, instance.month, relaxed, instance.sites, instance.history)


def solve_blocks(instance: Instance, time_limit_s: float = 60.0, workers: int = 2) -> Solution:
    """Exact model with rotation blocks; CP-SAT, hinted with the relaxed flow optimum (also an upper bound).

    Lexicographic in two phases: (1) priority then continuity, proven optimal (`optimal`); (2) with that
    optimum fixed, travel minimised in the time left (`details["trajet_prouve"]` says if proven)."""
    from ortools.sat.python import cp_model

    started = time.perf_counter()
    arcs = candidate_arcs(instance)
    relaxed = solve_flow(_relaxed(instance), arcs)
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
    max_days = {v: instance.volunteers[v].max_days for v in {o[0] for o in options}}
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
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise RuntimeError(
            f"CP-SAT n'a trouvé aucune solution dans le temps imparti (statut {solver.status_name(status)})."
        )
    phase1_optimal = status == cp_model.OPTIMAL
    best_level12 = round(solver.objective_value)
    bound_priority = min(relaxed.priority_total, solver.best_objective_bound / continuity_range / scale)
    values = [solver.value(x[k]) for k in range(len(options))]
    # Phase 2 (levels 1–2 proven): keep their optimum, minimise travel in the time left.
    phase2_optimal = False
    remaining = time_limit_s - (time.perf_counter() - started)
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


def solve(instance: Instance, time_limit_s: float = 60.0) -> Solution:
    """The exact solver that fits the instance: a flow, or CP-SAT when rotation blocks are requested."""
    if any(v.block_days > 1 for v in instance.volunteers):
        return solve_blocks(instance, time_limit_s)
    return solve_flow(instance)
