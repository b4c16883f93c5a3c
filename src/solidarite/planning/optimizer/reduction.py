"""Exact series reduction of a min-cost flow network before the network simplex solves it.

A node without supply whose only arc in, a = (u → v), can carry everything its arcs out can
(capacity(a) ≥ the sum of their capacities) never constrains the flow: it is *absorbed*. Each of its arcs
out, b = (v → w), becomes u → w with cost c(a) + c(b) and b's capacity, and a disappears. The reduced
network has the same feasible flows (a's flow is the sum of the new arcs' flows, within its capacity by
the premise) at the same cost, so the same optimum. In the hub network (issue 23) this absorbs the
volunteer-days with a single way out, the volunteers who may work every day they offered, and then the
volunteer-days of those with a single way out (`bench/RESULTS.md` for the counts and the time saved).

Back to the full network (`Reduced.expand`): each absorbed arc's flow is the sum of the flows of the arcs
that replaced it; an absorbed node's potential is π(v) = π(u) + c(a). With the reduced cost of an arc
c + π(tail) − π(head) (LEMON's convention), a then has reduced cost 0 and each b the reduced cost of its
replacement: complementary slackness holds arc by arc, so the expanded potentials are an optimal dual of
the full network — what the travel phase (`hubs.tight_pairs`) and the pricing rounds rely on.

Passes: a node is absorbed only when the tail of its arc in is not absorbed in the same pass (a chain
source → volunteer → volunteer-day is absorbed over two passes); expansion undoes the passes in reverse.
The reduction holds for any network with balanced supplies, cyclic or not, and capacities ≥ 0. Capacities are
summed in integers; a network whose costs could add up past LEMON's limit (`MAX_COST`) is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

MAX_PASSES = 4  # nationally the third pass already finds (almost) nothing left to absorb
MAX_COST = 2**62 - 1  # pylmcf's largest cost; an arc after p passes sums at most 2**p original costs


@dataclass
class _Pass:
    """One pass: the arcs it kept (indices into the pass's input arcs) and what they absorbed."""

    n_arcs_in: int
    kept: NDArray[np.int64]  # input index of every output arc
    via: NDArray[np.int64]  # input index of the absorbed arc each output arc now includes, -1 if none
    node: NDArray[np.int64]  # absorbed nodes
    node_from: NDArray[np.int64]  # tail of each absorbed node's arc in
    node_cost: NDArray[np.int64]  # cost of that arc


@dataclass
class Reduced:
    """The reduced network (nodes renumbered 0…n_nodes−1, sources and sinks kept) and the way back."""

    n_nodes: int
    tail: NDArray[np.int64]
    head: NDArray[np.int64]
    cap: NDArray[np.int64]
    cost: NDArray[np.int64]
    supply: NDArray[np.int64]
    original: NDArray[np.int64]  # original number of every reduced node
    n_original_nodes: int
    passes: list[_Pass] = field(default_factory=list)

    def expand(
        self, flows: NDArray[np.int64], potentials: NDArray[np.int64]
    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Flows of the original arcs (in their order) and potentials of the original nodes."""
        pi = np.zeros(self.n_original_nodes, dtype=np.int64)
        pi[self.original] = potentials
        for step in reversed(self.passes):
            before = np.zeros(step.n_arcs_in, dtype=np.int64)
            before[step.kept] = flows
            routed = step.via >= 0
            np.add.at(before, step.via[routed], flows[routed])
            pi[step.node] = pi[step.node_from] + step.node_cost
            flows = before
        return flows, pi


def absorb(
    n_nodes: int,
    tail: NDArray[np.int64],
    head: NDArray[np.int64],
    cap: NDArray[np.int64],
    cost: NDArray[np.int64],
    supply: NDArray[np.int64],
    max_passes: int = MAX_PASSES,
) -> Reduced:
    """The network with every absorbable node absorbed (module docstring); arcs keep their relative order."""
    tail, head = np.asarray(tail, dtype=np.int64), np.asarray(head, dtype=np.int64)
    cap, cost = np.asarray(cap, dtype=np.int64), np.asarray(cost, dtype=np.int64)
    supply = np.asarray(supply, dtype=np.int64)
    passes: list[_Pass] = []
    if len(cost) and max(int(cost.max()), -int(cost.min())) > MAX_COST >> max_passes:
        max_passes = 0  # the sums could overflow or pass LEMON's limit: solve the network as it is
    for _ in range(max_passes):
        in_degree = np.bincount(head, minlength=n_nodes)
        out_capacity = np.zeros(n_nodes, dtype=np.int64)
        np.add.at(out_capacity, tail, cap)  # in integers: a float sum is inexact past 2**53
        single = in_degree[head] == 1  # arcs that are their head's only way in
        in_arc = np.full(n_nodes, -1, dtype=np.int64)
        in_arc[head[single]] = np.flatnonzero(single)
        candidate = (supply == 0) & (in_arc >= 0)
        candidate[candidate] &= cap[in_arc[candidate]] >= out_capacity[candidate]
        chosen = candidate.copy()
        chosen[candidate] &= ~candidate[tail[in_arc[candidate]]]
        if not chosen.any():
            break
        nodes = np.flatnonzero(chosen)
        rerouted = chosen[tail]  # the absorbed nodes' arcs out
        through = in_arc[tail[rerouted]]
        kept = np.flatnonzero(~chosen[head])  # every arc but the absorbed ones
        via = np.full(len(tail), -1, dtype=np.int64)
        via[rerouted] = through
        new_tail, new_cost = tail.copy(), cost.copy()
        new_tail[rerouted] = tail[through]
        new_cost[rerouted] += cost[through]
        passes.append(_Pass(len(tail), kept, via[kept], nodes, tail[in_arc[nodes]], cost[in_arc[nodes]]))
        tail, head, cap, cost = new_tail[kept], head[kept], cap[kept], new_cost[kept]
    used = np.ones(n_nodes, dtype=bool)
    for step in passes:
        used[step.node] = False
    original = np.flatnonzero(used)
    number = np.full(n_nodes, -1, dtype=np.int64)
    number[original] = np.arange(len(original))
    return Reduced(
        n_nodes=len(original),
        tail=number[tail],
        head=number[head],
        cap=cap,
        cost=cost,
        supply=supply[original],
        original=original,
        n_original_nodes=n_nodes,
        passes=passes,
    )
