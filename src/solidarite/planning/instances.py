"""Planning instances on the real geography (benchmarks, tests, demo): lieux in the computed zones,
volunteers in well-served communes, French working days. Seeded; pure (no Django)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import holidays
import numpy as np

from solidarite.annuaire.generation import lieux_places, volunteer_homes
from solidarite.planning.optimizer import Instance, Site, Volunteer
from solidarite.territoire.sources import TerritoireData, read_territoire
from solidarite.zonage import sources as zonage_sources
from solidarite.zonage.calcul import ZonageResult, compute_zonage, current_code_map
from solidarite.zonage.sources import load_params

# Single-day missions: at most about 1 h 30 of driving each way (≈ 120 km as the crow flies at the
# platform's 46 km/h straight-line speed); most volunteers stay within an hour. Distant doctors come for
# week-long rotations instead (Médecins solidaires' model): they get a wider reach.
MAX_KM_CHOICES = (40.0, 60.0, 90.0, 120.0)
MAX_KM_WEIGHTS = (0.25, 0.35, 0.25, 0.15)
BLOCK_MAX_KM_CHOICES = (120.0, 250.0, 400.0)
BLOCK_MAX_KM_WEIGHTS = (0.4, 0.4, 0.2)
# A volunteer who may work 2 days a month offers a few dates: 2 to 5.
DATES_OFFERED = (2, 5)


def working_days(year: int, month: int) -> list[dt.date]:
    """Monday to Friday, French public holidays excluded (the `holidays` package, metropolitan France)."""
    public = holidays.country_holidays("FR", years=year)
    return [
        day
        for day in (dt.date(year, month, d) for d in range(1, calendar.monthrange(year, month)[1] + 1))
        if day.weekday() < 5 and day not in public
    ]


class GeographyCache:
    """The territory, the zonage and the APL per commune, read once and reused for several instances."""

    def __init__(
        self, data_dir: Path, territoire: TerritoireData | None = None, zonage: ZonageResult | None = None
    ) -> None:
        self.territoire = territoire or read_territoire(data_dir)
        self.zonage = zonage or compute_zonage(data_dir, load_params(), territoire=self.territoire)
        mapping = current_code_map(self.territoire, zonage_sources.read_renamed_codes(data_dir))
        self.apl: dict[str, float] = {}
        for row in zonage_sources.read_apl(data_dir):
            code = mapping.get(row.code)
            if code:
                self.apl[code] = row.apl


def generate_instance(
    geo: GeographyCache,
    *,
    volunteers: int,
    sites: int,
    year: int,
    month: int,
    seed: int,
    block_days: int = 1,
    max_days: int = 2,
    history_share: float = 0.1,
    declined_share: float = 0.0,
) -> Instance:
    """`declined_share` of the volunteers declined a lieu on some of their days, staying available for the others
    (`Instance.excluded`, `declined_missions`); 0, the default, draws nothing more: the instance of a seed is
    the same as before the option existed."""
    rng = np.random.default_rng(seed)
    # Site priority follows the fragility, not a vote's share (ADR 0021): rank order is kept.
    ranked = [(s.siren, s.score_fragilite or 0.0) for s in geo.zonage.scores]
    populations = {siren: info.population for siren, info in geo.zonage.epcis.items()}
    places = lieux_places(geo.territoire, ranked, sites, populations)
    days = working_days(year, month)
    site_list = tuple(
        Site(f"L{k:04d}-{p.commune}", p.lat, p.lon, p.priority, p.capacity, tuple(days))
        for k, p in enumerate(places)
    )
    homes = volunteer_homes(geo.territoire, geo.apl, volunteers, rng)
    weeks: list[list[dt.date]] = []
    for day in days:
        if not weeks or day.isocalendar().week != weeks[-1][0].isocalendar().week:
            weeks.append([])
        weeks[-1].append(day)
    volunteer_list = []
    for k, home in enumerate(homes):
        if block_days > 1:
            max_km = float(rng.choice(BLOCK_MAX_KM_CHOICES, p=BLOCK_MAX_KM_WEIGHTS))
            full = [w for w in weeks if len(w) >= block_days]
            picked = rng.choice(len(full), size=min(len(full), int(rng.integers(1, 3))), replace=False)
            available = sorted(d for i in picked for d in full[int(i)])
            limit = max(max_days, block_days)
        else:
            max_km = float(rng.choice(MAX_KM_CHOICES, p=MAX_KM_WEIGHTS))
            size = int(min(len(days), rng.integers(DATES_OFFERED[0], DATES_OFFERED[1] + 1)))
            available = sorted(days[int(i)] for i in rng.choice(len(days), size=size, replace=False))
            limit = max_days
        volunteer_list.append(
            Volunteer(
                f"V{k:05d}-{home.commune}", home.lat, home.lon, limit, max_km, tuple(available), block_days
            )
        )
    history = set()
    if site_list:
        site_lat = np.array([s.lat for s in site_list])
        site_lon = np.array([s.lon for s in site_list])
        for vol in volunteer_list:
            if rng.random() < history_share:
                km = 111.2 * np.hypot(site_lat - vol.lat, (site_lon - vol.lon) * np.cos(np.radians(vol.lat)))
                near = np.flatnonzero(km <= vol.max_km * 0.9)
                if len(near):
                    history.add((vol.id, site_list[int(rng.choice(near))].id))
    excluded = declined_missions(rng, volunteer_list, site_list, declined_share)
    return Instance(year, month, tuple(volunteer_list), site_list, frozenset(history), excluded=excluded)


# --- The benchmark families of issue 23 (national, blocks, scale-out), on real commune coordinates ------

FAMILY_MAX_KM = (40.0, 60.0, 80.0, 100.0, 150.0, 200.0, 300.0)
FAMILY_WANTED_DAYS = (1, 2, 3, 4)
FAMILY_WANTED_WEIGHTS = (0.15, 0.6, 0.15, 0.1)  # "mostly 2"
FAMILY_DATES_OFFERED = (2, 8)
FAMILY_VOLUNTEER_MIN_POPULATION = 5_000
FAMILY_SITE_POPULATION = (200, 3_000)
FAMILY_SHARE_EVERY_DAY = 0.7
FAMILY_SHARE_TWO_PLACES = 0.1
FAMILY_HISTORY_PAIRS_PER_VOLUNTEER = 0.2  # about 2,000 pairs for 10,000 volunteers


def _commune_points(
    territoire: TerritoireData,
) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """(code, lat, lon, population, region) of every commune with coordinates and a population."""
    region_of_dep = {d.code: d.region for d in territoire.departements}
    codes, lat, lon, pop, regions = [], [], [], [], []
    for c in territoire.communes:
        coords = territoire.coordonnees.get(c.code)
        if c.type != "commune" or coords is None or not c.population:
            continue
        codes.append(c.code)
        lat.append(coords.latitude)
        lon.append(coords.longitude)
        pop.append(c.population)
        regions.append(region_of_dep.get(c.departement, ""))
    return codes, np.array(lat), np.array(lon), np.array(pop, dtype=np.int64), regions


def generate_family(
    territoire: TerritoireData,
    *,
    volunteers: int,
    sites: int,
    seed: int,
    year: int = 2026,
    month: int = 3,
    block_share: float = 0.0,
    declined_share: float = 0.0,
) -> Instance:
    """An instance of the issue-23 families: volunteers in communes of ≥ 5,000 inhabitants (∝ population),
    2–8 dates, 1–4 days (mostly 2), reach in {40 … 300} km; lieux in communes of 200–3,000 inhabitants,
    70 % open every working day (the others 5–15 days), 10 % with two places, priority 1–5; about one
    continuity pair per five volunteers. `block_share` of the volunteers come for one 5-day week;
    `declined_share` of them declined a lieu on some of their days (`declined_missions`; 0 draws nothing)."""
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(seed)
    codes, lat, lon, pop, regions = _commune_points(territoire)
    days = working_days(year, month)
    big = np.flatnonzero(pop >= FAMILY_VOLUNTEER_MIN_POPULATION)
    small = np.flatnonzero((pop >= FAMILY_SITE_POPULATION[0]) & (pop <= FAMILY_SITE_POPULATION[1]))
    site_communes = rng.choice(small, size=min(sites, len(small)), replace=False)
    site_list = []
    for k, c in enumerate(site_communes):
        if rng.random() < FAMILY_SHARE_EVERY_DAY:
            needed = tuple(days)
        else:
            size = int(rng.integers(5, 16))
            needed = tuple(
                sorted(days[int(i)] for i in rng.choice(len(days), size=min(size, len(days)), replace=False))
            )
        capacity = 2 if rng.random() < FAMILY_SHARE_TWO_PLACES else 1
        site_list.append(
            Site(
                f"L{k:05d}-{codes[c]}",
                float(lat[c]),
                float(lon[c]),
                float(rng.integers(1, 6)),
                capacity,
                needed,
                region=regions[c],
            )
        )
    weights = pop[big] / pop[big].sum()
    homes = rng.choice(big, size=volunteers, replace=True, p=weights)
    weeks: list[list[dt.date]] = []
    for day in days:
        if not weeks or day.isocalendar().week != weeks[-1][0].isocalendar().week:
            weeks.append([])
        weeks[-1].append(day)
    full_weeks = [w for w in weeks if len(w) >= 5]
    volunteer_list = []
    for k, c in enumerate(homes):
        max_km = float(rng.choice(FAMILY_MAX_KM))
        if rng.random() < block_share and full_weeks:
            picked = rng.choice(
                len(full_weeks), size=min(len(full_weeks), int(rng.integers(1, 3))), replace=False
            )
            available = tuple(sorted(d for i in picked for d in full_weeks[int(i)][:5]))
            wanted, block = 5, 5
        else:
            size = int(rng.integers(FAMILY_DATES_OFFERED[0], FAMILY_DATES_OFFERED[1] + 1))
            available = tuple(sorted(days[int(i)] for i in rng.choice(len(days), size=size, replace=False)))
            wanted, block = int(rng.choice(FAMILY_WANTED_DAYS, p=FAMILY_WANTED_WEIGHTS)), 1
        volunteer_list.append(
            Volunteer(
                f"V{k:06d}-{codes[c]}",
                float(lat[c]),
                float(lon[c]),
                wanted,
                max_km,
                available,
                block,
                region=regions[c],
            )
        )
    history: set[tuple[str, str]] = set()
    if site_list and volunteer_list:
        site_xyz = _xyz(np.array([s.lat for s in site_list]), np.array([s.lon for s in site_list]))
        tree = cKDTree(site_xyz)
        for v in rng.choice(
            len(volunteer_list),
            size=int(len(volunteer_list) * FAMILY_HISTORY_PAIRS_PER_VOLUNTEER),
            replace=False,
        ):
            vol = volunteer_list[int(v)]
            radius = 2 * np.sin(vol.max_km / (2 * 6371.0))
            near = tree.query_ball_point(_xyz(np.array([vol.lat]), np.array([vol.lon]))[0], radius)
            if near:
                history.add((vol.id, site_list[int(rng.choice(near))].id))
    excluded = declined_missions(rng, volunteer_list, site_list, declined_share)
    return Instance(
        year, month, tuple(volunteer_list), tuple(site_list), frozenset(history), excluded=excluded
    )


def declined_missions(
    rng: np.random.Generator, volunteers: Sequence[Volunteer], sites: Sequence[Site], share: float
) -> frozenset[tuple[str, str, dt.date]]:
    """Missions declined while staying available (ADR 0003, révision du 5 décembre 2026): each volunteer, with
    probability `share`, declined one or two of their dates, each at one or two lieux in reach that need that day
    (the ones a plan would otherwise propose). Drawn after everything else, and only when `share` > 0."""
    from scipy.spatial import cKDTree

    if share <= 0 or not volunteers or not sites:
        return frozenset()
    tree = cKDTree(_xyz(np.array([s.lat for s in sites]), np.array([s.lon for s in sites])))
    declined: set[tuple[str, str, dt.date]] = set()
    for vol in volunteers:
        if rng.random() >= share or not vol.available:
            continue
        radius = 2 * np.sin(min(vol.max_km / (2 * 6371.0), np.pi / 2))
        near = tree.query_ball_point(_xyz(np.array([vol.lat]), np.array([vol.lon]))[0], radius)
        days = rng.choice(
            len(vol.available), size=min(len(vol.available), int(rng.integers(1, 3))), replace=False
        )
        for i in days:
            day = vol.available[int(i)]
            needing = [k for k in near if day in sites[k].needed]
            if needing:
                picked = rng.choice(
                    len(needing), size=min(len(needing), int(rng.integers(1, 3))), replace=False
                )
                declined.update((vol.id, sites[needing[int(j)]].id, day) for j in picked)
    return frozenset(declined)


def _xyz(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    phi, lmb = np.radians(lat), np.radians(lon)
    return np.column_stack((np.cos(phi) * np.cos(lmb), np.cos(phi) * np.sin(lmb), np.sin(phi)))
