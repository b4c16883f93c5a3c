"""EPCI values from bassin-de-vie values (ALD share, living standard, and the composite per bassin de vie of
ADR 0016): the population spread of each EPCI over its bassins, the tables per way of aggregating, and the
imputation of missing bassin values. Pure, typed; `calcul` composes it with the data files.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable

import numpy as np

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


def bassin_criterion(
    members: dict[str, list[CommuneRow]],
    bassins: dict[str, str],
    value_of: Callable[[str], sources.Indicator | None],
) -> dict[str, tuple[float | None, str]]:
    result: dict[str, tuple[float | None, str]] = {}
    for siren, communes in members.items():
        total = covered = weighted = 0.0
        reasons: Counter[str] = Counter()
        for c in communes:
            population = float(c.population or 0)
            total += population
            bassin = bassins.get(c.code)
            ind = value_of(bassin) if bassin else None
            if ind is None:
                reasons["commune hors des bassins de vie"] += 1
            elif ind.value is None:
                reasons[ind.missing] += 1
            else:
                covered += population
                weighted += ind.value * population
        if total > 0 and covered / total >= MIN_COVERAGE:
            result[siren] = (weighted / covered, "")
        else:
            reason = reasons.most_common(1)[0][0] if reasons else "aucune commune"
            share = covered / total if total else 0.0
            result[siren] = (None, f"{reason} (valeur connue pour {share:.0%} de la population)")
    return result


def bassin_spread(
    members: dict[str, list[CommuneRow]], bassins: dict[str, str]
) -> dict[str, tuple[dict[str, int], int, bool]]:
    """Per EPCI: its population per bassin de vie, its total population, whether it is in Mayotte."""
    result = {}
    for siren, communes in members.items():
        by_bassin: Counter[str] = Counter()
        total = 0
        for c in communes:
            population = c.population or 0
            total += population
            bassin = bassins.get(c.code)
            if bassin:
                by_bassin[bassin] += population
        result[siren] = (dict(by_bassin), total, any(c.departement == MAYOTTE for c in communes))
    return result


def bassin_tables(
    spread: dict[str, tuple[dict[str, int], int, bool]],
    bv_values: dict[str, dict[str, float]],
    agregations: list[str],
    imputees: dict[str, dict[str, str]] | None = None,
) -> dict[str, dict[str, dict[str, tuple[float | None, str]]]]:
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
    tables: dict[str, dict[str, dict[str, tuple[float | None, str]]]] = {a: {} for a in agregations}
    for siren, (by_bassin, total, mayotte) in spread.items():
        rows: dict[str, dict[str, tuple[float | None, str]]] = {a: {} for a in agregations}
        for critere in CRITERES:
            covered = {b: n for b, n in by_bassin.items() if critere in bv_values.get(b, {})}
            weight = sum(covered.values())
            share = weight / total if total else 0.0
            missing: tuple[float | None, str] | None = None
            if (not covered or share < MIN_COVERAGE) and critere in APL_CRITERES and mayotte:
                missing = (None, "APL non publiée pour Mayotte (hors du champ de la DREES)")
            elif not covered or share < MIN_COVERAGE:
                missing = (
                    None,
                    f"bassins de vie sans valeur (valeur connue pour {share:.0%} de la population)",
                )
            if missing is not None:
                for row in rows.values():
                    row[critere] = missing
                continue
            imputed = (imputees or {}).get(critere, {})
            guessed = sorted(b for b in covered if b in imputed)
            note = f"bassin(s) {', '.join(guessed)} : {imputed[guessed[0]]}" if guessed else ""
            mean: tuple[float | None, str] | None = None
            for agregation, row in rows.items():
                if agregation == "pire_bassin":
                    big = [b for b, n in covered.items() if n >= PIRE_PART * weight] or list(covered)
                    pick = (min if SENS[critere] == "bas" else max)(big, key=lambda b: bv_values[b][critere])
                    row[critere] = (
                        bv_values[pick][critere],
                        f"bassin {pick} : {imputed[pick]}" if pick in imputed else "",
                    )
                elif agregation in PORTAGES:
                    if mean is None:
                        mean = (sum(bv_values[b][critere] * n for b, n in covered.items()) / weight, note)
                    row[critere] = mean
                else:
                    inside = sum(n for b, n in covered.items() if b in fragile[critere])
                    row[critere] = (100.0 * inside / weight, note)
        for agregation, row in rows.items():
            tables[agregation][siren] = row
    return tables


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
    known_apl = [b for b, v in bv_values.items() if "apl" in v and densites_mg.get(b, 0.0) > 0]
    if known_apl:
        per_gp = float(np.median([bv_values[b]["apl"] / densites_mg[b] for b in known_apl]))
        ratio65 = float(
            np.median(
                [
                    bv_values[b]["apl_moins_65"] / bv_values[b]["apl"]
                    for b in known_apl
                    if bv_values[b]["apl"] > 0
                ]
            )
        )
        for b in sorted(universe):
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
        national = float(np.median(list(known.values())))
        for b in sorted(universe):
            if critere in bv_values.get(b, {}):
                continue
            dep, reg = departement_of_bassin(b), region_of.get(b, "")
            if groups["dep"].get(dep):
                value, how = float(np.median(groups["dep"][dep])), f"médiane des bassins du département {dep}"
            elif reg and groups["reg"].get(reg):
                value, how = float(np.median(groups["reg"][reg])), f"médiane des bassins de la région {reg}"
            elif b.startswith("97") and overseas:
                value, how = float(np.median(overseas)), "médiane des bassins d'outre-mer qui en ont une"
            else:
                value, how = national, "médiane nationale des bassins"
            bv_values.setdefault(b, {})[critere] = value
            result[critere][b] = how
    return result
