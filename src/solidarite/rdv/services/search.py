"""Search: the active lieux within reach of a place, each with its next free slots (kept a few seconds)."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.utils import timezone

from solidarite.annuaire.models import LieuSolidaire
from solidarite.rdv.services.caches import REACH_KEPT_MAX, KeptSlots, _keep, _kept, active_lieux
from solidarite.rdv.services.free_slots import Creneau, next_free_by_lieu
from solidarite.territoire.providers import provider_with_fallback

REACH_MINUTES = 60.0  # lieux within an hour by road (estimate) of the patient's commune
FALLBACK_COUNT = 3  # when none is within an hour, the nearest ones


@dataclass(frozen=True)
class LieuProche:
    lieu: LieuSolidaire
    minutes: float
    prochains: list[Creneau]

    @property
    def trajet(self) -> str:
        """The estimated road time as a patient reads it: « moins de 5 min », « environ 25 min », « environ 2 h 18 »
        (not « environ 0 min », nor « 138 min »)."""
        minutes = round(self.minutes)
        if minutes < 5:
            return "moins de 5 min"
        if minutes < 60:
            return f"environ {minutes} min"
        return f"environ {minutes // 60} h {minutes % 60:02d}"


def lieux_proches(latitude: float, longitude: float, count: int = 3) -> list[LieuProche]:
    """Active lieux within reach, by travel time then first free slot, each with its next free slots."""
    catalogue = active_lieux()
    if not catalogue.ids:
        return []
    reach = catalogue.reach.get((latitude, longitude))
    if reach is None:
        minutes = provider_with_fallback().matrix_minutes(
            np.array([latitude]), np.array([longitude]), catalogue.latitudes, catalogue.longitudes
        )[0]
        within = np.flatnonzero(minutes <= REACH_MINUTES)
        if not len(within):  # nothing within an hour (inland Guyane, islands): the nearest ones, told as far
            within = np.argsort(minutes)[:FALLBACK_COUNT]
        reach = [(catalogue.ids[k], round(float(minutes[k]), 1)) for k in within]
        _keep(catalogue.reach, (latitude, longitude), reach, REACH_KEPT_MAX)
    free = next_free_for_search([pk for pk, _ in reach], timezone.now(), count)
    found = [LieuProche(catalogue.lieux[pk], minutes, free[pk]) for pk, minutes in reach]
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(found, key=lambda p: (p.minutes, p.prochains[0].debut if p.prochains else far))


NEXT_FREE_KEPT = 3  # the search page shows three, the API one


def next_free_for_search(ids: list[int], now: dt.datetime, count: int) -> dict[int, list[Creneau]]:
    """The next free slots of each lieu, for a search: kept a few seconds in the process
    (`SOLIDARITE_PROCHAINS_TTL_S`, 3 s), so that the lieux that every search around them shows are not read
    again for each one. What a search shows may thus be a few seconds late on what other processes booked
    or freed; what this process books leaves its lists at once, what it frees or cancels makes them read
    again. The slot list of a lieu and the booking always read the database (the booking's guarantee is the
    database's constraint). Lieux missing or expired are read together in one query."""
    ttl = float(settings.SOLIDARITE_PROCHAINS_TTL_S)
    if ttl <= 0 or count > NEXT_FREE_KEPT:
        return next_free_by_lieu(ids, now, count)
    clock = time.monotonic()
    result: dict[int, list[Creneau]] = {}
    missing = []
    for pk in ids:
        kept = _kept.get(pk)
        if kept is not None and clock - kept.read_at < ttl:
            live = [slot for slot in kept.slots if slot.debut > now]
            if len(live) >= count or kept.all_there_is:
                result[pk] = live[:count]
                continue
        missing.append(pk)
    if missing:
        mark = _kept.mark(missing)
        found = next_free_by_lieu(missing, now, NEXT_FREE_KEPT)
        for pk in missing:
            _kept.keep(pk, KeptSlots(clock, found[pk], len(found[pk]) < NEXT_FREE_KEPT), mark)
            result[pk] = found[pk][:count]
    return result
