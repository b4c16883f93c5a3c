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

from solidarite.zonage.composite import (  # re-exported: read from here by the other modules
    Bassins as Bassins,
)
from solidarite.zonage.composite import (
    composite as composite,
)
from solidarite.zonage.composite import (
    composite_bassins as composite_bassins,
)
from solidarite.zonage.composite import (
    normalise as normalise,
)
from solidarite.zonage.composite import (
    percentile_matrix as percentile_matrix,
)
from solidarite.zonage.composite import rankdata
from solidarite.zonage.composite import (
    scores_methode as scores_methode,
)
from solidarite.zonage.composite import (
    sens_of as sens_of,
)
from solidarite.zonage.composite import (
    vote as vote,
)
from solidarite.zonage.explication import Differee
from solidarite.zonage.explication import (  # re-exported: read from here by the other modules
    unite_ecart as unite_ecart,
)
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
from solidarite.zonage.methode import (
    reste_outre_mer,
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
    # a text, or a function writing it on the first read (`classement`): the text is what is read either way
    explication: Differee = Differee()  # noqa: RUF009 -- a descriptor, as dataclasses document them
    region: str = ""
    rang_region: int = 0
    ecart_seuil: float | None = None  # score minus the score of the last EPCI retained in its competition
    critere_decisif: str = ""
    # The composite of the (principal) method, 0–100: the fragility itself. Equal to `score` without a vote;
    # with one, `score` is the share of the methods retaining the EPCI, and this stays the fragility (ADR 0021).
    score_fragilite: float | None = None


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


def check_feasible(
    params: ScoreParams, regions: dict[str, str], total: int, population_totale: int | None = None
) -> None:
    """An impossible target (quotas over the number, a quota over a region's EPCI count, a population over
    that of every EPCI ranked) → ParamError."""
    if params.regle == "nombre" and params.nombre > total:
        raise ParamError(f"Objectif impossible : {params.nombre} zones demandées pour {total} EPCI classés.")
    if (
        params.regle == "population"
        and population_totale is not None
        and params.population > population_totale
    ):
        raise ParamError(
            f"Objectif impossible : {params.population} habitants demandés, plus que la population des "
            f"{total} EPCI classés ({population_totale})."
        )
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
        reste, autres = reste_outre_mer(params.outre_mer, params.outre_mer_territoires, per_region)
        if reste > autres:
            raise ParamError(
                f"Objectif impossible : {reste} zones d'outre-mer à prendre hors des territoires comptés à part "
                f"({', '.join(sorted(params.outre_mer_territoires))}) ; les autres territoires n'ont que {autres} EPCI."
            )
    for code, quota in (params.quotas | params.outre_mer_territoires).items():
        if code not in per_region:  # "99" = 0 was read and meant nothing
            raise ParamError(
                f"Quota pour la région {code!r}, qui n'a aucun EPCI classé : code de région inconnu."
            )
        if quota > per_region.get(code, 0):
            raise ParamError(
                f"Objectif impossible : quota de {quota} zones pour la région {code}, "
                f"qui compte {per_region.get(code, 0)} EPCI."
            )


def _check_reached(
    params: ScoreParams, quotas: dict[str, int], zones: int, habitants: int, habitants_quotas: int
) -> None:
    """A target the quotas made impossible (`--n 1245` when the overseas EPCI compete for 9 zones only):
    refused, where less than asked was returned in silence; so is a population target the quotas alone pass
    (`habitants_quotas`: 300 zones and 6.9 M inhabitants were returned for 2.5 M asked)."""
    if not quotas:
        return
    noms = NOMS_OUTRE_MER | {
        GROUPE_OUTRE_MER: "autre outre-mer" if params.outre_mer_territoires else "outre-mer"
    }
    bornes = (
        "les quotas de la méthode ("
        + ", ".join(f"{noms.get(c, f'région {c}')} {q}" for c, q in sorted(quotas.items()) if q)
        + ")"
    )
    if params.regle == "nombre" and zones < params.nombre:
        raise ParamError(
            f"Objectif impossible : {params.nombre} zones demandées ; avec {bornes}, {zones} EPCI au plus "
            "peuvent être retenus."
        )
    if params.regle == "population" and habitants_quotas > params.population:
        raise ParamError(
            f"Objectif impossible : {params.population} habitants demandés ; {bornes} retiennent à eux seuls "
            f"des zones de {habitants_quotas} habitants."
        )
    if params.regle == "population" and habitants < params.population:
        raise ParamError(
            f"Objectif impossible : {params.population} habitants demandés ; avec {bornes}, les zones retenues "
            f"n'en comptent que {habitants}."
        )


def raw_matrix(values: dict[str, dict[str, tuple[float | None, str]]], sirens: list[str]) -> np.ndarray:
    """EPCI × CRITERES values; a missing one (None) is NaN, as numpy converts None to a float array."""
    return np.array(
        [row.get(c, ABSENT)[0] for row in map(values.__getitem__, sirens) for c in CRITERES],
        dtype=np.float64,
    ).reshape(len(sirens), len(CRITERES))


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
    score is then the weighted share of the methods that retain the EPCI (`vote`). A caller scoring the same
    tables again (a what-if) keeps a `classement.Classement` instead: what the weights do not change is
    computed once there."""
    from solidarite.zonage.classement import Classement  # it builds on this module

    tables = dict(autres or {}) | {params.agregation: values}
    return Classement(tables, populations, regions or {}, bassins).scores(params)
