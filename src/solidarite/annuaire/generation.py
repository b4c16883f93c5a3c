"""Seeded generation of demonstration volunteers and lieux solidaires on the real geography.

Real volunteers and lieux are not public. This generator places them on real communes, by rules
written here, with a seed so that every run gives the same people and places. Everything it makes
is labelled "données de démonstration" wherever it is shown. Pure: no Django.

- Lieux solidaires: in the zones, in rank order of the zonage; in each zone, its most populous
  communes (one lieu, a second one from the second commune when the zone has more than 20 000
  inhabitants). Priority = the zone's zonage score; capacity 2 in communes over 5 000 inhabitants.
- Volunteers' homes: communes drawn with probability proportional to population among the
  well-served communes (DREES APL 2023 at least 4 consultations per standardised inhabitant),
  where the doctors who can spare two days a month mostly practise (`volunteer_homes`, for the benchmarks).
  The demo draws them per lieu instead (`homes_for_lieux`): volunteers sign up for a lieu they can reach.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from solidarite.territoire.sources import TerritoireData

WELL_SERVED_APL = 4.0
SECOND_LIEU_POPULATION = 20_000
CAPACITY_TWO_POPULATION = 5_000


@dataclass(frozen=True)
class LieuPlace:
    commune: str
    nom: str
    lat: float
    lon: float
    epci: str
    priority: float
    capacity: int


@dataclass(frozen=True)
class Home:
    commune: str
    nom: str
    lat: float
    lon: float


def lieux_places(
    territoire: TerritoireData,
    ranked_epci: list[tuple[str, float]],
    count: int,
    epci_population: dict[str, int],
) -> list[LieuPlace]:
    """`ranked_epci`: (SIREN, score) in rank order. Returns up to `count` places for lieux solidaires."""
    members: dict[str, list] = defaultdict(list)  # type: ignore[type-arg]
    for c in territoire.communes:
        if c.type == "commune" and c.epci and c.code in territoire.coordonnees:
            members[c.epci].append(c)
    places: list[LieuPlace] = []
    for siren, score in ranked_epci:
        communes = sorted(members.get(siren, []), key=lambda c: (-(c.population or 0), c.code))
        wanted = 2 if epci_population.get(siren, 0) > SECOND_LIEU_POPULATION and len(communes) > 1 else 1
        for c in communes[:wanted]:
            coords = territoire.coordonnees[c.code]
            capacity = 2 if (c.population or 0) > CAPACITY_TWO_POPULATION else 1
            places.append(
                LieuPlace(c.code, c.nom, coords.latitude, coords.longitude, siren, round(score, 1), capacity)
            )
            if len(places) == count:
                return places
    return places


def volunteer_homes(
    territoire: TerritoireData,
    apl_by_commune: dict[str, float],
    count: int,
    rng: np.random.Generator,
) -> list[Home]:
    candidates = [
        c
        for c in territoire.communes
        if c.code in territoire.coordonnees
        and (c.population or 0) > 0
        and apl_by_commune.get(c.code, 0.0) >= WELL_SERVED_APL
    ]
    weights = np.array([float(c.population or 0) for c in candidates])
    chosen = rng.choice(len(candidates), size=count, replace=True, p=weights / weights.sum())
    homes = []
    for k in chosen:
        c = candidates[int(k)]
        coords = territoire.coordonnees[c.code]
        homes.append(Home(c.code, c.nom, coords.latitude, coords.longitude))
    return homes


@dataclass(frozen=True)
class Volunteering:
    home: Home
    lieu: int  # index of the place the volunteer signed up for
    km: float  # great-circle distance to it


NEAR_LIEU_KM = 60.0


def homes_for_lieux(
    territoire: TerritoireData,
    apl_by_commune: dict[str, float],
    places: list[LieuPlace],
    per_lieu: int,
    rng: np.random.Generator,
) -> list[Volunteering]:
    """`per_lieu` volunteers for each lieu: drawn by population among the well-served communes within 60 km;
    where there is none, from the nearest well-served commune (a distant volunteer, who travels further)."""
    from solidarite.territoire.travel import haversine_km

    candidates = [
        c
        for c in territoire.communes
        if c.code in territoire.coordonnees
        and (c.population or 0) > 0
        and apl_by_commune.get(c.code, 0.0) >= WELL_SERVED_APL
    ]
    if not candidates:
        raise ValueError("Aucune commune bien dotée (APL ≥ 4) avec coordonnées : données APL absentes ?")
    lat = np.array([territoire.coordonnees[c.code].latitude for c in candidates])
    lon = np.array([territoire.coordonnees[c.code].longitude for c in candidates])
    population = np.array([float(c.population or 0) for c in candidates])
    result = []
    for k, place in enumerate(places):
        km = haversine_km(lat, lon, place.lat, place.lon)
        near = np.flatnonzero(km <= NEAR_LIEU_KM)
        if len(near):
            chosen = rng.choice(
                near, size=per_lieu, replace=True, p=population[near] / population[near].sum()
            )
        else:
            chosen = np.repeat(np.argmin(km), per_lieu)
        for i in chosen:
            c = candidates[int(i)]
            result.append(Volunteering(Home(c.code, c.nom, float(lat[i]), float(lon[i])), k, float(km[i])))
    return result
