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
    explication: str = ""
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
    score is then the weighted share of the methods that retain the EPCI (`vote`)."""
    sirens = sorted(values)
    region_of = regions or {}
    check_feasible(
        params,
        {s: region_of.get(s, "") for s in sirens},
        len(sirens),
        sum(populations.get(s, 0) for s in sirens),
    )
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
    in_quotas = selected & np.isin(groups, [c for c, q in quotas.items() if q])
    _check_reached(
        params, quotas, int(selected.sum()), int(pop_array[selected].sum()), int(pop_array[in_quotas].sum())
    )
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
    fragility_list = principal.tolist()
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
        own = fragility_list[k]
        results.append(
            EpciScore(
                siren,
                populations.get(siren, 0),
                criteres,
                int(nb_list[k]),
                None if total != total else total,
                selectionnee=bool(selected_list[k]),
                region=region_of.get(siren, ""),
                score_fragilite=None if own != own else own,
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


def unite_ecart(vote: bool) -> str:
    """The unit of `ecart_seuil`: points of the composite, or of the share of a vote's methods (ADR 0021)."""
    return "point(s) de part du vote" if vote else "point(s) de score"


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
            f"de la métropole jusqu'à atteindre {_fmt(params.population, 0)} habitants en tout, outre-mer compris "
            "(le dernier retenu franchit ce nombre)"
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
            rule += f" jusqu'à atteindre {_fmt(params.population, 0)} habitants en tout"
    elif params.regle == "nombre":
        rule = f"les {params.nombre} premiers"
    else:
        rule = f"les premiers jusqu'à atteindre {_fmt(params.population, 0)} habitants"
    share = poids / poids.sum() if poids.sum() > 0 else poids
    # The criterion that weighed most: the largest weighted badness above the median (retained EPCI),
    # the smallest one (not retained): the one that kept it out. Vectorised over every EPCI.
    usable = ~np.isnan(norm) & (poids > 0)
    contributions = share * (np.nan_to_num(norm) - 50.0)
    highest = np.where(usable, contributions, -np.inf).argmax(axis=1)
    lowest = np.where(usable, contributions, np.inf).argmin(axis=1)
    selected = np.array([r.selectionnee for r in results], dtype=bool)
    decisive = (np.where(usable.any(axis=1), np.where(selected, highest, lowest), -1)).tolist()
    # A territory whose published count takes every one of its EPCI (Mayotte: 5 zones, 5 EPCI): its score decided
    # nothing, whatever the criteria it has values for.
    per_group = Counter(_competition(r, params) for r in results)
    whole = {
        code: n
        for code, n in params.outre_mer_territoires.items()
        if params.outre_mer and n and n >= per_group.get(code, 0)
    }
    # A territory whose published count is 0 (Martinique, among « the other territories » when the published
    # detail leaves them none): no EPCI of it is retained, whatever its score, and there is no cut-off to be
    # away from; said so, instead of a rule that reads as if its rank had decided.
    sans_zone: set[str] = set()
    if params.outre_mer and params.outre_mer_territoires:
        sans_zone = {code for code, n in params.outre_mer_territoires.items() if n == 0}
        if params.outre_mer == sum(params.outre_mer_territoires.values()):
            sans_zone.add(GROUPE_OUTRE_MER)
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
        if params.membres:
            own = r.score_fragilite
            head = (
                f"Rang {r.rang} sur {total} (rang {r.rang_region} dans sa région) : retenue par {score} % des "
                f"{len(params.membres)} méthodes du vote (pondérées par leur accord avec les faits publiés) ; "
                f"{r.nb_fragilites} fragilité(s), score des fragilités (méthode principale) "
                f"{_fmt(own) if own is not None else 'non calculable'}."
            )
        gap = ""
        if r.ecart_seuil is not None and reference is not None:
            other = "premier non retenu" if r.selectionnee else "dernier retenu"
            unit = unite_ecart(bool(params.membres))
            gap = (
                f" Écart au seuil (score du {other}, rang {reference.rang}) : "
                f"{'+' if r.ecart_seuil >= 0 else '−'}{_fmt(abs(r.ecart_seuil), 2)} {unit}."
            )
            if r.ecart_seuil == 0 and params.membres:
                gap += f" À égalité de votes avec le {other} : la méthode principale les a départagés."
        why = (
            f"Retenue : parmi {rule}." if r.selectionnee else f"Non retenue : la sélection retient {rule}."
        ) + gap
        if not r.selectionnee and group in sans_zone:
            why = (
                f"Non retenue : les comptes publiés ne donnent aucune zone à {NOMS_OUTRE_MER[r.region]}"
                f"{_detail_territoires(params)} ; aucun de ses EPCI n'est retenu, quel que soit son score, et il "
                "n'y a pas de seuil dont mesurer l'écart."
            )
            r.critere_decisif = ""  # the published count decided, not a criterion
        if r.selectionnee and group in whole:
            why = (
                f"Retenue : {NOMS_OUTRE_MER[group]} a {whole[group]} zones publiées pour ses {per_group[group]} EPCI, "
                "tous retenus quel que soit leur score ; le rang et le score ne décident pas ici."
            )
            r.critere_decisif = ""
        decisive_text = f" Critère décisif : {LIBELLES[r.critere_decisif]}." if r.critere_decisif else ""
        detail = (
            f" Fragilités : {', '.join(fragiles)}."
            if fragiles
            else " Aucun critère dans la part la plus défavorable."
        )
        # a criterion the score weighs but this EPCI has no value for (Mayotte's APL, outside DREES's field;
        # Filosofi overseas): said, so that « 0 fragilité » is not read as « nothing fragile »
        absents = [
            LIBELLES[c] for i, c in enumerate(CRITERES) if poids[i] > 0 and r.criteres[c].valeur is None
        ]
        if absents:
            detail += f" Sans valeur ici, donc non comptés : {', '.join(absents)}."
        r.explication = f"{head} {why}{decisive_text}{detail}"
