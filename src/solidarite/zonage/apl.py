"""The DREES APL (accessibilité potentielle localisée) to general practitioners, as an enhanced
two-step floating catchment (E2SFCA). Pure and typed: arrays in, arrays out; no Django, no files.

With W[i, j] the distance-decay weight of the road time from commune i (patients) to commune j
(doctors), P the age-standardised population and S the yearly consultations and visits offered:

    step 1, at each supply commune j:   R_j = S_j / Σ_k W[k, j] · P_k
    step 2, at each demand commune i:   APL_i = Σ_j W[i, j] · R_j

APL is in consultations or visits accessible per standardised inhabitant per year. Because
APL = W · diag(1 / (Wᵀ P)) · S is linear in S for a fixed demand, the effect of extra supply at a
few communes (volunteer mission days) is W[:, J] · ΔS_J / (Wᵀ P)_J: a few sparse columns.

The parameters (distance bands, activity bounds, age weights) are the DREES's, read from its file
by `zonage.sources.read_apl_parameters` and passed in as `AplParameters`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IndexArray = NDArray[np.integer]


@dataclass(frozen=True)
class DistanceBand:
    """Weight for road times in (previous band's upper bound, upper_minutes]."""

    upper_minutes: float
    weight: float


@dataclass(frozen=True)
class ActivityBand:
    """GPs whose yearly acts lie in [lower, upper] count `counted` acts (None: their real activity)."""

    lower: float
    upper: float
    counted: float | None


@dataclass(frozen=True)
class AplParameters:
    vintage: int
    bands: tuple[DistanceBand, ...]
    activity: tuple[ActivityBand, ...]
    age_weights: tuple[tuple[str, float], ...]
    source: str

    def __post_init__(self) -> None:
        uppers = [band.upper_minutes for band in self.bands]
        if not self.bands or uppers != sorted(uppers) or len(set(uppers)) != len(uppers):
            raise ValueError("Les tranches de temps doivent être croissantes et distinctes.")
        if any(not (0.0 <= band.weight <= 1.0) for band in self.bands):
            raise ValueError("Les poids de décroissance doivent être compris entre 0 et 1.")

    @property
    def max_minutes(self) -> float:
        """The longest road time with a non-zero weight: the cut-off of the pair matrix."""
        return max(band.upper_minutes for band in self.bands if band.weight > 0)

    def decay(self, minutes: NDArray[np.floating]) -> FloatArray:
        """Distance-decay weight of each road time (0 beyond the last band); t ≤ upper bound of its band.

        A step function is a telescoping sum: w(t) = Σ_b (w_b − w_{b+1}) · [t ≤ u_b], with 0 after the
        last band. A few comparisons in the times' own precision beat a search per time.
        """
        t = np.asarray(minutes)
        if not np.issubdtype(t.dtype, np.floating):
            t = t.astype(np.float64)
        result = np.zeros(t.shape, dtype=np.float64)
        weights = [band.weight for band in self.bands] + [0.0]
        for b, band in enumerate(self.bands):
            step = weights[b] - weights[b + 1]
            if step and math.isfinite(band.upper_minutes):
                np.add(result, step, out=result, where=t <= t.dtype.type(band.upper_minutes))
            elif step:
                result += step
        return result

    def counted_activity(self, acts: NDArray[np.floating]) -> FloatArray:
        """The acts of each GP that the indicator counts (DREES bounds); unbounded outside the bands."""
        a = np.asarray(acts, dtype=np.float64)
        result = a.copy()
        for band in self.activity:
            inside = (a >= band.lower) & (a <= band.upper)
            if band.counted is not None:
                result[inside] = band.counted
        return result

    def age_weight_vector(self) -> FloatArray:
        return np.array([weight for _, weight in self.age_weights], dtype=np.float64)


def standardised_population(population_by_age: NDArray[np.floating], params: AplParameters) -> FloatArray:
    """Age-standardised population: each age band's people times its consumption weight."""
    pop = np.asarray(population_by_age, dtype=np.float64)
    weights = params.age_weight_vector()
    if pop.ndim != 2 or pop.shape[1] != len(weights):
        raise ValueError(f"Une colonne par tranche d'âge est attendue ({len(weights)}).")
    return np.asarray(pop @ weights, dtype=np.float64)


class AplEngine:
    """Built once from the travel pairs and the demand; then APL for any supply in two passes.

    `origins[k]` is the patients' commune and `destinations[k]` the doctors' commune of pair k, with
    its road time in `minutes[k]`; indices run over `n` communes. Pairs beyond the last band weigh 0.

    No matrix is assembled: each step is one gather and one `bincount` over the pairs, which is
    what makes the national run a few tens of milliseconds. The what-if needs the pairs grouped by
    supply commune; that index is built on the first what-if and kept.
    """

    def __init__(
        self,
        n: int,
        origins: IndexArray,
        destinations: IndexArray,
        minutes: NDArray[np.floating],
        demand: NDArray[np.floating],
        params: AplParameters,
    ) -> None:
        demand_a = np.asarray(demand, dtype=np.float64)
        if demand_a.shape != (n,):
            raise ValueError(f"La demande doit avoir {n} valeurs.")
        if np.any(~np.isfinite(demand_a)) or np.any(demand_a < 0):
            raise ValueError("La population standardisée doit être positive et finie.")
        o, d = np.asarray(origins), np.asarray(destinations)
        if o.shape != d.shape or o.shape != np.shape(minutes):
            raise ValueError("Origines, destinations et temps doivent avoir la même longueur.")
        if len(o) and (min(o.min(), d.min()) < 0 or max(o.max(), d.max()) >= n):
            raise ValueError("Indice de commune hors limites dans les paires.")
        weights = params.decay(np.asarray(minutes))
        if np.any(weights <= 0):
            keep = weights > 0
            o, d, weights = o[keep], d[keep], weights[keep]
        self.n = n
        self.params = params
        self.demand = demand_a
        # intp once here: bincount and gathers would otherwise convert 32-bit indices on every call.
        self.origins = o.astype(np.intp, copy=False)
        self.destinations = d.astype(np.intp, copy=False)
        self.pair_weights = weights
        self._buffer = np.empty(len(weights))
        # Σ_k W[k, j] P_k: the weighted population that each supply commune serves.
        np.take(demand_a, self.origins, out=self._buffer)
        self._buffer *= weights
        self.served_demand: FloatArray = np.asarray(
            np.bincount(self.destinations, weights=self._buffer, minlength=n), dtype=np.float64
        )
        self._by_supply: tuple[NDArray[np.intp], NDArray[np.intp]] | None = None

    def ratios(self, supply: NDArray[np.floating]) -> FloatArray:
        """Step 1: supply per weighted inhabitant served, at each supply commune (0 where nobody lives in reach)."""
        s = np.asarray(supply, dtype=np.float64)
        if s.shape != (self.n,):
            raise ValueError(f"L'offre doit avoir {self.n} valeurs.")
        if np.any(~np.isfinite(s)) or np.any(s < 0):
            raise ValueError("L'offre doit être positive et finie.")
        out = np.zeros(self.n)
        np.divide(s, self.served_demand, out=out, where=self.served_demand > 0)
        return out

    def compute(self, supply: NDArray[np.floating]) -> FloatArray:
        """Step 2: APL of every commune, for the given yearly consultations+visits per commune."""
        ratios = self.ratios(supply)
        np.take(ratios, self.destinations, out=self._buffer)
        self._buffer *= self.pair_weights
        return np.asarray(np.bincount(self.origins, weights=self._buffer, minlength=self.n), dtype=np.float64)

    def unserved_supply(self, supply: NDArray[np.floating]) -> float:
        """Supply in communes with nobody in reach: it cannot be counted in any APL."""
        s = np.asarray(supply, dtype=np.float64)
        return float(s[self.served_demand <= 0].sum())

    def _supply_index(self) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        if self._by_supply is None:
            order = np.argsort(self.destinations, kind="stable")
            starts = np.searchsorted(self.destinations[order], np.arange(self.n + 1))
            self._by_supply = (order, starts)
        return self._by_supply

    def what_if_delta(self, communes: IndexArray, extra_supply: NDArray[np.floating]) -> FloatArray:
        """Change of APL everywhere when `extra_supply[m]` consultations are added at `communes[m]`."""
        idx = np.asarray(communes, dtype=np.int64)
        extra = np.asarray(extra_supply, dtype=np.float64)
        if idx.shape != extra.shape or idx.ndim != 1:
            raise ValueError("Une offre supplémentaire par commune est attendue.")
        if np.any((idx < 0) | (idx >= self.n)):
            raise ValueError("Indice de commune hors limites.")
        if np.any(~np.isfinite(extra)):
            raise ValueError("L'offre supplémentaire doit être finie.")
        order, starts = self._supply_index()
        reach = self.served_demand[idx]
        ratio = np.zeros(len(idx))
        np.divide(extra, reach, out=ratio, where=reach > 0)
        segments = [order[starts[j] : starts[j + 1]] for j in idx]
        pairs = np.concatenate(segments) if segments else np.empty(0, dtype=np.intp)
        per_pair = np.repeat(ratio, [len(segment) for segment in segments])
        delta = np.bincount(
            self.origins[pairs], weights=self.pair_weights[pairs] * per_pair, minlength=self.n
        )
        return np.asarray(delta, dtype=np.float64)

    def what_if(
        self, base_apl: FloatArray, communes: IndexArray, extra_supply: NDArray[np.floating]
    ) -> FloatArray:
        """New APL of every commune: the base APL plus the effect of the extra supply."""
        return np.asarray(base_apl + self.what_if_delta(communes, extra_supply), dtype=np.float64)


def population_weighted_mean(values: FloatArray, weights: FloatArray) -> float:
    """Mean of values weighted by population (nan when no weight)."""
    total = float(np.sum(weights))
    return float(np.sum(values * weights) / total) if total > 0 else math.nan
