"""Who may go where on which day: the candidate arcs (available, needed, within reach), and the
evaluation and checking of a set of assignments against every rule of the problem."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from solidarite.planning.optimizer.model import Assignment, Instance, Solution, Volunteer
from solidarite.territoire.travel import EARTH_RADIUS_KM, haversine_km


@dataclass(frozen=True)
class Arcs:
    """Every feasible (volunteer, site, day): available, needed, within reach."""

    volunteer: NDArray[np.int64]
    site: NDArray[np.int64]
    day: NDArray[np.int64]  # 0-based day of the month
    km: NDArray[np.float64]
    continuity: NDArray[np.int64]


def _day_masks(dates: Iterable[Sequence[dt.date]]) -> NDArray[np.int64]:
    return np.array([sum(1 << (d.day - 1) for d in days) for days in dates], dtype=np.int64)


def reachable_pairs(instance: Instance) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """(volunteer, site, km) for every pair within the volunteer's max_km, via a k-d tree; or, when the
    travel provider decided (`instance.allowed`), for exactly the pairs it allows."""
    if not instance.volunteers or not instance.sites:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, np.empty(0)
    if instance.allowed is not None:
        vid = {v.id: k for k, v in enumerate(instance.volunteers)}
        sid = {s.id: k for k, s in enumerate(instance.sites)}
        pairs = sorted((vid[a], sid[b]) for a, b in instance.allowed if a in vid and b in sid)
        vi = np.array([p[0] for p in pairs], dtype=np.int64)
        si = np.array([p[1] for p in pairs], dtype=np.int64)
        lat = (np.array([v.lat for v in instance.volunteers]), np.array([v.lon for v in instance.volunteers]))
        site_lat = (np.array([s.lat for s in instance.sites]), np.array([s.lon for s in instance.sites]))
        return vi, si, haversine_km(lat[0][vi], lat[1][vi], site_lat[0][si], site_lat[1][si])
    v_lat = np.array([v.lat for v in instance.volunteers])
    v_lon = np.array([v.lon for v in instance.volunteers])
    s_lat = np.array([s.lat for s in instance.sites])
    s_lon = np.array([s.lon for s in instance.sites])
    max_km = np.array([v.max_km for v in instance.volunteers])

    def xyz(lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.float64]:
        phi, lmb = np.radians(lat), np.radians(lon)
        return np.column_stack((np.cos(phi) * np.cos(lmb), np.cos(phi) * np.sin(lmb), np.sin(phi)))

    from scipy.spatial import cKDTree  # here: scipy.spatial is 0.3 s of the start of every command that plans

    radius = 2 * math.sin(min(float(max_km.max()) / (2 * EARTH_RADIUS_KM), math.pi / 2)) * (1 + 1e-9) + 1e-12
    matrix = cKDTree(xyz(v_lat, v_lon)).sparse_distance_matrix(
        cKDTree(xyz(s_lat, s_lon)), radius, output_type="ndarray"
    )
    vi = matrix["i"].astype(np.int64)  # zero-distance pairs (same place) are included
    si = matrix["j"].astype(np.int64)
    km = haversine_km(v_lat[vi], v_lon[vi], s_lat[si], s_lon[si])
    keep = km <= max_km[vi]
    return vi[keep], si[keep], km[keep]


def candidate_arcs(instance: Instance) -> Arcs:
    vi, si, km = reachable_pairs(instance)
    available = _day_masks(v.available for v in instance.volunteers)
    needed = _day_masks(s.needed for s in instance.sites)
    common = available[vi] & needed[si]
    parts_v, parts_s, parts_d, parts_km = [], [], [], []
    for day in range(instance.days_in_month):
        on = ((common >> day) & 1).astype(bool)
        if on.any():
            parts_v.append(vi[on])
            parts_s.append(si[on])
            parts_d.append(np.full(int(on.sum()), day, dtype=np.int64))
            parts_km.append(km[on])
    if not parts_v:
        empty = np.empty(0, dtype=np.int64)
        return Arcs(empty, empty, empty, np.empty(0), empty)
    v, s = np.concatenate(parts_v), np.concatenate(parts_s)
    d, km = np.concatenate(parts_d), np.concatenate(parts_km)
    if instance.excluded:  # the (volunteer, site, day) a volunteer declined: never an arc again
        v, s, d, km = _without_excluded(instance, v, s, d, km)
    if instance.history:
        vid = {vol.id: k for k, vol in enumerate(instance.volunteers)}
        sid = {site.id: k for k, site in enumerate(instance.sites)}
        keys = np.array(
            sorted(
                vid[a] * len(instance.sites) + sid[b]
                for a, b in instance.history
                if a in vid and b in sid  # a sub-instance (one region) keeps the others' pairs out
            ),
            dtype=np.int64,
        )
        continuity = np.isin(v * len(instance.sites) + s, keys).astype(np.int64)
    else:
        continuity = np.zeros(len(v), dtype=np.int64)
    return Arcs(v, s, d, km, continuity)


def _without_excluded(
    instance: Instance,
    v: NDArray[np.int64],
    s: NDArray[np.int64],
    d: NDArray[np.int64],
    km: NDArray[np.float64],
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    vid = {vol.id: k for k, vol in enumerate(instance.volunteers)}
    sid = {site.id: k for k, site in enumerate(instance.sites)}
    n_sites, n_days = len(instance.sites), instance.days_in_month
    keys = np.array(
        sorted(
            (vid[a] * n_sites + sid[b]) * n_days + (day.day - 1)
            for a, b, day in instance.excluded
            if a in vid and b in sid and (day.year, day.month) == (instance.year, instance.month)
        ),
        dtype=np.int64,
    )
    keep = ~np.isin((v * n_sites + s) * n_days + d, keys)
    return v[keep], s[keep], d[keep], km[keep]


# --- Evaluation and checking -------------------------------------------------------------------------


def evaluate(instance: Instance, assignments: Sequence[Assignment]) -> tuple[float, int, int, float]:
    """(priority total, filled places, continuity, travel km) of a set of assignments."""
    volunteers = {v.id: v for v in instance.volunteers}
    sites = {s.id: s for s in instance.sites}
    priority = sum(sites[a.site].priority for a in assignments)
    continuity = sum(1 for a in assignments if (a.volunteer, a.site) in instance.history)
    km = sum(
        float(
            haversine_km(
                volunteers[a.volunteer].lat, volunteers[a.volunteer].lon, sites[a.site].lat, sites[a.site].lon
            )
        )
        for a in assignments
    )
    return priority, len(assignments), continuity, km


def check(instance: Instance, assignments: Sequence[Assignment]) -> list[str]:
    """Every violated constraint, in French; an empty list means the assignments are valid."""
    problems: list[str] = []
    volunteers = {v.id: v for v in instance.volunteers}
    sites = {s.id: s for s in instance.sites}
    per_day: dict[tuple[str, dt.date], int] = defaultdict(int)
    per_volunteer: dict[str, list[Assignment]] = defaultdict(list)
    per_place: dict[tuple[str, dt.date], int] = defaultdict(int)
    for a in assignments:
        vol, site = volunteers.get(a.volunteer), sites.get(a.site)
        if vol is None or site is None:
            problems.append(f"{a.volunteer} / {a.site} : volontaire ou lieu inconnu.")
            continue
        if a.date not in vol.available:
            problems.append(f"{vol.id} n'a pas déclaré le {a.date:%d/%m/%Y}.")
        if a.date not in site.needed:
            problems.append(f"{site.id} n'a pas besoin d'un médecin le {a.date:%d/%m/%Y}.")
        if (vol.id, site.id, a.date) in instance.excluded:
            problems.append(f"{vol.id} a décliné {site.id} le {a.date:%d/%m/%Y} : ne le lui proposez plus.")
        km = float(haversine_km(vol.lat, vol.lon, site.lat, site.lon))
        if instance.allowed is not None:
            if (vol.id, site.id) not in instance.allowed:
                problems.append(
                    f"{vol.id} → {site.id} : trajet au-delà de sa limite (fournisseur de trajets)."
                )
        elif km > vol.max_km + 1e-9:
            problems.append(f"{vol.id} → {site.id} : {km:.1f} km, au-delà de sa limite de {vol.max_km:g} km.")
        per_day[(vol.id, a.date)] += 1
        per_volunteer[vol.id].append(a)
        per_place[(site.id, a.date)] += 1
    for (vid, day), count in per_day.items():
        if count > 1:
            problems.append(f"{vid} a {count} missions le {day:%d/%m/%Y}.")
    for vid, items in per_volunteer.items():
        vol = volunteers[vid]
        if len(items) > vol.max_days:
            problems.append(f"{vid} a {len(items)} jours, au-delà de son maximum de {vol.max_days}.")
        if vol.block_days > 1:
            problems.extend(_block_problems(vol, items))
    for (sid, day), count in per_place.items():
        if count > sites[sid].capacity_on(day):
            problems.append(
                f"{sid} le {day:%d/%m/%Y} : {count} médecins pour {sites[sid].capacity_on(day)} place(s)."
            )
    return problems


def relabel(instance: Instance, volunteers: Mapping[str, str], sites: Mapping[str, str]) -> Instance:
    """The instance with every volunteer and site renamed (e.g. to display names, so that `check` speaks of
    people and places): each mapping must give distinct names to all its ids."""
    return dataclasses.replace(
        instance,
        volunteers=tuple(dataclasses.replace(v, id=volunteers[v.id]) for v in instance.volunteers),
        sites=tuple(dataclasses.replace(s, id=sites[s.id]) for s in instance.sites),
        history=frozenset((volunteers[v], sites[s]) for v, s in instance.history),
        allowed=None
        if instance.allowed is None
        else frozenset((volunteers[v], sites[s]) for v, s in instance.allowed),
        excluded=frozenset((volunteers[v], sites[s], day) for v, s, day in instance.excluded),
    )


def _block_problems(vol: Volunteer, items: Sequence[Assignment]) -> list[str]:
    """A block volunteer's days must split into runs of exactly block_days consecutive dates, one site per run."""
    by_site: dict[str, list[dt.date]] = defaultdict(list)
    for a in items:
        by_site[a.site].append(a.date)
    problems = []
    for sid, days in by_site.items():
        days.sort()
        run = 1
        runs = []
        for previous, current in itertools.pairwise(days):
            if (current - previous).days == 1:
                run += 1
            else:
                runs.append(run)
                run = 1
        runs.append(run)
        if any(r % vol.block_days for r in runs):
            problems.append(
                f"{vol.id} à {sid} : les jours ne forment pas des séries de {vol.block_days} jours consécutifs."
            )
    return problems


def build_solution(
    instance: Instance, assignments: list[Assignment], started: float, **kwargs: Any
) -> Solution:
    """A Solution with its figures evaluated and its solve time measured from `started`."""
    priority, filled, continuity, km = evaluate(instance, assignments)
    return Solution(
        assignments, priority, filled, continuity, km, solve_seconds=time.perf_counter() - started, **kwargs
    )
