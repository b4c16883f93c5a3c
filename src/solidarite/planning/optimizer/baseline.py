"""The baseline: what an ARS does by hand today, for comparison with the optimum."""

from __future__ import annotations

import time
from collections import defaultdict

from solidarite.planning.optimizer.feasibility import build_solution, candidate_arcs
from solidarite.planning.optimizer.model import Assignment, Instance, Solution


def first_come_first_served(instance: Instance) -> Solution:
    """Volunteers in sign-up order each take, date by date, the free place of highest priority in reach
    (nearest first on ties); a block volunteer takes the first run of block_days days that fits."""
    started = time.perf_counter()
    arcs = candidate_arcs(instance)
    remaining = {(s.id, d): s.capacity_on(d) for s in instance.sites for d in s.needed}
    by_volunteer: dict[int, list[int]] = defaultdict(list)
    for k, v in enumerate(arcs.volunteer.tolist()):
        by_volunteer[v].append(k)
    assignments: list[Assignment] = []
    for v, vol in enumerate(instance.volunteers):
        options = by_volunteer.get(v, [])
        if not options:
            continue
        if vol.block_days == 1:
            days_used = 0
            options.sort(
                key=lambda k: (
                    int(arcs.day[k]),
                    -instance.sites[int(arcs.site[k])].priority,
                    float(arcs.km[k]),
                )
            )
            taken_days: set[int] = set()
            for k in options:
                if days_used >= vol.max_days:
                    break
                day, site = int(arcs.day[k]), instance.sites[int(arcs.site[k])]
                key = (site.id, instance.day(day))
                if day in taken_days or remaining[key] <= 0:
                    continue
                remaining[key] -= 1
                taken_days.add(day)
                days_used += 1
                assignments.append(Assignment(vol.id, site.id, instance.day(day)))
            continue
        feasible = {(int(arcs.site[k]), int(arcs.day[k])) for k in options}
        used_days: set[int] = set()
        sites_in_reach = sorted({s for s, _ in feasible}, key=lambda s: -instance.sites[s].priority)
        for first in range(instance.days_in_month):
            if len(used_days) + vol.block_days > vol.max_days:
                break
            span = range(first, first + vol.block_days)
            if any(d in used_days for d in span):
                continue
            for s in sites_in_reach:
                site = instance.sites[s]
                if all((s, d) in feasible and remaining.get((site.id, instance.day(d)), 0) > 0 for d in span):
                    for d in span:
                        remaining[(site.id, instance.day(d))] -= 1
                        used_days.add(d)
                        assignments.append(Assignment(vol.id, site.id, instance.day(d)))
                    break
    return build_solution(
        instance,
        assignments,
        started,
        optimal=False,
        bound=float("nan"),
        method="premier arrivé, premier servi",
    )
