"""The zonage computation from the data files alone: criteria per commune, per EPCI, then scores.

Pure (no Django): the `zonage` command runs it without a database; `--save` stores its result.

Rules, in the order they apply:
1. **Geography.** APL rows are in the commune geography of their vintage. A code that is a current
   commune or municipal arrondissement is kept; a code that is now a commune déléguée or associée
   goes to its commune nouvelle; the 4 codes changed on 2025-01-01 follow INSEE's table
   (`communes_bassins_vie_2022.csv`). Several rows landing on one commune are summed
   (standardised population) and averaged (APL, weighted by standardised population).
2. **APL and APL ≤ 65 per EPCI**: mean of the communes' APL weighted by standardised population, as
   the DREES advises. Municipal arrondissements count in the EPCI of their city.
3. **ALD share and median living standard** exist per bassin de vie: each commune takes its bassin's
   value; the EPCI's is the population-weighted mean over its communes that have one. "Secret
   statistique" cells are missing; if the communes with a value hold less than half of the EPCI's
   population, the EPCI's value is missing too, with the reason.
4. **Road time to the nearest emergency service** (general SU, SAE 2022): from each commune's
   centroid with the travel provider; the EPCI's is the population-weighted mean.
5. Criteria → percentiles → cumul des fragilités → score → ranking → selection (`score.py`).
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from solidarite.territoire.sources import CommuneRow, TerritoireData, read_territoire
from solidarite.territoire.travel import TravelProvider, nearest_minutes
from solidarite.zonage import sources
from solidarite.zonage.score import (
    AGREGATIONS,
    CRITERES,
    PIRE_PART,
    PORTAGES,
    SENS,
    Bassins,
    EpciScore,
    ScoreParams,
    percentiles,
    score_epcis,
)

MIN_COVERAGE = 0.5  # share of the EPCI's population that must have a bassin-de-vie value
MAYOTTE = "976"
APL_CRITERES = ("apl", "apl_moins_65", "vieillissement_mg")
QUINTILE = 80.0  # a bassin is fragile on a criterion in the worst fifth of bassins


@dataclass(frozen=True)
class EpciInfo:
    siren: str
    nom: str
    type: str
    departements: tuple[str, ...]
    region_code: str
    region: str
    zone: str  # metro, drom
    population: int  # population municipale (epci.csv)


@dataclass
class ZonageResult:
    params: ScoreParams
    epcis: dict[str, EpciInfo]
    scores: list[EpciScore]
    millesimes: dict[str, str]
    diagnostics: dict[str, object] = field(default_factory=dict)
    population_france: int = 0
    seconds: float = 0.0  # the computation, from the data already read (the national run)
    bassins: Bassins | None = None  # for a composite composed per bassin de vie (a what-if needs them)
    lecture_seconds: float = 0.0  # reading and checking the data files

    @property
    def selected(self) -> list[EpciScore]:
        return [s for s in self.scores if s.selectionnee]

    def summary(self) -> dict[str, float | int]:
        selected = self.selected
        population = sum(self.epcis[s.siren].population for s in selected)
        return {
            "zones": len(selected),
            "population": population,
            "outre_mer": sum(1 for s in selected if self.epcis[s.siren].zone != "metro"),
            "part_population_france": population / self.population_france if self.population_france else 0.0,
            "epci": len(self.scores),
        }


def current_code_map(territoire: TerritoireData, renamed: dict[str, str]) -> dict[str, str]:
    """Any commune code of the recent past → the current commune or arrondissement that holds it."""
    mapping = {d.code: d.commune for d in territoire.deleguees}
    mapping.update(renamed)
    mapping.update({c.code: c.code for c in territoire.communes})
    return mapping


def epci_of(territoire: TerritoireData) -> dict[str, str]:
    """Commune or arrondissement code → SIREN of its EPCI (arrondissements take their city's)."""
    by_code = {c.code: c.epci for c in territoire.communes}
    result = {}
    for c in territoire.communes:
        siren = c.epci or (by_code.get(c.commune_parente) if c.commune_parente else None)
        if siren:
            result[c.code] = siren
    return result


def _epci_infos(territoire: TerritoireData) -> dict[str, EpciInfo]:
    regions = {r.code: r.nom for r in territoire.regions}
    dept_region = {d.code: d.region for d in territoire.departements}
    members: dict[str, list[CommuneRow]] = defaultdict(list)
    for c in territoire.communes:
        if c.type == "commune" and c.epci:
            members[c.epci].append(c)
    infos = {}
    for e in territoire.epcis:
        communes = members.get(e.siren, [])
        by_region: Counter[str] = Counter()
        for c in communes:
            by_region[dept_region[c.departement]] += c.population or 0
        region_code = by_region.most_common(1)[0][0] if by_region else ""
        zones = {c.zone for c in communes}
        infos[e.siren] = EpciInfo(
            siren=e.siren,
            nom=e.nom,
            type=e.type,
            departements=tuple(sorted({c.departement for c in communes})),
            region_code=region_code,
            region=regions.get(region_code, ""),
            zone="metro" if zones == {"metro"} else "drom",
            population=e.population_municipale,
        )
    return infos


def _apl_by_epci(
    apl_rows: list[sources.AplRow], mapping: dict[str, str], commune_epci: dict[str, str]
) -> tuple[dict[str, tuple[float, float]], list[str]]:
    weight: dict[str, float] = defaultdict(float)
    sum_apl: dict[str, float] = defaultdict(float)
    sum_apl65: dict[str, float] = defaultdict(float)
    unmapped = []
    for row in apl_rows:
        code = mapping.get(row.code)
        siren = commune_epci.get(code) if code else None
        if code is None:
            unmapped.append(row.code)
            continue
        if siren is None:
            continue  # a commune outside any EPCI (Île-de-Sein, Ouessant…)
        weight[siren] += row.population_standardisee
        sum_apl[siren] += row.apl * row.population_standardisee
        sum_apl65[siren] += row.apl_moins_65 * row.population_standardisee
    result = {s: (sum_apl[s] / w, sum_apl65[s] / w) for s, w in weight.items() if w > 0}
    return result, unmapped


def _bassin_criterion(
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


@dataclass
class CriteriaTables:
    """Every EPCI's criterion values, per way of aggregating bassin-de-vie values (ADR 0016)."""

    epcis: dict[str, EpciInfo]
    tables: dict[str, dict[str, dict[str, tuple[float | None, str]]]]
    millesimes: dict[str, str]
    diagnostics: dict[str, object]
    population_france: int
    seconds: float  # the computation, from the data already read
    bassins: Bassins | None = None  # the bassins de vie, when a composite per bassin was asked for
    lecture_seconds: float = 0.0  # reading and checking the data files


def _vieillissement(apl: float, apl65: float) -> float | None:
    """Stand-in for the share of GPs aged 60 or more: the share of the APL offer given by GPs over 65."""
    return 100.0 * (1.0 - apl65 / apl) if apl > 0 else None


def _bassin_spread(
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


def _bassin_tables(
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
                old = _vieillissement(values["apl"], values["apl_moins_65"])
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


@dataclass(frozen=True)
class ZonageInputs:
    """Every data file the zonage reads, read and checked once (`read_inputs`): the computation
    (`criteria_from_inputs`) then touches no file, and its time is the national run's (bench/)."""

    territoire: TerritoireData
    apl_rows: list[sources.AplRow]
    renamed: dict[str, str]
    bassins: dict[str, str]
    carto: dict[str, dict[str, sources.Indicator]]
    niveau: dict[str, sources.Indicator]
    sites: list[sources.UrgenceSite]
    seconds: float


def read_inputs(
    data_dir: Path,
    progress: Callable[[str], None] | None = None,
    territoire: TerritoireData | None = None,
) -> ZonageInputs:
    """Reads and checks the zonage's data files (DataError on the first problem)."""
    started = time.perf_counter()
    step = progress or (lambda _label: None)
    step("territoire")
    territoire = territoire or read_territoire(data_dir)
    sources.check_zonage_files(data_dir)
    step("APL (DREES)")
    apl_rows = sources.read_apl(data_dir)
    step("bassins de vie (ALD, niveau de vie)")
    bassins, renamed = sources.read_bassins_et_codes(data_dir)
    return ZonageInputs(
        territoire=territoire,
        apl_rows=apl_rows,
        renamed=renamed,
        bassins=bassins,
        carto=sources.read_cartosante(data_dir),
        niveau=sources.read_niveau_vie(data_dir),
        sites=sources.read_urgences(data_dir),
        seconds=time.perf_counter() - started,
    )


def compute_criteria(
    data_dir: Path,
    provider: TravelProvider | None = None,
    progress: Callable[[str], None] | None = None,
    territoire: TerritoireData | None = None,
    agregations: tuple[str, ...] = AGREGATIONS,
) -> CriteriaTables:
    """Reads the data files, then computes every EPCI's criteria (`read_inputs`, `criteria_from_inputs`)."""
    return criteria_from_inputs(read_inputs(data_dir, progress, territoire), provider, progress, agregations)


def criteria_from_inputs(
    inputs: ZonageInputs,
    provider: TravelProvider | None = None,
    progress: Callable[[str], None] | None = None,
    agregations: tuple[str, ...] = AGREGATIONS,
) -> CriteriaTables:
    started = time.perf_counter()
    step = progress or (lambda _label: None)
    step("critères (APL, ALD, urgences, niveau de vie)")
    territoire = inputs.territoire
    infos = _epci_infos(territoire)
    commune_epci = epci_of(territoire)
    members: dict[str, list[CommuneRow]] = defaultdict(list)
    for c in territoire.communes:
        if c.type == "commune" and c.epci:
            members[c.epci].append(c)

    apl_rows = inputs.apl_rows
    mapping = current_code_map(territoire, inputs.renamed)
    apl, unmapped = _apl_by_epci(apl_rows, mapping, commune_epci)

    bassins, carto, niveau = inputs.bassins, inputs.carto, inputs.niveau
    ald = _bassin_criterion(members, bassins, lambda b: carto[b]["part_ald"] if b in carto else None)
    vie = _bassin_criterion(members, bassins, niveau.get)

    sites = inputs.sites
    actuelles = [c for c in territoire.communes if c.type == "commune"]
    coords = territoire.coordonnees
    lat = np.array([coords[c.code].latitude if c.code in coords else np.nan for c in actuelles])
    lon = np.array([coords[c.code].longitude if c.code in coords else np.nan for c in actuelles])
    minutes = nearest_minutes(
        lat, lon, np.array([s.latitude for s in sites]), np.array([s.longitude for s in sites]), provider
    )
    urg_weight: dict[str, float] = defaultdict(float)
    urg_sum: dict[str, float] = defaultdict(float)
    bv_urg: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for c, m in zip(actuelles, minutes, strict=True):
        if np.isfinite(m):
            population = float(c.population or 0)
            if c.epci:
                urg_weight[c.epci] += population
                urg_sum[c.epci] += float(m) * population
            bassin = bassins.get(c.code)
            if bassin:
                bv_urg[bassin][0] += population
                bv_urg[bassin][1] += float(m) * population

    step("score et sélection")
    tables: dict[str, dict[str, dict[str, tuple[float | None, str]]]] = {}
    bassin_table: Bassins | None = None
    if "moyenne" in agregations:
        values: dict[str, dict[str, tuple[float | None, str]]] = {}
        for siren, info in infos.items():
            if siren in apl:
                apl_value: tuple[float | None, str] = (apl[siren][0], "")
                apl65_value: tuple[float | None, str] = (apl[siren][1], "")
                vieux = _vieillissement(*apl[siren])
                old_value: tuple[float | None, str] = (
                    (vieux, "") if vieux is not None else (None, "APL nulle : part non calculable")
                )
            else:
                reason = (
                    "APL non publiée pour Mayotte (hors du champ de la DREES)"
                    if MAYOTTE in info.departements
                    else "aucune commune de l'EPCI dans le fichier APL"
                )
                apl_value = apl65_value = old_value = (None, reason)
            urgences: tuple[float | None, str] = (
                (urg_sum[siren] / urg_weight[siren], "")
                if urg_weight[siren] > 0
                else (None, "communes sans coordonnées")
            )
            values[siren] = {
                "apl": apl_value,
                "apl_moins_65": apl65_value,
                "part_ald": ald.get(siren, (None, "aucune commune")),
                "temps_urgences": urgences,
                "niveau_vie": vie.get(siren, (None, "aucune commune")),
                "vieillissement_mg": old_value,
            }
        tables["moyenne"] = values
    others = [a for a in agregations if a != "moyenne"]
    if others:
        bv_values: dict[str, dict[str, float]] = defaultdict(dict)
        weight: dict[str, float] = defaultdict(float)
        sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
        for row in apl_rows:
            code = mapping.get(row.code)
            bassin = bassins.get(code) if code else None
            if bassin:
                weight[bassin] += row.population_standardisee
                sums[bassin][0] += row.apl * row.population_standardisee
                sums[bassin][1] += row.apl_moins_65 * row.population_standardisee
        for bassin, w in weight.items():
            if w > 0:
                a, a65 = sums[bassin][0] / w, sums[bassin][1] / w
                bv_values[bassin]["apl"] = a
                bv_values[bassin]["apl_moins_65"] = a65
                vieux = _vieillissement(a, a65)
                if vieux is not None:
                    bv_values[bassin]["vieillissement_mg"] = vieux
        for bassin, indicators in carto.items():
            if indicators["part_ald"].value is not None:
                bv_values[bassin]["part_ald"] = indicators["part_ald"].value
        for bassin, ind in niveau.items():
            if ind.value is not None:
                bv_values[bassin]["niveau_vie"] = ind.value
        for bassin, (w, total) in bv_urg.items():
            if w > 0:
                bv_values[bassin]["temps_urgences"] = total / w
        densites = {b: i["densite_mg"].value for b, i in carto.items() if i["densite_mg"].value is not None}
        departement_region = {d.code: d.region for d in territoire.departements}
        imputees = impute_bassins(bv_values, set(bassins.values()), densites, departement_region)
        spread = _bassin_spread(members, bassins)
        tables.update(_bassin_tables(spread, bv_values, others, imputees))
        if any(a in PORTAGES for a in others):
            bassin_table = Bassins.build(
                bv_values, {s: {b: float(n) for b, n in by.items()} for s, (by, _, _) in spread.items()}
            )
    else:
        imputees = {}
    france = sum(c.population or 0 for c in actuelles if c.zone in {"metro", "drom"})
    first = next(iter(tables.values()))
    missing = {c: sum(1 for v in first.values() if v[c][0] is None) for c in CRITERES}
    return CriteriaTables(
        epcis=infos,
        tables=tables,
        millesimes={
            "cog": str(territoire.cog),
            "epci": "2025 (BANATIC)",
            "apl": "DREES APL 2023 (population 2021)",
            "ald": "CartoSanté 2024",
            "niveau_vie": "INSEE Filosofi 2021",
            "urgences": "DREES SAE 2022",
            "bassins_vie": "INSEE BV2022",
        },
        diagnostics={
            "apl_lignes": len(apl_rows),
            "apl_codes_non_rattaches": sorted(set(unmapped)),
            "manquants_par_critere": missing,
            "sites_urgences": len(sites),
            "fournisseur_temps": getattr(provider, "name", "vol_oiseau"),
            "valeurs_imputees": imputees if others else {},
        },
        population_france=france,
        seconds=time.perf_counter() - started,
        bassins=bassin_table,
        lecture_seconds=inputs.seconds,
    )


def score_criteria(criteria: CriteriaTables, params: ScoreParams) -> ZonageResult:
    """Scores one aggregation's table with the parameters (raises ParamError on an impossible target)."""
    started = time.perf_counter()
    values = criteria.tables[params.agregation]
    infos = criteria.epcis
    scores = score_epcis(
        values,
        {s: i.population for s, i in infos.items()},
        params,
        {s: i.region_code for s, i in infos.items()},
        criteria.bassins,
        {a: criteria.tables[a] for a in params.agregations[1:] if a in criteria.tables},
    )
    diagnostics = dict(criteria.diagnostics)
    diagnostics["manquants_par_critere"] = {
        c: sum(1 for v in values.values() if v[c][0] is None) for c in CRITERES
    }
    return ZonageResult(
        params=params,
        epcis=infos,
        scores=scores,
        millesimes=dict(criteria.millesimes),
        diagnostics=diagnostics,
        population_france=criteria.population_france,
        seconds=criteria.seconds + time.perf_counter() - started,
        bassins=criteria.bassins,
        lecture_seconds=criteria.lecture_seconds,
    )


def compute_zonage(
    data_dir: Path,
    params: ScoreParams,
    provider: TravelProvider | None = None,
    progress: Callable[[str], None] | None = None,
    territoire: TerritoireData | None = None,
) -> ZonageResult:
    criteria = compute_criteria(data_dir, provider, progress, territoire, params.agregations)
    return score_criteria(criteria, params)
