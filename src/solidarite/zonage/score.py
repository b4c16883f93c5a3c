"""The composite index ("cumul des fragilités") and the selection of the zones. Pure, typed.

For each criterion, every EPCI that has a value gets a national percentile, oriented so that a
higher percentile is worse (a low APL, a high share of ALD…). Then:

- `nb_fragilites`: the number of criteria in the worst quintile (percentile ≥ the threshold, 80);
- `score`: the weighted mean of the percentiles, over the criteria the EPCI has (weights renormalised);
- ranking: by `nb_fragilites` first (the ministry's "cumul des fragilités"), the score breaking ties,
  then the SIREN so that the order is total and reproducible;
- selection: the first N (`regle = "nombre"`, N by default the dated parameter
  `nombre_zones_rouges` at the campaign's date, solidarite/parametres.py), or the first EPCI in rank order until
  their population reaches a target (`regle = "population"`).

The weights, threshold and rule come from a dated TOML file (`parametres/zonage_2025.toml`), read by
`sources.load_params`: this module takes the parsed data (`parse_params`) and reads no file.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata

from solidarite.zonage.methode import (
    ABSENT as ABSENT,
)
from solidarite.zonage.methode import (
    AGREGATIONS as AGREGATIONS,
)
from solidarite.zonage.methode import (  # re-exported: the method is read from here by the other modules
    CRITERES as CRITERES,
)
from solidarite.zonage.methode import (
    GROUPE_OUTRE_MER as GROUPE_OUTRE_MER,
)
from solidarite.zonage.methode import (
    LIBELLES as LIBELLES,
)
from solidarite.zonage.methode import (
    NOMS_OUTRE_MER as NOMS_OUTRE_MER,
)
from solidarite.zonage.methode import (
    NORMALISATIONS as NORMALISATIONS,
)
from solidarite.zonage.methode import (
    OUTRE_MER as OUTRE_MER,
)
from solidarite.zonage.methode import (
    PIRE_PART as PIRE_PART,
)
from solidarite.zonage.methode import (
    PORTAGES as PORTAGES,
)
from solidarite.zonage.methode import (
    REGLES as REGLES,
)
from solidarite.zonage.methode import (
    SENS as SENS,
)
from solidarite.zonage.methode import (
    SOMME_POIDS as SOMME_POIDS,
)
from solidarite.zonage.methode import (
    TOLERANCE_SOMME as TOLERANCE_SOMME,
)
from solidarite.zonage.methode import (
    UNITES as UNITES,
)
from solidarite.zonage.methode import (
    ParamError as ParamError,
)
from solidarite.zonage.methode import (
    ScoreParams as ScoreParams,
)
from solidarite.zonage.methode import (
    _nombre_en_vigueur as _nombre_en_vigueur,
)
from solidarite.zonage.methode import (
    _parse_methode as _parse_methode,
)
from solidarite.zonage.methode import (
    _positive_int as _positive_int,
)
from solidarite.zonage.methode import (
    parse_params as parse_params,
)


@dataclass(frozen=True)
class CritereValue:
    valeur: float | None
    manquant: str = ""  # the reason when valeur is None
    percentile: float | None = None
    rang: int | None = None  # 1 = the worst EPCI of France on this criterion
    fragile: bool = False
    imputee: str = ""  # how the value was imputed, when it was (ADR 0016), for the EPCI's page


@dataclass
class EpciScore:
    siren: str
    population: int
    criteres: dict[str, CritereValue]
    nb_fragilites: int = 0
    score: float | None = None
    rang: int = 0
    selectionnee: bool = False
    explication: str = ""
    region: str = ""
    rang_region: int = 0
    ecart_seuil: float | None = None  # score minus the score of the last EPCI retained in its competition
    critere_decisif: str = ""


def percentiles(values: list[float | None], sens: str) -> tuple[list[float | None], list[int | None]]:
    """Percentile (0 = best, 100 = worst) and rank (1 = worst) of each value; None stays None."""
    present = [i for i, v in enumerate(values) if v is not None]
    pct: list[float | None] = [None] * len(values)
    ranks: list[int | None] = [None] * len(values)
    if not present:
        return pct, ranks
    raw = np.array([values[i] for i in present], dtype=np.float64)
    badness = -raw if sens == "bas" else raw
    average = rankdata(badness, method="average")
    worst_first = rankdata(-badness, method="min")
    m = len(present)
    for k, i in enumerate(present):
        pct[i] = float(100.0 * (average[k] - 1) / (m - 1)) if m > 1 else 100.0
        ranks[i] = int(worst_first[k])
    return pct, ranks


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
    total = float(sum(votes))
    share = 100.0 * (np.array(votes, dtype=np.float64) @ np.array(choices, dtype=np.float64)) / total
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    return share, np.lexsort((position, -share))


def order_of(score: np.ndarray, nb: np.ndarray, cumul: bool) -> np.ndarray:
    """Indices in rank order: fragilities first (if cumul), then score, then index (= SIREN order)."""
    keys_score = -np.nan_to_num(score, nan=-1.0)
    index = np.arange(len(score))
    if cumul:
        return np.lexsort((index, keys_score, -nb))
    return np.lexsort((index, keys_score))


def select(
    order: np.ndarray,
    populations: np.ndarray,
    regions: np.ndarray,
    regle: str,
    nombre: int,
    population: int,
    quotas: dict[str, int],
) -> np.ndarray:
    """The selected mask. With quotas, each region of the table takes its first `quota` EPCI and the
    remaining places go, in national order, to the regions without a quota: up to `nombre` zones in all
    (rule "nombre"), or until the population of all the zones reaches `population` (rule "population")."""
    selected = np.zeros(len(order), dtype=bool)
    if quotas:
        ranked_regions = regions[order]
        has_quota = np.isin(ranked_regions, np.array(list(quotas), dtype=regions.dtype))
        for code, quota in quotas.items():
            if quota:
                selected[order[ranked_regions == code][:quota]] = True
        rest = order[~has_quota]
        if regle == "population":
            left_population = population - int(populations[selected].sum())
            before = np.concatenate(([0], np.cumsum(populations[rest])[:-1]))
            selected[rest[before < left_population]] = True
            return selected
        left = nombre - sum(quotas.values())
        if left > 0:
            selected[rest[:left]] = True
        return selected
    if regle == "nombre":
        selected[order[:nombre]] = True
        return selected
    cumulated = np.cumsum(populations[order])
    before = np.concatenate(([0], cumulated[:-1]))
    selected[order[before < population]] = True
    return selected


def check_feasible(params: ScoreParams, regions: dict[str, str], total: int) -> None:
    """An impossible target (quotas over the number, a quota over a region's EPCI count) → ParamError."""
    if params.regle == "nombre" and params.nombre > total:
        raise ParamError(f"Objectif impossible : {params.nombre} zones demandées pour {total} EPCI classés.")
    if not params.quotas and not params.outre_mer:
        return
    if params.regle == "nombre" and sum(params.quotas.values()) + params.outre_mer > params.nombre:
        raise ParamError(
            f"Objectif impossible : les quotas régionaux et d'outre-mer totalisent "
            f"{sum(params.quotas.values()) + params.outre_mer} zones, plus que les {params.nombre} à retenir."
        )
    if sum(params.outre_mer_territoires.values()) > params.outre_mer:
        raise ParamError(
            f"Objectif impossible : les territoires d'outre-mer totalisent "
            f"{sum(params.outre_mer_territoires.values())} zones, plus que les {params.outre_mer} de l'outre-mer."
        )
    per_region = Counter(regions.values())
    overseas = sum(n for code, n in per_region.items() if code in OUTRE_MER)
    if params.outre_mer > overseas:
        raise ParamError(
            f"Objectif impossible : {params.outre_mer} zones réservées à l'outre-mer, qui compte {overseas} EPCI."
        )
    if params.outre_mer_territoires:
        reste = params.outre_mer - sum(params.outre_mer_territoires.values())
        autres = sum(
            n for code, n in per_region.items() if code in OUTRE_MER - set(params.outre_mer_territoires)
        )
        if reste > autres:
            raise ParamError(
                f"Objectif impossible : {reste} zones d'outre-mer à prendre hors des territoires comptés à part "
                f"({', '.join(sorted(params.outre_mer_territoires))}) ; les autres territoires n'ont que {autres} EPCI."
            )
    for code, quota in (params.quotas | params.outre_mer_territoires).items():
        if quota > per_region.get(code, 0):
            raise ParamError(
                f"Objectif impossible : quota de {quota} zones pour la région {code}, "
                f"qui compte {per_region.get(code, 0)} EPCI."
            )


def raw_matrix(values: dict[str, dict[str, tuple[float | None, str]]], sirens: list[str]) -> np.ndarray:
    return np.array(
        [[np.nan if (v := values[s].get(c, ABSENT)[0]) is None else v for c in CRITERES] for s in sirens],
        dtype=np.float64,
    )


def score_epcis(
    values: dict[str, dict[str, tuple[float | None, str]]],
    populations: dict[str, int],
    params: ScoreParams,
    regions: dict[str, str] | None = None,
    bassins: Bassins | None = None,
    autres: dict[str, dict[str, dict[str, tuple[float | None, str]]]] | None = None,
) -> list[EpciScore]:
    """Scores, ranks and selects the EPCI; returns them in rank order. A composite composed per bassin
    de vie (`PORTAGES`) needs `bassins`; the EPCI's own criterion values are then shown, not scored.
    A vote of methods (`params.membres`) needs the criteria of each member's aggregation (`autres`); the
    score is then the weighted share of the methods that retain the EPCI (`vote`)."""
    sirens = sorted(values)
    region_of = regions or {}
    check_feasible(params, {s: region_of.get(s, "") for s in sirens}, len(sirens))
    raw = raw_matrix(values, sirens)
    pct = percentile_matrix(raw, params.agregation)
    poids = np.array([params.poids[c] for c in CRITERES])
    cache: dict[tuple[str, str, float], np.ndarray] = {}  # normalised criteria, shared by a vote's methods
    score, nb_float, norm = scores_methode(
        raw,
        pct,
        bassins,
        sirens,
        params.agregation,
        params.normalisation,
        params.plafond,
        poids,
        params.seuil_percentile,
        cache,
    )
    order = order_of(score, nb_float, params.cumul)
    nb = np.rint(nb_float).astype(np.int64)
    region_array = np.array([region_of.get(s, "") for s in sirens])
    pop_array = np.array([populations.get(s, 0) for s in sirens], dtype=np.int64)
    groups, quotas = params.groupes_selection(region_array)
    principal = score
    if params.membres:
        tables = autres or {}
        matrices = {params.agregation: (raw, pct)}  # each aggregation's criteria and percentiles, once
        choices = []
        for membre in params.membres:
            if membre.agregation not in matrices:
                table = tables.get(membre.agregation)
                if table is None:
                    raise ParamError(
                        f"Les critères de l'agrégation {membre.agregation!r} (un membre du vote) manquent."
                    )
                raw_m = raw_matrix(table, sirens)
                matrices[membre.agregation] = (raw_m, percentile_matrix(raw_m, membre.agregation))
            raw_m, pct_m = matrices[membre.agregation]
            m_score, m_nb, _ = scores_methode(
                raw_m,
                pct_m,
                bassins,
                sirens,
                membre.agregation,
                membre.normalisation,
                membre.plafond,
                np.array([membre.poids[c] for c in CRITERES]),
                params.seuil_percentile,
                cache,
            )
            m_order = order_of(m_score, m_nb, membre.cumul)
            choices.append(
                select(m_order, pop_array, groups, params.regle, params.nombre, params.population, quotas)
            )
        score, order = vote(choices, [m.vote for m in params.membres], order)
    selected = select(order, pop_array, groups, params.regle, params.nombre, params.population, quotas)
    worst_first = {}
    for j, critere in enumerate(CRITERES):
        column = raw[:, j]
        present = ~np.isnan(column)
        badness = -column[present] if sens_of(critere, params.agregation) == "bas" else column[present]
        ranks = np.full(len(sirens), -1)
        ranks[present] = rankdata(-badness, method="min").astype(int)
        worst_first[critere] = ranks
    results = []
    pct_rows = pct.tolist()  # plain floats: far quicker than numpy scalars in this loop
    rank_columns = [worst_first[c].tolist() for c in CRITERES]
    score_list, nb_list, selected_list = score.tolist(), nb.tolist(), selected.tolist()
    for k, siren in enumerate(sirens):
        criteres = {}
        row = values[siren]
        for j, critere in enumerate(CRITERES):
            value, reason = row.get(critere, ABSENT)
            p = pct_rows[k][j]
            p = None if p != p else p  # NaN
            fragile = p is not None and p >= params.seuil_percentile and params.poids[critere] > 0
            rank = rank_columns[j][k]
            criteres[critere] = CritereValue(
                value,
                reason if value is None else "",
                p,
                rank if rank > 0 else None,
                fragile,
                reason if value is not None else "",
            )
        total = score_list[k]
        results.append(
            EpciScore(
                siren,
                populations.get(siren, 0),
                criteres,
                int(nb_list[k]),
                None if total != total else total,
                selectionnee=bool(selected_list[k]),
                region=region_of.get(siren, ""),
            )
        )
    ordered = [results[i] for i in order]
    per_region: Counter[str] = Counter()
    for position, result in enumerate(ordered, start=1):
        result.rang = position
        per_region[result.region] += 1
        result.rang_region = per_region[result.region]
    _explain(ordered, params, norm[order], poids, principal[order] if params.membres else None)
    return ordered


def _fmt(value: float, decimals: int = 1) -> str:
    return f"{value:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")


def _competition(result: EpciScore, params: ScoreParams) -> str:
    """The group an EPCI competes in: its region when it has a quota, else the nation (or the rest)."""
    if params.outre_mer and result.region in OUTRE_MER:
        return result.region if result.region in params.outre_mer_territoires else GROUPE_OUTRE_MER
    return result.region if result.region in params.quotas else ""


def _detail_territoires(params: ScoreParams) -> str:
    """« (selon les comptes publiés : Guadeloupe 1, …) » for the territories with a published count."""
    if not params.outre_mer_territoires:
        return ""
    parts = [f"{NOMS_OUTRE_MER[c]} {n}" for c, n in sorted(params.outre_mer_territoires.items())]
    reste = params.outre_mer - sum(params.outre_mer_territoires.values())
    return f" (selon les comptes publiés : {', '.join(parts)}, {reste} parmi les autres territoires)"


def _explain(
    results: list[EpciScore],
    params: ScoreParams,
    norm: np.ndarray,
    poids: np.ndarray,
    principal: np.ndarray | None = None,
) -> None:
    total = len(results)
    last_in: dict[str, EpciScore] = {}
    first_out: dict[str, EpciScore] = {}
    for r in results:
        group = _competition(r, params)
        if r.selectionnee:
            last_in[group] = r
        elif group not in first_out:
            first_out[group] = r
    if params.outre_mer and not params.quotas and params.regle == "population":
        rule = (
            f"les {params.outre_mer} premiers de l'outre-mer{_detail_territoires(params)}, puis les premiers "
            f"de la métropole jusqu'à {_fmt(params.population, 0)} habitants en tout"
        )
    elif params.outre_mer and not params.quotas:
        rule = (
            f"les {params.outre_mer} premiers de l'outre-mer"
            + _detail_territoires(params)
            + f", puis les {params.nombre - params.outre_mer} premiers de la métropole"
        )
    elif params.quotas:
        rule = "les premiers de leur région (ou de l'outre-mer) selon leur quota, puis les premiers du reste de la France"
        if params.regle == "population":
            rule += f" jusqu'à {_fmt(params.population, 0)} habitants en tout"
    elif params.regle == "nombre":
        rule = f"les {params.nombre} premiers"
    else:
        rule = f"les premiers jusqu'à {_fmt(params.population, 0)} habitants"
    share = poids / poids.sum() if poids.sum() > 0 else poids
    # The criterion that weighed most: the largest weighted badness above the median (retained EPCI),
    # the smallest one (not retained): the one that kept it out. Vectorised over every EPCI.
    usable = ~np.isnan(norm) & (poids > 0)
    contributions = share * (np.nan_to_num(norm) - 50.0)
    highest = np.where(usable, contributions, -np.inf).argmax(axis=1)
    lowest = np.where(usable, contributions, np.inf).argmin(axis=1)
    selected = np.array([r.selectionnee for r in results], dtype=bool)
    decisive = (np.where(usable.any(axis=1), np.where(selected, highest, lowest), -1)).tolist()
    for k, r in enumerate(results):
        group = _competition(r, params)
        fragiles = [LIBELLES[c] for c in CRITERES if r.criteres[c].fragile]
        score = _fmt(r.score) if r.score is not None else "non calculable"
        if decisive[k] >= 0:
            r.critere_decisif = CRITERES[decisive[k]]
        reference = last_in.get(group) if not r.selectionnee else first_out.get(group)
        if r.score is not None and reference is not None and reference.score is not None:
            r.ecart_seuil = r.score - reference.score
        head = (
            f"Rang {r.rang} sur {total} (rang {r.rang_region} dans sa région) : {r.nb_fragilites} fragilité(s), "
            f"score {score}."
        )
        if principal is not None:
            own = principal[k]
            head = (
                f"Rang {r.rang} sur {total} (rang {r.rang_region} dans sa région) : retenue par {score} % des "
                f"{len(params.membres)} méthodes du vote (pondérées par leur accord avec les faits publiés) ; "
                f"{r.nb_fragilites} fragilité(s), score de la méthode principale "
                f"{_fmt(float(own)) if own == own else 'non calculable'}."
            )
        gap = (
            f" Écart au seuil (score du {'premier non retenu' if r.selectionnee else 'dernier retenu'}, "
            f"rang {reference.rang}) : {'+' if r.ecart_seuil >= 0 else '−'}{_fmt(abs(r.ecart_seuil), 2)} point(s)."
            if r.ecart_seuil is not None and reference is not None
            else ""
        )
        why = (
            f"Retenue : parmi {rule}." if r.selectionnee else f"Non retenue : la sélection retient {rule}."
        ) + gap
        decisive_text = f" Critère décisif : {LIBELLES[r.critere_decisif]}." if r.critere_decisif else ""
        detail = (
            f" Fragilités : {', '.join(fragiles)}."
            if fragiles
            else " Aucun critère dans la part la plus défavorable."
        )
        r.explication = f"{head} {why}{decisive_text}{detail}"
