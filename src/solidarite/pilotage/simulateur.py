"""The impact simulator (issue 24, point 3): what would N volunteers achieve, and how many would it take?

Pure and typed: dataclasses in, dataclasses out; no Django, no files (`simulation_services.py` reads the
database and the data files around it). The real optimiser decides every sampled month.

Model, for a number N of volunteers and a seed:
- each simulated volunteer copies one volunteer of the profile (home commune, days per month, reach,
  rotation), drawn with replacement; volunteer k is the same person whatever N (draws in fixed blocks of
  `BLOCK` volunteers, each block its own seeded generator), so N + 1 volunteers are N volunteers plus one:
  with the optimiser's proven optimum, more volunteers never cover fewer site-days;
- each month, a single-day volunteer offers between `jours_max` and `jours_max × dates_par_jour` working days
  drawn at random (the platform's cap on declared dates, `dates_proposees_par_jour`); a volunteer who comes
  for rotations of b days offers one or two whole weeks (as `planning.instances`);
- one lieu per zone rouge, one doctor wanted every working day (the ministry's aim is a doctor at each lieu
  every working day): capacity 1 and equal priorities, so the optimiser maximises the site-days covered;
- coverage is measured two ways: the share of the aim (`zones_cible` × `jours_ouvres_an`, 151 × 250) and the
  share of the simulated lieux' working days; the inverse question uses the latter (each lieu every working
  day), then scales N by `zones_cible` ÷ simulated lieux when fewer zones than 151 are active (each zone
  needs about the same volunteers: an assumption, written beside the figure);
- sampled months: `mois` distinct months of the year (all 12 when `mois` = 12), seeded; the year is the mean
  month × 12;
- consultations = covered days × slots per day × fill rate; cost = doctor-days × the daily compensation.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import holidays
import numpy as np

from solidarite.planning import optimizer

BLOCK = 256  # volunteers drawn per seeded generator (keeps draws nested whatever N)
MAX_VOLONTAIRES = 200_000  # beyond: ten times every GP of France would not be a simulation, but a typo
MAX_SEEDS = 20
DEFAULT_PLAFOND_INVERSE = 20_000  # the inverse search stops here (reported as "au-delà")


class SimulationError(ValueError):
    """Bad parameters; the message is French and says what to change."""


class SimulationAnnulee(Exception):
    """Raised when the `annule` callback says the run was cancelled."""


@dataclass(frozen=True)
class ProfilVolontaire:
    commune: str
    lat: float
    lon: float
    jours_max: int
    max_km: float
    block_days: int = 1


@dataclass(frozen=True)
class LieuCible:
    id: str
    epci: str
    commune: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Hypotheses:
    annee: int
    zones_cible: int  # 151 (nombre_zones_rouges)
    jours_ouvres_an: int  # 250
    creneaux_par_jour: int
    taux_remplissage: float
    indemnite_jour: float
    dates_par_jour: int

    @property
    def cible_jours(self) -> int:
        return self.zones_cible * self.jours_ouvres_an


@dataclass(frozen=True)
class Parametres:
    volontaires: int
    seeds: int = 5
    mois: int = 12
    couverture: float = 1.0
    # The inverse search's ceiling; not given: DEFAULT_PLAFOND_INVERSE, or the number of volunteers when it is
    # more (a simulation of 50,000 volunteers was refused for a ceiling its user never gave).
    plafond_demande: int | None = None

    @property
    def plafond(self) -> int:
        if self.plafond_demande is not None:
            return self.plafond_demande
        return max(DEFAULT_PLAFOND_INVERSE, self.volontaires)


def valider(p: Parametres) -> Parametres:
    """The parameters, or a SimulationError naming the wrong one."""
    if not 1 <= p.volontaires <= MAX_VOLONTAIRES:
        raise SimulationError(
            f"Nombre de volontaires invalide ({p.volontaires}) : entre 1 et {MAX_VOLONTAIRES:,}".replace(
                ",", " "
            )
            + " (la France compte environ 100 000 médecins généralistes)."
        )
    if not 1 <= p.seeds <= MAX_SEEDS:
        raise SimulationError(f"Nombre de tirages invalide ({p.seeds}) : entre 1 et {MAX_SEEDS}.")
    if not 1 <= p.mois <= 12:
        raise SimulationError(f"Nombre de mois invalide ({p.mois}) : entre 1 et 12.")
    if not (math.isfinite(p.couverture) and 0.0 < p.couverture <= 1.0):
        raise SimulationError(
            f"Couverture visée invalide ({p.couverture}) : une part entre 0 (exclu) et 1 (100 % de la cible)."
        )
    if not p.volontaires <= p.plafond <= MAX_VOLONTAIRES:
        plafond, volontaires, maximum = (
            f"{n:,}".replace(",", " ") for n in (p.plafond, p.volontaires, MAX_VOLONTAIRES)
        )
        raise SimulationError(
            f"Plafond de la recherche inverse invalide ({plafond}) : le plus grand nombre de volontaires qu'elle "
            f"essaie, entre {volontaires} (le nombre de volontaires) et {maximum}."
        )
    return p


def jours_ouvres(annee: int, mois: int) -> list[dt.date]:
    """Monday to Friday, French public holidays excluded (metropolitan calendar)."""
    feries = holidays.country_holidays("FR", years=annee)
    last = calendar.monthrange(annee, mois)[1]
    days = (dt.date(annee, mois, d) for d in range(1, last + 1))
    return [d for d in days if d.weekday() < 5 and d not in feries]


def mois_echantillon(nombre: int, seed: int) -> list[int]:
    """`nombre` distinct months (1–12) drawn with the seed, in calendar order."""
    if nombre >= 12:
        return list(range(1, 13))
    rng = np.random.default_rng([seed, 12])
    return sorted(int(m) + 1 for m in rng.choice(12, size=nombre, replace=False))


def _weeks(days: list[dt.date]) -> list[list[dt.date]]:
    weeks: list[list[dt.date]] = []
    for day in days:
        if not weeks or day.isocalendar().week != weeks[-1][0].isocalendar().week:
            weeks.append([])
        weeks[-1].append(day)
    return weeks


def volontaires_du_mois(
    profil: Sequence[ProfilVolontaire], n: int, seed: int, annee: int, mois: int, dates_par_jour: int
) -> tuple[optimizer.Volunteer, ...]:
    """The first n simulated volunteers and their offered dates of the month (nested in n)."""
    if not profil:
        raise SimulationError("Aucun profil de volontaire : rien à simuler.")
    days = jours_ouvres(annee, mois)
    weeks = _weeks(days)
    result: list[optimizer.Volunteer] = []
    for block in range((n + BLOCK - 1) // BLOCK):
        who = np.random.default_rng([seed, block]).integers(0, len(profil), size=BLOCK)
        rng = np.random.default_rng([seed, block, annee, mois])
        keys = rng.random((BLOCK, len(days)))
        draws = rng.random((BLOCK, 3))
        for i in range(min(BLOCK, n - block * BLOCK)):
            k = block * BLOCK + i
            p = profil[int(who[i])]
            if p.block_days > 1:
                full = [w for w in weeks if len(w) >= p.block_days]
                if not full:
                    continue
                order = np.argsort(keys[i, : len(full)])
                count = 1 + int(draws[i, 0] < 0.5)
                available = sorted(d for j in order[:count] for d in full[int(j)])
                limit = max(p.jours_max, p.block_days)
            else:
                low, high = p.jours_max, min(len(days), p.jours_max * dates_par_jour)
                size = min(len(days), low + int(draws[i, 0] * (high - low + 1)))
                available = sorted(days[int(j)] for j in np.argsort(keys[i])[:size])
                limit = p.jours_max
            if not available or limit <= 0:
                continue
            result.append(
                optimizer.Volunteer(
                    f"S{k:06d}", p.lat, p.lon, limit, p.max_km, tuple(available), p.block_days
                )
            )
    return tuple(result)


def sites_du_mois(lieux: Sequence[LieuCible], annee: int, mois: int) -> tuple[optimizer.Site, ...]:
    days = tuple(jours_ouvres(annee, mois))
    return tuple(optimizer.Site(lieu.id, lieu.lat, lieu.lon, 1.0, 1, days) for lieu in lieux)


@dataclass
class Tirage:
    """One seed at one N: the year's figures (mean sampled month × 12)."""

    volontaires: int
    seed: int
    jours_couverts: float
    part_cible: float  # of zones_cible × jours_ouvres_an (151 × 250)
    part_lieux: float  # of the simulated lieux' working days (the inverse question's measure)
    consultations: float
    cout: float
    jours_par_lieu: dict[str, float]
    secondes: float
    optimal: bool


def _figures(jours: float, h: Hypotheses) -> tuple[float, float, float]:
    return (
        jours / h.cible_jours,
        jours * h.creneaux_par_jour * h.taux_remplissage,
        jours * h.indemnite_jour,
    )


def cout_annuel(jours_medecin: float, h: Hypotheses) -> float:
    """Compensation for a year: doctor-days × the daily amount (one doctor per lieu-day here)."""
    return jours_medecin * h.indemnite_jour


def tirer(
    profil: Sequence[ProfilVolontaire],
    lieux: Sequence[LieuCible],
    h: Hypotheses,
    n: int,
    seed: int,
    mois: int,
    *,
    annule: Callable[[], bool] = lambda: False,
    time_limit_s: float = 30.0,
) -> Tirage:
    """Runs the optimiser on the sampled months for the first n volunteers of the seed."""
    start = time.perf_counter()
    months = mois_echantillon(mois, seed)
    per_site: dict[str, float] = {lieu.id: 0.0 for lieu in lieux}
    total = 0
    possible = 0
    optimal = True
    for month in months:
        if annule():
            raise SimulationAnnulee
        instance = optimizer.Instance(
            h.annee,
            month,
            volontaires_du_mois(profil, n, seed, h.annee, month, h.dates_par_jour),
            sites_du_mois(lieux, h.annee, month),
        )
        possible += sum(len(site.needed) for site in instance.sites)
        solution = optimizer.solve(instance, time_limit_s)
        optimal = optimal and solution.optimal
        covered = {(a.site, a.date) for a in solution.assignments}
        total += len(covered)
        for site, _ in covered:
            per_site[site] += 1
    scale = 12.0 / len(months)
    jours = total * scale
    part, consultations, cout = _figures(jours, h)
    return Tirage(
        n,
        seed,
        jours,
        part,
        total / possible if possible else 0.0,
        consultations,
        cout,
        {k: v * scale for k, v in per_site.items()},
        time.perf_counter() - start,
        optimal,
    )


@dataclass
class Intervalle:
    minimum: float
    mediane: float
    maximum: float

    @classmethod
    def de(cls, values: Sequence[float]) -> Intervalle:
        return cls(min(values), statistics.median(values), max(values))


@dataclass
class PointCourbe:
    volontaires: int
    part: Intervalle


@dataclass
class Bilan:
    parametres: Parametres
    tirages: list[Tirage]
    jours_couverts: Intervalle
    part_cible: Intervalle
    part_lieux: Intervalle
    consultations: Intervalle
    cout: Intervalle
    necessaires: list[int | None]  # per seed; None: not reached within the ceiling
    necessaires_intervalle: Intervalle | None
    necessaires_cible: Intervalle | None  # scaled to the zones_cible lieux (× zones_cible ÷ simulated lieux)
    plafond_atteint: bool
    courbe: list[PointCourbe]
    jours_par_lieu: dict[str, float]  # median over seeds, per lieu, per year
    secondes: float = 0.0
    annee_secondes: float = 0.0  # wall time of one simulated year (one seed, N volunteers)
    evaluations: int = 0
    notes: list[str] = field(default_factory=list)


Progres = Callable[[int, int, str], None]


def simuler(
    profil: Sequence[ProfilVolontaire],
    lieux: Sequence[LieuCible],
    h: Hypotheses,
    p: Parametres,
    *,
    progres: Progres = lambda done, total, label: None,
    annule: Callable[[], bool] = lambda: False,
) -> Bilan:
    """The figures for N volunteers over the seeds, then the inverse question for the wanted coverage.

    Inverse, per seed: doubling from N until the coverage is reached (or the ceiling), then bisection to
    within 2 % of N. The curve is every seed's evaluated points, interpolated on a common grid of N
    (coverage is non-decreasing in N on one seed), with min / median / max over the seeds."""
    valider(p)
    if not lieux:
        raise SimulationError("Aucun lieu en zone rouge : lancez d'abord le zonage (zones actives).")
    start = time.perf_counter()
    seeds = list(range(1, p.seeds + 1))
    cache: dict[tuple[int, int], Tirage] = {}
    # Rough total for the progress bar: the N runs, then about 12 evaluations per seed for the inverse.
    total = len(seeds) * 13
    done = 0

    def evaluate(n: int, seed: int, label: str) -> Tirage:
        nonlocal done, total
        if (n, seed) not in cache:
            cache[(n, seed)] = tirer(profil, lieux, h, n, seed, p.mois, annule=annule)
            done += 1
            total = max(total, done + 1)
            progres(done, total, label)
        return cache[(n, seed)]

    tirages = [evaluate(p.volontaires, s, f"{p.volontaires} volontaires, tirage {s}") for s in seeds]
    needed: list[int | None] = []
    for s in seeds:
        needed.append(
            _inverse(functools.partial(evaluate, seed=s, label=f"recherche inverse, tirage {s}"), p)
        )
    progres(total, total, "terminé")
    reached = [n for n in needed if n is not None]
    courbe = _courbe(cache, seeds)
    per_site = {
        lieu.id: statistics.median(t.jours_par_lieu.get(lieu.id, 0.0) for t in tirages) for lieu in lieux
    }
    notes = []
    if len(reached) < len(needed):
        notes.append(
            f"Couverture de {p.couverture:.0%} non atteinte avec {p.plafond} volontaires pour "
            f"{len(needed) - len(reached)} tirage(s) sur {len(needed)}."
        )
    return Bilan(
        p,
        tirages,
        Intervalle.de([t.jours_couverts for t in tirages]),
        Intervalle.de([t.part_cible for t in tirages]),
        Intervalle.de([t.part_lieux for t in tirages]),
        Intervalle.de([t.consultations for t in tirages]),
        Intervalle.de([t.cout for t in tirages]),
        needed,
        Intervalle.de([float(n) for n in reached]) if reached else None,
        Intervalle.de([n * h.zones_cible / len(lieux) for n in reached]) if reached else None,
        len(reached) < len(needed),
        courbe,
        per_site,
        time.perf_counter() - start,
        max(t.secondes for t in tirages),
        len(cache),
        notes,
    )


def _inverse(evaluate: Callable[[int], Tirage], p: Parametres) -> int | None:
    """Smallest N (within 2 %) whose coverage reaches p.couverture, or None up to the ceiling."""
    low, high = 0, p.volontaires
    while evaluate(high).part_lieux < p.couverture:
        if high >= p.plafond:
            return None
        low, high = high, min(p.plafond, high * 2)
    while high - low > max(1, int(0.02 * high)):
        middle = (low + high) // 2
        if middle == 0:
            break
        if evaluate(middle).part_lieux >= p.couverture:
            high = middle
        else:
            low = middle
    return high


def _courbe(cache: dict[tuple[int, int], Tirage], seeds: list[int], points: int = 12) -> list[PointCourbe]:
    ns = sorted({n for n, _ in cache})
    if not ns:
        return []
    low, high = max(1, ns[0]), ns[-1]
    grid = sorted({round(float(x)) for x in np.geomspace(low, high, points)} | set(ns[:1]) | set(ns[-1:]))
    curves = []
    for s in seeds:
        xs = sorted(n for n, seed in cache if seed == s)
        ys = [cache[(n, s)].part_lieux for n in xs]
        curves.append(np.interp(grid, [0, *xs], [0.0, *ys]))
    return [PointCourbe(n, Intervalle.de([float(c[i]) for c in curves])) for i, n in enumerate(grid)]


def ajout_apl_par_commune(
    jours_par_lieu: dict[str, float], lieux: Sequence[LieuCible], h: Hypotheses
) -> dict[str, float]:
    """Yearly consultations added at each lieu's commune: covered days × slots × fill rate."""
    added: dict[str, float] = {}
    for lieu in lieux:
        extra = jours_par_lieu.get(lieu.id, 0.0) * h.creneaux_par_jour * h.taux_remplissage
        added[lieu.commune] = added.get(lieu.commune, 0.0) + extra
    return added
