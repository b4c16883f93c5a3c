"""Who reaches which lieux, without listing every pair: a tree over the lieux and, for every reach disc,
its few largest subtrees that lie wholly inside (issue 23: the pairs, not the engine, made the national
solve slow).

A volunteer reaches the lieux within `max_km` of home. Volunteers of one commune with one `max_km` share the
same disc, so the set is computed once per (home, reach): a *ball*. The lieux are split recursively in two
(median of the longer axis) into a binary tree whose leaves are single lieux; each tree node holds a
contiguous range of lieux in the tree order. A ball is then exactly the disjoint union of its *maximal full
nodes* — the nodes all of whose lieux are inside while their parent's are not — found for all balls at once
with prefix sums (a node is full when the number of its lieux inside equals its size). A 300 km ball that
holds 500 lieux needs a few dozen nodes; a 40 km ball, a handful.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from solidarite.territoire.travel import haversine_km

BALL_CHUNK = 2_048  # balls per vectorised batch (memory: chunk × lieux booleans and counts)


@dataclass(frozen=True)
class SiteTree:
    """A binary tree over the lieux; node 0 is the root, children are numbered after their parent."""

    order: NDArray[np.int64]  # lieux in tree order: node k holds order[start[k]:end[k]]
    start: NDArray[np.int64]
    end: NDArray[np.int64]
    left: NDArray[np.int64]  # -1 for a leaf
    right: NDArray[np.int64]
    parent: NDArray[np.int64]  # -1 for the root

    @property
    def size(self) -> NDArray[np.int64]:
        return self.end - self.start

    def __len__(self) -> int:
        return len(self.start)


def site_tree(lat: NDArray[np.float64], lon: NDArray[np.float64]) -> SiteTree:
    """Median splits along the longer axis (in local km) until single lieux; preorder numbering."""
    n = len(lat)
    x = np.radians(lon) * np.cos(np.radians(float(np.mean(lat)) if n else 0.0)) * 6_371.0
    y = np.radians(lat) * 6_371.0
    order = np.arange(n, dtype=np.int64)
    start: list[int] = []
    end: list[int] = []
    left: list[int] = []
    right: list[int] = []
    parent: list[int] = []
    stack: list[tuple[int, int, int, int]] = [(0, n, -1, 0)]  # (start, end, parent, side)
    while stack:
        lo, hi, up, side = stack.pop()
        node = len(start)
        start.append(lo)
        end.append(hi)
        left.append(-1)
        right.append(-1)
        parent.append(up)
        if up >= 0:
            (left if side == 0 else right)[up] = node
        if hi - lo > 1:
            idx = order[lo:hi]
            axis = x if np.ptp(x[idx]) >= np.ptp(y[idx]) else y
            idx = idx[np.argsort(axis[idx], kind="stable")]
            order[lo:hi] = idx
            mid = lo + (hi - lo) // 2
            stack.append((mid, hi, node, 1))  # pushed first, numbered after the left subtree
            stack.append((lo, mid, node, 0))
    start_, end_, left_, right_, parent_ = (
        np.array(a, dtype=np.int64) for a in (start, end, left, right, parent)
    )
    return SiteTree(order, start_, end_, left_, right_, parent_)


@dataclass(frozen=True)
class Balls:
    """The reach discs of the volunteers and their maximal full nodes (CSR: node[first[b]:first[b + 1]])."""

    of_volunteer: NDArray[np.int64]  # ball of every volunteer
    first: NDArray[np.int64]
    node: NDArray[np.int64]
    home: NDArray[np.int64]  # home (distinct coordinates) of every ball
    km_home_site: NDArray[np.float64]  # homes × lieux, great-circle km


def balls(
    tree: SiteTree,
    v_lat: NDArray[np.float64],
    v_lon: NDArray[np.float64],
    max_km: NDArray[np.float64],
    s_lat: NDArray[np.float64],
    s_lon: NDArray[np.float64],
) -> Balls:
    """Every (home, reach) ball and its maximal full nodes; exact: a lieu is inside iff its great-circle
    distance is at most the reach (the same test as `feasibility.reachable_pairs`)."""
    homes, home_of = np.unique(np.column_stack((v_lat, v_lon)), axis=0, return_inverse=True)
    home_of = home_of.reshape(-1)
    km = haversine_km(homes[:, 0:1], homes[:, 1:2], s_lat[None, :], s_lon[None, :])
    keys, ball_of = np.unique(
        np.column_stack((home_of.astype(np.float64), max_km)), axis=0, return_inverse=True
    )
    ball_home = keys[:, 0].astype(np.int64)
    ball_reach = keys[:, 1]
    size = tree.size
    has_parent = tree.parent >= 0
    parent = np.where(has_parent, tree.parent, 0)
    rows: list[NDArray[np.int64]] = []
    cols: list[NDArray[np.int64]] = []
    km_tree = km[:, tree.order]
    for lo in range(0, len(keys), BALL_CHUNK):
        hi = min(lo + BALL_CHUNK, len(keys))
        inside = km_tree[ball_home[lo:hi]] <= ball_reach[lo:hi, None]
        prefix = np.zeros((hi - lo, inside.shape[1] + 1), dtype=np.int32)
        np.cumsum(inside, axis=1, out=prefix[:, 1:])
        full = (prefix[:, tree.end] - prefix[:, tree.start]) == size
        maximal = full & ~(full[:, parent] & has_parent)
        b, t = np.nonzero(maximal)
        rows.append(b + lo)
        cols.append(t)
    ball = np.concatenate(rows) if rows else np.empty(0, dtype=np.int64)
    node = np.concatenate(cols) if cols else np.empty(0, dtype=np.int64)
    first = np.zeros(len(keys) + 1, dtype=np.int64)
    np.add.at(first, ball + 1, 1)
    return Balls(ball_of.reshape(-1).astype(np.int64), np.cumsum(first), node.astype(np.int64), ball_home, km)
