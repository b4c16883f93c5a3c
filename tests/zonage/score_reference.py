"""The scoring as it was before `classement` (commit 8e5c7bc, `score.score_epcis` and `_explain`), kept verbatim
as the reference the prepared, vectorised path must equal (test_classement.py): every EPCI's fields and text.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from solidarite.zonage.composite import rankdata
from solidarite.zonage.score import (
    ABSENT,
    CRITERES,
    GROUPE_OUTRE_MER,
    LIBELLES,
    NOMS_OUTRE_MER,
    OUTRE_MER,
    Bassins,
    CritereValue,
    EpciScore,
    ParamError,
    ScoreParams,
    _check_reached,
    check_feasible,
    order_of,
    percentile_matrix,
    raw_matrix,
    scores_methode,
    select,
    sens_of,
    vote,
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
