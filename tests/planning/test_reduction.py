"""The series reduction before the network simplex: on networks the tests did not choose, the same optimum
as the unreduced network, flows that respect it arc by arc, and potentials that prove it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from pylmcf import Graph

from solidarite.planning.optimizer.hubs import lemon
from solidarite.planning.optimizer.reduction import absorb

pytestmark = pytest.mark.sans_base

Network = tuple[
    int, NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]
]


def _random_network(seed: int) -> Network:
    """Node 0 sends, node 1 receives through a dear bypass; between them random layers and chains, with
    one-way-in nodes (what the reduction absorbs) and parallel arcs, capacities 0 to 4, costs 0 to 9."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 16))
    arcs: list[tuple[int, int, int, int]] = []
    for _ in range(int(rng.integers(1, 4 * n))):
        a, b = (int(x) for x in rng.integers(0, n, 2))
        if a != b and b != 0 and a != 1:
            arcs.append((a, b, int(rng.integers(0, 5)), int(rng.integers(0, 10))))
    for v in range(2, n):  # a chain into some nodes, so that several passes are needed
        if rng.random() < 0.4:
            arcs.append(
                (int(rng.integers(0, v)) if v > 2 else 0, v, int(rng.integers(1, 9)), int(rng.integers(0, 4)))
            )
    supply_total = int(rng.integers(0, 8))
    arcs.append((0, 1, supply_total, 50))  # the bypass keeps every instance feasible
    tail, head, cap, cost = (np.array(col, dtype=np.int64) for col in zip(*arcs, strict=True))
    supply = np.zeros(n, dtype=np.int64)
    supply[0], supply[1] = supply_total, -supply_total
    return n, tail, head, cap, cost, supply


def _plain(network: Network) -> int:
    n, tail, head, cap, cost, supply = network
    order = np.lexsort((head, tail))
    graph = Graph(n, tail[order].astype(np.int32), head[order].astype(np.int32))
    graph.set_node_supply(supply)
    graph.set_edge_capacities(cap[order])
    graph.set_edge_costs(cost[order])
    graph.solve()
    return int(graph.total_cost())


def _assert_optimal(network: Network, flows: NDArray[np.int64], pi: NDArray[np.int64]) -> None:
    """Feasible (capacities, conservation) and proven by π: complementary slackness on every arc."""
    n, tail, head, cap, cost, supply = network
    assert ((flows >= 0) & (flows <= cap)).all()
    balance = np.bincount(tail, weights=flows, minlength=n) - np.bincount(head, weights=flows, minlength=n)
    assert (balance == supply).all()
    reduced = cost + pi[tail] - pi[head]
    assert (reduced[flows > 0] <= 0).all()
    assert (reduced[flows < cap] >= 0).all()


@given(st.integers(min_value=0, max_value=2**31))
@settings(max_examples=300, deadline=None)
def test_the_reduced_network_has_the_same_optimum_and_proves_it(seed: int) -> None:
    network = _random_network(seed)
    flows, pi = lemon(*network)
    _assert_optimal(network, flows, pi)
    assert int((flows * network[4]).sum()) == _plain(network)


def test_a_chain_is_absorbed_over_several_passes_and_expanded_back() -> None:
    # source → a → b → sink, a → c → sink, and a bypass: a (one way in, 3 ≥ 2 + 1 out) in a first pass,
    # then b and c, whose way in now comes from the source.
    network: Network = (
        5,
        np.array([0, 2, 2, 3, 4, 0]),
        np.array([2, 3, 4, 1, 1, 1]),
        np.array([3, 2, 1, 2, 1, 9]),
        np.array([1, 2, 0, 3, 7, 20]),
        np.array([3, -3, 0, 0, 0]),
    )
    reduced = absorb(*network)
    assert reduced.n_nodes == 2  # only the source and the sink are left
    assert [len(step.node) for step in reduced.passes] == [1, 2]
    arcs = zip(
        reduced.tail.tolist(), reduced.head.tolist(), reduced.cost.tolist(), reduced.cap.tolist(), strict=True
    )
    assert sorted(arcs) == [
        (0, 1, 1 + 2 + 3, 2),
        (0, 1, 1 + 0 + 7, 1),
        (0, 1, 20, 9),
    ]
    flows, pi = lemon(*network)
    assert flows.tolist() == [3, 2, 1, 2, 1, 0]
    _assert_optimal(network, flows, pi)


def test_a_binding_way_in_is_not_absorbed() -> None:
    # a's only way in carries 1, its ways out 2: absorbing it would let 2 units through.
    network: Network = (
        3,
        np.array([0, 2, 2, 0]),
        np.array([2, 1, 1, 1]),
        np.array([1, 1, 1, 5]),
        np.array([0, 0, 0, 10]),
        np.array([2, -2, 0]),
    )
    assert absorb(*network).n_nodes == 3
    flows, pi = lemon(*network)
    assert flows.tolist()[-1] == 1  # one unit must take the bypass
    _assert_optimal(network, flows, pi)


def test_random_networks_do_absorb() -> None:
    """The property above is about reduced networks: most of the drawn ones lose nodes."""
    reduced = [absorb(*_random_network(seed)) for seed in range(100)]
    assert sum(r.n_nodes < r.n_original_nodes for r in reduced) >= 50


def test_capacities_are_summed_exactly() -> None:
    # 2**53 + 1 out of a way in of 2**53: a float sum says they are equal.
    big = 2**53
    network: Network = (
        3,
        np.array([0, 2, 2, 0]),
        np.array([2, 1, 1, 1]),
        np.array([big, big, 1, big + 1]),
        np.array([0, 0, 0, 10]),
        np.array([big + 1, -(big + 1), 0]),
    )
    assert absorb(*network).n_nodes == 3
    flows, pi = lemon(*network)
    _assert_optimal(network, flows, pi)


def test_costs_that_could_add_past_the_limit_are_left_as_they_are() -> None:
    # Two arcs of 2**61 in series: their sum, 2**62, is over LEMON's largest cost.
    network: Network = (
        3,
        np.array([0, 2, 0]),
        np.array([2, 1, 1]),
        np.array([1, 1, 1]),
        np.array([2**61, 2**61, 2**62 - 1]),
        np.array([1, -1, 0]),
    )
    assert absorb(*network).n_nodes == 3
    flows, pi = lemon(*network)
    _assert_optimal(network, flows, pi)


def test_supplies_given_as_a_list() -> None:
    assert absorb(3, [0, 2], [2, 1], [3, 2], [1, 1], [2, -2, 0]).n_nodes == 2  # type: ignore[arg-type]
