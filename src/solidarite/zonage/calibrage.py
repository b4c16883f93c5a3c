"""Calibration of the zonage's free choices on the published facts (ADR 0016). Pure, typed, no Django.

The ministry published its criteria but not how it combined them. The free choices are searched:
how bassin-de-vie values become EPCI values (`agregation`), the normalisation of each criterion and its
capping (`normalisation`, `plafond`), whether the number of fragilities ranks first (`cumul`), the weights
(a seeded sample of the simplex plus hand-picked sets), the number computed (141, the May pre-list, to
which the ARS add ~10; or 151), and a **regional allocation** (each region with a published count takes
its first EPCI up to that count): a hypothesis, tested like the others, not assumed.

Each candidate is scored by the loss of `perte.perte`. To avoid fitting the very numbers it reports, the
choice is checked by **leave-one-region-out cross-validation**: for each region with a published count,
the candidate with the lowest loss *without that region* (and, with allocation, without that region's
quota) is picked, and its error on the held-out region is recorded. The family (with or without
allocation; a fixed number of zones or a population target) with the lower cross-validated error wins;
within it, the candidate with the lowest loss on all the facts is written as the new dated parameter set.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from solidarite.zonage.calcul import CriteriaTables, ZonageResult
from solidarite.zonage.faits import FaitRegion, Faits
from solidarite.zonage.methode import groupes_outre_mer, reste_outre_mer
from solidarite.zonage.perte import Observation, Perte, perte
from solidarite.zonage.score import (
    AGREGATIONS,
    CRITERES,
    PORTAGES,
    Bassins,
    ParamError,
    ScoreParams,
    order_of,
    percentile_matrix,
    raw_matrix,
    scores_methode,
    select,
)

if TYPE_CHECKING:
    from solidarite.zonage.vote import Vote

GRAINE = 2025
NORMALISATIONS_TESTEES: tuple[tuple[str, float], ...] = (
    ("rangs", 0.0),
    ("zscore", 2.0),
    ("zscore", 3.0),
    ("minmax", 0.0),
    ("minmax", 2.0),
)
# Hand-picked weights (CRITERES order: apl, apl_moins_65, part_ald, temps_urgences, niveau_vie,
# vieillissement_mg): today's set, the five ministry criteria equal, access first.
POIDS_CHOISIS: tuple[tuple[float, ...], ...] = (
    (2 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 6, 0.0),
    (0.2, 0.0, 0.2, 0.2, 0.2, 0.2),
    (0.4, 0.0, 0.15, 0.15, 0.15, 0.15),
    (0.3, 0.0, 0.1, 0.3, 0.2, 0.1),
)


Famille = tuple[bool, bool]  # (regional allocation, population target)


def libelle_famille(famille: Famille) -> str:
    allocation, population = famille
    return (
        f"{'avec' if allocation else 'sans'} allocation régionale, "
        f"{'cible de population' if population else 'nombre de zones fixé'}"
    )


@dataclass(frozen=True)
class Candidat:
    agregation: str
    normalisation: str
    plafond: float
    cumul: bool
    poids: tuple[float, ...]
    nombre: int
    allocation: bool
    outre_mer: int = 0  # zones allocated to the overseas EPCI as one group (0: none)
    population: int = 0  # > 0: select by rank until the zones hold this population (rule "population")
    # within `outre_mer`, the published counts of the territories ((region code, zones), …; empty: none)
    territoires: tuple[tuple[str, int], ...] = ()

    @property
    def famille(self) -> Famille:
        """The hypotheses judged by cross-validation: a regional allocation, a population target."""
        return (self.allocation, self.population > 0)

    def params(self, base: ScoreParams, quotas: dict[str, int]) -> ScoreParams:
        return ScoreParams(
            nom=base.nom,
            depuis=base.depuis,
            source=base.source,
            poids=dict(zip(CRITERES, self.poids, strict=True)),
            nombre=self.nombre,
            seuil_percentile=base.seuil_percentile,
            regle="population" if self.population else "nombre",
            population=self.population or base.population,
            normalisation=self.normalisation,
            plafond=self.plafond,
            cumul=self.cumul,
            agregation=self.agregation,
            quotas=dict(quotas) if self.allocation else {},
            outre_mer=self.outre_mer,
            outre_mer_territoires=dict(self.territoires),
        )

    def describe(self) -> str:
        poids = ", ".join(f"{c}={w:.2f}" for c, w in zip(CRITERES, self.poids, strict=True) if w > 0)
        return (
            f"agrégation={self.agregation}, normalisation={self.normalisation}"
            f"{f' (plafond {self.plafond:g} σ)' if self.plafond else ''}, cumul={'oui' if self.cumul else 'non'}, "
            + (f"population cible={self.population}" if self.population else f"N={self.nombre}")
            + f", allocation régionale={'oui' if self.allocation else 'non'}, "
            f"outre-mer à part={self.outre_mer or 'non'}"
            + (" (comptes publiés par territoire)" if self.territoires else "")
            + f" ; poids : {poids}"
        )


@dataclass(frozen=True)
class Comptage:
    """Each EPCI's region, and each (EPCI, département) pair, as indices: `observation` counts a selection's zones by
    region and by département with `np.bincount`, where comparing the codes as strings for each candidate was half
    of the search's time."""

    regions: np.ndarray  # the region codes, sorted
    region_of: np.ndarray  # each EPCI's index in `regions`
    departements: np.ndarray  # the département codes, sorted
    paire_epci: np.ndarray  # each pair's EPCI
    paire_departement: np.ndarray  # each pair's index in `departements`

    @classmethod
    def of(cls, regions: np.ndarray, departements: list[tuple[str, ...]]) -> Comptage:
        codes, region_of = np.unique(regions, return_inverse=True)
        owners = [i for i, ds in enumerate(departements) for _ in ds]
        deps, dep_of = np.unique(
            np.array([d for ds in departements for d in ds], dtype=str), return_inverse=True
        )
        return cls(codes, region_of, deps, np.array(owners, dtype=np.intp), dep_of)


@dataclass
class Contexte:
    """The national tables as arrays, computed once for the whole search."""

    sirens: list[str]
    regions: np.ndarray  # region code per EPCI
    populations: np.ndarray
    surfaces: np.ndarray
    outre_mer: np.ndarray  # bool
    departements: list[tuple[str, ...]]
    raw: dict[str, np.ndarray]
    pct: dict[str, np.ndarray] = field(default_factory=dict)
    norm: dict[tuple[str, str, float], np.ndarray] = field(default_factory=dict)  # `scores_methode`'s cache
    bassins: Bassins | None = None  # for the composite composed per bassin de vie (PORTAGES)
    rows_bassins: np.ndarray | None = None  # each EPCI's row in `bassins` (−1: none)
    # `ordre`'s last ranking and its choices: the search tries each ranking under 24 targets and allocations in a row
    dernier_ordre: tuple[tuple[object, ...], np.ndarray] | None = None
    comptage: Comptage | None = None  # `observation`'s tables, built at its first call

    def verifier(self, cand: Candidat) -> None:
        """ParamError when the tables the candidate's aggregation reads are not there."""
        if cand.agregation in PORTAGES and self.bassins is None:
            raise ParamError(f"L'agrégation {cand.agregation!r} demande les valeurs des bassins de vie.")
        if cand.agregation not in PORTAGES and cand.agregation not in self.raw:
            raise ParamError(f"Les critères de l'agrégation {cand.agregation!r} n'ont pas été calculés.")

    def scores(self, cand: Candidat, seuil: float) -> tuple[np.ndarray, np.ndarray]:
        """Each EPCI's score and number of fragilities under the candidate's choices (`scores_methode`,
        as the engine computes them; normalised criteria kept in `norm` for the whole search)."""
        self.verifier(cand)
        empty = np.full((len(self.sirens), len(CRITERES)), np.nan)  # unread: composed per bassin de vie
        score, nb, _ = scores_methode(
            self.raw.get(cand.agregation, empty),
            self.pct.get(cand.agregation, empty),
            self.bassins,
            self.sirens,
            cand.agregation,
            cand.normalisation,
            cand.plafond,
            np.array(cand.poids),
            seuil,
            self.norm,
            self.rows_bassins,
        )
        return score, nb


def contexte(criteria: CriteriaTables, surfaces: dict[str, float]) -> Contexte:
    sirens = sorted(criteria.epcis)
    infos = criteria.epcis
    ctx = Contexte(
        sirens=sirens,
        regions=np.array([infos[s].region_code for s in sirens]),
        populations=np.array([infos[s].population for s in sirens], dtype=np.int64),
        surfaces=np.array([surfaces.get(s, 0.0) for s in sirens]),
        outre_mer=np.array([infos[s].zone != "metro" for s in sirens]),
        departements=[infos[s].departements for s in sirens],
        raw={a: raw_matrix(table, sirens) for a, table in criteria.tables.items()},
    )
    ctx.pct = {a: percentile_matrix(m, a) for a, m in ctx.raw.items()}
    if criteria.bassins is not None:
        ctx.bassins = criteria.bassins
        ctx.rows_bassins = criteria.bassins.aligned(sirens)
    return ctx


def observation(ctx: Contexte, selected: np.ndarray) -> Observation:
    """What a selection gives, to hold against the facts. The regions in code order, the départements in the order
    of their first zone (EPCI by SIREN, each one's départements in its order)."""
    if ctx.comptage is None:
        ctx.comptage = Comptage.of(ctx.regions, ctx.departements)
    c = ctx.comptage
    rows = c.region_of[selected]
    counts = np.bincount(rows, minlength=len(c.regions))
    # float sums of integers under 2**53: exact
    people = np.rint(np.bincount(rows, weights=ctx.populations[selected], minlength=len(c.regions))).astype(
        np.int64
    )
    present = np.flatnonzero(counts)
    regions = c.regions[present].tolist()  # Python's str and int: a dict of NumPy scalars is slower to build
    par_region = dict(zip(regions, counts[present].tolist(), strict=True))
    population_region = dict(zip(regions, people[present].tolist(), strict=True))
    in_zone = c.paire_departement[selected[c.paire_epci]]
    per_dep = np.bincount(in_zone, minlength=len(c.departements))
    found, first = np.unique(in_zone, return_index=True)
    ordered = found[np.argsort(first)]
    departements = dict(zip(c.departements[ordered].tolist(), per_dep[ordered].tolist(), strict=True))
    surfaces = ctx.surfaces[selected]
    with np.errstate(divide="ignore", invalid="ignore"):
        densites = np.where(
            surfaces > 0, ctx.populations[selected] / np.where(surfaces > 0, surfaces, 1.0), 0.0
        )
    return Observation(
        zones=int(selected.sum()),
        population=int(ctx.populations[selected].sum()),
        surface_km2=float(surfaces.sum()),
        outre_mer=int((selected & ctx.outre_mer).sum()),
        par_region=par_region,
        population_region=population_region,
        departements=departements,
        densite_moyenne_epci=float(densites.mean()) if len(densites) else 0.0,
    )


def observation_of(
    result: ZonageResult, surfaces: dict[str, float], ajouts: frozenset[str] = frozenset()
) -> Observation:
    """The observation of a computed zonage (the retained EPCI, plus `ajouts`: modelled additions)."""
    sirens = sorted(result.epcis)
    chosen = {s.siren for s in result.selected} | ajouts
    infos = result.epcis
    ctx = Contexte(
        sirens=sirens,
        regions=np.array([infos[s].region_code for s in sirens]),
        populations=np.array([infos[s].population for s in sirens], dtype=np.int64),
        surfaces=np.array([surfaces.get(s, 0.0) for s in sirens]),
        outre_mer=np.array([infos[s].zone != "metro" for s in sirens]),
        departements=[infos[s].departements for s in sirens],
        raw={},
    )
    return observation(ctx, np.array([s in chosen for s in sirens]))


def ordre(ctx: Contexte, cand: Candidat, seuil: float = 80.0) -> np.ndarray:
    """The EPCI in the candidate's rank order (read-only). Candidates that differ only in the target, the regional
    allocation or the overseas share rank alike, and `candidats` lists them one after the other: the last ranking
    is kept, which spares the search most of its scoring."""
    ctx.verifier(cand)  # each time: a kept ranking never hides missing tables
    choix = (cand.agregation, cand.normalisation, cand.plafond, cand.cumul, cand.poids, seuil)
    if ctx.dernier_ordre is None or ctx.dernier_ordre[0] != choix:
        score, nb = ctx.scores(cand, seuil)
        order = order_of(score, nb, cand.cumul)
        order.flags.writeable = False
        ctx.dernier_ordre = (choix, order)
    return ctx.dernier_ordre[1]


def selection(ctx: Contexte, cand: Candidat, quotas: dict[str, int], seuil: float = 80.0) -> np.ndarray:
    order = ordre(ctx, cand, seuil)
    regions, overseas = groupes_outre_mer(ctx.regions, cand.outre_mer, dict(cand.territoires))
    all_quotas = (dict(quotas) if cand.allocation else {}) | overseas
    regle = "population" if cand.population else "nombre"
    return select(order, ctx.populations, regions, regle, cand.nombre, cand.population, all_quotas)


def poids_candidats(n_aleatoires: int, graine: int = GRAINE) -> list[tuple[float, ...]]:
    """The hand-picked weights plus a seeded Dirichlet sample of the simplex, rounded to 0.05, each set
    then written as the parameter file writes it (`poids_arrondis`, 3 decimals): the set searched is the
    set written, and reading the file back gives the very selection that was scored."""
    rng = np.random.default_rng(graine)
    result = list(POIDS_CHOISIS)
    for draw in rng.dirichlet(np.ones(len(CRITERES)), size=n_aleatoires):
        rounded = np.round(draw * 20) / 20
        if rounded.sum() == 0:
            continue
        rounded = rounded / rounded.sum()
        result.append(tuple(float(x) for x in rounded))
    return list(dict.fromkeys(tuple(poids_arrondis(p).values()) for p in result))


def cibles(faits: Faits) -> list[tuple[int, int]]:
    """The selection targets tried, as (N, population): N = 141 (May pre-list) or 151, by rank; or, by
    rank until a population (N then only bounds the quotas): the published population of the 151, or its
    share for the zones computed (× 141 / 151, the ARS adding the rest) — ADR 0016, révision."""
    nombres = sorted({faits.zones_calculees, faits.zones})
    populations = sorted({faits.population, faits.population * faits.zones_calculees // faits.zones})
    return [(n, 0) for n in nombres] + [(faits.zones, p) for p in populations]


def allocations_outre_mer(faits: Faits) -> list[tuple[int, tuple[tuple[str, int], ...]]]:
    """The overseas allocations tried: none; the published overseas count for all the territories together;
    and, when the facts give them, that count split by the published counts of the territories."""
    result: list[tuple[int, tuple[tuple[str, int], ...]]] = [(0, ())]
    if faits.outre_mer:
        result.append((faits.outre_mer, ()))
        if faits.outre_mer_territoires:
            result.append((faits.outre_mer, tuple(sorted(faits.outre_mer_territoires.items()))))
    return result


def candidats(faits: Faits, n_poids: int, graine: int = GRAINE) -> list[Candidat]:
    """Every combination of the choices, the overseas allocations included (`allocations_outre_mer`)."""
    return [
        Candidat(
            agregation, methode, plafond, cumul, poids, nombre, allocation, outre_mer, population, territoires
        )
        for agregation, (methode, plafond), cumul, poids, (
            nombre,
            population,
        ), allocation, (outre_mer, territoires) in itertools.product(
            AGREGATIONS,
            NORMALISATIONS_TESTEES,
            (True, False),
            poids_candidats(n_poids, graine),
            cibles(faits),
            (False, True),
            allocations_outre_mer(faits),
        )
    ]


@dataclass(frozen=True)
class Pli:
    """One fold of the cross-validation: a region held out."""

    region: str
    publie: int
    gagnant: Candidat
    calcule: int  # the winner's count in the held-out region

    @property
    def erreur(self) -> int:
        return abs(self.calcule - self.publie)


@dataclass
class Calibrage:
    gagnant: Candidat
    perte: Perte
    plis: dict[Famille, list[Pli]]  # per family (allocation or not, population target or not)
    perte_cv: dict[Famille, float]  # mean held-out error (zones) per family
    evaluations: int
    classement: list[tuple[float, Candidat]]  # the best candidates on all facts, for the report
    # without allocation (one selection for every fold): each candidate's loss on all the facts and its
    # training loss per fold, for the vote of methods (`voter`)
    pertes: dict[Candidat, tuple[float, dict[str, float]]] = field(default_factory=dict)

    @property
    def famille(self) -> Famille:
        return self.gagnant.famille


def quotas_of(faits: Faits, sans: str | None = None) -> dict[str, int]:
    return {r.code: r.zones for r in faits.regions if r.code != sans}


def calibrer(
    ctx: Contexte,
    faits: Faits,
    liste: Iterable[Candidat],
    progress: Callable[[int], None] | None = None,
) -> Calibrage:
    """Searches the candidates; raises ParamError when no candidate can reach the target."""
    tick = progress or (lambda _n: None)
    folds = [r.code for r in faits.regions]
    published = {r.code: r.zones for r in faits.regions}
    full_quotas = quotas_of(faits)
    best_full: list[tuple[float, Candidat]] = []
    # per family, per fold: (training loss, candidate, held-out count)
    best_fold: dict[Famille, dict[str, tuple[float, Candidat, int]]] = {}
    pertes: dict[Candidat, tuple[float, dict[str, float]]] = {}
    evaluations = 0
    feasible = 0
    regions_count = {str(c): int(n) for c, n in zip(*np.unique(ctx.regions, return_counts=True), strict=True)}
    for cand in liste:
        tick(1)
        if (cand.allocation or cand.outre_mer) and (
            sum(full_quotas.values()) * cand.allocation + cand.outre_mer > cand.nombre
            or cand.outre_mer > int(ctx.outre_mer.sum())
            or any(n > regions_count.get(c, 0) for c, n in cand.territoires)
            or (cand.allocation and any(q > regions_count.get(c, 0) for c, q in full_quotas.items()))
        ):
            continue
        feasible += 1
        selected = selection(ctx, cand, full_quotas)
        evaluations += 1
        obs = observation(ctx, selected)
        best_full.append((perte(faits, obs).total, cand))
        trainings: dict[str, float] = {}
        for code in folds:
            if cand.allocation:
                fold_sel = selection(ctx, cand, quotas_of(faits, sans=code))
                evaluations += 1
                fold_obs = observation(ctx, fold_sel)
            else:
                fold_obs = obs
            training = perte(faits, fold_obs, exclure=frozenset({code})).total
            trainings[code] = training
            current = best_fold.setdefault(cand.famille, {}).get(code)
            if current is None or training < current[0]:
                best_fold[cand.famille][code] = (training, cand, fold_obs.par_region.get(code, 0))
        if not cand.allocation:
            pertes[cand] = (best_full[-1][0], trainings)
    if feasible == 0:
        raise ParamError(
            "Objectif impossible : aucun jeu de choix ne peut atteindre les comptes demandés "
            "(quotas régionaux supérieurs au nombre de zones ou au nombre d'EPCI d'une région)."
        )
    plis: dict[Famille, list[Pli]] = {}
    perte_cv: dict[Famille, float] = {}
    for family, by_fold in best_fold.items():
        if not by_fold:
            continue
        plis[family] = [Pli(code, published[code], by_fold[code][1], by_fold[code][2]) for code in folds]
        perte_cv[family] = float(np.mean([p.erreur for p in plis[family]]))
    family = min(perte_cv, key=lambda f: (perte_cv[f], f))
    best_full.sort(key=lambda item: item[0])
    winner = next(c for _, c in best_full if c.famille == family)
    final = perte(faits, observation(ctx, selection(ctx, winner, full_quotas)))
    return Calibrage(winner, final, plis, perte_cv, evaluations, best_full[:10], pertes)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, float):
        return repr(round(value, 6))
    return str(value)


def poids_arrondis(poids: tuple[float, ...]) -> dict[str, float]:
    """Weights with 3 decimals summing exactly to 1 (the largest absorbs the rounding)."""
    rounded = [round(w, 3) for w in poids]
    largest = max(range(len(rounded)), key=lambda i: rounded[i])
    rounded[largest] = round(1.0 - sum(w for i, w in enumerate(rounded) if i != largest), 3)
    return dict(zip(CRITERES, rounded, strict=True))


def parametres_toml(
    cal: Calibrage,
    faits: Faits,
    quotas: dict[str, int],
    le: dt.date,
    depuis: dt.date,
    v: Vote | None = None,
    fichier_faits: str = "faits_2025.toml",
) -> str:
    """The winning set as a dated parameter file (the 2025 campaign), read back by `sources.load_params`;
    with `v`, the winner is the principal method of that vote and the members follow it. `fichier_faits`: the
    name of the facts file it was calibrated on, as the set's source says."""
    g = cal.gagnant
    fichier_faits = "".join(c for c in fichier_faits if c.isprintable())
    lines = [
        "# Paramètres de la campagne de zonage 2025 — calibrés sur les faits publiés (ADR 0016).",
        "# Écrit par « python -m solidarite zonage calibrer » ; ne pas retoucher à la main : relancer le calibrage.",
        f"# Faits : version {faits.version} du {faits.date.isoformat()} ; perte {cal.perte.total:.2f} ; "
        f"perte validée croisée (écart moyen sur la région laissée de côté) : {cal.perte_cv[g.famille]:.2f} zone(s).",
        "# Les poids ont pour somme 1 (exigé dès qu'une section [methode] est présente).",
        *(
            [
                f"# Vote de {len(v.membres)} méthodes (ADR 0021) : perte {v.perte.total:.2f}, perte validée croisée "
                f"{v.perte_cv:.2f} zone(s) (méthode seule, mêmes plis : {v.perte_cv_seul:.2f}), "
                f"{v.recouvrement_texte()}."
            ]
            if v is not None
            else []
        ),
        "",
        "[campagne]",
        'nom = "Zonage 2025 — calibré sur les faits publiés"',
        f"depuis = {depuis.isoformat()}",
        f"calibre_le = {le.isoformat()}",
        "source = "
        + _toml_value(
            "Critères : ministère de la Santé, 27 juin 2025. Choix de méthode : calibrage sur les faits publiés "
            f"({fichier_faits} v{faits.version}), validation croisée en laissant une région de côté."
        ),
        "",
        "[selection]",
        f'regle = "{"population" if g.population else "nombre"}"',
        f"nombre = {g.nombre}",
        *([f"population = {g.population}"] if g.population else []),
        "seuil_percentile = 80",
        "",
        "[methode]",
        f"normalisation = {_toml_value(g.normalisation)}",
        f"plafond = {_toml_value(float(g.plafond))}",
        f"cumul = {_toml_value(g.cumul)}",
        f"agregation = {_toml_value(g.agregation)}",
    ]
    if g.outre_mer:
        lines.append(f"outre_mer = {g.outre_mer}")
    if g.allocation:
        lines += ["", "[methode.quotas]"] + [f'"{c}" = {n}' for c, n in sorted(quotas.items())]
    if g.territoires:
        lines += ["", "[methode.outre_mer_territoires]"] + [f'"{c}" = {n}' for c, n in g.territoires]
    for membre, voix in v.membres if v is not None else []:
        lines += [
            "",
            "[[methode.membres]]",
            f"agregation = {_toml_value(membre.agregation)}",
            f"normalisation = {_toml_value(membre.normalisation)}",
            f"plafond = {_toml_value(float(membre.plafond))}",
            f"cumul = {_toml_value(membre.cumul)}",
            f"vote = {_toml_value(voix)}",
            "[methode.membres.poids]",
        ] + [f"{c} = {w}" for c, w in poids_arrondis(membre.poids).items()]
    lines += ["", "[poids]"] + [f"{c} = {w}" for c, w in poids_arrondis(g.poids).items()]
    return "\n".join(lines) + "\n"


def verifier_faisable(
    faits: Faits,
    regions: dict[str, str],
    noms: dict[str, str],
    departements: dict[str, tuple[str, ...]] | None = None,
    populations: dict[str, int] | None = None,
) -> None:
    """A target the EPCI cannot reach (more zones than EPCI, in France, a region or a département; more
    inhabitants than all of them) → ParamError. An EPCI counts in each département it touches."""
    total = len(regions)
    if faits.zones > total:
        raise ParamError(
            f"Objectif impossible : {faits.zones} zones demandées pour {total} EPCI classés ([national] zones)."
        )
    if populations is not None and faits.population > (habitants := sum(populations.values())):
        raise ParamError(
            f"Objectif impossible : {faits.population} habitants publiés pour les zones, plus que les "
            f"{habitants} de tous les EPCI classés ([national] population)."
        )
    per_departement = Counter(d for touched in (departements or {}).values() for d in touched)
    for p in faits.perimetres():
        table = "region" if isinstance(p, FaitRegion) else "groupe"
        for d in p.departements if departements is not None else ():
            if d.zones > per_departement[d.code]:
                raise ParamError(
                    f"Objectif impossible : {d.zones} zones publiées pour le département {d.code}, "
                    f'qui ne touche que {per_departement[d.code]} EPCI ([[{table}.departement]] code = "{d.code}", '
                    "zones)."
                )
    per_region: dict[str, int] = {}
    for code in regions.values():
        per_region[code] = per_region.get(code, 0) + 1
    for r in faits.regions:
        if r.zones > per_region.get(r.code, 0):
            raise ParamError(
                f"Objectif impossible : {r.zones} zones publiées pour {noms.get(r.code, r.code)}, "
                f'qui ne compte que {per_region.get(r.code, 0)} EPCI ([[region]] code = "{r.code}", zones).'
            )
    for code, zones in faits.outre_mer_territoires.items():
        if zones > per_region.get(code, 0):
            raise ParamError(
                f"Objectif impossible : {zones} zones publiées pour {noms.get(code, code)}, "
                f'qui ne compte que {per_region.get(code, 0)} EPCI ([[outre_mer]] code = "{code}", zones).'
            )
    if faits.outre_mer_territoires:
        reste, autres = reste_outre_mer(faits.outre_mer, faits.outre_mer_territoires, per_region)
        if reste > autres:
            raise ParamError(
                f"Objectif impossible : {reste} zones d'outre-mer publiées hors de "
                f"{', '.join(noms.get(c, c) for c in sorted(faits.outre_mer_territoires))} ; "
                f"les autres territoires n'ont que {autres} EPCI ([national] outre_mer, [[outre_mer]] zones)."
            )
