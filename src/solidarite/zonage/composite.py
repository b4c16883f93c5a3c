"""The composite index of one method, as arrays: each criterion's national percentile, its normalisation,
the weighted score and number of fragilities — on the EPCI's own values, or composed per bassin de vie and
carried to the EPCI (`Bassins`, `composite_bassins`) — and the vote of several methods (ADR 0021).
Pure, typed; `score` ranks, selects and explains with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from solidarite.zonage.methode import CRITERES, PIRE_PART, PORTAGES, SENS, ParamError


def rankdata(values: Any, method: Literal["average", "min"] = "average") -> Any:
    """`scipy.stats.rankdata`, imported on the first ranking: scipy.stats takes about 0.6 s to import, and every
    command, worker and server process imports this module through the URLs, most of them to rank nothing."""
    from scipy.stats import rankdata as ranks

    return ranks(values, method=method)


def prepare_ranking() -> None:
    """Imports scipy.stats now: a command that times its national run (about 0.3 s) does not count this
    process's one-off import (about 0.7 s) in it, as `bench/zonage_calibrage.py` does not."""
    import scipy.stats  # noqa: F401


def sens_of(critere: str, agregation: str) -> str:
    """A share of population in fragile bassins is always "the higher, the worse"."""
    return "haut" if agregation == "part_bassins_fragiles" else SENS[critere]


def percentile_matrix(raw: np.ndarray, agregation: str) -> np.ndarray:
    """Column-wise national percentile (0 best, 100 worst); NaN stays NaN. `raw` is EPCI × CRITERES."""
    result = np.full(raw.shape, np.nan)
    for j, critere in enumerate(CRITERES):
        column = raw[:, j]
        present = ~np.isnan(column)
        m = int(present.sum())
        if m == 0:
            continue
        badness = -column[present] if sens_of(critere, agregation) == "bas" else column[present]
        average = rankdata(badness, method="average")
        result[present, j] = 100.0 * (average - 1) / (m - 1) if m > 1 else 100.0
    return result


def normalise(raw: np.ndarray, pct: np.ndarray, methode: str, plafond: float, agregation: str) -> np.ndarray:
    """Badness of each value on a 0–100 scale by the chosen normalisation; NaN stays NaN.

    rangs: the percentile; zscore: (x − mean)/sd oriented, capped at ±plafond (3 if 0) and mapped to
    0–100; minmax: values capped at mean ± plafond·sd (no capping if 0), then scaled to 0–100."""
    if methode == "rangs":
        return pct
    result = np.full(raw.shape, np.nan)
    for j, critere in enumerate(CRITERES):
        column = raw[:, j]
        present = ~np.isnan(column)
        if present.sum() < 2:
            continue
        x = column[present]
        x = -x if sens_of(critere, agregation) == "bas" else x
        mean, sd = float(x.mean()), float(x.std())
        if sd == 0:
            result[present, j] = 50.0
            continue
        if methode == "zscore":
            cap = plafond or 3.0
            z = np.clip((x - mean) / sd, -cap, cap)
            result[present, j] = 100.0 * (z + cap) / (2 * cap)
        else:
            if plafond > 0:
                x = np.clip(x, mean - plafond * sd, mean + plafond * sd)
            low, high = float(x.min()), float(x.max())
            result[present, j] = 100.0 * (x - low) / (high - low) if high > low else 50.0
    return result


def composite(
    norm: np.ndarray, pct: np.ndarray, poids: np.ndarray, seuil: float
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted score over the criteria each EPCI has (NaN if none) and the number of fragilities
    (criteria with a positive weight in the worst part, percentile ≥ seuil)."""
    available = ~np.isnan(norm) & (poids > 0)
    weights = np.where(available, poids, 0.0)
    total = weights.sum(axis=1)
    weighted = np.where(available, np.nan_to_num(norm), 0.0) @ poids
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(total > 0, weighted / np.where(total > 0, total, 1.0), np.nan)
    fragile = (np.nan_to_num(pct, nan=-1.0) >= seuil) & (poids > 0)
    return score, fragile.sum(axis=1)


@dataclass(frozen=True)
class Bassins:
    """The bassins de vie for the composite composed per bassin (`PORTAGES`): their criteria (imputed,
    ADR 0016) and how each EPCI's population spreads over them, as sparse rows aligned on `sirens`.

    Pair k says: `parts[k]` of the population of EPCI `sirens[rows[k]]` (its communes having a bassin)
    lives in bassin `codes[cols[k]]`."""

    codes: tuple[str, ...]
    raw: np.ndarray  # bassin × CRITERES (NaN when unknown)
    sirens: tuple[str, ...]
    rows: np.ndarray  # EPCI index of each pair
    cols: np.ndarray  # bassin index of each pair
    parts: np.ndarray  # share of the EPCI's population in the bassin (sums to 1 per EPCI)

    @staticmethod
    def build(raw: dict[str, dict[str, float]], populations: dict[str, dict[str, float]]) -> Bassins:
        """`raw`: bassin → criterion → value; `populations`: SIREN → bassin → population."""
        codes = tuple(sorted(set(raw) | {b for by in populations.values() for b in by}))
        index = {b: i for i, b in enumerate(codes)}
        matrix = np.array(
            [[raw.get(b, {}).get(c, np.nan) for c in CRITERES] for b in codes], dtype=np.float64
        ).reshape(len(codes), len(CRITERES))
        sirens = tuple(sorted(populations))
        rows, cols, parts = [], [], []
        for k, siren in enumerate(sirens):
            total = sum(populations[siren].values())
            for b, n in sorted(populations[siren].items()):
                if total > 0 and n > 0:
                    rows.append(k)
                    cols.append(index[b])
                    parts.append(n / total)
        return Bassins(
            codes,
            matrix,
            sirens,
            np.array(rows, dtype=np.int64),
            np.array(cols, dtype=np.int64),
            np.array(parts, dtype=np.float64),
        )

    def aligned(self, sirens: list[str]) -> np.ndarray:
        """For each of `sirens`, its row here (−1 when the EPCI has no bassin)."""
        index = {s: k for k, s in enumerate(self.sirens)}
        return np.array([index.get(s, -1) for s in sirens], dtype=np.int64)

    def percentiles(self) -> np.ndarray:
        """Each criterion's percentile over the bassins de vie (0 best, 100 worst)."""
        return percentile_matrix(self.raw, "composite_bassin")


def _weighted_mean(b: Bassins, values: np.ndarray) -> np.ndarray:
    """Population-weighted mean over each EPCI's bassins of a per-bassin vector, NaN values left out."""
    v = values[b.cols]
    known = ~np.isnan(v)
    n = len(b.sirens)
    weight = np.bincount(b.rows, weights=np.where(known, b.parts, 0.0), minlength=n)
    total = np.bincount(b.rows, weights=np.where(known, b.parts * np.nan_to_num(v), 0.0), minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(weight > 0, total / np.where(weight > 0, weight, 1.0), np.nan)


def _worst(b: Bassins, values: np.ndarray) -> np.ndarray:
    """The highest value among each EPCI's bassins holding ≥ PIRE_PART of its population (all of them
    when none does); NaN values left out."""
    v = values[b.cols]
    big = b.parts >= PIRE_PART - 1e-12
    has_big = np.zeros(len(b.sirens), dtype=bool)
    has_big[b.rows[big]] = True
    eligible = (big | ~has_big[b.rows]) & ~np.isnan(v)
    result = np.full(len(b.sirens), -np.inf)
    np.maximum.at(result, b.rows[eligible], v[eligible])
    return np.where(np.isneginf(result), np.nan, result)


def composite_bassins(
    b: Bassins, norm: np.ndarray, pct: np.ndarray, poids: np.ndarray, seuil: float, portage: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The composite composed per bassin de vie and carried to each EPCI of `b.sirens`.

    Per bassin: the weighted score of its normalised criteria (`norm`, `pct` over the bassins) and its
    number of fragilities. Carried by `portage`: "moyenne", the population-weighted mean of its bassins'
    scores (and fragilities); "part", the share (0–100) of its population in fragile bassins — those whose
    score is in the worst part of the bassins (percentile ≥ seuil) —, fragilities by the weighted mean;
    "pire", the highest score (and fragilities) among its bassins holding ≥ 10 % of its population.
    Returns the EPCI scores, fragilities (a weighted mean may be fractional) and normalised criteria
    (their population-weighted mean over the bassins, for the decisive criterion)."""
    score_bv, nb_bv = composite(norm, pct, poids, seuil)
    nb_bv = nb_bv.astype(np.float64)
    if portage == "pire":
        score, nb = _worst(b, score_bv), _worst(b, nb_bv)
    elif portage == "part":
        known = ~np.isnan(score_bv)
        fragile = np.full(len(score_bv), np.nan)
        m = int(known.sum())
        if m:
            ranks = rankdata(score_bv[known], method="average")
            level = 100.0 * (ranks - 1) / (m - 1) if m > 1 else np.full(m, 100.0)
            fragile[known] = np.where(level >= seuil, 100.0, 0.0)
        score, nb = _weighted_mean(b, fragile), _weighted_mean(b, nb_bv)
    elif portage == "moyenne":
        score, nb = _weighted_mean(b, score_bv), _weighted_mean(b, nb_bv)
    else:
        raise ParamError(f"Portage {portage!r} inconnu (moyenne, part ou pire).")
    norm_epci = np.column_stack([_weighted_mean(b, norm[:, j]) for j in range(norm.shape[1])])
    return score, nb, norm_epci


def scores_methode(
    raw: np.ndarray,
    pct: np.ndarray,
    bassins: Bassins | None,
    sirens: list[str],
    agregation: str,
    normalisation: str,
    plafond: float,
    poids: np.ndarray,
    seuil: float,
    cache: dict[tuple[str, str, float], np.ndarray] | None = None,
    rows: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One method's score, number of fragilities (possibly fractional) and normalised criteria per EPCI
    of `sirens`: on the EPCI's own values, or composed per bassin de vie and carried (`PORTAGES`).

    `cache` keeps the normalised criteria between calls on the same tables (a vote, a calibration);
    `rows` is `bassins.aligned(sirens)` when the caller already has it."""
    store = cache if cache is not None else {}
    if agregation not in PORTAGES:
        key = (agregation, normalisation, plafond)
        if key not in store:
            store[key] = normalise(raw, pct, normalisation, plafond, agregation)
        score, nb = composite(store[key], pct, poids, seuil)
        return score, nb.astype(np.float64), store[key]
    if bassins is None:
        raise ParamError(
            f"L'agrégation {agregation!r} compose le score par bassin de vie : "
            "les valeurs des bassins de vie manquent."
        )
    if ("bassins", "pct", 0.0) not in store:
        store[("bassins", "pct", 0.0)] = bassins.percentiles()
    bv_pct = store[("bassins", "pct", 0.0)]
    key = ("bassins", normalisation, plafond)
    if key not in store:
        store[key] = normalise(bassins.raw, bv_pct, normalisation, plafond, agregation)
    carried = composite_bassins(bassins, store[key], bv_pct, poids, seuil, PORTAGES[agregation])
    rows = bassins.aligned(sirens) if rows is None else rows
    present = rows >= 0
    score = np.full(len(sirens), np.nan)
    nb = np.zeros(len(sirens))
    norm = np.full((len(sirens), len(CRITERES)), np.nan)
    score[present] = carried[0][rows[present]]
    nb[present] = np.nan_to_num(carried[1][rows[present]])
    norm[present] = carried[2][rows[present]]
    return score, nb, norm


def vote(choices: list[np.ndarray], votes: list[float], order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A vote of methods (ADR 0021): each EPCI's score is the weighted share (0–100) of the methods whose
    selection (`choices`, one mask per method) retains it; EPCI are ranked by that share, then by `order`
    (the principal method's ranking). Returns the shares and the new order."""
    # Votes count in thousandths, as the parameter file writes them: integer sums are exact, so two EPCI
    # with the same votes tie exactly and the principal method decides, whatever the order of summation.
    units = np.rint(np.array(votes, dtype=np.float64) * 1000).astype(np.int64)
    counts = units @ np.array(choices, dtype=np.int64)
    share = 100.0 * counts / int(units.sum())
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    return share, np.lexsort((position, -counts))
