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
from solidarite.zonage.score import CRITERES, EpciScore, ScoreParams, score_epcis

MIN_COVERAGE = 0.5  # share of the EPCI's population that must have a bassin-de-vie value
MAYOTTE = "976"


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
    seconds: float = 0.0

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


def compute_zonage(
    data_dir: Path,
    params: ScoreParams,
    provider: TravelProvider | None = None,
    progress: Callable[[str], None] | None = None,
    territoire: TerritoireData | None = None,
) -> ZonageResult:
    started = time.perf_counter()
    step = progress or (lambda _label: None)
    step("territoire")
    territoire = territoire or read_territoire(data_dir)
    sources.check_zonage_files(data_dir)
    infos = _epci_infos(territoire)
    commune_epci = epci_of(territoire)
    members: dict[str, list[CommuneRow]] = defaultdict(list)
    for c in territoire.communes:
        if c.type == "commune" and c.epci:
            members[c.epci].append(c)

    step("APL (DREES)")
    apl_rows = sources.read_apl(data_dir)
    mapping = current_code_map(territoire, sources.read_renamed_codes(data_dir))
    apl, unmapped = _apl_by_epci(apl_rows, mapping, commune_epci)

    step("bassins de vie (ALD, niveau de vie)")
    bassins = sources.read_bassins(data_dir)
    carto = sources.read_cartosante(data_dir)
    niveau = sources.read_niveau_vie(data_dir)
    ald = _bassin_criterion(members, bassins, lambda b: carto[b]["part_ald"] if b in carto else None)
    vie = _bassin_criterion(members, bassins, niveau.get)

    step("temps jusqu'aux urgences")
    sites = sources.read_urgences(data_dir)
    actuelles = [c for c in territoire.communes if c.type == "commune"]
    coords = territoire.coordonnees
    lat = np.array([coords[c.code].latitude if c.code in coords else np.nan for c in actuelles])
    lon = np.array([coords[c.code].longitude if c.code in coords else np.nan for c in actuelles])
    minutes = nearest_minutes(
        lat, lon, np.array([s.latitude for s in sites]), np.array([s.longitude for s in sites]), provider
    )
    urg_weight: dict[str, float] = defaultdict(float)
    urg_sum: dict[str, float] = defaultdict(float)
    for c, m in zip(actuelles, minutes, strict=True):
        if c.epci and np.isfinite(m):
            population = float(c.population or 0)
            urg_weight[c.epci] += population
            urg_sum[c.epci] += float(m) * population

    step("score et sélection")
    values: dict[str, dict[str, tuple[float | None, str]]] = {}
    for siren, info in infos.items():
        if siren in apl:
            apl_value: tuple[float | None, str] = (apl[siren][0], "")
            apl65_value: tuple[float | None, str] = (apl[siren][1], "")
        else:
            reason = (
                "APL non publiée pour Mayotte (hors du champ de la DREES)"
                if MAYOTTE in info.departements
                else "aucune commune de l'EPCI dans le fichier APL"
            )
            apl_value = apl65_value = (None, reason)
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
        }
    scores = score_epcis(values, {s: i.population for s, i in infos.items()}, params)
    missing = {c: sum(1 for v in values.values() if v[c][0] is None) for c in CRITERES}
    france = sum(c.population or 0 for c in actuelles if c.zone in {"metro", "drom"})
    return ZonageResult(
        params=params,
        epcis=infos,
        scores=scores,
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
        },
        population_france=france,
        seconds=time.perf_counter() - started,
    )
