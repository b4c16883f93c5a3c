"""Single-day assignment as a min-cost flow, proven optimal; two engines (LEMON, OR-Tools)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from solidarite.planning.optimizer.feasibility import Arcs, build_solution, candidate_arcs
from solidarite.planning.optimizer.hubs import (
    TRAVEL_RESOLUTION_KM,
    TravelResult,
    build_level_network,
    decompose,
    lemon,
    rank_within,
    source_sink_supply,
    tight_pairs,
    travel_phase,
)
from solidarite.planning.optimizer.model import (
    COST_BUDGET,
    PRIORITY_DECIMALS,
    Assignment,
    Instance,
    Solution,
)
from solidarite.planning.optimizer.reach import balls, site_tree

TRAVEL_TIME_LIMIT_S = 5.0  # travel pricing rounds after the proven priority and continuity optimum


def priority_scale(instance: Instance) -> tuple[int, NDArray[np.int64]]:
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
    arc_cap: NDArray[np.int64] | None = None  # None: every assignment arc carries one unit


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
    _, priority_int = priority_scale(instance)
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
    arc_cap = net.arc_cap if net.arc_cap is not None else np.ones(len(net.arc_tail), dtype=np.int64)
    capacities = np.concatenate((net.struct_cap, arc_cap))
    costs = np.concatenate((np.zeros(len(net.struct_tail), dtype=np.int64), net.arc_cost))
    return tails, heads, capacities, costs


def _assignment_flows_ortools(net: _FlowNetwork) -> NDArray[np.int64]:
    """OR-Tools' cost-scaling min-cost flow; flows of all arcs (structural first)."""
    from ortools.graph.python import min_cost_flow

    tails, heads, capacities, costs = _arrays(net)
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    flow.set_nodes_supplies(np.array([0, 1]), np.array([net.supply, -net.supply]))
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"Le flot de coût minimal n'a pas abouti (statut {status}).")
    return np.asarray(flow.flows(np.arange(len(tails))), dtype=np.int64)


def _assignment_flows_lemon(net: _FlowNetwork) -> NDArray[np.int64]:
    """LEMON's network simplex (pylmcf); flows of all arcs (structural first).

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
    return flows


ENGINES = {"lemon": _assignment_flows_lemon, "ortools": _assignment_flows_ortools}


def _priced_flows(
    net: _FlowNetwork, continuity: NDArray[np.int64], per_tail: int = 5, per_head: int = 30
) -> tuple[NDArray[np.int64], int, int]:
    """The full network's optimum from a subset of its assignment arcs, proven by pricing (issue 23).

    Start: each volunteer-day's `per_tail` cheapest arcs, each site-day's `per_head` cheapest arcs and
    every continuity arc. Solve that network with LEMON, take its node potentials π and price every
    omitted arc: reduced cost c + π(tail) − π(head). An omitted arc carries no flow, so if none has a
    negative reduced cost the potentials prove the restricted optimum optimal for the full network (LP
    duality; min-cost flow is integral). Otherwise add the violating arcs and solve again.
    Returns (flows of every assignment arc, rounds, arcs in the last network)."""
    from pylmcf import Graph

    n_struct = len(net.struct_tail)
    shift = int(max(0, -int(net.arc_cost.min(initial=0))))  # LEMON wants costs ≥ 0 (see above)
    keep = (rank_within(net.arc_tail, net.arc_cost) < per_tail) | (
        rank_within(net.arc_head, net.arc_cost) < per_head
    )
    keep |= continuity > 0
    supplies = np.zeros(net.n_nodes, dtype=np.int64)
    supplies[0], supplies[1] = net.supply, -net.supply
    rounds = 0
    while True:
        rounds += 1
        kept = np.flatnonzero(keep)
        tails = np.concatenate((net.struct_tail, net.arc_tail[kept]))
        heads = np.concatenate((net.struct_head, net.arc_head[kept]))
        capacities = np.concatenate((net.struct_cap, np.ones(len(kept), dtype=np.int64)))
        costs = np.concatenate((np.zeros(n_struct, dtype=np.int64), net.arc_cost[kept] + shift))
        costs[n_struct - 1] += shift  # the bypass
        order = np.lexsort((heads, tails))
        graph = Graph(net.n_nodes, tails[order].astype(np.int32), heads[order].astype(np.int32))
        graph.set_node_supply(supplies)
        graph.set_edge_capacities(capacities[order])
        graph.set_edge_costs(costs[order])
        graph.solve()
        potentials = np.asarray(graph.potentials(), dtype=np.int64)
        reduced = net.arc_cost + shift + potentials[net.arc_tail] - potentials[net.arc_head]
        violating = ~keep & (reduced < 0)
        if not violating.any():
            flows = np.empty(len(order), dtype=np.int64)
            flows[order] = np.asarray(graph.result(), dtype=np.int64)
            result = np.zeros(len(net.arc_tail), dtype=np.int64)
            result[kept] = flows[n_struct:]
            return result, rounds, len(kept)
        keep |= violating


@dataclass
class _Chains:
    """How the aggregated network maps back to assignments (see `_aggregate`)."""

    direct: NDArray[np.int64]  # index in `arcs` of each direct assignment arc (first len(direct) arc_* arcs)
    entry_first: int  # index, among all arcs, of the first entry arc (volunteer-day → chain node)
    entry_vd: NDArray[np.int64]  # volunteer-day (v × n_days + d) of each entry arc
    entry_node: NDArray[np.int64]  # chain node of each entry arc
    ring_node: NDArray[np.int64]  # chain node of each ring arc (after the direct ones)
    ring_site: NDArray[np.int64]  # site of each ring arc
    node_group: NDArray[np.int64]  # (location, day) group of each chain node
    node_rank: NDArray[np.int64]  # radius rank of each chain node (larger = wider reach)


def _aggregate(instance: Instance, arcs: Arcs, net: _FlowNetwork) -> tuple[_FlowNetwork, _Chains]:
    """The same problem with fewer arcs, exactly (issue 23: the arcs, not Python, made the engine slow).

    Volunteers of one commune share their coordinates, so their travel to a lieu is the same. For every
    (location, day) with at least two volunteer-days, a chain of nodes by decreasing reach (one per distinct
    max_km there) replaces their individual arcs: each volunteer-day enters the chain at its own reach, a
    chain node sends to the lieux of its ring (farther than the next, smaller reach), and flows down the
    chain. A unit entering at reach r can reach exactly the lieux within r, at the same cost, so the optimum
    is unchanged. Continuity arcs (volunteer-specific) stay direct."""
    n_days = instance.days_in_month
    coords = np.array([(v.lat, v.lon) for v in instance.volunteers], dtype=np.float64)
    _, location = np.unique(coords, axis=0, return_inverse=True)
    location = location.reshape(-1).astype(np.int64)
    radii, radius_rank = np.unique(np.array([v.max_km for v in instance.volunteers]), return_inverse=True)
    radius_rank = radius_rank.reshape(-1).astype(np.int64)
    vd = arcs.volunteer * n_days + arcs.day
    group = location[arcs.volunteer] * n_days + arcs.day
    _, vd_first = np.unique(vd, return_index=True)
    groups_of_vd = group[vd_first]
    group_ids, vd_per_group = np.unique(groups_of_vd, return_counts=True)
    crowded = np.zeros(int(group.max()) + 1, dtype=bool)
    crowded[group_ids[vd_per_group >= 2]] = True
    via_chain = crowded[group] & (arcs.continuity == 0)
    direct = np.flatnonzero(~via_chain)
    chained = np.flatnonzero(via_chain)
    n_r = len(radii)
    # Chain nodes: (group, radius rank) of the volunteer-days that enter a chain.
    entry_vd, entry_at = np.unique(vd[chained], return_index=True)
    entry_group = group[chained][entry_at]
    entry_key = entry_group * n_r + radius_rank[entry_vd // n_days]
    node_key, entry_node = np.unique(entry_key, return_inverse=True)
    entry_node = entry_node.reshape(-1).astype(np.int64)
    node_group, node_rank = node_key // n_r, node_key % n_r
    # Each chained arc leaves from the chain node of the smallest reach that still covers it.
    wanted = group[chained] * n_r + np.searchsorted(radii, arcs.km[chained], side="left")
    ring = np.searchsorted(node_key, wanted, side="left")
    ring_pair_key = ring * (len(instance.sites) * n_days) + arcs.site[chained] * n_days + arcs.day[chained]
    _, ring_first = np.unique(ring_pair_key, return_index=True)
    ring_arc = chained[ring_first]
    ring_node = ring[ring_first]
    group_size = np.zeros(int(group.max()) + 1, dtype=np.int64)
    group_size[group_ids] = vd_per_group
    # Node numbers: the plain network's, then the chain nodes.
    chain_base = net.n_nodes
    vd_node = net.arc_tail[chained][entry_at]
    same_group = node_group[1:] == node_group[:-1]
    link_tail = chain_base + np.flatnonzero(same_group) + 1  # wider reach → next smaller in the group
    link_head = link_tail - 1
    n_struct_plain = len(net.struct_tail) - 1  # the bypass stays last (the LEMON shift relies on it)
    aggregated = _FlowNetwork(
        n_nodes=chain_base + len(node_key),
        struct_tail=np.concatenate(
            (net.struct_tail[:n_struct_plain], vd_node, link_tail, net.struct_tail[n_struct_plain:])
        ),
        struct_head=np.concatenate(
            (
                net.struct_head[:n_struct_plain],
                chain_base + entry_node,
                link_head,
                net.struct_head[n_struct_plain:],
            )
        ),
        struct_cap=np.concatenate(
            (
                net.struct_cap[:n_struct_plain],
                np.ones(len(vd_node), dtype=np.int64),
                group_size[node_group[1:][same_group]],
                net.struct_cap[n_struct_plain:],
            )
        ),
        arc_tail=np.concatenate((net.arc_tail[direct], chain_base + ring_node)),
        arc_head=np.concatenate((net.arc_head[direct], net.arc_head[ring_arc])),
        arc_cost=np.concatenate((net.arc_cost[direct], net.arc_cost[ring_arc])),
        supply=net.supply,
        resolution_km=net.resolution_km,
        arc_cap=np.concatenate((np.ones(len(direct), dtype=np.int64), group_size[node_group[ring_node]])),
    )
    return aggregated, _Chains(
        direct=direct,
        entry_first=n_struct_plain,
        entry_vd=entry_vd,
        entry_node=entry_node,
        ring_node=ring_node,
        ring_site=arcs.site[ring_arc],
        node_group=node_group,
        node_rank=node_rank,
    )


def _chain_assignments(
    instance: Instance, chains: _Chains, flows: NDArray[np.int64], n_struct: int
) -> list[tuple[int, int, int]]:
    """(volunteer, site, day) of the units that went through the chains: in each group, from the widest
    reach down, the volunteers who entered so far serve the ring's lieux (any of them reaches them)."""
    n_days = instance.days_in_month
    entered = flows[chains.entry_first : chains.entry_first + len(chains.entry_vd)] > 0
    ring_flow = flows[n_struct + len(chains.direct) :]
    entrants: dict[int, list[int]] = {}
    for vd_value, node in zip(
        chains.entry_vd[entered].tolist(), chains.entry_node[entered].tolist(), strict=True
    ):
        entrants.setdefault(node, []).append(vd_value)
    served: dict[int, list[int]] = {}
    for k in np.flatnonzero(ring_flow > 0).tolist():
        served.setdefault(int(chains.ring_node[k]), []).extend([int(chains.ring_site[k])] * int(ring_flow[k]))
    result: list[tuple[int, int, int]] = []
    nodes = sorted(
        set(entrants) | set(served), key=lambda n: (int(chains.node_group[n]), -int(chains.node_rank[n]))
    )
    pool: list[int] = []
    current_group = -1
    for node in nodes:
        if int(chains.node_group[node]) != current_group:
            current_group, pool = int(chains.node_group[node]), []
        pool.extend(entrants.get(node, []))
        for site in served.get(node, []):
            vd_value = pool.pop()
            result.append((vd_value // n_days, site, vd_value % n_days))
    return result


def _solve_hubs(
    instance: Instance, travel_time_limit_s: float
) -> tuple[list[tuple[int, int, int]], dict[str, Any]]:
    """(volunteer, site, day) of the hub solve (`hubs`): levels 1–2 proven, then travel by pricing."""
    started = time.perf_counter()
    n_days = instance.days_in_month
    v_lat, v_lon, s_lat, s_lon, max_km = (
        np.array([v.lat for v in instance.volunteers]),
        np.array([v.lon for v in instance.volunteers]),
        np.array([s.lat for s in instance.sites]),
        np.array([s.lon for s in instance.sites]),
        np.array([v.max_km for v in instance.volunteers]),
    )
    tree = site_tree(s_lat, s_lon)
    reach = balls(tree, v_lat, v_lon, max_km, s_lat, s_lon)
    available = np.zeros((len(instance.volunteers), n_days), dtype=bool)
    for k, vol in enumerate(instance.volunteers):
        available[k, [d.day - 1 for d in vol.available]] = True
    places = np.zeros((len(instance.sites), n_days), dtype=np.int64)
    for k, site in enumerate(instance.sites):
        places[k, [d.day - 1 for d in site.needed]] = [site.capacity_on(d) for d in site.needed]
    max_days = np.array([v.max_days for v in instance.volunteers], dtype=np.int64)
    vid = {v.id: k for k, v in enumerate(instance.volunteers)}
    sid = {s.id: k for k, s in enumerate(instance.sites)}
    history = np.array(
        sorted((vid[a], sid[b]) for a, b in instance.history if a in vid and b in sid), dtype=np.int64
    ).reshape(-1, 2)
    within = (
        reach.km_home_site[reach.home[reach.of_volunteer[history[:, 0]]], history[:, 1]]
        <= max_km[history[:, 0]]
    )
    history = history[within]
    with_history = np.unique(history[:, 0])
    continuity_weight = int(np.minimum(max_days[with_history], n_days).sum()) + 1
    _, priority_int = priority_scale(instance)
    net = build_level_network(
        tree,
        reach,
        available,
        places,
        max_days,
        priority_int,
        (history[:, 0], history[:, 1]),
        continuity_weight,
    )
    flows, potentials = lemon(
        net.n_nodes, net.tail, net.head, net.cap, net.cost, source_sink_supply(net.n_nodes, net.supply)
    )
    proof_s = time.perf_counter() - started
    seed = decompose(net, flows)
    if travel_time_limit_s > 0:
        deadline = time.perf_counter() + travel_time_limit_s  # the pairs' computation counts in the budget
        pairs = tight_pairs(
            net,
            tree,
            reach,
            potentials,
            history[:, 0] * len(instance.sites) + history[:, 1],
            len(instance.sites),
        )
        travel = travel_phase(net, potentials, pairs, seed, deadline)
    else:  # no travel phase: the level 1–2 optimum as the hubs delivered it
        travel = TravelResult(seed[0], seed[1], proven=False, rounds=0, arcs=0)
    sd_site, sd_day = np.divmod(np.flatnonzero(net.sd_node.reshape(-1) >= 0), n_days)
    vd = travel.vd - net.vd_base
    sd = travel.sd - net.sd_base
    triples = list(zip(net.vd_volunteer[vd].tolist(), sd_site[sd].tolist(), sd_day[sd].tolist(), strict=True))
    details = {
        "noeuds": net.n_nodes,
        "arcs": len(net.tail),
        "preuve_priorite_continuite_s": round(proof_s, 3),
        "trajet_prouve": travel.proven,
        "tours_trajet": travel.rounds,
        "arcs_trajet": travel.arcs,
    }
    return triples, details


def solve_flow(
    instance: Instance,
    arcs: Arcs | None = None,
    engine: str = "hubs",
    aggregate: bool = False,
    pricing: bool = False,
    travel_time_limit_s: float = TRAVEL_TIME_LIMIT_S,
) -> Solution:
    """Single-day assignment, proven optimal (blocks are ignored: see `solve`).

    `engine`: "hubs" (the default, `hubs` module: priority then continuity proven on the network of reach
    hubs, then travel minimised among those optima by pricing, proven unless `travel_time_limit_s` runs
    out — `details["trajet_prouve"]`); "lemon" or "ortools": the network of every candidate pair, all three
    levels in one cost (the cross-checks). A travel provider's pairs (`instance.allowed`) are not discs,
    and declined (volunteer, site, day) triples (`instance.excluded`) are holes in them: both always use the
    pair network.

    `aggregate`: the volunteers of one location and day share a chain of reaches (`_aggregate`, exact,
    36 % fewer arcs nationally); off by default: measured no faster on the national family (ADR 0017).

    `pricing`: LEMON on a subset of the arcs, grown until no omitted arc has a negative reduced cost
    (`_priced_flows`, exact: the same optimum as the full network); off by default, measured no faster
    on the national family under this machine's load (ADR 0017)."""
    started = time.perf_counter()
    if not instance.volunteers or not instance.sites:  # e.g. pass 2 when pass 1 filled every place
        return build_solution(
            instance, [], started, optimal=True, bound=0.0, method="flot de coût minimal (rien à affecter)"
        )
    hubs_fit = instance.allowed is None and not instance.excluded  # the hubs know discs, not declined days
    if engine == "hubs" and hubs_fit and arcs is None and not (aggregate or pricing):
        hub_triples, hub_details = _solve_hubs(instance, travel_time_limit_s)
        solution = build_solution(
            instance,
            [
                Assignment(instance.volunteers[v].id, instance.sites[s].id, instance.day(d))
                for v, s, d in hub_triples
            ],
            started,
            optimal=True,
            bound=0.0,
            method="flot de coût minimal sur les pivots de portée (simplexe de réseau LEMON)",
            travel_resolution_km=TRAVEL_RESOLUTION_KM,
        )
        solution.bound = solution.priority_total
        solution.details = hub_details
        return solution
    if engine == "hubs":
        engine = "lemon"
    arcs = arcs if arcs is not None else candidate_arcs(instance)
    if len(arcs.volunteer) == 0:
        return build_solution(
            instance,
            [],
            started,
            optimal=True,
            bound=0.0,
            method="flot de coût minimal",
            travel_resolution_km=0.01,
        )
    net = _network(instance, arcs)
    triples: list[tuple[int, int, int]]
    extra: dict[str, int] = {}
    if pricing:
        assignment_flows, rounds, kept = _priced_flows(net, arcs.continuity)
        used = np.flatnonzero(assignment_flows > 0)
        triples = [(int(arcs.volunteer[k]), int(arcs.site[k]), int(arcs.day[k])) for k in used]
        size = net
        extra = {"tours_de_tarification": rounds, "arcs_gardes": kept, "arcs_candidats": len(arcs.volunteer)}
    elif aggregate and hubs_fit:  # a provider's reach is not a radius, a declined day a hole: plain network
        aggregated, chains = _aggregate(instance, arcs, net)
        flows = ENGINES[engine](aggregated)
        n_struct = len(aggregated.struct_tail)
        used = chains.direct[np.flatnonzero(flows[n_struct : n_struct + len(chains.direct)] > 0)]
        triples = [(int(arcs.volunteer[k]), int(arcs.site[k]), int(arcs.day[k])) for k in used]
        triples += _chain_assignments(instance, chains, flows, n_struct)
        size = aggregated
    else:
        flows = ENGINES[engine](net)
        used = np.flatnonzero(flows[len(net.struct_tail) :] > 0)
        triples = [(int(arcs.volunteer[k]), int(arcs.site[k]), int(arcs.day[k])) for k in used]
        size = net
    assignments = [
        Assignment(instance.volunteers[v].id, instance.sites[s].id, instance.day(d)) for v, s, d in triples
    ]
    solution = build_solution(
        instance,
        assignments,
        started,
        optimal=True,
        bound=0.0,
        method="flot de coût minimal (simplexe de réseau LEMON)"
        if engine == "lemon" or pricing
        else "flot de coût minimal (OR-Tools)",
        travel_resolution_km=net.resolution_km,
    )
    solution.bound = solution.priority_total  # the flow polytope is integral: the optimum is the bound
    solution.details = {
        "noeuds": size.n_nodes,
        "arcs": int(len(size.arc_tail) + len(size.struct_tail)),
        **extra,
    }
    return solution
