"""Consultation slots of a mission day, computed from the lieu's hours. Pure: no Django.

Slots are never stored (as in rdv-service-public): a slot is a mission and a start time, identified
as "<mission id>-<YYYYMMDDHHMM>". What is stored is the appointment, and the database refuses a
second active appointment on the same mission and start time.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

from solidarite.web.entrees import ID_PATTERN

# The mission's number in its one form (web.entrees: ASCII digits, no leading zero, at most 999999999), the start
# in 12 ASCII digits, nothing after (« \d » took « ١ », « $ » a final line break: the same slot, another name).
RE_SLOT_ID = re.compile(rf"\A({ID_PATTERN[1:-1]})-([0-9]{{12}})\Z")
MAX_RANGE_DAYS = 62  # the longest period a slot list covers, and the horizon of a lieu's schedule (`horizon`)


def horizon(today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last days of a lieu's schedule seen from `today`: how far the search looks for free
    slots, each FHIR Schedule's planningHorizon, and the latest start of a waitlist period (rdv.attente)."""
    return today, today + dt.timedelta(days=MAX_RANGE_DAYS)


@dataclass(frozen=True)
class Hours:
    """A lieu's consultation hours: morning and afternoon, slot length, and a buffer between slots."""

    morning: tuple[dt.time, dt.time] | None = (dt.time(8, 30), dt.time(12, 30))
    afternoon: tuple[dt.time, dt.time] | None = (dt.time(14, 0), dt.time(18, 0))
    slot_minutes: int = 20
    buffer_minutes: int = 0

    def __post_init__(self) -> None:
        if not 5 <= self.slot_minutes <= 120 or not 0 <= self.buffer_minutes <= 60:
            raise ValueError("Durée de créneau entre 5 et 120 minutes, battement entre 0 et 60 minutes.")
        for period in (self.morning, self.afternoon):
            if period is not None and period[0] >= period[1]:
                raise ValueError("Une plage horaire doit finir après avoir commencé.")
        if self.morning and self.afternoon and self.morning[1] > self.afternoon[0]:
            raise ValueError("La pause de midi doit séparer le matin de l'après-midi.")


@functools.lru_cache(maxsize=4096)
def day_slots(day: dt.date, hours: Hours, tz: dt.tzinfo) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
    """Every slot of the day that ends within its period, in the lieu's time zone (cached: pure)."""
    step = dt.timedelta(minutes=hours.slot_minutes + hours.buffer_minutes)
    length = dt.timedelta(minutes=hours.slot_minutes)
    slots = []
    for period in (hours.morning, hours.afternoon):
        if period is None:
            continue
        start = dt.datetime.combine(day, period[0], tzinfo=tz)
        end = dt.datetime.combine(day, period[1], tzinfo=tz)
        while start + length <= end:
            slots.append((start, start + length))
            start += step
    return tuple(slots)


@functools.lru_cache(maxsize=4096)
def day_slots_stamped(
    day: dt.date, hours: Hours, tz: dt.tzinfo
) -> tuple[tuple[dt.datetime, dt.datetime, str, int], ...]:
    """The day's slots with the time part of their identifier and their start in Unix seconds (cached: a
    search reads thousands)."""
    return tuple(
        (start, end, f"{start:%Y%m%d%H%M}", int(start.timestamp()))
        for start, end in day_slots(day, hours, tz)
    )


def slot_id(mission_id: int, start: dt.datetime) -> str:
    return f"{mission_id}-{start:%Y%m%d%H%M}"


def parse_slot_id(text: str, tz: dt.tzinfo | None) -> tuple[int, dt.datetime]:
    """(mission id, start) of a slot identifier, its start in `tz` (the lieu's time zone: the identifier
    writes its local time), naive with None; ValueError if it cannot be one."""
    match = RE_SLOT_ID.match(text or "")
    if not match:
        raise ValueError("Identifiant de créneau invalide.")
    start = dt.datetime.strptime(match.group(2), "%Y%m%d%H%M").replace(tzinfo=tz)
    return int(match.group(1)), start
