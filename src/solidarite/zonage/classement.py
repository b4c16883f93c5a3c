"""Scoring, ranking and selecting the EPCI from a prepared structure: a what-if on the weights re-scores fast.

`Classement` holds the criteria tables and computes once, per aggregation, what a scoring reads and the
weights do not change — the EPCI × criteria matrix, the national percentiles and ranks, populations and
regions as arrays, the normalised criteria, each criterion's shown value (`CritereValue`). `scores(params)`
then scores, ranks and selects with numpy and builds the `EpciScore` list; each explanation is written on
its first read (`explication.Explications`). `score.score_epcis` is a `Classement` used once. Pure, typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import numpy as np

from solidarite.zonage.composite import Bassins, percentile_matrix, rankdata, scores_methode, sens_of, vote
from solidarite.zonage.explication import SANS_ZONE, TOUS_RETENUS, Explications, competition, regle
from solidarite.zonage.methode import ABSENT, CRITERES, GROUPE_OUTRE_MER, ParamError, ScoreParams
from solidarite.zonage.score import (
    CritereValue,
    EpciScore,
    _check_reached,
    check_feasible,
    order_of,
    raw_matrix,
    select,
)

Table = dict[str, dict[str, tuple[float | None, str]]]
CACHE_MAX = 32  # entries kept per cache of a `Vue` (normalisations, shown values per threshold and weights)


@dataclass(frozen=True)
class Vue:
    """What scoring with one (principal) aggregation reads and the weights do not change; the caches hold
    what depends on a few other parameters only (the normalisation, the threshold, which weights are 0)."""

    sirens: list[str]
    values: Table
    raw: np.ndarray
    pct: np.ndarray
    populations: np.ndarray
    population_list: list[int]
    regions: np.ndarray
    region_list: list[str]
    region_of: dict[str, str]  # for `check_feasible`
    region_index: np.ndarray  # each EPCI's region as an integer, for the rank in its region
    population_totale: int
    rangs: list[list[int]]  # per criterion, each EPCI's rank, 1 = worst (−1: no value)
    rows: np.ndarray | None  # `Bassins.aligned(sirens)`
    absents: np.ndarray  # EPCI × CRITERES: no value (None)
    normalised: dict[tuple[str, str, float], np.ndarray] = field(default_factory=dict)
    matrices: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    shown: dict[tuple[float, tuple[bool, ...]], list[tuple[CritereValue, ...]]] = field(default_factory=dict)

    @staticmethod
    def build(
        values: Table,
        populations: dict[str, int],
        regions: dict[str, str],
        agregation: str,
        bassins: Bassins | None,
    ) -> Vue:
        sirens = sorted(values)
        raw = raw_matrix(values, sirens)
        rangs = []
        for j, critere in enumerate(CRITERES):
            column = raw[:, j]
            present = ~np.isnan(column)
            badness = -column[present] if sens_of(critere, agregation) == "bas" else column[present]
            ranks = np.full(len(sirens), -1)
            ranks[present] = rankdata(-badness, method="min").astype(int)
            rangs.append(ranks.tolist())
        region_list = [regions.get(s, "") for s in sirens]
        population_list = [populations.get(s, 0) for s in sirens]
        _, region_index = np.unique(np.array(region_list), return_inverse=True)
        return Vue(
            sirens,
            values,
            raw,
            percentile_matrix(raw, agregation),
            np.array(population_list, dtype=np.int64),
            population_list,
            np.array(region_list),
            region_list,
            dict(zip(sirens, region_list, strict=True)),
            region_index.ravel(),
            sum(population_list),
            rangs,
            bassins.aligned(sirens) if bassins is not None else None,
            np.array(
                [row.get(c, ABSENT)[0] is None for row in map(values.__getitem__, sirens) for c in CRITERES],
                dtype=bool,
            ).reshape(raw.shape),
        )

    def matrice(self, agregation: str, tables: dict[str, Table]) -> tuple[np.ndarray, np.ndarray]:
        """The criteria and percentiles of a vote's member aggregation, on this view's EPCI."""
        found = self.matrices.get(agregation)
        if found is None:
            table = tables.get(agregation)
            if table is None:
                raise ParamError(f"Les critères de l'agrégation {agregation!r} (un membre du vote) manquent.")
            raw = raw_matrix(table, self.sirens)
            found = self.matrices[agregation] = (raw, percentile_matrix(raw, agregation))
        return found

    def criteres(self, seuil: float, positifs: tuple[bool, ...]) -> list[tuple[CritereValue, ...]]:
        """Each EPCI's criteria as shown (`CritereValue`, in CRITERES order): fragile when its percentile
        reaches `seuil` and the criterion weighs (`positifs`)."""
        key = (seuil, positifs)
        found = self.shown.get(key)
        if found is not None:
            return found
        pct_rows = self.pct.tolist()
        rows = []
        for k, siren in enumerate(self.sirens):
            row = self.values[siren]
            cells = []
            for j, critere in enumerate(CRITERES):
                value, reason = row.get(critere, ABSENT)
                p = pct_rows[k][j]
                p = None if p != p else p  # NaN
                rank = self.rangs[j][k]
                cells.append(
                    CritereValue(
                        value,
                        reason if value is None else "",
                        p,
                        rank if rank > 0 else None,
                        p is not None and p >= seuil and positifs[j],
                        reason if value is not None else "",
                    )
                )
            rows.append(tuple(cells))
        if len(self.shown) >= CACHE_MAX:
            self.shown.clear()
        self.shown[key] = rows
        return rows

    def methode(
        self,
        raw: np.ndarray,
        pct: np.ndarray,
        bassins: Bassins | None,
        agregation: str,
        normalisation: str,
        plafond: float,
        poids: np.ndarray,
        seuil: float,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`scores_methode` with this view's normalised criteria, kept between scorings."""
        store = dict(self.normalised)  # a copy: another thread's scoring may clear the cache meanwhile
        result = scores_methode(
            raw, pct, bassins, self.sirens, agregation, normalisation, plafond, poids, seuil, store, self.rows
        )
        if len(store) > len(self.normalised):
            if len(store) > CACHE_MAX:
                self.normalised.clear()
            self.normalised.update(store)
        return result


@dataclass(frozen=True)
class Classement:
    """The criteria tables of every aggregation (`tables`), the EPCI's populations and regions and the bassins
    de vie (for a composite composed per bassin): `scores(params)` scores, ranks and selects them."""

    tables: dict[str, Table]
    populations: dict[str, int]
    regions: dict[str, str]
    bassins: Bassins | None = None
    vues: dict[str, Vue] = field(default_factory=dict, repr=False, compare=False)

    def vue(self, agregation: str) -> Vue:
        found = self.vues.get(agregation)
        if found is None:
            found = Vue.build(
                self.tables[agregation], self.populations, self.regions, agregation, self.bassins
            )
            self.vues[agregation] = found
        return found

    def manquants(self, agregation: str) -> dict[str, int]:
        """Per criterion, the EPCI without a value in the aggregation's table."""
        counts = self.vue(agregation).absents.sum(axis=0).tolist()
        return dict(zip(CRITERES, counts, strict=True))

    def scores(self, params: ScoreParams) -> list[EpciScore]:
        """Scores, ranks and selects the EPCI; returns them in rank order. A composite composed per bassin
        de vie (`PORTAGES`) needs `bassins`; the EPCI's own criterion values are then shown, not scored.
        A vote of methods (`params.membres`) needs the criteria of each member's aggregation; the score is
        then the weighted share of the methods that retain the EPCI (`vote`)."""
        vue = self.vue(params.agregation)
        sirens = vue.sirens
        check_feasible(params, vue.region_of, len(sirens), vue.population_totale)
        poids = np.array([params.poids[c] for c in CRITERES])
        score, nb_float, norm = vue.methode(
            vue.raw,
            vue.pct,
            self.bassins,
            params.agregation,
            params.normalisation,
            params.plafond,
            poids,
            params.seuil_percentile,
        )
        order = order_of(score, nb_float, params.cumul)
        nb = np.rint(nb_float).astype(np.int64)
        pop_array = vue.populations
        groups, quotas = params.groupes_selection(vue.regions)
        principal = score
        if params.membres:
            choices = []
            for membre in params.membres:
                if membre.agregation == params.agregation:
                    raw_m, pct_m = vue.raw, vue.pct
                else:
                    raw_m, pct_m = vue.matrice(membre.agregation, self.tables)
                m_score, m_nb, _ = vue.methode(
                    raw_m,
                    pct_m,
                    self.bassins,
                    membre.agregation,
                    membre.normalisation,
                    membre.plafond,
                    np.array([membre.poids[c] for c in CRITERES]),
                    params.seuil_percentile,
                )
                m_order = order_of(m_score, m_nb, membre.cumul)
                choices.append(
                    select(m_order, pop_array, groups, params.regle, params.nombre, params.population, quotas)
                )
            score, order = vote(choices, [m.vote for m in params.membres], order)
        selected = select(order, pop_array, groups, params.regle, params.nombre, params.population, quotas)
        in_quotas = selected & np.isin(groups, [c for c, q in quotas.items() if q])
        _check_reached(
            params,
            quotas,
            int(selected.sum()),
            int(pop_array[selected].sum()),
            int(pop_array[in_quotas].sum()),
        )
        return _resultats(vue, params, order, score, principal, nb, selected, norm, poids)


def _resultats(
    vue: Vue,
    params: ScoreParams,
    order: np.ndarray,
    score: np.ndarray,
    principal: np.ndarray,
    nb: np.ndarray,
    selected: np.ndarray,
    norm: np.ndarray,
    poids: np.ndarray,
) -> list[EpciScore]:
    """The `EpciScore` of each EPCI in rank order, their gap to the cut-off, decisive criterion and (on
    read) explanation."""
    n = len(order)
    positifs = tuple(bool(p > 0) for p in poids)
    shown = vue.criteres(params.seuil_percentile, positifs)
    # the rank in its region: the position among the EPCI of the same region, in rank order
    ranked_regions = vue.region_index[order]
    by_region = np.argsort(ranked_regions, kind="stable")
    counts = np.bincount(ranked_regions)
    rang_region = np.empty(n, dtype=np.int64)
    rang_region[by_region] = np.arange(n) - np.repeat(np.cumsum(counts) - counts, counts) + 1
    order_list = order.tolist()
    sel = selected[order].tolist()
    scores = [None if s != s else s for s in score[order].tolist()]
    own = [None if s != s else s for s in principal[order].tolist()]
    regions = [vue.region_list[k] for k in order_list]
    of_region = {r: competition(r, params) for r in set(regions)}
    groupe = [of_region[r] for r in regions]
    last_in: dict[str, int] = {}
    first_out: dict[str, int] = {}
    for i, (g, s) in enumerate(zip(groupe, sel, strict=True)):
        if s:
            last_in[g] = i
        elif g not in first_out:
            first_out[g] = i
    reference = [(first_out if s else last_in).get(g, -1) for g, s in zip(groupe, sel, strict=True)]
    ecart: list[float | None] = []
    for s, r in zip(scores, reference, strict=True):
        cut = scores[r] if r >= 0 else None
        ecart.append(None if s is None or cut is None else s - cut)
    # The criterion that weighed most: the largest weighted badness above the median (retained EPCI),
    # the smallest one (not retained): the one that kept it out.
    ranked_norm = norm[order]
    share = poids / poids.sum() if poids.sum() > 0 else poids
    usable = ~np.isnan(ranked_norm) & (poids > 0)
    contributions = share * (np.nan_to_num(ranked_norm) - 50.0)
    highest = np.where(usable, contributions, -np.inf).argmax(axis=1)
    lowest = np.where(usable, contributions, np.inf).argmin(axis=1)
    decisive = np.where(usable.any(axis=1), np.where(selected[order], highest, lowest), -1).tolist()
    par_groupe: dict[str, int] = {}
    for g in groupe:
        par_groupe[g] = par_groupe.get(g, 0) + 1
    # A territory whose published count takes every one of its EPCI (Mayotte: 5 zones, 5 EPCI): its score decided
    # nothing. One whose published count is 0 (or « the other territories » when the published detail leaves
    # them none): no EPCI of it is retained, and there is no cut-off to be away from.
    whole = {
        code
        for code, count in params.outre_mer_territoires.items()
        if params.outre_mer and count and count >= par_groupe.get(code, 0)
    }
    sans_zone: set[str] = set()
    if params.outre_mer and params.outre_mer_territoires:
        sans_zone = {code for code, count in params.outre_mer_territoires.items() if count == 0}
        if params.outre_mer == sum(params.outre_mer_territoires.values()):
            sans_zone.add(GROUPE_OUTRE_MER)
    cas = [
        SANS_ZONE if not s and g in sans_zone else TOUS_RETENUS if s and g in whole else 0
        for g, s in zip(groupe, sel, strict=True)
    ]
    decisif = [CRITERES[d] if d >= 0 and not c else "" for d, c in zip(decisive, cas, strict=True)]
    rows = [shown[k] for k in order_list]
    explications = Explications(
        params,
        regle(params),
        rang_region.tolist(),
        nb[order].tolist(),
        scores,
        own,
        sel,
        reference,
        ecart,
        decisif,
        cas,
        regions,
        groupe,
        par_groupe,
        (vue.pct[order] >= params.seuil_percentile) & (poids > 0),  # as `CritereValue.fragile`
        vue.absents[order] & (poids > 0),
    )
    texte = explications.texte
    sirens, populations = vue.sirens, vue.population_list
    return [
        EpciScore(
            sirens[k],
            populations[k],
            dict(zip(CRITERES, rows[i], strict=True)),
            explications.nb_fragilites[i],
            scores[i],
            i + 1,
            sel[i],
            partial(texte, i),
            regions[i],
            explications.rang_region[i],
            ecart[i],
            decisif[i],
            own[i],
        )
        for i, k in enumerate(order_list)
    ]
