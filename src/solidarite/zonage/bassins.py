"""EPCI values from bassin-de-vie values (ALD share, living standard, and the composite per bassin de vie of
ADR 0016): the population spread of each EPCI over its bassins, the tables per way of aggregating, and the
imputation of missing bassin values. Pure, typed; `calcul` composes it with the data files.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

import numpy as np
from numpy.typing import NDArray

from solidarite.territoire.sources import CommuneRow
from solidarite.zonage import sources
from solidarite.zonage.score import CRITERES, PIRE_PART, PORTAGES, SENS, percentiles

MIN_COVERAGE = 0.5  # share of the EPCI's population that must have a bassin-de-vie value
MAYOTTE = "976"
APL_CRITERES = ("apl", "apl_moins_65", "vieillissement_mg")
QUINTILE = 80.0  # a bassin is fragile on a criterion in the worst fifth of bassins


def vieillissement(apl: float, apl65: float) -> float | None:
    """Stand-in for the share of GPs aged 60 or more: the share of the APL offer given by GPs over 65."""
    return 100.0 * (1.0 - apl65 / apl) if apl > 0 else None


OUTSIDE = "commune hors des bassins de vie"

IntArray = NDArray[np.int64]
Cell = tuple[float | None, str]  # an EPCI's value of a criterion, or None and the reason


def encode(keys: list[str | None]) -> tuple[list[str], IntArray]:
    """The distinct keys in order of first appearance (None and "" left out), and each item's index among them
    (−1 for an item without a key)."""
    index: dict[str | None, int] = dict.fromkeys(keys, -1)
    names = [k for k in index if k]
    index.update(zip(names, range(len(names)), strict=True))
    return names, np.fromiter(map(index.__getitem__, keys), dtype=np.int64, count=len(keys))


@dataclass(frozen=True)
class Membres:
    """The communes of the EPCI (municipal arrondissements aside) as arrays, in the communes file's order:
    commune k, of population `population[k]` (0 when unknown), belongs to the EPCI `sirens[epci[k]]`, lives in
    the bassin de vie `bassins[bassin[k]]` (−1: in none) and the département `departements[departement[k]]`.
    The names are in order of first commune."""

    communes: list[CommuneRow]
    sirens: list[str]
    epci: IntArray
    population: IntArray
    bassins: list[str]
    bassin: IntArray
    departements: list[str]
    departement: IntArray

    @staticmethod
    def build(communes: list[CommuneRow], bassins: dict[str, str]) -> Membres:
        """`communes`: the territory's rows; `bassins`: commune code → bassin de vie."""
        members = [c for c in communes if c.type == "commune" and c.epci]
        sirens, epci = encode(list(map(attrgetter("epci"), members)))
        codes, bassin = encode(list(map(bassins.get, map(attrgetter("code"), members))))
        departements, departement = encode(list(map(attrgetter("departement"), members)))
        population = np.array([c.population or 0 for c in members], dtype=np.int64)
        return Membres(members, sirens, epci, population, codes, bassin, departements, departement)


def bassin_criterion(
    membres: Membres, value_of: Callable[[str], sources.Indicator | None]
) -> dict[str, Cell]:
    """Per EPCI, the population-weighted mean of its communes' bassin value, when the communes having one hold
    at least MIN_COVERAGE of its population; else None and the most frequent reason (first met on a tie)."""
    nb = len(membres.sirens)
    # per bassin: its value (known or not) and, when it has none, why
    known = np.zeros(len(membres.bassins), dtype=bool)
    values = np.zeros(len(membres.bassins))
    why = []
    for i, b in enumerate(membres.bassins):
        ind = value_of(b)
        if ind is not None and ind.value is not None:
            known[i], values[i] = True, ind.value
        why.append(OUTSIDE if ind is None else ind.missing)
    # per EPCI, sums over its communes in the file's order (as the loop they replace)
    covered_commune = np.append(known, False)[membres.bassin]  # index −1 (no bassin): the False appended
    population = membres.population.astype(np.float64)
    epci = membres.epci[covered_commune]
    total = np.bincount(membres.epci, weights=population, minlength=nb).tolist()
    covered = np.bincount(epci, weights=population[covered_commune], minlength=nb).tolist()
    weighted = np.bincount(
        epci, weights=values[membres.bassin[covered_commune]] * population[covered_commune], minlength=nb
    ).tolist()
    result: dict[str, Cell] = {}
    for k, siren in enumerate(membres.sirens):
        if total[k] > 0 and covered[k] / total[k] >= MIN_COVERAGE:
            result[siren] = (weighted[k] / covered[k], "")
            continue
        reasons: Counter[str] = Counter()
        for i in np.flatnonzero((membres.epci == k) & ~covered_commune).tolist():
            reasons[OUTSIDE if membres.bassin[i] < 0 else why[membres.bassin[i]]] += 1
        reason = reasons.most_common(1)[0][0] if reasons else "aucune commune"
        share = covered[k] / total[k] if total[k] else 0.0
        result[siren] = (None, f"{reason} (valeur connue pour {share:.0%} de la population)")
    return result


@dataclass(frozen=True)
class Spread:
    """How the population of each EPCI spreads over its bassins de vie, as pairs: pair k says that
    `population[k]` inhabitants of the EPCI `sirens[epci[k]]` live in the bassin `bassins[bassin[k]]`. Pairs run
    by EPCI, then in order of the EPCI's first commune in the bassin; `total` and `mayotte` are per EPCI."""

    sirens: list[str]
    bassins: list[str]
    epci: IntArray
    bassin: IntArray
    population: IntArray
    total: IntArray  # the EPCI's population, its communes outside any bassin included
    mayotte: NDArray[np.bool_]

    def by_bassin(self) -> dict[str, dict[str, float]]:
        """SIREN → bassin → population (every EPCI, in `sirens` order)."""
        result: dict[str, dict[str, float]] = {s: {} for s in self.sirens}
        for k, b, n in zip(self.epci.tolist(), self.bassin.tolist(), self.population.tolist(), strict=True):
            result[self.sirens[k]][self.bassins[b]] = float(n)
        return result


def bassin_spread(membres: Membres) -> Spread:
    """Per EPCI: its population per bassin de vie, its total population, whether it is in Mayotte."""
    nb, nb_bassins = len(membres.sirens), len(membres.bassins)
    has = membres.bassin >= 0
    key = membres.epci[has] * nb_bassins + membres.bassin[has]
    pairs, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    population = np.zeros(len(pairs), dtype=np.int64)
    np.add.at(population, inverse.ravel(), membres.population[has])
    order = np.lexsort((first, pairs // nb_bassins))  # by EPCI, then by first commune
    total = np.zeros(nb, dtype=np.int64)
    np.add.at(total, membres.epci, membres.population)
    mayotte = np.zeros(nb, dtype=bool)
    if MAYOTTE in membres.departements:
        mayotte[membres.epci[membres.departement == membres.departements.index(MAYOTTE)]] = True
    return Spread(
        membres.sirens,
        membres.bassins,
        pairs[order] // nb_bassins,
        pairs[order] % nb_bassins,
        population[order],
        total,
        mayotte,
    )


def first_per_group(groups: IntArray, keys: NDArray[Any], ties: IntArray, nb: int) -> IntArray:
    """Per group 0…nb−1, the index of its item with the smallest key, the one with the smallest `ties` on a tie
    (the item met first, as `min` and `Counter.most_common` take it); −1 for a group without an item."""
    order = np.lexsort((ties, keys, groups))
    head = np.ones(len(order), dtype=bool)
    head[1:] = groups[order][1:] != groups[order][:-1]
    result = np.full(nb, -1, dtype=np.int64)
    result[groups[order[head]]] = order[head]
    return result


def bassin_tables(
    spread: Spread,
    bv_values: dict[str, dict[str, float]],
    agregations: list[str],
    imputees: dict[str, dict[str, str]] | None = None,
) -> dict[str, dict[str, dict[str, Cell]]]:
    """EPCI values from bassin-de-vie values, one table per aggregation (all computed in one pass): the
    worst bassin holding at least PIRE_PART of the EPCI's population, or the share of its population living
    in the worst quintile of bassins (BV ranks); for a composite per bassin (`PORTAGES`), shown and not
    scored, the population-weighted mean of its bassins."""
    fragile: dict[str, set[str]] = {}
    if "part_bassins_fragiles" in agregations:
        for critere in CRITERES:
            known = {b: v[critere] for b, v in bv_values.items() if critere in v}
            codes = sorted(known)
            pct, _ = percentiles([known[b] for b in codes], SENS[critere])
            fragile[critere] = {b for b, q in zip(codes, pct, strict=True) if q is not None and q >= QUINTILE}
    nb = len(spread.sirens)
    # each bassin's value of each criterion (NaN: none) and whether it has one
    values_of = [bv_values.get(b, {}) for b in spread.bassins]
    matrix = np.array([[v.get(c, np.nan) for c in CRITERES] for v in values_of], dtype=np.float64)
    matrix = matrix.reshape(len(spread.bassins), len(CRITERES))
    present = np.array([[c in v for c in CRITERES] for v in values_of], dtype=bool).reshape(matrix.shape)
    columns: dict[str, list[list[Cell]]] = {a: [] for a in agregations}  # per aggregation, criterion, EPCI
    for j, critere in enumerate(CRITERES):
        # the pairs whose bassin has a value of the criterion, and each EPCI's population they cover
        has_value = present[:, j]
        value = np.where(has_value, matrix[:, j], 0.0)
        covered = has_value[spread.bassin]
        epci, people = spread.epci[covered], spread.population[covered]
        weight = np.zeros(nb, dtype=np.int64)
        np.add.at(weight, epci, people)
        share = np.divide(weight, spread.total, out=np.zeros(nb), where=spread.total > 0)
        usable = (np.bincount(epci, minlength=nb) > 0) & ~(share < MIN_COVERAGE)
        missing: list[Cell | None] = [None] * nb
        shares = share.tolist()
        for k in np.flatnonzero(~usable).tolist():
            if critere in APL_CRITERES and spread.mayotte[k]:
                missing[k] = (None, "APL non publiée pour Mayotte (hors du champ de la DREES)")
            else:
                missing[k] = (
                    None,
                    f"bassins de vie sans valeur (valeur connue pour {shares[k]:.0%} de la population)",
                )
        imputed = (imputees or {}).get(critere, {})
        guessed: dict[int, list[str]] = defaultdict(list)  # EPCI → its covered bassins with an imputed value
        for k, b in zip(epci.tolist(), spread.bassin[covered].tolist(), strict=True):
            if spread.bassins[b] in imputed:
                guessed[k].append(spread.bassins[b])
        notes = [""] * nb
        for k, bassins in guessed.items():
            first = sorted(bassins)
            notes[k] = f"bassin(s) {', '.join(first)} : {imputed[first[0]]}"
        pair_value = value[spread.bassin]
        for agregation, column in columns.items():
            if agregation == "pire_bassin":
                # the bassins holding PIRE_PART of the covered population, else all covered; the worst of them
                big = covered & (spread.population >= PIRE_PART * weight[spread.epci])
                with_big = np.bincount(spread.epci[big], minlength=nb) > 0
                keys = pair_value if SENS[critere] == "bas" else -pair_value
                candidates = np.flatnonzero(big | (covered & ~with_big[spread.epci]))
                pick = first_per_group(spread.epci[candidates], keys[candidates], candidates, nb)
                cells: list[Cell] = []
                for q in pick.tolist():  # q = −1: no covered bassin, the EPCI's value is missing
                    p = int(candidates[q]) if q >= 0 else -1
                    b = spread.bassins[spread.bassin[p]] if p >= 0 else ""
                    reason = f"bassin {b} : {imputed[b]}" if b in imputed else ""
                    cells.append((float(pair_value[p]) if p >= 0 else None, reason))
            elif agregation in PORTAGES:
                sums = np.bincount(epci, weights=value[spread.bassin[covered]] * people, minlength=nb)
                with np.errstate(invalid="ignore", divide="ignore"):
                    means = (sums / weight).tolist()
                cells = [(means[k], notes[k]) for k in range(nb)]
            else:
                in_fragile = np.array([b in fragile[critere] for b in spread.bassins], dtype=bool)
                inside = covered & in_fragile[spread.bassin]
                fragile_people = np.zeros(nb, dtype=np.int64)
                np.add.at(fragile_people, spread.epci[inside], spread.population[inside])
                with np.errstate(invalid="ignore", divide="ignore"):
                    parts = (100.0 * fragile_people / weight).tolist()
                cells = [(parts[k], notes[k]) for k in range(nb)]
            column.append([m if m is not None else cell for m, cell in zip(missing, cells, strict=True)])
    return {
        agregation: {
            siren: dict(zip(CRITERES, row, strict=True))
            for siren, row in zip(spread.sirens, zip(*column, strict=True), strict=True)
        }
        for agregation, column in columns.items()
    }


def departement_of_bassin(code: str) -> str:
    """A bassin de vie 2022 is named after its central commune: its département is the commune's."""
    return code[:3] if code.startswith("97") else code[:2]


def impute_bassins(
    bv_values: dict[str, dict[str, float]],
    universe: set[str],
    densites_mg: dict[str, float],
    departement_region: dict[str, str],
) -> dict[str, dict[str, str]]:
    """Fills the missing bassin-de-vie values in place (ADR 0016, "valeurs imputées"); returns, per
    criterion, bassin → how its value was imputed. A missing value must not silently drop a territory.

    1. APL and APL ≤ 65 (Mayotte, outside the DREES field): CartoSanté's GP density of the bassin × the
       national median ratio APL / density (bassins having both); APL ≤ 65 = that APL × the national
       median ratio APL ≤ 65 / APL; the stand-in for the share of old GPs follows from the two.
    2. Any other missing value (ALD "secret statistique", Filosofi absent for Guadeloupe, Guyane and
       Mayotte): the median of the bassins of the same département, else of the same region, else, for
       an overseas bassin, of the overseas bassins that have one (the nearest comparable), else of France.
    """
    result: dict[str, dict[str, str]] = {c: {} for c in CRITERES}
    ordered = sorted(universe)
    known_apl = [b for b, v in bv_values.items() if "apl" in v and densites_mg.get(b, 0.0) > 0]
    if known_apl:
        per_gp = float(np.median([bv_values[b]["apl"] / densites_mg[b] for b in known_apl]))
        shares = [
            bv_values[b]["apl_moins_65"] / bv_values[b]["apl"] for b in known_apl if bv_values[b]["apl"] > 0
        ]
        # no offer anywhere: no share of old GPs to impute
        ratio65 = float(np.median(shares)) if shares else 1.0
        for b in ordered:
            values = bv_values.setdefault(b, {})
            if "apl" not in values and b in densites_mg:
                values["apl"] = densites_mg[b] * per_gp
                values["apl_moins_65"] = values["apl"] * ratio65
                old = vieillissement(values["apl"], values["apl_moins_65"])
                if old is not None:
                    values["vieillissement_mg"] = old
                how = f"APL imputée de la densité de généralistes CartoSanté ({densites_mg[b]:g} pour 10 000 hab.)"
                for critere in APL_CRITERES:
                    result[critere][b] = how
    region_of = {b: departement_region.get(departement_of_bassin(b), "") for b in universe}
    for critere in CRITERES:
        known = {b: v[critere] for b, v in bv_values.items() if critere in v}
        if not known:
            continue
        groups: dict[str, dict[str, list[float]]] = {"dep": defaultdict(list), "reg": defaultdict(list)}
        overseas: list[float] = []
        for b, value in known.items():
            groups["dep"][departement_of_bassin(b)].append(value)
            groups["reg"][region_of.get(b, "")].append(value)
            if b.startswith("97"):
                overseas.append(value)
        samples: dict[tuple[str, str], list[float]] = {
            **{("dep", k): v for k, v in groups["dep"].items()},
            **{("reg", k): v for k, v in groups["reg"].items()},
            ("outre-mer", ""): overseas,
            ("france", ""): list(known.values()),
        }
        medians: dict[tuple[str, str], float] = {}  # each group's median, computed once
        for b in ordered:
            if critere in bv_values.get(b, {}):
                continue
            dep, reg = departement_of_bassin(b), region_of.get(b, "")
            if groups["dep"].get(dep):
                group, how = ("dep", dep), f"médiane des bassins du département {dep}"
            elif reg and groups["reg"].get(reg):
                group, how = ("reg", reg), f"médiane des bassins de la région {reg}"
            elif b.startswith("97") and overseas:
                group, how = ("outre-mer", ""), "médiane des bassins d'outre-mer qui en ont une"
            else:
                group, how = ("france", ""), "médiane nationale des bassins"
            if group not in medians:
                medians[group] = float(np.median(samples[group]))
            value = medians[group]
            bv_values.setdefault(b, {})[critere] = value
            result[critere][b] = how
    return result
