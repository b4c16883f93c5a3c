"""The optimiser's problem and answer: volunteers, sites, an instance, assignments, a solution, and
the JSON form read by `python -m solidarite plan` (parsed here, refusing anything malformed)."""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import functools
import itertools
import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

MAX_DAYS_IN_MONTH = 31
COST_BUDGET = (2**63 - 1) // 4  # OR-Tools divides this by (nodes + 1) for the largest arc cost
PRIORITY_DECIMALS = 6
MAX_REACH_KM = 1_000.0  # the longest straight line in metropolitan France is about 1,000 km; beyond, a typo
MAX_CAPACITY = 32_767  # a lieu's `salles` (a small positive integer in the database)
YEARS = (2000, 2100)  # an instance plans a month of the scheme (2025 on), not a far date of the calendar
MAX_REGION_LENGTH = 100  # the longest region name is under 40 characters; a code is 2
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # AAAA-MM-JJ only (`fromisoformat` also takes 20260302)
ISO_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")  # AAAA-MM only
MAX_PRIORITY = (
    1_000.0  # zonage scores run from 0 to 100; beyond ten times that, a typo (and costs stay exact)
)


class InstanceError(ValueError):
    """A malformed instance; the message names the field (e.g. `volunteers[3].available[1]`)."""


@dataclass(frozen=True)
class Volunteer:
    id: str
    lat: float
    lon: float
    max_days: int
    max_km: float
    available: tuple[dt.date, ...]
    block_days: int = 1
    region: str = ""  # ARS region code (decomposition); "" when unknown


@dataclass(frozen=True)
class Site:
    id: str
    lat: float
    lon: float
    priority: float
    capacity: int
    needed: tuple[dt.date, ...]
    reduced: tuple[tuple[dt.date, int], ...] = ()  # days with fewer places (some already taken)
    region: str = ""  # ARS region code (decomposition); "" when unknown

    def capacity_on(self, day: dt.date) -> int:
        for reduced_day, places in self.reduced:
            if reduced_day == day:
                return places
        return self.capacity


@dataclass(frozen=True)
class Instance:
    year: int
    month: int
    volunteers: tuple[Volunteer, ...]
    sites: tuple[Site, ...]
    history: frozenset[tuple[str, str]] = frozenset()
    # (volunteer, site) pairs the configured travel provider allows (its travel time within the volunteer's
    # limit); None: the great circle within max_km decides (the JSON form, the benches).
    allowed: frozenset[tuple[str, str]] | None = None
    # (volunteer, site, day) triples never to propose: a mission the volunteer declined that day at that site,
    # staying available for another one (ADR 0003, révision du 5 décembre 2026).
    excluded: frozenset[tuple[str, str, dt.date]] = frozenset()

    @property
    def days_in_month(self) -> int:
        return calendar.monthrange(self.year, self.month)[1]

    def day(self, index: int) -> dt.date:
        return dt.date(self.year, self.month, index + 1)


@dataclass(frozen=True)
class Assignment:
    volunteer: str
    site: str
    date: dt.date


@dataclass
class Solution:
    assignments: list[Assignment]
    priority_total: float
    filled_places: int
    continuity: int
    travel_km: float
    optimal: bool
    bound: float
    solve_seconds: float
    method: str
    travel_resolution_km: float | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def gap(self) -> float:
        """Relative gap between the proven bound and the value (0 when proven optimal)."""
        return 0.0 if self.bound <= 0 else max(0.0, (self.bound - self.priority_total) / self.bound)

    def as_dict(self) -> dict[str, Any]:
        return {
            "assignments": [
                {"volunteer": a.volunteer, "site": a.site, "date": a.date.isoformat()}
                for a in sorted(self.assignments, key=lambda a: (a.date, a.site, a.volunteer))
            ],
            "priority_total": round(self.priority_total, 9),
            "filled_places": self.filled_places,
            "continuity": self.continuity,
            "travel_km": round(self.travel_km, 3),
            "optimal": self.optimal,
            "bound": round(self.bound, 9),
            "solve_seconds": round(self.solve_seconds, 4),
            "method": self.method,
            "travel_resolution_km": self.travel_resolution_km,
            # `optimal` proves priority then continuity; travel (the last tie-break) may stop at a time limit.
            "travel_proven": bool(self.details.get("trajet_prouve", self.optimal)),
            "gap": round(self.gap, 9),
            # Rotation requests that no plan can hold, each with its reason (an explanation, not an empty plan).
            **(
                {"series_impossibles": list(self.details["series_impossibles"])}
                if self.details.get("series_impossibles")
                else {}
            ),
        }


# --- Parsing and validation ------------------------------------------------------------------------


def _field(data: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in data:
        raise InstanceError(f"{where}.{key} : champ obligatoire absent.")
    return data[key]


def _number(
    value: Any,
    where: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    integer: bool = False,
    unit: str = "",
) -> float:
    """A finite number within [minimum, maximum]; the message names the field (and the unit of the maximum)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InstanceError(f"{where} : nombre attendu (reçu : {_short(value)}).")
    if isinstance(value, float) and not math.isfinite(value):
        raise InstanceError(f"{where} : nombre fini attendu (reçu : {_short(value)}).")
    if integer and isinstance(value, float) and not value.is_integer():
        raise InstanceError(f"{where} : nombre entier attendu (reçu : {_short(value)}).")
    if minimum is not None and value < minimum:
        raise InstanceError(f"{where} : doit être au moins {minimum:g} (reçu : {_short(value)}).")
    if maximum is not None and value > maximum:
        raise InstanceError(f"{where} : doit être au plus {maximum:g}{unit} (reçu : {_short(value)}).")
    if isinstance(value, int) and abs(value) > 2**53:  # JSON allows 10**30; no field of an instance does
        raise InstanceError(f"{where} : nombre démesuré (reçu : {_short(value)}).")
    return float(value)


def _short(value: Any) -> str:
    """The value as received, cut short when long (a number of hundreds of digits, a long text); null, true and
    false as the file writes them, not as Python's None, True and False."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:30]}… ({len(text)} caractères)"


def _identifier(value: Any, where: str) -> str:
    """An id (of a volunteer or a lieu, or the one an entry names): a non-empty text, as `instance_as_dict`
    writes it, or a whole number, read as its digits (a file of RPPS or database ids: 12 and "12" name the same
    record, as they always did). `str()` read a JSON null as the text "None", and true as "True"."""
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    try:  # the value as the file writes it: null, not None
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):  # a Python object given to parse_instance directly
        text = repr(value)
    if len(text) > 40:
        text = f"{text[:30]}… ({len(text)} caractères)"
    raise InstanceError(
        f"{where} : identifiant attendu, un texte non vide entre guillemets ou un nombre entier (reçu : {text})."
    )


def _region(value: Any, where: str) -> str:
    """An ARS region code (optional: absent or null, the region is unknown, ""): a text, surrounding spaces
    dropped, or a whole number read as its digits, as an id. `str()` read a JSON null as the region "None"
    (one more region for the decomposition, 6 December), a list or true as their Python spelling."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and len(value) <= MAX_REGION_LENGTH and value.isprintable():
        return value.strip()
    raise InstanceError(
        f"{where} : code de région attendu, un texte d'au plus {MAX_REGION_LENGTH} caractères imprimables ou un "
        f"nombre entier, ou null si elle est inconnue (reçu : {_short(value)})."
    )


@functools.lru_cache(maxsize=1024)
def _parse_iso(text: str) -> dt.date | None:
    """AAAA-MM-JJ, nothing else: `date.fromisoformat` alone also takes 20260302 or 2026-W10-1 (a week date),
    which no one writing a month's dates means. Cached: an instance repeats the same twenty-odd dates."""
    if ISO_DATE.fullmatch(text):
        with contextlib.suppress(ValueError):
            return dt.date.fromisoformat(text)
    return None


def _date_or_none(text: Any) -> dt.date | None:
    return (
        _parse_iso(text) if isinstance(text, str) and len(text) == 10 else None
    )  # the cache keeps short keys


def _iso_date(text: Any, where: str, year: int, month: int) -> dt.date:
    """A day of the instance's month written AAAA-MM-JJ (`_parse_iso`)."""
    day = _date_or_none(text)
    if day is None:
        raise InstanceError(f"{where} : date invalide {_short(text)} (format AAAA-MM-JJ).")
    if (day.year, day.month) != (year, month):
        raise InstanceError(f"{where} : {day.isoformat()} est hors du mois {year}-{month:02d}.")
    return day


def _dates(values: Any, where: str, year: int, month: int) -> tuple[dt.date, ...]:
    if not isinstance(values, list):
        raise InstanceError(f"{where} : liste de dates AAAA-MM-JJ attendue.")
    parsed = [_date_or_none(text) for text in values]
    result = [day for day in parsed if day is not None and (day.year, day.month) == (year, month)]
    if len(result) != len(values):  # the first wrong one, named
        result = [_iso_date(text, f"{where}[{k}]", year, month) for k, text in enumerate(values)]
    if len(set(result)) != len(result):
        raise InstanceError(f"{where} : une même date figure deux fois.")
    return tuple(sorted(result))


def _coordinates(item: Mapping[str, Any], where: str) -> tuple[float, float]:
    lat = _number(_field(item, "lat", where), f"{where}.lat")
    lon = _number(_field(item, "lon", where), f"{where}.lon")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InstanceError(f"{where} : coordonnées hors limites ({lat}, {lon}).")
    return lat, lon


@contextlib.contextmanager
def _naming_record(item: Any, kind: str) -> Iterator[None]:
    """Adds the record's id to the message of an InstanceError raised while reading it."""
    try:
        yield
    except InstanceError as exc:
        identifier = item.get("id") if isinstance(item, dict) else None
        if isinstance(identifier, str) and identifier.strip():  # not a null id, read "None" before
            raise InstanceError(f"{str(exc).rstrip('.')} ({kind} {identifier!r}).") from None
        raise


def _volunteer(item: Any, where: str, year: int, month: int) -> Volunteer:
    if not isinstance(item, dict):
        raise InstanceError(f"{where} : objet attendu.")
    lat, lon = _coordinates(item, where)
    block = int(
        _number(
            item.get("block_days", 1),
            f"{where}.block_days",
            minimum=1,
            maximum=MAX_DAYS_IN_MONTH,
            integer=True,
            unit=" jours (un mois)",
        )
    )
    max_days = int(
        _number(
            _field(item, "max_days", where),
            f"{where}.max_days",
            minimum=0,
            maximum=MAX_DAYS_IN_MONTH,
            integer=True,
            unit=" jours (un mois)",
        )
    )
    max_km = _number(_field(item, "max_km", where), f"{where}.max_km", minimum=0)
    if not 0 < max_km <= MAX_REACH_KM:
        raise InstanceError(
            f"{where}.max_km : distance maximale {max_km:g} km hors de l'intervalle ]0 ; {MAX_REACH_KM:g}] km."
        )
    available = _dates(_field(item, "available", where), f"{where}.available", year, month)
    if block > 1:
        if block > max_days:
            raise InstanceError(
                f"{where}.block_days : une série de {block} jours dépasse son maximum de {max_days} jour(s) "
                "dans le mois ; la demande ne peut jamais être satisfaite."
            )
        if not _has_run(available, block):
            raise InstanceError(
                f"{where}.available : aucune suite de {block} dates consécutives parmi les dates proposées ; "
                "la série demandée ne peut jamais être planifiée."
            )
    return Volunteer(
        id=_identifier(_field(item, "id", where), f"{where}.id"),
        lat=lat,
        lon=lon,
        max_days=max_days,
        max_km=max_km,
        available=available,
        block_days=block,
        region=_region(item.get("region"), f"{where}.region"),
    )


def _has_run(days: tuple[dt.date, ...], length: int) -> bool:
    run = 1
    for previous, current in itertools.pairwise(days):
        run = run + 1 if (current - previous).days == 1 else 1
        if run >= length:
            return True
    return length <= 1 or (run >= length and bool(days))


def _site(item: Any, where: str, year: int, month: int) -> Site:
    if not isinstance(item, dict):
        raise InstanceError(f"{where} : objet attendu.")
    lat, lon = _coordinates(item, where)
    priority = _number(_field(item, "priority", where), f"{where}.priority", minimum=0, maximum=MAX_PRIORITY)
    capacity = int(
        _number(
            _field(item, "capacity", where),
            f"{where}.capacity",
            minimum=0,
            maximum=MAX_CAPACITY,
            integer=True,
            unit=" médecins par jour",
        )
    )
    needed = _dates(_field(item, "needed", where), f"{where}.needed", year, month)
    return Site(
        id=_identifier(_field(item, "id", where), f"{where}.id"),
        lat=lat,
        lon=lon,
        priority=priority,
        capacity=capacity,
        needed=needed,
        reduced=_reduced(item.get("reduced", []), f"{where}.reduced", needed, capacity, year, month),
        region=_region(item.get("region"), f"{where}.region"),
    )


def _reduced(
    raw: Any, where: str, needed: tuple[dt.date, ...], capacity: int, year: int, month: int
) -> tuple[tuple[dt.date, int], ...]:
    """A lieu's days with fewer places than its capacity, some already taken by missions in progress
    (`services.build_instance`): `{"date", "places"}` objects, each date a needed day of the lieu, 0 ≤ places
    < capacity. Optional (a file written before the key existed has none); one bad entry refuses the instance."""
    if not isinstance(raw, list):
        raise InstanceError(f"{where} : liste attendue.")
    first: dict[dt.date, int] = {}
    result = []
    for k, item in enumerate(raw):
        at = f"{where}[{k}]"
        if not isinstance(item, dict):
            raise InstanceError(f"{at} : objet attendu (date, places).")
        day = _iso_date(_field(item, "date", at), f"{at}.date", year, month)
        if day not in needed:
            raise InstanceError(
                f"{at}.date : le {day.isoformat()} n'est pas un jour de besoin de ce lieu (needed)."
            )
        if day in first:
            raise InstanceError(f"{at}.date : le {day.isoformat()} figure déjà en {where}[{first[day]}].")
        first[day] = k
        places = int(_number(_field(item, "places", at), f"{at}.places", minimum=0, integer=True))
        if places >= capacity:
            raise InstanceError(
                f"{at}.places : {places} place(s) restante(s) pour une capacité de {capacity} ; un jour réduit "
                "en a moins que la capacité."
            )
        result.append((day, places))
    return tuple(result)


def parse_instance(data: Any) -> Instance:
    """Builds an Instance from the JSON format of `python -m solidarite plan`; refuses anything malformed."""
    if not isinstance(data, dict):
        raise InstanceError("instance : un objet JSON est attendu.")
    month_field = _field(data, "month", "instance")
    first = None
    if isinstance(month_field, str) and ISO_MONTH.fullmatch(month_field):
        with contextlib.suppress(ValueError):
            first = dt.date.fromisoformat(month_field + "-01")
    if first is None:
        raise InstanceError(f"instance.month : mois invalide {_short(month_field)} (format AAAA-MM).")
    month_text = month_field
    year, month = first.year, first.month
    if not YEARS[0] <= year <= YEARS[1]:
        raise InstanceError(
            f"instance.month : mois {month_text!r} hors limites (années {YEARS[0]} à {YEARS[1]})."
        )
    volunteers, sites = [], []
    raw_volunteers = _field(data, "volunteers", "instance")
    raw_sites = _field(data, "sites", "instance")
    if not isinstance(raw_volunteers, list) or not isinstance(raw_sites, list):
        raise InstanceError("instance.volunteers et instance.sites doivent être des listes.")
    if not raw_volunteers:
        raise InstanceError("instance.volunteers : aucun volontaire (il en faut au moins un).")
    if not raw_sites:
        raise InstanceError("instance.sites : aucun lieu (il en faut au moins un).")
    for i, item in enumerate(raw_volunteers):
        with _naming_record(item, "volontaire"):
            volunteers.append(_volunteer(item, f"volunteers[{i}]", year, month))
    for i, item in enumerate(raw_sites):
        with _naming_record(item, "lieu"):
            sites.append(_site(item, f"sites[{i}]", year, month))
    for kind, ids in (("volunteers", [v.id for v in volunteers]), ("sites", [s.id for s in sites])):
        seen: set[str] = set()
        for i, identifier in enumerate(ids):
            if identifier in seen:
                taken = ids.index(identifier)
                raise InstanceError(
                    f"{kind}[{i}].id : identifiant {identifier!r} en double (déjà pris par {kind}[{taken}])."
                )
            seen.add(identifier)
    volunteer_ids, site_ids = {v.id for v in volunteers}, {s.id for s in sites}
    history = set()
    raw_history = data.get("history", [])
    if not isinstance(raw_history, list):
        raise InstanceError("instance.history : liste attendue.")
    for i, item in enumerate(raw_history):
        where = f"history[{i}]"
        if not isinstance(item, dict):
            raise InstanceError(f"{where} : objet attendu.")
        history.add(_known_pair(item, where, volunteer_ids, site_ids))
    excluded = _excluded(data.get("excluded", []), volunteer_ids, site_ids, year, month)
    return Instance(year, month, tuple(volunteers), tuple(sites), frozenset(history), excluded=excluded)


def _known_pair(
    item: dict[str, Any], where: str, volunteer_ids: set[str], site_ids: set[str]
) -> tuple[str, str]:
    """The (volunteer, site) an entry of `history` or `excluded` names, both of the instance."""
    vid = _identifier(_field(item, "volunteer", where), f"{where}.volunteer")
    sid = _identifier(_field(item, "site", where), f"{where}.site")
    if vid not in volunteer_ids:
        raise InstanceError(f"{where}.volunteer : volontaire inconnu {vid!r}.")
    if sid not in site_ids:
        raise InstanceError(f"{where}.site : lieu inconnu {sid!r}.")
    return vid, sid


def _excluded(
    raw: Any, volunteer_ids: set[str], site_ids: set[str], year: int, month: int
) -> frozenset[tuple[str, str, dt.date]]:
    """The (volunteer, site, day) missions declined while staying available (ADR 0003, révision du
    5 décembre 2026): `{"volunteer", "site", "date"}` objects of known ids and dates of the month. Optional (a
    file written before the key existed has none), never partly read: one bad entry refuses the instance."""
    if not isinstance(raw, list):
        raise InstanceError("instance.excluded : liste attendue.")
    first: dict[tuple[str, str, dt.date], int] = {}
    for i, item in enumerate(raw):
        where = f"excluded[{i}]"
        if not isinstance(item, dict):
            raise InstanceError(f"{where} : objet attendu (volunteer, site, date).")
        vid, sid = _known_pair(item, where, volunteer_ids, site_ids)
        day = _iso_date(_field(item, "date", where), f"{where}.date", year, month)
        key = (vid, sid, day)
        if key in first:
            raise InstanceError(f"{where} : ce refus figure déjà en excluded[{first[key]}].")
        first[key] = i
    return frozenset(first)


def instance_as_dict(instance: Instance) -> dict[str, Any]:
    """The JSON form read by `parse_instance` (and `python -m solidarite plan`)."""
    volunteer_ids, site_ids = {v.id for v in instance.volunteers}, {s.id for s in instance.sites}
    return {
        "month": f"{instance.year}-{instance.month:02d}",
        "volunteers": [
            {
                "id": v.id,
                "lat": v.lat,
                "lon": v.lon,
                "max_days": v.max_days,
                "max_km": v.max_km,
                "available": [d.isoformat() for d in v.available],
                "block_days": v.block_days,
                **({"region": v.region} if v.region else {}),
            }
            for v in instance.volunteers
        ],
        "sites": [
            {
                "id": s.id,
                "lat": s.lat,
                "lon": s.lon,
                "priority": s.priority,
                "capacity": s.capacity,
                "needed": [d.isoformat() for d in s.needed],
                **(
                    {"reduced": [{"date": d.isoformat(), "places": n} for d, n in s.reduced]}
                    if s.reduced
                    else {}
                ),
                **({"region": s.region} if s.region else {}),
            }
            for s in instance.sites
        ],
        "history": [{"volunteer": v, "site": s} for v, s in sorted(instance.history)],
        # Only the triples of this instance's volunteers, lieux and month: the others change nothing
        # (`candidate_arcs` ignores them, e.g. a region's part keeps the whole country's), and the file stays
        # readable by `parse_instance`, which refuses an unknown id.
        "excluded": [
            {"volunteer": v, "site": s, "date": day.isoformat()}
            for v, s, day in sorted(instance.excluded)
            if v in volunteer_ids
            and s in site_ids
            and (day.year, day.month) == (instance.year, instance.month)
        ],
    }
