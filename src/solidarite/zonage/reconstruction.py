"""A national APL instance on real data, and its check against DREES's published APL 2023.

No per-commune GP file is public, so the supply is rebuilt (a documented rule, not data):

1. Nodes: the current communes of DREES's field (France without Mayotte, which has no APL), Paris,
   Lyon and Marseille replaced by their arrondissements (the APL file's geography), with coordinates.
2. Demand: DREES's `population_standardisee` 2023, moved to current codes (`calcul.current_code_map`).
3. GPs per bassin de vie = CartoSanté's density of GP libéraux 2024 (per 10 000 inhabitants) × the
   bassin's population (COG); spread over the bassin's nodes in proportion to their population.
4. Consultations per GP: one national figure, calibrated so that the national APL (weighted by
   standardised population) equals DREES's. It fixes the scale only; the rank correlation with DREES's
   APL, the sanity check, does not depend on it.

Pure: used by the tests, by `bench/apl_vs_access.py` and by the what-if of the platform.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from solidarite.territoire.sources import TerritoireData, read_territoire
from solidarite.territoire.travel import TravelPairs, TravelProvider, pairs_within
from solidarite.zonage import sources
from solidarite.zonage.apl import AplEngine, AplParameters
from solidarite.zonage.calcul import current_code_map

DENSITY_PER = 10_000.0  # CartoSanté densities are per 10 000 inhabitants
OUTSIDE_DREES_FIELD = "976"  # Mayotte


@dataclass
class NationalInstance:
    codes: list[str]
    latitude: np.ndarray
    longitude: np.ndarray
    demand: np.ndarray  # standardised population (DREES 2023)
    drees_apl: np.ndarray  # DREES's APL 2023, NaN where the commune has no row
    gps: np.ndarray  # rebuilt number of GPs
    params: AplParameters
    pairs: TravelPairs

    @property
    def n(self) -> int:
        return len(self.codes)

    def engine(self) -> AplEngine:
        return AplEngine(
            self.n, self.pairs.origins, self.pairs.destinations, self.pairs.minutes, self.demand, self.params
        )

    def calibrated_supply(self, engine: AplEngine | None = None) -> np.ndarray:
        """Yearly consultations per node: GPs × one national activity that reproduces DREES's mean APL."""
        engine = engine or self.engine()
        known = np.isfinite(self.drees_apl)
        unit = engine.compute(self.gps)
        weights = self.demand[known]
        ours = float(np.sum(unit[known] * weights))
        target = float(np.sum(self.drees_apl[known] * weights))
        return self.gps * (target / ours if ours > 0 else 0.0)


@dataclass(frozen=True)
class GoldenCheck:
    communes: int
    spearman: float
    activity_per_gp: float
    national_mean_ours: float
    national_mean_drees: float


def build_national_instance(
    data_dir: Path,
    provider: TravelProvider | None = None,
    territoire: TerritoireData | None = None,
) -> NationalInstance:
    territoire = territoire or read_territoire(data_dir)
    params = sources.read_apl_parameters(data_dir)
    cities = {c.commune_parente for c in territoire.communes if c.commune_parente}
    nodes = [
        c
        for c in territoire.communes
        if c.code not in cities and c.code in territoire.coordonnees and c.departement != OUTSIDE_DREES_FIELD
    ]
    index = {c.code: i for i, c in enumerate(nodes)}
    bassins, renamed = sources.read_bassins_et_codes(data_dir)  # one pass over the bassins file
    mapping = current_code_map(territoire, renamed)
    demand = np.zeros(len(nodes))
    apl_sum = np.zeros(len(nodes))
    for row in sources.read_apl(data_dir):
        i = index.get(mapping.get(row.code, ""))
        if i is not None:
            demand[i] += row.population_standardisee
            apl_sum[i] += row.apl * row.population_standardisee
    drees = np.full(len(nodes), np.nan)
    np.divide(apl_sum, demand, out=drees, where=demand > 0)

    carto = sources.read_cartosante(data_dir)
    population = np.array([float(c.population or 0) for c in nodes])
    members: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(nodes):
        if c.code in bassins:
            members[bassins[c.code]].append(i)
    gps = np.zeros(len(nodes))
    for bassin, idx in members.items():
        density = carto.get(bassin, {}).get("densite_mg")
        if density is None or density.value is None:
            continue
        total = population[idx].sum()
        if total > 0:
            gps[idx] = density.value * total / DENSITY_PER * population[idx] / total
    lat = np.array([territoire.coordonnees[c.code].latitude for c in nodes])
    lon = np.array([territoire.coordonnees[c.code].longitude for c in nodes])
    pairs = pairs_within(lat, lon, params.max_minutes, provider)
    return NationalInstance([c.code for c in nodes], lat, lon, demand, drees, gps, params, pairs)


def golden_check(instance: NationalInstance) -> GoldenCheck:
    engine = instance.engine()
    supply = instance.calibrated_supply(engine)
    ours = engine.compute(supply)
    known = np.isfinite(instance.drees_apl) & (instance.demand > 0)
    rho = float(spearmanr(ours[known], instance.drees_apl[known]).statistic)
    weights = instance.demand[known]
    return GoldenCheck(
        communes=int(known.sum()),
        spearman=rho,
        activity_per_gp=float(supply.sum() / instance.gps.sum()),
        national_mean_ours=float(np.sum(ours[known] * weights) / weights.sum()),
        national_mean_drees=float(np.sum(instance.drees_apl[known] * weights) / weights.sum()),
    )
