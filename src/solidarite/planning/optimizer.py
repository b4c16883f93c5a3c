"""Assigning volunteers to lieu-days, to proven optimality. Pure and typed: no Django, no files.

A filled place at site s is worth s.priority (the zone's zonage score). Each site-day has
`capacity` places; a volunteer works at most one site a day, at most `max_days` days in the
month, only on declared dates, only within `max_km` (great circle, Earth radius 6371.0 km).
Objective, lexicographic: (1) maximise the total priority of filled places; (2) then maximise
continuity (assignments to a site the volunteer already worked at); (3) then minimise total travel.

- Single days: a min-cost flow (OR-Tools) source → volunteer (max_days) → volunteer-day (1) →
  site-day (1) → sink (capacity), with a bypass arc for places left empty. Flow problems have
  integral optimal solutions, so the flow optimum is the proven optimum (bound = value).
  The three levels are folded into one integer cost whose weights are derived from the instance:
  the continuity weight exceeds the largest achievable travel total, the priority weight exceeds
  the largest continuity range. OR-Tools' cost scaling refuses costs above ~2⁶³ ÷ (nodes + 1); the
  travel resolution is the finest (0.01 km, 0.1 km, 1 km, …) that stays within that budget, and is
  reported: levels 1 and 2 are always exact, level 3 exact at that resolution.
- Rotation blocks (`block_days` > 1: runs of exactly that many consecutive calendar dates at one
  site): CP-SAT over block variables, seeded with the flow solution of the relaxed problem (every
  block split into single days), whose value is also an upper bound.
- `first_come_first_served`: what an ARS does by hand today, for comparison.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import math
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from solidarite.territoire.travel import EARTH_RADIUS_KM, haversine_km

MAX_DAYS_IN_MONTH = 31
COST_BUDGET = (2**63 - 1) // 4  # OR-Tools divides this by (nodes + 1) for the largest arc cost
PRIORITY_DECIMALS = 6


class InstanceError(ValueError):
    """A malformed instance; the message names the field (e.g. `volunteers[3].available[1]`)."""


@dataclass(frozen=True)
class Volunteer:
    id: str
    lat: float
    lon: float
    max_days: int
    max_km: float
    available: tuple[dt.date, ...]
    block_days: int = 1


@dataclass(frozen=True)
class Site:
    id: str
    lat: float
    lon: float
    priority: float
    capacity: int
    needed: tuple[dt.date, ...]
    reduced: tuple[tuple[dt.date, int], ...] = ()  # days with fewer places (some already taken)

    def capacity_on(self, day: dt.date) -> int:
        for reduced_day, places in self.reduced:
            if reduced_day == day:
                return places
        return self.capacity


@dataclass(frozen=True)
class Instance:
    year: int
    month: int
    volunteers: tuple[Volunteer, ...]
    sites: tuple[Site, ...]
    history: frozenset[tuple[str, str]] = frozenset()

    @property
    def days_in_month(self) -> int:
        return calendar.monthrange(self.year, self.month)[1]

    def day(self, index: int) -> dt.date:
        return dt.date(self.year, self.month, index + 1)


@dataclass(frozen=True)
class Assignment:
    volunteer: str
    site: str
    date: dt.date


@dataclass
class Solution:
    assignments: list[Assignment]
    priority_total: float
    filled_places: int
    continuity: int
    travel_km: float
    optimal: bool
    bound: float
    solve_seconds: float
    method: str
    travel_resolution_km: float | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def gap(self) -> float:
        """Relative gap between the proven bound and the value (0 when proven optimal)."""
        return 0.0 if self.bound <= 0 else max(0.0, (self.bound - self.priority_total) / self.bound)

    def as_dict(self) -> dict[str, Any]:
        return {
            "assignments": [
                {"volunteer": a.volunteer, "site": a.site, "date": a.date.isoformat()}
                for a in sorted(self.assignments, key=lambda a: (a.date, a.site, a.volunteer))
            ],
            "priority_total": round(self.priority_total, 9),
            "filled_places": self.filled_places,
            "continuity": self.continuity,
            "travel_km": round(self.travel_km, 3),
            "optimal": self.optimal,
            "bound": round(self.bound, 9),
            "solve_seconds": round(self.solve_seconds, 4),
            "method": self.method,
            "travel_resolution_km": self.travel_resolution_km,
            "gap": round(self.gap, 9),
        }


# --- Parsing and validation ------------------------------------------------------------------------


def _field(data: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in data:
        raise InstanceError(f"{where}.{key} : champ obligatoire absent.")
    return data[key]


def _number(value: Any, where: str, *, minimum: float | None = None, integer: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InstanceError(f"{where} : nombre attendu (reçu : {value!r}).")
    if integer and not float(value).is_integer():
        raise InstanceError(f"{where} : nombre entier attendu (reçu : {value!r}).")
    if minimum is not None and value < minimum:
        raise InstanceError(f"{where} : doit être au moins {minimum:g} (reçu : {value!r}).")
    return float(value)


def _dates(values: Any, where: str, year: int, month: int) -> tuple[dt.date, ...]:
    if not isinstance(values, list):
        raise InstanceError(f"{where} : liste de dates AAAA-MM-JJ attendue.")
    result = []
    for k, text in enumerate(values):
        try:
            day = dt.date.fromisoformat(str(text))
        except ValueError:
            raise InstanceError(f"{where}[{k}] : date invalide {text!r} (format AAAA-MM-JJ).") from None
        if (day.year, day.month) != (year, month):
            raise InstanceError(f"{where}[{k}] : {day.isoformat()} est hors du mois {year}-{month:02d}.")
        result.append(day)
    if len(set(result)) != len(result):
        raise InstanceError(f"{where} : une même date figure deux fois.")
    return tuple(sorted(result))


def _coordinates(item: Mapping[str, Any], where: str) -> tuple[float, float]:
    lat = _number(_field(item, "lat", where), f"{where}.lat")
    lon = _number(_field(item, "lon", where), f"{where}.lon")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InstanceError(f"{where} : coordonnées hors limites ({lat}, {lon}).")
    return lat, lon


def parse_instance(data: Any) -> Instance:
    """Builds an Instance from the JSON format of `python -m solidarite plan`; refuses anything malformed."""
    if not isinstance(data, dict):
        raise InstanceError("instance : un objet JSON est attendu.")
    month_text = str(_field(data, "month", "instance"))
    try:
        first = dt.date.fromisoformat(month_text + "-01")
    except ValueError:
        raise InstanceError(f"instance.month : mois invalide {month_text!r} (format AAAA-MM).") from None
    year, month = first.year, first.month
    volunteers, sites = [], []
    raw_volunteers = _field(data, "volunteers", "instance")
    raw_sites = _field(data, "sites", "instance")
    if not isinstance(raw_volunteers, list) or not isinstance(raw_sites, list):
        raise InstanceError("instance.volunteers et instance.sites doivent être des listes.")
    for i, item in enumerate(raw_volunteers):
        where = f"volunteers[{i}]"
        if not isinstance(item, dict):
            raise InstanceError(f"{where} : objet attendu.")
        lat, lon = _coordinates(item, where)
        block = int(_number(item.get("block_days", 1), f"{where}.block_days", minimum=1, integer=True))
        volunteers.append(
            Volunteer(
                id=str(_field(item, "id", where)),
                lat=lat,
                lon=lon,
                max_days=int(
                    _number(_field(item, "max_days", where), f"{where}.max_days", minimum=0, integer=True)
                ),
                max_km=_number(_field(item, "max_km", where), f"{where}.max_km", minimum=0),
                available=_dates(_field(item, "available", where), f"{where}.available", year, month),
                block_days=block,
            )
        )
    for i, item in enumerate(raw_sites):
        where = f"sites[{i}]"
        if not isinstance(item, dict):
            raise InstanceError(f"{where} : objet attendu.")
        lat, lon = _coordinates(item, where)
        sites.append(
            Site(
                id=str(_field(item, "id", where)),
                lat=lat,
                lon=lon,
                priority=_number(_field(item, "priority", where), f"{where}.priority", minimum=0),
                capacity=int(
                    _number(_field(item, "capacity", where), f"{where}.capacity", minimum=0, integer=True)
                ),
                needed=_dates(_field(item, "needed", where), f"{where}.needed", year, month),
            )
        )
    for kind, ids in (("volunteers", [v.id for v in volunteers]), ("sites", [s.id for s in sites])):
        seen: set[str] = set()
        for i, identifier in enumerate(ids):
            if identifier in seen:
                raise InstanceError(f"{kind}[{i}].id : identifiant {identifier!r} en double.")
            seen.add(identifier)
    volunteer_ids, site_ids = {v.id for v in volunteers}, {s.id for s in sites}
    history = set()
    raw_history = data.get("history", [])
    if not isinstance(raw_history, list):
        raise InstanceError("instance.history : liste attendue.")
    for i, item in enumerate(raw_history):
        where = f"history[{i}]"
        if not isinstance(item, dict):
            raise InstanceError(f"{where} : objet attendu.")
        vid, sid = str(_field(item, "volunteer", where)), str(_field(item, "site", where))
        if vid not in volunteer_ids:
            raise InstanceError(f"{where}.volunteer : volontaire inconnu {vid!r}.")
        if sid not in site_ids:
            raise InstanceError(f"{where}.site : lieu inconnu {sid!r}.")
        history.add((vid, sid))
    return Instance(year, month, tuple(volunteers), tuple(sites), frozenset(history))


def instance_as_dict(instance: Instance) -> dict[str, Any]:
    """The JSON form read by `parse_instance` (and `python -m solidarite plan`)."""
    return {
        "month": f"{instance.year}-{instance.month:02d}",
        "volunteers": [
            {
                "id": v.id,
                "lat": v.lat,
                "lon": v.lon,
                "max_days": v.max_days,
                "max_km": v.max_km,
                "available": [d.isoformat() for d in v.available],
                "block_days": v.block_days,
            }
            for v in instance.volunteers
        ],
        "sites": [
            {
                "id": s.id,
                "lat": s.lat,
                "lon": s.lon,
                "priority": s.priority,
                "capacity": s.capacity,
                "needed": [d.isoformat() for d in s.needed],
            }
            for s in instance.sites
        ],
        "history": [{"volunteer": v, "site": s} for v, s in sorted(instance.history)],
    }


# --- Candidate arcs, built with numpy -------------------------------------------------------------


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
    """(volunteer, site, km) for every pair within the volunteer's max_km, via a k-d tree."""
    if not instance.volunteers or not instance.sites:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, np.empty(0)
    v_lat = np.array([v.lat for v in instance.volunteers])
    v_lon = np.array([v.lon for v in instance.volunteers])
    s_lat = np.array([s.lat for s in instance.sites])
    s_lon = np.array([s.lon for s in instance.sites])
    max_km = np.array([v.max_km for v in instance.volunteers])

    def xyz(lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.float64]:
        phi, lmb = np.radians(lat), np.radians(lon)
        return np.column_stack((np.cos(phi) * np.cos(lmb), np.cos(phi) * np.sin(lmb), np.sin(phi)))

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
    if instance.history:
        vid = {vol.id: k for k, vol in enumerate(instance.volunteers)}
        sid = {site.id: k for k, site in enumerate(instance.sites)}
        keys = np.array(
            sorted(vid[a] * len(instance.sites) + sid[b] for a, b in instance.history), dtype=np.int64
        )
        continuity = np.isin(v * len(instance.sites) + s, keys).astype(np.int64)
    else:
        continuity = np.zeros(len(v), dtype=np.int64)
    return Arcs(v, s, np.concatenate(parts_d), np.concatenate(parts_km), continuity)


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
        km = float(haversine_km(vol.lat, vol.lon, site.lat, site.lon))
        if km > vol.max_km + 1e-9:
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


def _solution(instance: Instance, assignments: list[Assignment], started: float, **kwargs: Any) -> Solution:
    priority, filled, continuity, km = evaluate(instance, assignments)
    return Solution(
        assignments, priority, filled, continuity, km, solve_seconds=time.perf_counter() - started, **kwargs
    )


# --- Min-cost flow -----------------------------------------------------------------------------------


def _priority_scale(instance: Instance) -> tuple[int, NDArray[np.int64]]:
    """The smallest power of ten that makes every priority an integer (up to 6 decimals)."""
    priorities = np.array([s.priority for s in instance.sites], dtype=np.float64)
    for decimals in range(PRIORITY_DECIMALS + 1):
        scaled = priorities * 10**decimals
        if np.all(np.abs(scaled - np.round(scaled)) < 1e-6):
            return 10**decimals, np.round(scaled).astype(np.int64)
    return 10**PRIORITY_DECIMALS, np.round(priorities * 10**PRIORITY_DECIMALS).astype(np.int64)


@dataclass
class _FlowNetwork:
    """The min-cost flow network over all candidate arcs, with stable node numbers.

    Nodes: 0 source, 1 sink, then volunteers, volunteer-days and site-days. Structural arcs (source →
    volunteer, volunteer → volunteer-day, site-day → sink, the bypass source → sink) are always
    present; assignment arcs (volunteer-day → site-day) may be restricted to a subset.
    """

    n_nodes: int
    struct_tail: NDArray[np.int64]
    struct_head: NDArray[np.int64]
    struct_cap: NDArray[np.int64]
    arc_tail: NDArray[np.int64]
    arc_head: NDArray[np.int64]
    arc_cost: NDArray[np.int64]
    supply: int
    resolution_km: float


def _site_day_capacity(instance: Instance) -> NDArray[np.int64]:
    """Places of every (site, day), flattened as site × days_in_month + day."""
    n_days = instance.days_in_month
    capacity = np.repeat(np.array([s.capacity for s in instance.sites], dtype=np.int64), n_days)
    for k, site in enumerate(instance.sites):
        for day, places in site.reduced:
            capacity[k * n_days + day.day - 1] = places
    return capacity


def _network(instance: Instance, arcs: Arcs) -> _FlowNetwork:
    n_v, n_days = len(instance.volunteers), instance.days_in_month
    max_days = np.array([v.max_days for v in instance.volunteers], dtype=np.int64)
    vd_unique, vd_of_arc = np.unique(arcs.volunteer * n_days + arcs.day, return_inverse=True)
    sd_unique, sd_of_arc = np.unique(arcs.site * n_days + arcs.day, return_inverse=True)
    site_day_capacity = _site_day_capacity(instance)[sd_unique]
    vol_unique = np.unique(arcs.volunteer)
    vol_node = np.full(n_v, -1, dtype=np.int64)
    vol_node[vol_unique] = 2 + np.arange(len(vol_unique))
    vd_base = 2 + len(vol_unique)
    sd_base = vd_base + len(vd_unique)
    n_nodes = sd_base + len(sd_unique)

    # Lexicographic weights from the instance's own bounds (see the module docstring).
    _, priority_int = _priority_scale(instance)
    with_history = np.unique(arcs.volunteer[arcs.continuity > 0])
    continuity_range = int(np.minimum(max_days[with_history], n_days).sum()) + 1
    per_arc_budget = COST_BUDGET // (n_nodes + 1)
    for resolution in (0.01, 0.1, 1.0, 10.0, 100.0, 1000.0):
        km_int = np.round(arcs.km / resolution).astype(np.int64)
        per_volunteer_max = np.zeros(n_v, dtype=np.int64)
        np.maximum.at(per_volunteer_max, arcs.volunteer, km_int)
        continuity_weight = int((per_volunteer_max * np.minimum(max_days, n_days)).sum()) + 1
        priority_weight = continuity_range * continuity_weight
        if int(priority_int.max(initial=0)) * priority_weight + continuity_weight <= per_arc_budget:
            break
    else:
        raise OverflowError(
            "Instance trop grande pour un coût entier exact : réduisez les décimales des priorités."
        )
    cost = -(priority_int[arcs.site] * priority_weight + arcs.continuity * continuity_weight) + km_int
    supply = int(max_days[vol_unique].sum())
    return _FlowNetwork(
        n_nodes=n_nodes,
        struct_tail=np.concatenate(
            (
                np.zeros(len(vol_unique), dtype=np.int64),
                vol_node[vd_unique // n_days],
                sd_base + np.arange(len(sd_unique)),
                [0],
            )
        ),
        struct_head=np.concatenate(
            (
                vol_node[vol_unique],
                vd_base + np.arange(len(vd_unique)),
                np.ones(len(sd_unique), dtype=np.int64),
                [1],
            )
        ),
        struct_cap=np.concatenate(
            (max_days[vol_unique], np.ones(len(vd_unique), dtype=np.int64), site_day_capacity, [supply])
        ),
        arc_tail=vd_base + vd_of_arc,
        arc_head=sd_base + sd_of_arc,
        arc_cost=cost,
        supply=supply,
        resolution_km=resolution,
    )


def _arrays(
    net: _FlowNetwork,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    tails = np.concatenate((net.struct_tail, net.arc_tail))
    heads = np.concatenate((net.struct_head, net.arc_head))
    capacities = np.concatenate((net.struct_cap, np.ones(len(net.arc_tail), dtype=np.int64)))
    costs = np.concatenate((np.zeros(len(net.struct_tail), dtype=np.int64), net.arc_cost))
    return tails, heads, capacities, costs


def _assignment_flows_ortools(net: _FlowNetwork) -> NDArray[np.int64]:
    """OR-Tools' cost-scaling min-cost flow; flows of the assignment arcs."""
    from ortools.graph.python import min_cost_flow

    tails, heads, capacities, costs = _arrays(net)
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    flow.set_nodes_supplies(np.array([0, 1]), np.array([net.supply, -net.supply]))
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"Le flot de coût minimal n'a pas abouti (statut {status}).")
    first = len(net.struct_tail)
    return np.asarray(flow.flows(np.arange(first, first + len(net.arc_tail))), dtype=np.int64)


def _assignment_flows_lemon(net: _FlowNetwork) -> NDArray[np.int64]:
    """LEMON's network simplex (pylmcf); flows of the assignment arcs.

    LEMON wants costs ≥ 0. Every unit of flow crosses exactly one assignment arc or the bypass (the
    last structural arc), so adding the same M to all of them shifts every feasible flow's cost by
    M × supply: the optimum is unchanged.
    """
    from pylmcf import Graph

    tails, heads, capacities, costs = _arrays(net)
    shift = int(max(0, -int(net.arc_cost.min(initial=0))))
    costs[len(net.struct_tail) - 1] += shift
    costs[len(net.struct_tail) :] += shift
    order = np.lexsort((heads, tails))  # pylmcf wants arcs sorted by (tail, head)
    graph = Graph(net.n_nodes, tails[order].astype(np.int32), heads[order].astype(np.int32))
    supplies = np.zeros(net.n_nodes, dtype=np.int64)
    supplies[0], supplies[1] = net.supply, -net.supply
    graph.set_node_supply(supplies)
    graph.set_edge_capacities(capacities[order])
    graph.set_edge_costs(costs[order])
    graph.solve()
    flows = np.empty(len(order), dtype=np.int64)
    flows[order] = np.asarray(graph.result(), dtype=np.int64)
    return flows[len(net.struct_tail) :]


ENGINES = {"lemon": _assignment_flows_lemon, "ortools": _assignment_flows_ortools}


def solve_flow(instance: Instance, arcs: Arcs | None = None, engine: str = "lemon") -> Solution:
    """Single-day assignment, proven optimal (blocks are ignored: see `solve`).

    `engine`: "lemon" (LEMON's network simplex, the default: 3× faster on the national instance) or
    "ortools" (OR-Tools' cost scaling); both return an optimum of the same network."""
    started = time.perf_counter()
    arcs = arcs if arcs is not None else candidate_arcs(instance)
    if len(arcs.volunteer) == 0:
        return _solution(
            instance,
            [],
            started,
            optimal=True,
            bound=0.0,
            method="flot de coût minimal",
            travel_resolution_km=0.01,
        )
    net = _network(instance, arcs)
    arc_flow = ENGINES[engine](net)
    used = np.flatnonzero(arc_flow > 0)
    assignments = [
        Assignment(
            instance.volunteers[int(arcs.volunteer[k])].id,
            instance.sites[int(arcs.site[k])].id,
            instance.day(int(arcs.day[k])),
        )
        for k in used
    ]
    solution = _solution(
        instance,
        assignments,
        started,
        optimal=True,
        bound=0.0,
        method="flot de coût minimal (simplexe de réseau LEMON)"
        if engine == "lemon"
        else "flot de coût minimal (OR-Tools)",
        travel_resolution_km=net.resolution_km,
    )
    solution.bound = solution.priority_total  # the flow polytope is integral: the optimum is the bound
    solution.details = {"noeuds": net.n_nodes, "arcs": int(len(arcs.volunteer) + len(net.struct_tail))}
    return solution


# --- Rotation blocks (CP-SAT) -------------------------------------------------------------------


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
    scale, priority_int = _priority_scale(instance)
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
    solution = _solution(
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


# --- Baseline: first come, first served --------------------------------------------------------------


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
    return _solution(
        instance,
        assignments,
        started,
        optimal=False,
        bound=float("nan"),
        method="premier arrivé, premier servi",
    )
