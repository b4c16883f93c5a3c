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

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.stats import rankdata

from solidarite.parametres import UnknownParametreError, entier

CRITERES: tuple[str, ...] = (
    "apl",
    "apl_moins_65",
    "part_ald",
    "temps_urgences",
    "niveau_vie",
    "vieillissement_mg",
)
# "bas": a low value is worse (APL, living standard); "haut": a high value is worse.
SENS = {
    "apl": "bas",
    "apl_moins_65": "bas",
    "part_ald": "haut",
    "temps_urgences": "haut",
    "niveau_vie": "bas",
    "vieillissement_mg": "haut",
}
LIBELLES = {
    "apl": "APL aux médecins généralistes 2023",
    "apl_moins_65": "APL aux généralistes de 65 ans ou moins 2023",
    "part_ald": "Part de la population en ALD 2024",
    "temps_urgences": "Temps de route jusqu'aux urgences",
    "niveau_vie": "Niveau de vie médian 2021",
    "vieillissement_mg": "Part de l'offre APL due aux généralistes de plus de 65 ans (substitut des 60 ans et plus)",
}
UNITES = {
    "apl": "consultations/hab. std/an",
    "apl_moins_65": "consultations/hab. std/an",
    "part_ald": "%",
    "temps_urgences": "min",
    "niveau_vie": "€/an",
    "vieillissement_mg": "%",
}
REGLES = ("nombre", "population")
ABSENT: tuple[float | None, str] = (None, "critère non fourni")
# Free choices of the method (ADR 0016), searched by `zonage calibrer`:
NORMALISATIONS = ("rangs", "zscore", "minmax")
# The composite composed per bassin de vie, then carried to the EPCI (ADR 0016, révision) → the way it is
# carried: population-weighted mean, share of the population in fragile bassins, worst bassin.
PORTAGES = {
    "composite_bassin_moyenne": "moyenne",
    "composite_bassin_part": "part",
    "composite_bassin_pire": "pire",
}
AGREGATIONS = ("moyenne", "part_bassins_fragiles", "pire_bassin", *PORTAGES)
PIRE_PART = 0.1  # "worst bassin": among the bassins holding at least 10 % of the EPCI's population
OUTRE_MER = frozenset({"01", "02", "03", "04", "06"})  # region codes of the DROM
GROUPE_OUTRE_MER = "outre-mer"  # the group competing for the overseas allocation (`outre_mer`)
SOMME_POIDS = 1.0  # a parameter set with a [methode] section has weights summing to 1
TOLERANCE_SOMME = 1e-6


class ParamError(ValueError):
    """A zonage parameter file that cannot be used, explained in French."""


@dataclass(frozen=True)
class ScoreParams:
    nom: str
    depuis: dt.date
    source: str
    poids: dict[str, float]
    nombre: int
    seuil_percentile: float = 80.0
    regle: str = "nombre"
    population: int = 2_500_000
    normalisation: str = "rangs"
    plafond: float = 0.0  # standard deviations beyond which a value is capped (0: none)
    cumul: bool = True  # rank by the number of fragilities first ("cumul des fragilités")
    agregation: str = "moyenne"  # how bassin-de-vie values become EPCI values (calcul.py)
    quotas: dict[str, int] = field(default_factory=dict)  # region code → number of zones (allocation)
    outre_mer: int = 0  # zones allocated to the overseas EPCI as one group (0: no separate allocation)

    def groupes_selection(self, regions: np.ndarray) -> tuple[np.ndarray, dict[str, int]]:
        """The competition of each EPCI for `select` and the quotas: with an overseas allocation, the
        overseas EPCI compete together for `outre_mer` zones."""
        if not self.outre_mer:
            return regions, dict(self.quotas)
        groups = np.where(np.isin(regions, sorted(OUTRE_MER)), GROUPE_OUTRE_MER, regions)
        return groups, dict(self.quotas) | {GROUPE_OUTRE_MER: self.outre_mer}

    def as_dict(self) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        if self.methode_explicite:
            extra = {
                "normalisation": self.normalisation,
                "plafond": self.plafond,
                "cumul": self.cumul,
                "agregation": self.agregation,
                "quotas": dict(sorted(self.quotas.items())),
            }
            if self.outre_mer:
                extra["outre_mer"] = self.outre_mer
        return extra | {
            "nom": self.nom,
            "depuis": self.depuis.isoformat(),
            "source": self.source,
            "poids": dict(self.poids),
            "seuil_percentile": self.seuil_percentile,
            "regle": self.regle,
            "nombre": self.nombre,
            "population": self.population,
        }

    @property
    def methode_explicite(self) -> bool:
        """False for the historical set (no [methode] section): its fingerprint stays what it was."""
        return (
            self.normalisation,
            self.plafond,
            self.cumul,
            self.agregation,
            self.quotas,
            self.outre_mer,
        ) != (
            "rangs",
            0.0,
            True,
            "moyenne",
            {},
            0,
        )


def _positive_int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ParamError(f"{what} doit être un entier strictement positif (reçu : {value!r}).")
    return value


def _nombre_en_vigueur(depuis: dt.date, origin: str) -> int:
    """The number of zones in force at the campaign's date, when the file gives none."""
    try:
        return entier("nombre_zones_rouges", depuis)
    except UnknownParametreError as exc:
        raise ParamError(f"{origin} : [selection] nombre absent, et {exc}") from exc


def parse_params(data: dict[str, Any], origin: str = "paramètres") -> ScoreParams:
    """Validates a parsed parameter file; every problem names the key and what is expected."""
    campagne = data.get("campagne", {})
    selection = data.get("selection", {})
    poids = data.get("poids")
    if not isinstance(poids, dict):
        raise ParamError(
            f"{origin} : section [poids] absente (un poids par critère : {', '.join(CRITERES)})."
        )
    unknown = sorted(set(poids) - set(CRITERES))
    if unknown:
        raise ParamError(
            f"{origin} : critère(s) inconnu(s) dans [poids] : {', '.join(unknown)} (connus : {', '.join(CRITERES)})."
        )
    methode = data.get("methode")
    if "vieillissement_mg" not in poids and methode is None:
        poids = dict(poids, vieillissement_mg=0.0)  # sets older than the stand-in criterion (ADR 0016)
    missing = [c for c in CRITERES if c not in poids]
    if missing:
        raise ParamError(f"{origin} : poids manquant(s) pour : {', '.join(missing)}.")
    weights: dict[str, float] = {}
    for name in CRITERES:
        value = poids[name]
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ParamError(f"{origin} : le poids de {name} doit être un nombre (reçu : {value!r}).")
        if value < 0:
            raise ParamError(
                f"{origin} : le poids de {name} est négatif ({value}) ; un poids vaut 0 ou plus."
            )
        weights[name] = float(value)
    if sum(weights.values()) <= 0:
        raise ParamError(f"{origin} : au moins un poids doit être strictement positif.")
    if methode is not None and abs(sum(weights.values()) - SOMME_POIDS) > TOLERANCE_SOMME:
        raise ParamError(
            f"{origin} : avec une section [methode], les poids doivent avoir pour somme 1 "
            f"(somme lue : {sum(weights.values()):.6g})."
        )
    options = _parse_methode(methode, origin) if methode is not None else {}
    regle = selection.get("regle", "nombre")
    if regle not in REGLES:
        raise ParamError(f"{origin} : règle de sélection {regle!r} inconnue (« nombre » ou « population »).")
    seuil = selection.get("seuil_percentile", 80)
    if isinstance(seuil, bool) or not isinstance(seuil, int | float) or not 0 < seuil < 100:
        raise ParamError(f"{origin} : seuil_percentile doit être compris entre 0 et 100 (reçu : {seuil!r}).")
    depuis = campagne.get("depuis", dt.date.today())
    if not isinstance(depuis, dt.date):
        raise ParamError(f"{origin} : [campagne] depuis doit être une date (AAAA-MM-JJ).")
    return ScoreParams(
        nom=str(campagne.get("nom", "Zonage")),
        depuis=depuis,
        source=str(campagne.get("source", "")),
        poids=weights,
        seuil_percentile=float(seuil),
        regle=regle,
        nombre=_positive_int(
            selection["nombre"] if "nombre" in selection else _nombre_en_vigueur(depuis, origin),
            "[selection] nombre",
        ),
        population=_positive_int(selection.get("population", 2_500_000), "[selection] population"),
        **options,
    )


def _parse_methode(methode: object, origin: str) -> dict[str, Any]:
    if not isinstance(methode, dict):
        raise ParamError(f"{origin} : [methode] doit être une section.")
    normalisation = methode.get("normalisation", "rangs")
    if normalisation not in NORMALISATIONS:
        raise ParamError(
            f"{origin} : normalisation {normalisation!r} inconnue ({', '.join(NORMALISATIONS)})."
        )
    agregation = methode.get("agregation", "moyenne")
    if agregation not in AGREGATIONS:
        raise ParamError(f"{origin} : agrégation {agregation!r} inconnue ({', '.join(AGREGATIONS)}).")
    plafond = methode.get("plafond", 0.0)
    if isinstance(plafond, bool) or not isinstance(plafond, int | float) or not 0 <= plafond <= 10:
        raise ParamError(f"{origin} : plafond doit être un nombre entre 0 et 10 (reçu : {plafond!r}).")
    cumul = methode.get("cumul", True)
    if not isinstance(cumul, bool):
        raise ParamError(f"{origin} : cumul doit valoir true ou false (reçu : {cumul!r}).")
    quotas_raw = methode.get("quotas", {})
    if not isinstance(quotas_raw, dict):
        raise ParamError(f"{origin} : [methode.quotas] doit associer un code de région à un nombre.")
    quotas = {}
    for code, count in quotas_raw.items():
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ParamError(f"{origin} : le quota de la région {code} doit être un entier positif ou nul.")
        quotas[str(code)] = count
    outre_mer = methode.get("outre_mer", 0)
    if isinstance(outre_mer, bool) or not isinstance(outre_mer, int) or outre_mer < 0:
        raise ParamError(f"{origin} : outre_mer doit être un entier positif ou nul (reçu : {outre_mer!r}).")
    return {
        "outre_mer": outre_mer,
        "normalisation": normalisation,
        "agregation": agregation,
        "plafond": float(plafond),
        "cumul": cumul,
        "quotas": quotas,
    }


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
    per_region = Counter(regions.values())
    overseas = sum(n for code, n in per_region.items() if code in OUTRE_MER)
    if params.outre_mer > overseas:
        raise ParamError(
            f"Objectif impossible : {params.outre_mer} zones réservées à l'outre-mer, qui compte {overseas} EPCI."
        )
    for code, quota in params.quotas.items():
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
) -> list[EpciScore]:
    """Scores, ranks and selects the EPCI; returns them in rank order. A composite composed per bassin
    de vie (`PORTAGES`) needs `bassins`; the EPCI's own criterion values are then shown, not scored."""
    sirens = sorted(values)
    region_of = regions or {}
    check_feasible(params, {s: region_of.get(s, "") for s in sirens}, len(sirens))
    raw = raw_matrix(values, sirens)
    pct = percentile_matrix(raw, params.agregation)
    poids = np.array([params.poids[c] for c in CRITERES])
    if params.agregation in PORTAGES:
        if bassins is None:
            raise ParamError(
                f"L'agrégation {params.agregation!r} compose le score par bassin de vie : "
                "les valeurs des bassins de vie manquent."
            )
        bv_pct = bassins.percentiles()
        bv_norm = normalise(bassins.raw, bv_pct, params.normalisation, params.plafond, params.agregation)
        carried = composite_bassins(
            bassins, bv_norm, bv_pct, poids, params.seuil_percentile, PORTAGES[params.agregation]
        )
        rows = bassins.aligned(sirens)
        present = rows >= 0
        score = np.full(len(sirens), np.nan)
        nb_float = np.zeros(len(sirens))
        norm = np.full(raw.shape, np.nan)
        score[present] = carried[0][rows[present]]
        nb_float[present] = np.nan_to_num(carried[1][rows[present]])
        norm[present] = carried[2][rows[present]]
        order = order_of(score, nb_float, params.cumul)
        nb = np.rint(nb_float).astype(np.int64)
    else:
        norm = normalise(raw, pct, params.normalisation, params.plafond, params.agregation)
        score, nb = composite(norm, pct, poids, params.seuil_percentile)
        order = order_of(score, nb, params.cumul)
    region_array = np.array([region_of.get(s, "") for s in sirens])
    pop_array = np.array([populations.get(s, 0) for s in sirens], dtype=np.int64)
    groups, quotas = params.groupes_selection(region_array)
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
    _explain(ordered, params, norm[order], poids)
    return ordered


def _fmt(value: float, decimals: int = 1) -> str:
    return f"{value:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")


def _competition(result: EpciScore, params: ScoreParams) -> str:
    """The group an EPCI competes in: its region when it has a quota, else the nation (or the rest)."""
    if params.outre_mer and result.region in OUTRE_MER:
        return GROUPE_OUTRE_MER
    return result.region if result.region in params.quotas else ""


def _explain(results: list[EpciScore], params: ScoreParams, norm: np.ndarray, poids: np.ndarray) -> None:
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
            f"les {params.outre_mer} premiers de l'outre-mer, puis les premiers de la métropole jusqu'à "
            f"{_fmt(params.population, 0)} habitants en tout"
        )
    elif params.outre_mer and not params.quotas:
        rule = (
            f"les {params.outre_mer} premiers de l'outre-mer, puis les {params.nombre - params.outre_mer} "
            "premiers de la métropole"
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
