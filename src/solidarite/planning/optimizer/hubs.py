"""The single-day assignment over reach *hubs* (issue 23): priority then continuity proven optimal on a
network of a few dozen arcs per volunteer-day, then travel on the pairs that keep that optimum.

**Levels 1–2 (`build_level_network`).** source → volunteer (max_days) → volunteer-day (1) → … →
site-day → sink (places), plus the bypass source → sink. Between a volunteer-day and the site-days it
reaches, instead of one arc per pair: one *entry* arc to each maximal full node of its ball
(`reach.balls`) active that day, then down a tree of hubs to the site-days (a hub where both children
are active that day; a subtree with one active site-day is that site-day). Every reachable site-day is
at the end of exactly one such path, and no other. The priority is the cost of the site-day → sink arc,
continuity a direct volunteer-day → site-day arc one unit cheaper than the hub path; hub arcs cost 0
and can never be saturated. So the network has the same feasible assignments and the same
lexicographic objective (priority, then continuity) as the network of pairs, with 5 times fewer arcs
nationally.

Costs are shifted to be ≥ 0 (LEMON's requirement): every unit goes either through the bypass or through
exactly one site-day → sink arc and one entry or continuity arc. With M the largest priority cost
p·W, a site-day → sink arc costs M − p·W, an entry 1, a continuity arc 0 and the bypass M + 1: every
feasible flow costs the unshifted one plus (M + 1) × supply.

**Level 3, travel (`travel_phase`).** LEMON's node potentials π prove the level 1–2 optimum; by
complementary slackness every level 1–2 optimal flow uses only arcs of zero reduced cost and saturates
those of negative reduced cost. So the travel optimum among the level 1–2 optima is a min-cost flow on
the *tight* pairs (volunteer-day, site-day) with the structural arcs fixed by the sign of their reduced
cost — every feasible flow there keeps the priority and continuity optimum. Those pairs are still
millions nationally (the potentials take a handful of values): they are priced, not all solved. Start
from the level 1–2 solution's own pairs (so each round is feasible) and every volunteer-day's and
site-day's nearest tight pairs; solve; add every tight pair with a negative reduced cost; repeat. With
none left the travel is proven optimal; when the time allowed runs out, the last round's plan is kept
(its priority and continuity are still the proven optimum) and `trajet_prouve` says it is not proven.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from solidarite.planning.optimizer.reach import Balls, SiteTree
from solidarite.planning.optimizer.reduction import absorb

TRAVEL_RESOLUTION_KM = 0.01
NEAREST_PER_NODE = 8  # tight pairs kept per volunteer-day and per site-day in the first travel round


@dataclass
class LevelNetwork:
    """The hub network (node numbers: 0 source, 1 sink, volunteers, volunteer-days, site-days, hubs)."""

    n_nodes: int
    tail: NDArray[np.int64]
    head: NDArray[np.int64]
    cap: NDArray[np.int64]
    cost: NDArray[np.int64]
    supply: int
    vd_base: int
    vd_volunteer: NDArray[np.int64]  # volunteer and day of every volunteer-day node, in node order
    vd_day: NDArray[np.int64]
    sd_base: int
    group_base: int
    hub_base: int
    vd_group: NDArray[np.int64]  # group node of every volunteer-day (its ball and day), -1 if alone
    sd_node: NDArray[np.int64]  # (site, day) → node, -1 when the site needs nobody that day
    rep: NDArray[np.int64]  # (tree node, day) → the hub or site-day an entry to it leads to, -1 if none
    n_struct: int  # structural arcs first: source → volunteer, volunteer → day, site-day → sink, bypass
    n_entry: (
        int  # then the entry arcs (direct, or into the group), the continuity arcs, the group and hub arcs
    )
    n_continuity: int


def expand(first: NDArray[np.int64], count: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Row k owns `count[k]` consecutive items from `first[k]`: (owning row, item index) of every item."""
    owner = np.repeat(np.arange(len(count)), count)
    return owner, np.repeat(first, count) + np.arange(len(owner)) - np.repeat(np.cumsum(count) - count, count)


def build_level_network(
    tree: SiteTree,
    reach: Balls,
    available: NDArray[np.bool_],
    places: NDArray[np.int64],
    max_days: NDArray[np.int64],
    priority_int: NDArray[np.int64],
    continuity_pairs: tuple[NDArray[np.int64], NDArray[np.int64]],
    continuity_weight: int,
) -> LevelNetwork:
    """`available`: volunteers × days; `places`: sites × days (0: not needed); `continuity_pairs`:
    (volunteer, site) of the history within reach; `continuity_weight` exceeds any continuity total."""
    n_v, n_days = available.shape
    n_s = places.shape[0]
    active_site = places > 0
    prefix = np.zeros((n_s + 1, n_days), dtype=np.int64)
    np.cumsum(active_site[tree.order], axis=0, out=prefix[1:])
    active = (prefix[tree.end] - prefix[tree.start]) > 0  # tree nodes × days
    # Entry candidates: every available volunteer-day × the maximal full nodes of its ball.
    v_idx, d_idx = np.nonzero(available)  # row-major: keys v × n_days + d increasing
    ball = reach.of_volunteer[v_idx]
    cand_vd, at = expand(reach.first[ball], reach.first[ball + 1] - reach.first[ball])
    cand_t = reach.node[at]
    keep = active[cand_t, d_idx[cand_vd]]
    cand_vd, cand_t = cand_vd[keep], cand_t[keep]
    # Continuity arcs on the days both sides have.
    cv, cs = continuity_pairs
    pair_k, c_day = np.nonzero(available[cv] & active_site[cs]) if len(cv) else (np.empty(0, np.int64),) * 2
    c_v, c_s = cv[pair_k], cs[pair_k]
    c_vd = np.searchsorted(v_idx * n_days + d_idx, c_v * n_days + c_day)
    used = np.zeros(len(v_idx), dtype=bool)
    used[cand_vd] = True
    used[c_vd] = True
    vd_keep = np.flatnonzero(used)
    vd_new = np.full(len(v_idx), -1, dtype=np.int64)
    vd_new[vd_keep] = np.arange(len(vd_keep))
    vols = np.unique(v_idx[vd_keep])
    vol_node = np.full(n_v, -1, dtype=np.int64)
    vol_node[vols] = 2 + np.arange(len(vols))
    vd_base = 2 + len(vols)
    sd_base = vd_base + len(vd_keep)
    s_idx, sd_day = np.nonzero(active_site)
    sd_node = np.full((n_s, n_days), -1, dtype=np.int64)
    sd_node[s_idx, sd_day] = sd_base + np.arange(len(s_idx))
    # Volunteer-days of one ball and one day share a group node that holds their entries once.
    vd_v, vd_d = v_idx[vd_keep], d_idx[vd_keep]
    entry_vd = vd_new[cand_vd]
    with_entry = np.zeros(len(vd_keep), dtype=bool)
    with_entry[entry_vd] = True
    key = np.where(with_entry, reach.of_volunteer[vd_v] * n_days + vd_d, -1)
    keys, key_of, key_count = np.unique(key, return_inverse=True, return_counts=True)
    shared = (keys >= 0) & (key_count >= 2)
    group_of_key = np.full(len(keys), -1, dtype=np.int64)
    group_of_key[shared] = np.arange(int(shared.sum()))
    group_base = sd_base + len(s_idx)
    vd_group_index = group_of_key[key_of.reshape(-1)]
    vd_group = np.where(vd_group_index >= 0, group_base + vd_group_index, -1)
    hub_base = group_base + int(shared.sum())
    # Representative node of every (tree node, day): children are numbered after their parent.
    rep = np.full((len(tree), n_days), -1, dtype=np.int64)
    leaves = tree.left < 0
    rep[leaves] = sd_node[tree.order[tree.start[leaves]]]
    internal = np.flatnonzero(~leaves)
    is_hub = np.zeros((len(tree), n_days), dtype=bool)
    is_hub[internal] = active[tree.left[internal]] & active[tree.right[internal]]
    hub_t, hub_d = np.nonzero(is_hub)  # sorted by tree node: parents before children
    rep[hub_t, hub_d] = hub_base + np.arange(len(hub_t))
    for t in internal[::-1].tolist():
        single = active[t] & ~is_hub[t]
        if single.any():
            left, right = tree.left[t], tree.right[t]
            rep[t, single] = np.where(active[left, single], rep[left, single], rep[right, single])
    supply = int(max_days[vols].sum())
    weighted = priority_int[s_idx] * continuity_weight
    top = int(weighted.max(initial=0))
    hub_nodes = rep[hub_t, hub_d]
    entry_rep = rep[cand_t, d_idx[cand_vd]]
    alone = vd_group[entry_vd] < 0
    grouped = np.flatnonzero(vd_group >= 0)
    group_rep = np.unique(np.column_stack((vd_group[entry_vd[~alone]], entry_rep[~alone])), axis=0).reshape(
        -1, 2
    )
    ones = np.ones
    n_direct = int(alone.sum())
    tails = (
        np.zeros(len(vols), dtype=np.int64),
        vol_node[vd_v],
        sd_base + np.arange(len(s_idx)),
        np.zeros(1, dtype=np.int64),
        vd_base + entry_vd[alone],
        vd_base + grouped,
        vd_base + vd_new[c_vd],
        group_rep[:, 0],
        hub_nodes,
        hub_nodes,
    )
    heads = (
        vol_node[vols],
        vd_base + np.arange(len(vd_keep)),
        ones(len(s_idx), dtype=np.int64),
        ones(1, dtype=np.int64),
        entry_rep[alone],
        vd_group[grouped],
        sd_node[c_s, c_day],
        group_rep[:, 1],
        rep[tree.left[hub_t], hub_d],
        rep[tree.right[hub_t], hub_d],
    )
    caps = (
        max_days[vols],
        ones(len(vd_keep), dtype=np.int64),
        places[s_idx, sd_day],
        np.array([supply], dtype=np.int64),
        ones(n_direct + len(grouped) + len(c_vd), dtype=np.int64),
        np.full(len(group_rep) + 2 * len(hub_t), supply + 1, dtype=np.int64),
    )
    costs = (
        np.zeros(len(vols) + len(vd_keep), dtype=np.int64),
        top - weighted,
        np.array([top + 1], dtype=np.int64),
        ones(n_direct, dtype=np.int64),
        np.zeros(len(grouped) + len(c_vd), dtype=np.int64),
        ones(len(group_rep), dtype=np.int64),
        np.zeros(2 * len(hub_t), dtype=np.int64),
    )
    return LevelNetwork(
        n_nodes=hub_base + len(hub_t),
        tail=np.concatenate(tails),
        head=np.concatenate(heads),
        cap=np.concatenate(caps),
        cost=np.concatenate(costs),
        supply=supply,
        vd_base=vd_base,
        vd_volunteer=vd_v,
        vd_day=vd_d,
        sd_base=sd_base,
        group_base=group_base,
        hub_base=hub_base,
        vd_group=vd_group,
        sd_node=sd_node,
        rep=rep,
        n_struct=len(vols) + len(vd_keep) + len(s_idx) + 1,
        n_entry=n_direct + len(grouped),
        n_continuity=len(c_vd),
    )


def lemon(
    n_nodes: int,
    tail: NDArray[np.int64],
    head: NDArray[np.int64],
    cap: NDArray[np.int64],
    cost: NDArray[np.int64],
    supply: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """LEMON's network simplex (pylmcf): (flows in the given arc order, node potentials), where the reduced
    cost of an arc is cost + π(tail) − π(head). The simplex solves the network with its absorbable nodes
    absorbed (`reduction`: exact, and nationally fewer nodes and less time; `bench/RESULTS.md`)."""
    from pylmcf import Graph

    net = absorb(n_nodes, tail, head, cap, cost, supply)
    # Nodes numbered backwards (sink and lieux-days first): the simplex ends sooner (ADR 0020, bench/RESULTS.md).
    last = net.n_nodes - 1
    tail_r, head_r = last - net.tail, last - net.head
    order = np.argsort(tail_r * net.n_nodes + head_r, kind="stable")  # pylmcf wants them by (tail, head)
    graph = Graph(net.n_nodes, tail_r[order].astype(np.int32), head_r[order].astype(np.int32))
    graph.set_node_supply(np.ascontiguousarray(net.supply[::-1]))
    graph.set_edge_capacities(net.cap[order])
    graph.set_edge_costs(net.cost[order])
    graph.solve()
    flows = np.empty(len(order), dtype=np.int64)
    flows[order] = np.asarray(graph.result(), dtype=np.int64)
    return net.expand(flows, np.asarray(graph.potentials(), dtype=np.int64)[::-1])


def source_sink_supply(n_nodes: int, supply: int) -> NDArray[np.int64]:
    values = np.zeros(n_nodes, dtype=np.int64)
    values[0], values[1] = supply, -supply
    return values


def decompose(net: LevelNetwork, flows: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """(volunteer-day node, site-day node) of every unit of a hub flow: top-down through the hubs, any unit
    that reached a hub may go down any of its arcs (every site-day below is within its ball)."""
    first_entry = net.n_struct
    first_hub = first_entry + net.n_entry + net.n_continuity
    pools: dict[int, list[int]] = {}
    pairs_vd: list[int] = []
    pairs_sd: list[int] = []
    for k in np.flatnonzero(flows[first_entry:first_hub] > 0).tolist():
        arc = first_entry + k
        node, vd = int(net.head[arc]), int(net.tail[arc])
        if node < net.group_base:
            pairs_vd.append(vd)
            pairs_sd.append(node)
        else:
            pools.setdefault(node, []).append(vd)
    hub_arcs = first_hub + np.flatnonzero(flows[first_hub:] > 0)
    order = np.argsort(net.tail[hub_arcs], kind="stable")  # groups first, then hubs parents first
    for arc in hub_arcs[order].tolist():
        pool = pools.get(int(net.tail[arc]), [])
        moved = [pool.pop() for _ in range(int(flows[arc]))]
        child = int(net.head[arc])
        if child < net.group_base:
            pairs_vd.extend(moved)
            pairs_sd.extend([child] * len(moved))
        else:
            pools.setdefault(child, []).extend(moved)
    return np.array(pairs_vd, dtype=np.int64), np.array(pairs_sd, dtype=np.int64)


@dataclass
class TightPairs:
    """The (volunteer-day, site-day) pairs some level 1–2 optimum may use, with their travel; and the
    volunteer-days every level 1–2 optimum sends (an entry or continuity arc of negative reduced cost)."""

    vd: NDArray[np.int32]  # nodes (int32, as LEMON's graph: the pairs are millions nationally)
    sd: NDArray[np.int32]
    cost: NDArray[np.int32]  # travel, in units of TRAVEL_RESOLUTION_KM
    forced_vd: NDArray[np.int64]


def tight_pairs(
    net: LevelNetwork,
    tree: SiteTree,
    reach: Balls,
    potentials: NDArray[np.int64],
    history_keys: NDArray[np.int64],
    n_sites: int,
    chunk: int = 4_096,
) -> TightPairs:
    """Complementary slackness at the pair level. A pair is usable by some level 1–2 optimum iff its route
    is: every hub arc of zero reduced cost (they are never saturated) and an entry (or its continuity
    arc) of reduced cost ≤ 0. An entry or continuity arc of negative reduced cost is saturated in every
    optimum: its volunteer-day then sends its unit through it and nowhere else. Volunteer-days are taken
    `chunk` at a time (memory: the pairs of all of them at once are millions nationally)."""
    first_entry = net.n_struct
    arcs = slice(first_entry, first_entry + net.n_entry + net.n_continuity)
    arc_rc = net.cost[arcs] + potentials[net.tail[arcs]] - potentials[net.head[arcs]]
    forced_tail = net.tail[arcs][arc_rc < 0]
    through = np.full(net.n_nodes, -1, dtype=np.int64)
    through[forced_tail] = net.head[arcs][arc_rc < 0]
    parts: list[tuple[NDArray[np.int32], NDArray[np.int32], NDArray[np.int32]]] = []
    for lo in range(0, len(net.vd_volunteer), chunk):
        parts.append(
            _tight_chunk(net, tree, reach, potentials, history_keys, n_sites, through, lo, lo + chunk)
        )
    if not parts:
        empty = np.empty(0, dtype=np.int32)
        return TightPairs(empty, empty, empty, np.empty(0, dtype=np.int64))
    vd, sd, cost = (np.concatenate([p[k] for p in parts]) for k in range(3))
    return TightPairs(vd, sd, cost, np.unique(forced_tail))


def _tight_chunk(
    net: LevelNetwork,
    tree: SiteTree,
    reach: Balls,
    pi: NDArray[np.int64],
    history_keys: NDArray[np.int64],
    n_sites: int,
    through: NDArray[np.int64],
    lo: int,
    hi: int,
) -> tuple[NDArray[np.int32], NDArray[np.int32], NDArray[np.int32]]:
    vd_volunteer = net.vd_volunteer[lo:hi]
    vd_day = net.vd_day[lo:hi]
    ball = reach.of_volunteer[vd_volunteer]
    pair_vd, at = expand(reach.first[ball], reach.first[ball + 1] - reach.first[ball])
    node = reach.node[at]
    entry = net.rep[node, vd_day[pair_vd]]
    keep = entry >= 0
    pair_vd, node, entry = pair_vd[keep], node[keep], entry[keep]
    # The entry's reduced cost: direct (cost 1, capacity 1: ≤ 0), or into the group (capacity 1: ≤ 0) then
    # from the group (cost 1, never saturated: = 0).
    group = net.vd_group[lo:hi][pair_vd]
    vd_pi = pi[net.vd_base + lo + pair_vd]
    grouped = group >= 0
    group_pi = pi[np.where(grouped, group, 0)]
    entry_ok = np.where(grouped, (vd_pi <= group_pi) & (1 + group_pi == pi[entry]), 1 + vd_pi <= pi[entry])
    of_node, at = expand(tree.start[node], tree.end[node] - tree.start[node])
    pair_vd, entry, entry_ok, group = (a[of_node] for a in (pair_vd, entry, entry_ok, group))
    site = tree.order[at]
    del of_node, at
    sd = net.sd_node[site, vd_day[pair_vd]]
    keep = sd >= 0
    pair_vd, entry, entry_ok, group, site, sd = (a[keep] for a in (pair_vd, entry, entry_ok, group, site, sd))
    vd = net.vd_base + lo + pair_vd
    hub_ok = (pi[entry] == pi[sd]) & entry_ok
    maybe_direct = pi[vd] - pi[sd] <= 0
    direct_ok = np.zeros(len(sd), dtype=bool)
    if len(history_keys) and maybe_direct.any():
        idx = np.flatnonzero(maybe_direct)
        direct_ok[idx] = np.isin(vd_volunteer[pair_vd[idx]] * n_sites + site[idx], history_keys)
    usable = hub_ok | direct_ok
    bound = through[vd]
    if (bound >= 0).any():  # a saturated entry or continuity arc: only the pairs through it
        via_forced = (hub_ok & ((entry == bound) | (group == bound))) | (direct_ok & (sd == bound))
        usable &= (bound < 0) | via_forced
    chosen = np.flatnonzero(usable)
    home = reach.home[reach.of_volunteer[vd_volunteer[pair_vd[chosen]]]]
    cost = np.round(reach.km_home_site[home, site[chosen]] / TRAVEL_RESOLUTION_KM)
    return vd[chosen].astype(np.int32), sd[chosen].astype(np.int32), cost.astype(np.int32)


def _violating(
    keep: NDArray[np.bool_], cost: NDArray[np.int32], pi: NDArray[np.int64], pairs: TightPairs
) -> NDArray[np.bool_]:
    """The pairs left out whose reduced cost is negative, a million at a time (a few MB of temporaries)."""
    out = np.zeros(len(keep), dtype=bool)
    for lo in range(0, len(keep), 1 << 20):
        part = slice(lo, lo + (1 << 20))
        out[part] = ~keep[part] & (cost[part] + pi[pairs.vd[part]] - pi[pairs.sd[part]] < 0)
    return out


def rank_within(group: NDArray[np.integer], key: NDArray[np.integer]) -> NDArray[np.int64]:
    """Each element's rank by `key` among the elements of its `group` (0 = smallest key)."""
    order = np.lexsort((key, group))
    sorted_group = group[order]
    starts = np.r_[0, np.flatnonzero(sorted_group[1:] != sorted_group[:-1]) + 1]
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    return ranks


@dataclass
class TravelResult:
    vd: NDArray[np.int64]  # the chosen pairs (nodes)
    sd: NDArray[np.int64]
    proven: bool
    rounds: int
    arcs: int


def travel_phase(
    net: LevelNetwork,
    potentials: NDArray[np.int64],
    pairs: TightPairs,
    seed: tuple[NDArray[np.int64], NDArray[np.int64]],
    deadline: float,
) -> TravelResult:
    """Travel minimised among the level 1–2 optima, by pricing the tight pairs (module docstring)."""
    n_struct = net.n_struct
    reduced = net.cost[:n_struct] + potentials[net.tail[:n_struct]] - potentials[net.head[:n_struct]]
    cap = net.cap[:n_struct]
    forced = np.where(reduced < 0, cap, 0)  # saturated in every level 1–2 optimum
    free = np.where(reduced == 0, cap, 0)  # reduced cost > 0: empty in every optimum
    # A volunteer-day every optimum sends: its volunteer → day arc carries its unit.
    bound_day = np.isin(net.head[:n_struct], pairs.forced_vd) & (net.tail[:n_struct] >= 2)
    forced[bound_day], free[bound_day] = 1, 0
    supply = source_sink_supply(net.n_nodes, net.supply)
    np.add.at(supply, net.tail[:n_struct], -forced)
    np.add.at(supply, net.head[:n_struct], forced)
    # Memory: the pairs are millions nationally; no array of their length is kept or made that is not needed
    # (int32 pairs and costs; the membership key freed at once; reduced costs checked by chunks).
    cost = pairs.cost
    seed_key = np.unique(seed[0] * net.n_nodes + seed[1])
    keep = np.isin(pairs.vd.astype(np.int64) * net.n_nodes + pairs.sd, seed_key)
    keep |= rank_within(pairs.vd, cost) < NEAREST_PER_NODE
    keep |= rank_within(pairs.sd, cost) < NEAREST_PER_NODE
    rounds, proven = 0, False
    while True:
        rounds += 1
        round_started = time.perf_counter()
        kept = np.flatnonzero(keep)
        flows, pi = lemon(
            net.n_nodes,
            np.concatenate((net.tail[:n_struct], pairs.vd[kept])),
            np.concatenate((net.head[:n_struct], pairs.sd[kept])),
            np.concatenate((free, np.ones(len(kept), dtype=np.int64))),
            np.concatenate((np.zeros(n_struct, dtype=np.int64), cost[kept])),
            supply,
        )
        chosen = kept[flows[n_struct:] > 0]
        del flows
        violating = _violating(keep, cost, pi, pairs)
        if not violating.any():
            proven = True
            break
        # The next round solves more arcs: stop if, at this round's pace, it would end after the deadline.
        now = time.perf_counter()
        pace = (now - round_started) / max(1, len(kept))
        if now + pace * (len(kept) + int(violating.sum())) > deadline:
            break
        keep |= violating
    return TravelResult(
        pairs.vd[chosen].astype(np.int64), pairs.sd[chosen].astype(np.int64), proven, rounds, len(kept)
    )
