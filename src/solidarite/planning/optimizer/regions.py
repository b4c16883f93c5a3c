"""Decomposition by ARS region (issue 23, scale-out): each region is solved on its own (by a separate
background task in the platform), then the volunteers' days left over are offered across boundaries.

Pass 1 (independent, parallel): a region's lieux with the volunteers who live in it — every volunteer is
planned by exactly one region, their home region. Pass 2 (one solve, after all regions): volunteers are
offered, with the days and the monthly allowance pass 1 left them, to the places still empty in every
region — a volunteer near a boundary thus reaches the other region's places. Being one solve over the
residual, it never plans a volunteer twice on a day nor beyond max_days; `check` verifies it.
Pass 3, the take-back (one solve, only while places are still empty): the volunteers who could reach one
of those places on a date they offered give back every assignment of passes 1 and 2 (`reopen`), and the
residual is solved again in one go — what they had stays feasible there, so the value never goes down.

The decomposed value is at most the undecomposed optimum (the bench prints both side by side)."""

from __future__ import annotations

import dataclasses
import time
from collections import Counter, defaultdict

import numpy as np

from solidarite.planning.optimizer.feasibility import build_solution, candidate_arcs
from solidarite.planning.optimizer.flow import solve_flow
from solidarite.planning.optimizer.model import Assignment, Instance, Site, Solution, Volunteer


def split_by_region(instance: Instance) -> dict[str, Instance]:
    """One instance per region: its lieux and the volunteers who live in it (pass 1)."""
    sites: dict[str, list[Site]] = defaultdict(list)
    volunteers: dict[str, list[Volunteer]] = defaultdict(list)
    for site in instance.sites:
        sites[site.region].append(site)
    for vol in instance.volunteers:
        volunteers[vol.region].append(vol)
    region_of_site = {site.id: site.region for site in instance.sites}
    history: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for pair in instance.history:
        history[region_of_site.get(pair[1], "")].add(pair)
    return {
        region: Instance(
            instance.year,
            instance.month,
            tuple(volunteers.get(region, ())),
            tuple(region_sites),
            frozenset(history.get(region, ())),
            instance.allowed,
            instance.excluded,
        )
        for region, region_sites in sorted(sites.items())
    }


def residual(instance: Instance, taken: list[Assignment]) -> Instance:
    """Pass 2: the places still empty in every region, offered to every volunteer with the days and the
    allowance pass 1 left them (in practice those whose reach crosses a boundary: the others' region already
    had them). One solve: a volunteer cannot be planned twice. Site-days already full and volunteers with no
    day left that some site still needs are left out (at 100,000 × 5,000 they would only add arcs)."""
    used_days: dict[str, set[object]] = defaultdict(set)
    for a in taken:
        used_days[a.volunteer].add(a.date)
    filled = Counter((a.site, a.date) for a in taken)
    sites = []
    for site in instance.sites:  # only the days with a place left: a full day would only add arcs
        left_on = {day: site.capacity_on(day) - filled[(site.id, day)] for day in site.needed}
        needed = tuple(day for day in site.needed if left_on[day] > 0)
        if needed:
            reduced = tuple((day, left_on[day]) for day in needed if left_on[day] != site.capacity)
            sites.append(dataclasses.replace(site, needed=needed, reduced=reduced))
    open_days = {day for site in sites for day in site.needed}
    volunteers = []
    for vol in instance.volunteers:
        left = vol.max_days - len(used_days[vol.id])
        days = tuple(d for d in vol.available if d not in used_days[vol.id] and d in open_days)
        if left > 0 and days and vol.block_days == 1:
            volunteers.append(dataclasses.replace(vol, max_days=left, available=days))
    return Instance(
        instance.year,
        instance.month,
        tuple(volunteers),
        tuple(sites),
        instance.history,
        instance.allowed,
        instance.excluded,
    )


def reopen(instance: Instance, taken: list[Assignment]) -> tuple[list[Assignment], set[str]]:
    """Pass 3, the take-back: the single-day volunteers who could reach a place still empty, on any date they
    offered (used or not), give back their assignments. Returns the assignments kept and who gave theirs back;
    solving `residual(instance, kept)` in one go is then never worse (their assignments are feasible there)."""
    empty = residual(instance, taken).sites
    if not empty:
        return taken, set()
    probe = Instance(
        instance.year,
        instance.month,
        tuple(v for v in instance.volunteers if v.block_days == 1),
        empty,
        allowed=instance.allowed,
        excluded=instance.excluded,
    )
    movable = {probe.volunteers[int(k)].id for k in np.unique(candidate_arcs(probe).volunteer)}
    return [a for a in taken if a.volunteer not in movable], movable


def solve_by_region(instance: Instance) -> Solution:
    """Pass 1 region by region, then pass 2 across boundaries (see the module docstring)."""
    started = time.perf_counter()
    taken: list[Assignment] = []
    regions = split_by_region(instance)
    for part in regions.values():  # independent: in the platform, one background task each
        taken.extend(solve_flow(part).assignments)
    first_pass = len(taken)
    taken.extend(solve_flow(residual(instance, taken)).assignments)  # one solve: nobody planned twice
    second_pass = len(taken) - first_pass
    kept, movable = reopen(instance, taken)
    if movable:
        taken = kept + solve_flow(residual(instance, kept)).assignments
    solution = build_solution(
        instance,
        taken,
        started,
        optimal=False,
        bound=float("nan"),
        method="décomposition par région (passe régionale, passe frontalière, rattrapage)",
    )
    solution.details = {
        "regions": len(regions),
        "premiere_passe": first_pass,
        "seconde_passe": second_pass,
        "rattrapage_volontaires": len(movable),
    }
    return solution
