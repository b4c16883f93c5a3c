"""Planning instances on the real geography (benchmarks, tests, demo): lieux in the computed zones,
volunteers in well-served communes, French working days. Seeded; pure (no Django)."""

from __future__ import annotations

import calendar
import datetime as dt
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
) -> Instance:
    rng = np.random.default_rng(seed)
    ranked = [(s.siren, s.score or 0.0) for s in geo.zonage.scores]
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
    return Instance(year, month, tuple(volunteer_list), site_list, frozenset(history))
