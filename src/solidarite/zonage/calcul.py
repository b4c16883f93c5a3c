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
The bassin-de-vie values carried to the EPCI (rule 3, and the composite per bassin of ADR 0016) are in
`bassins.py`; reading the files (`read_inputs`) is apart from computing (`criteria_from_inputs`).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import Any

import numpy as np

from solidarite.territoire.sources import TerritoireData, read_territoire, verifier_couverture
from solidarite.territoire.travel import FloatArray, TravelProvider, nearest_minutes
from solidarite.zonage import sources
from solidarite.zonage.bassins import (
    MAYOTTE,
    Membres,
    bassin_criterion,
    bassin_spread,
    bassin_tables,
    encode,
    first_per_group,
    impute_bassins,
    vieillissement,
)
from solidarite.zonage.classement import Classement
from solidarite.zonage.score import (
    AGREGATIONS,
    CRITERES,
    PORTAGES,
    Bassins,
    EpciScore,
    ScoreParams,
)


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
    codes = list(map(attrgetter("code"), territoire.communes))
    mapping.update(zip(codes, codes, strict=True))
    return mapping


def epci_of(territoire: TerritoireData) -> dict[str, str]:
    """Commune or arrondissement code → SIREN of its EPCI (arrondissements take their city's)."""
    communes = territoire.communes
    by_code = dict(zip(map(attrgetter("code"), communes), map(attrgetter("epci"), communes), strict=True))
    return {
        c.code: siren
        for c in communes
        if (siren := c.epci or (by_code.get(c.commune_parente) if c.commune_parente else None))
    }


def _epci_infos(territoire: TerritoireData, membres: Membres) -> dict[str, EpciInfo]:
    """Each EPCI's description. Its region holds most of its population (on a tie, the region met first in the
    communes file, as `Counter.most_common`); its zone is "metro" when all its communes are."""
    regions = {r.code: r.nom for r in territoire.regions}
    dept_region = {d.code: d.region for d in territoire.departements}
    nb = len(membres.sirens)
    # (EPCI, region) pairs: their population, and their first commune, which breaks ties
    region_codes, region_of_departement = encode([dept_region[d] for d in membres.departements])
    region = region_of_departement[membres.departement]
    pairs, first, inverse = np.unique(
        membres.epci * len(region_codes) + region, return_index=True, return_inverse=True
    )
    people = np.zeros(len(pairs), dtype=np.int64)
    np.add.at(people, inverse.ravel(), membres.population)
    pick = first_per_group(pairs // max(len(region_codes), 1), -people, first, nb)
    region_by_epci = [
        region_codes[int(pairs[p] % len(region_codes))] if p >= 0 else "" for p in pick.tolist()
    ]
    # (EPCI, département) pairs, by EPCI then département code
    dept_codes = sorted(membres.departements)
    rank = np.array([dept_codes.index(d) for d in membres.departements], dtype=np.int64)
    dept_pairs = np.unique(membres.epci * len(dept_codes) + rank[membres.departement])
    depts_by_epci: list[list[str]] = [[] for _ in range(nb)]
    for pair in dept_pairs.tolist():
        depts_by_epci[pair // len(dept_codes)].append(dept_codes[pair % len(dept_codes)])
    in_metro = np.fromiter(
        map("metro".__eq__, map(attrgetter("zone"), membres.communes)),
        dtype=bool,
        count=len(membres.communes),
    )
    outside_metro = np.bincount(membres.epci[~in_metro], minlength=nb).tolist()
    position = {s: k for k, s in enumerate(membres.sirens)}
    infos = {}
    for e in territoire.epcis:
        k = position.get(e.siren, -1)
        region_code = region_by_epci[k] if k >= 0 else ""
        infos[e.siren] = EpciInfo(
            siren=e.siren,
            nom=e.nom,
            type=e.type,
            departements=tuple(depts_by_epci[k]) if k >= 0 else (),
            region_code=region_code,
            region=regions.get(region_code, ""),
            zone="metro" if k >= 0 and outside_metro[k] == 0 else "drom",
            population=e.population_municipale,
        )
    return infos


def weighted_means(
    keys: list[str | None], weights: FloatArray, values: list[FloatArray]
) -> dict[str, tuple[float, ...]]:
    """Per key, in order of first appearance, the mean of each array of `values` weighted by `weights` over the
    items of that key; an item without a key (None, "") counts nowhere, a key whose weights sum to 0 is left
    out. The sums run in item order, as a loop adding one item after another would."""
    names, codes = encode(keys)
    keep = codes >= 0
    totals = np.bincount(codes[keep], weights=weights[keep], minlength=len(names))
    sums = [np.bincount(codes[keep], weights=(v * weights)[keep], minlength=len(names)) for v in values]
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.column_stack([s / totals for s in sums]).tolist() if names else []
    return {k: tuple(m) for k, m, t in zip(names, means, totals.tolist(), strict=True) if t > 0}


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
    _classement: Classement | None = field(default=None, init=False, repr=False, compare=False)

    def classement(self) -> Classement:
        """The tables prepared for scoring, built on the first scoring and kept: a what-if on the weights
        re-scores from what the weights do not change (`classement.Classement`)."""
        if self._classement is None:
            self._classement = Classement(
                self.tables,
                {s: i.population for s, i in self.epcis.items()},
                {s: i.region_code for s, i in self.epcis.items()},
                self.bassins,
            )
        return self._classement


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
    sources.read_apl_parameters(data_dir)  # the what-if's: required here, so checked here (not used below)
    step("APL (DREES)")
    apl_rows = sources.read_apl(data_dir)
    step("bassins de vie (ALD, niveau de vie)")
    bassins, renamed = sources.read_bassins_et_codes(data_dir)
    carto, niveau = sources.read_cartosante(data_dir), sources.read_niveau_vie(data_dir)
    sites = sources.read_urgences(data_dir)
    _verifier_couvertures(data_dir, territoire, apl_rows, renamed, bassins, carto, niveau, sites)
    return ZonageInputs(
        territoire=territoire,
        apl_rows=apl_rows,
        renamed=renamed,
        bassins=bassins,
        carto=carto,
        niveau=niveau,
        sites=sites,
        seconds=time.perf_counter() - started,
    )


def _verifier_couvertures(
    data_dir: Path,
    territoire: TerritoireData,
    apl_rows: list[sources.AplRow],
    renamed: dict[str, str],
    bassins: dict[str, str],
    carto: dict[str, Any],
    niveau: dict[str, Any],
    sites: list[sources.UrgenceSite],
) -> None:
    """A file cut at a line's end is well-formed: what it lacks shows it (a header-only bassins file took the
    ALD share from every EPCI, half a CartoSanté file from 700, and changed most zones without a word; the
    emergency sites of a cut file, the road times of whole départements)."""
    communes = {c.code for c in territoire.communes}
    avec_apl = {renamed.get(row.code, row.code) for row in apl_rows}
    verifier_couverture(
        data_dir / sources.APL_FILE, len(communes - avec_apl), len(communes), "communes du COG"
    )
    verifier_couverture(
        data_dir / sources.BASSINS_FILE, len(communes - set(bassins)), len(communes), "communes du COG"
    )
    des_communes = {bassins[c] for c in communes if c in bassins}
    for path, rows in ((sources.CARTOSANTE_FILE, carto), (sources.INSEE_BV_FILE, niveau)):
        manquants = len(des_communes - set(rows))
        verifier_couverture(data_dir / path, manquants, len(des_communes), "bassins de vie des communes")
    # no file lists the emergency sites to compare with: every département of France (the communes file's,
    # Saint-Pierre-et-Miquelon and the other collectivités aside) has at least one general site
    departements = {c.departement for c in territoire.communes if c.zone in {"metro", "drom"}}
    sources.verifier_urgences_departements(data_dir / sources.URGENCES_FILE, sites, departements)


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
    bassins, carto, niveau = inputs.bassins, inputs.carto, inputs.niveau
    membres = Membres.build(territoire.communes, bassins)
    infos = _epci_infos(territoire, membres)
    commune_epci = epci_of(territoire)

    # APL rows, moved to current communes: their EPCI's and their bassin's means (standardised population)
    apl_rows = inputs.apl_rows
    mapping = current_code_map(territoire, inputs.renamed)
    row_codes = list(map(attrgetter("code"), apl_rows))
    current = list(map(mapping.get, row_codes))
    unmapped = [code for code in row_codes if code not in mapping]

    def column(name: str) -> FloatArray:
        return np.fromiter(map(attrgetter(name), apl_rows), dtype=np.float64, count=len(apl_rows))

    population_std = column("population_standardisee")
    apl_columns = [column("apl"), column("apl_moins_65")]
    # a commune outside any EPCI (Île-de-Sein, Ouessant…) counts in no EPCI
    apl = weighted_means([commune_epci.get(c) if c else None for c in current], population_std, apl_columns)

    ald = bassin_criterion(membres, lambda b: carto[b]["part_ald"] if b in carto else None)
    vie = bassin_criterion(membres, niveau.get)

    # road time from each current commune to the nearest emergency service; its EPCI's and bassin's means
    sites = inputs.sites
    actuelles = [c for c in territoire.communes if c.type == "commune"]
    codes = list(map(attrgetter("code"), actuelles))
    points = list(map(territoire.coordonnees.get, codes))
    lat = np.array([p.latitude if p is not None else np.nan for p in points], dtype=np.float64)
    lon = np.array([p.longitude if p is not None else np.nan for p in points], dtype=np.float64)
    minutes = nearest_minutes(
        lat, lon, np.array([s.latitude for s in sites]), np.array([s.longitude for s in sites]), provider
    )
    untimed = np.flatnonzero(~np.isfinite(minutes)).tolist()  # communes without coordinates
    population = np.array([float(c.population or 0) for c in actuelles], dtype=np.float64)
    urg_keys: list[str | None] = list(map(attrgetter("epci"), actuelles))
    for i in untimed:
        urg_keys[i] = None
    urg = weighted_means(urg_keys, population, [minutes])

    step("score et sélection")
    tables: dict[str, dict[str, dict[str, tuple[float | None, str]]]] = {}
    bassin_table: Bassins | None = None
    if "moyenne" in agregations:
        values: dict[str, dict[str, tuple[float | None, str]]] = {}
        for siren, info in infos.items():
            if siren in apl:
                apl_value: tuple[float | None, str] = (apl[siren][0], "")
                apl65_value: tuple[float | None, str] = (apl[siren][1], "")
                vieux = vieillissement(*apl[siren])
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
                (urg[siren][0], "") if siren in urg else (None, "communes sans coordonnées")
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
        bv_apl = weighted_means([bassins.get(c) if c else None for c in current], population_std, apl_columns)
        for bassin, (a, a65) in bv_apl.items():
            bv_values[bassin]["apl"] = a
            bv_values[bassin]["apl_moins_65"] = a65
            vieux = vieillissement(a, a65)
            if vieux is not None:
                bv_values[bassin]["vieillissement_mg"] = vieux
        for bassin, indicators in carto.items():
            if indicators["part_ald"].value is not None:
                bv_values[bassin]["part_ald"] = indicators["part_ald"].value
        for bassin, ind in niveau.items():
            if ind.value is not None:
                bv_values[bassin]["niveau_vie"] = ind.value
        bv_keys = list(map(bassins.get, codes))
        for i in untimed:
            bv_keys[i] = None
        bv_urg = weighted_means(bv_keys, population, [minutes])
        for bassin, (mean,) in bv_urg.items():
            bv_values[bassin]["temps_urgences"] = mean
        densites = {b: i["densite_mg"].value for b, i in carto.items() if i["densite_mg"].value is not None}
        departement_region = {d.code: d.region for d in territoire.departements}
        imputees = impute_bassins(bv_values, set(bassins.values()), densites, departement_region)
        spread = bassin_spread(membres)
        tables.update(bassin_tables(spread, bv_values, others, imputees))
        if any(a in PORTAGES for a in others):
            bassin_table = Bassins.build(bv_values, spread.by_bassin())
    else:
        imputees = {}
    france = sum([c.population or 0 for c in actuelles if c.zone in {"metro", "drom"}])
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
    classement = criteria.classement()
    scores = classement.scores(params)
    diagnostics = dict(criteria.diagnostics)
    diagnostics["manquants_par_critere"] = classement.manquants(params.agregation)
    return ZonageResult(
        params=params,
        epcis=criteria.epcis,
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
