"""PySAL `access` (E2SFCA) on the same inputs as our engine: the reference for tests and benchmarks.

`access` is a test-only dependency (it pulls pandas and geopandas); the platform never imports it.
"""

from __future__ import annotations

import numpy as np

from solidarite.zonage.apl import AplParameters


def access_e2sfca(
    n: int,
    origins: np.ndarray,
    destinations: np.ndarray,
    minutes: np.ndarray,
    demand: np.ndarray,
    supply: np.ndarray,
    params: AplParameters,
) -> np.ndarray:
    import pandas as pd
    from access import Access, weights

    index = pd.RangeIndex(n, name="geoid")
    demand_df = pd.DataFrame({"demand": np.asarray(demand, dtype=np.float64)}, index=index)
    supply_df = pd.DataFrame({"supply": np.asarray(supply, dtype=np.float64)}, index=index)
    cost_df = pd.DataFrame(
        {
            "origin": np.asarray(origins),
            "dest": np.asarray(destinations),
            "cost": np.asarray(minutes, dtype=np.float64),
        }
    )
    model = Access(
        demand_df=demand_df,
        demand_value="demand",
        supply_df=supply_df,
        supply_value="supply",
        cost_df=cost_df,
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )
    step = weights.step_fn(
        {band.upper_minutes: band.weight for band in params.bands if np.isfinite(band.upper_minutes)}
    )
    result = model.enhanced_two_stage_fca(name="e2sfca", weight_fn=step, max_cost=params.max_minutes)
    column = next(c for c in result.columns if c.startswith("e2sfca"))
    return result[column].reindex(index).fillna(0.0).to_numpy(dtype=np.float64)
