"""Small instances with volunteers crowded in a few communes (shared homes, mixed reaches): the case the
aggregated and the hub networks exist for. Seeded; shared by the tests that compare those networks with the
network of every pair."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from solidarite.planning.optimizer import Instance, Site, Volunteer


def crowded_instance(
    seed: int,
    *,
    volunteers: int,
    sites: int,
    homes: int,
    days: Sequence[int],
    reaches: Sequence[float],
    origin: tuple[float, float],
    span: float,
    max_days_below: int,
    offered_below: int,
    needed_below: int,
    history: int | frozenset[tuple[str, str]],
) -> Instance:
    """`history`: that many random (volunteer, lieu) pairs, or the given pairs."""
    rng = np.random.default_rng(seed)
    dates = [dt.date(2026, 3, d) for d in days]
    lat0, lon0 = origin
    home_points = [(lat0 + rng.uniform(0, span), lon0 + rng.uniform(0, span)) for _ in range(homes)]
    vols = tuple(
        Volunteer(
            f"v{k}",
            *home_points[int(rng.integers(0, homes))],
            int(rng.integers(1, max_days_below)),
            float(rng.choice(list(reaches))),
            tuple(
                sorted(rng.choice(dates, size=int(rng.integers(1, offered_below)), replace=False).tolist())
            ),
        )
        for k in range(volunteers)
    )
    lieux = tuple(
        Site(
            f"s{j}",
            lat0 + rng.uniform(0, span),
            lon0 + rng.uniform(0, span),
            float(rng.integers(1, 6)),
            int(rng.integers(1, 3)),
            tuple(sorted(rng.choice(dates, size=int(rng.integers(2, needed_below)), replace=False).tolist())),
        )
        for j in range(sites)
    )
    if isinstance(history, int):
        pairs = frozenset(
            (f"v{int(rng.integers(0, volunteers))}", f"s{int(rng.integers(0, sites))}")
            for _ in range(history)
        )
    else:
        pairs = history
    return Instance(2026, 3, vols, lieux, pairs)
