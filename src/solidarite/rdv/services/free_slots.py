"""Free slots, computed: the open missions of a lieu (planning.lecture), its hours, and the appointments taken.

The one implementation of the slot rules, which the pages, the JSON API and FHIR all call: a slot is a start its
lieu's hours give on the day of an open mission; it is listed while it is in the future; it is free unless an
active appointment starts then; a lieu's list is ordered by start, then identifier (two doctors the same day
in one lieu: their slots interleave). Slots are never stored (rdv.creneaux)."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import operator
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from solidarite.annuaire.models import LieuSolidaire
from solidarite.planning.lecture import MISSIONS_OUVERTES_SQL, code_commune_sql
from solidarite.rdv.creneaux import MAX_RANGE_DAYS, Hours, day_slots_stamped, parse_slot_id
from solidarite.rdv.models import HorairesConsultation, RendezVous
from solidarite.rdv.services.caches import MISSIONS_KEPT_MAX, MissionDayRow, _keep, _missions
from solidarite.territoire.fuseaux import fuseau

T = TypeVar("T")


class Creneau(NamedTuple):
    """A slot: « <mission>-<YYYYMMDDHHMM> », its times, whether it is free (a tuple: searches make many)."""

    id: str
    debut: dt.datetime
    fin: dt.datetime
    libre: bool
    lieu_id: int


DEFAULT_HOURS = Hours()


def hours_of(lieu: LieuSolidaire) -> Hours:
    try:
        return lieu.horaires_consultation.hours()
    except HorairesConsultation.DoesNotExist:
        return DEFAULT_HOURS


def check_range(du: dt.date, au: dt.date) -> None:
    if au < du:
        raise ValidationError("La date de fin précède la date de début.")
    if (au - du).days > MAX_RANGE_DAYS:
        raise ValidationError(f"Période trop longue : {MAX_RANGE_DAYS} jours au plus.")


def shifted(day: dt.date, days: int) -> dt.date:
    """`day` plus `days` (before it when negative), for a period read from a request: ValidationError in French
    past the ends of the calendar (years 1 and 9999), where the date arithmetic would raise OverflowError."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        raise ValidationError(
            "La période demandée dépasse les limites du calendrier : choisissez des dates plus proches."
        ) from None


HOURS_FIELDS = (
    "matin_debut",
    "matin_fin",
    "apres_midi_debut",
    "apres_midi_fin",
    "duree_minutes",
    "battement_minutes",
)
HOURS_COLUMNS = ", ".join(f"h.{name}" for name in HOURS_FIELDS)


@functools.lru_cache(maxsize=256)
def _hours_from_columns(columns: tuple[Any, ...]) -> Hours:
    """A lieu's hours from the columns of its HorairesConsultation row, or the defaults when it has none."""
    if columns[4] is None:  # LEFT JOIN: no hours recorded for this lieu
        return DEFAULT_HOURS
    times = [dt.time.fromisoformat(v) if isinstance(v, str) else v for v in columns[:4]]  # SQLite in a UNION
    return HorairesConsultation(**dict(zip(HOURS_FIELDS, [*times, *columns[4:]], strict=True))).hours()


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _among(ids: list[int]) -> str:
    """`IN` a list of ids: on PostgreSQL, `= ANY(array)`, whose text is the same whatever the number of ids,
    so that the query is prepared once per connection."""
    return "= ANY(%s)" if connection.vendor == "postgresql" else f"IN ({', '.join(['%s'] * len(ids))})"


def _among_params(ids: list[int]) -> list[Any]:
    return [list(ids)] if connection.vendor == "postgresql" else list(ids)


def _unix_seconds(column: str) -> str:
    """A timestamp column as whole Unix seconds: cheaper to read and compare than datetimes."""
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(EPOCH FROM {column}) AS bigint)"
    return f"CAST(strftime('%%s', {column}) AS INTEGER)"  # SQLite stores UTC


def _date(value: dt.date | str) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


class MissionDay(NamedTuple):
    mission_id: int
    lieu_id: int
    day: dt.date
    hours: Hours
    taken: set[int]  # starts of the mission's active appointments, in Unix seconds
    tz: ZoneInfo  # the lieu's time zone: its hours are local times (territoire.fuseaux)


def _taken_starts(mission: str) -> str:
    """The starts of a mission's active appointments, in Unix seconds, as one column: an array on PostgreSQL,
    a comma-separated text on SQLite. Read through the unique index on (mission, start)."""
    rows = f"FROM {RendezVous._meta.db_table} r WHERE r.mission_id = {mission} AND r.statut <> %s"
    if connection.vendor == "postgresql":
        return f"ARRAY(SELECT {_unix_seconds('r.debut')} {rows})"
    return f"(SELECT group_concat({_unix_seconds('r.debut')}) {rows})"


def _starts_set(column: list[int] | str | None) -> set[int]:
    if isinstance(column, str):
        return {int(v) for v in column.split(",")}
    return set(column or ())


def _mission_rows(where: str, params: list[Any]) -> list[MissionDay]:
    """The open missions that `where` selects (on `m`), each with its lieu's hours and the starts already
    taken: one row per mission, in one query whose plan does not depend on statistics (the missions by
    (lieu, date), their appointments by the unique index on (mission, start)). One row per mission rather
    than per appointment: a busy week has a hundred times more appointments than missions."""
    sql = (
        f"SELECT m.id, m.lieu_id, m.date, {HOURS_COLUMNS}, {_taken_starts('m.id')}, {code_commune_sql('m')} "
        f"FROM {MISSIONS_OUVERTES_SQL} m "
        f"LEFT JOIN {HorairesConsultation._meta.db_table} h ON h.lieu_id = m.lieu_id WHERE {where}"
    )
    days = []
    for row in _fetch(sql, [RendezVous.Statut.ANNULE, *params]):
        day, columns = _date(row[2]), row[3:9]
        days.append(
            MissionDay(
                row[0], row[1], day, _hours_from_columns(columns), _starts_set(row[9]), fuseau(row[10])
            )
        )
        _keep(_missions, row[0], MissionDayRow(row[1], day, columns, row[10]), MISSIONS_KEPT_MAX)
    return days


def mission_days(ids: list[int], du: dt.date, au: dt.date) -> list[MissionDay]:
    """The open missions of the lieux between two dates, by day then mission (_mission_rows)."""
    ops = connection.ops
    days = _mission_rows(
        f"m.lieu_id {_among(ids)} AND m.date >= %s AND m.date <= %s",
        [*_among_params(ids), ops.adapt_datefield_value(du), ops.adapt_datefield_value(au)],
    )
    return sorted(days, key=MISSION_ORDER)


MISSION_ORDER = operator.itemgetter(2, 0)  # day, then mission
LISTED_ORDER = operator.itemgetter(0, 1)  # start, then identifier (its mission's part: the rest is the start)


def listed(
    days: list[MissionDay],
    now_s: float,
    written: Callable[[dt.date, Hours, dt.tzinfo], tuple[tuple[int, T], ...]],
) -> list[tuple[int, str, T, bool]]:
    """The slot list of one lieu from its mission days (in MISSION_ORDER), each slot as `written` writes the
    slots of a day (cached: the same days are listed by every request), with its start in Unix seconds, its
    identifier's prefix « <mission>- » and whether it is free: the future slots, free unless taken, by start
    then identifier. Objects (slots_by_lieu) and JSON (slots_json) are both written from it."""
    found: list[tuple[int, str, T, bool]] = []
    for day in days:
        prefix, taken = f"{day.mission_id}-", day.taken
        found += [
            (seconds, prefix, item, seconds not in taken)
            for seconds, item in written(day.day, day.hours, day.tz)
            if seconds > now_s
        ]
    if any(a.day == b.day for a, b in itertools.pairwise(days)):
        found.sort(key=LISTED_ORDER)  # two doctors the same day in one lieu: their slots interleave
    return found


@functools.lru_cache(maxsize=4096)
def _day_objects(
    day: dt.date, hours: Hours, tz: dt.tzinfo
) -> tuple[tuple[int, tuple[str, dt.datetime, dt.datetime]], ...]:
    return tuple(
        (seconds, (stamp, start, end)) for start, end, stamp, seconds in day_slots_stamped(day, hours, tz)
    )


_iso = functools.lru_cache(maxsize=1 << 16)(dt.datetime.isoformat)  # slot times repeat: written once


@functools.lru_cache(maxsize=4096)
def _day_json(day: dt.date, hours: Hours, tz: dt.tzinfo) -> tuple[tuple[int, str], ...]:
    """Each slot of a day as JSON after its identifier's prefix, up to its `libre` value."""
    return tuple(
        (seconds, f'{stamp}","debut":"{_iso(start)}","fin":"{_iso(end)}","libre":')
        for start, end, stamp, seconds in day_slots_stamped(day, hours, tz)
    )


def slots_json(lieu_id: int, du: dt.date, au: dt.date, now: dt.datetime | None = None) -> str:
    """A lieu's slot list (`slots`) as the JSON array `json.dumps` would write of its `{id, debut, fin,
    libre}` objects, written from its mission days rather than slot by slot: a slot list precedes every
    booking (the API's hot answer). Safe to write by hand: an identifier is digits and a hyphen
    (creneaux.slot_id), a time is ISO 8601."""
    check_range(du, au)
    now_s = (now or timezone.now()).timestamp()
    return (
        "["
        + ",".join(
            '{"id":"' + prefix + text + ("true}" if libre else "false}")
            for _, prefix, text, libre in listed(mission_days([lieu_id], du, au), now_s, _day_json)
        )
        + "]"
    )


def slots_by_lieu(
    ids: list[int],
    du: dt.date,
    au: dt.date,
    now: dt.datetime | None = None,
    free_only: int | None = None,
) -> dict[int, list[Creneau]]:
    """Every future slot of the lieux's open missions between two dates, per lieu, in one query whatever the
    number of lieux (missions with their lieu's hours and appointments taken). With `free_only=n`, only free
    slots, and a lieu's days stop being read once it has n of them.

    The hot path of every search: plain SQL, and the slots of a day computed once per process (day_slots)."""
    check_range(du, au)
    now_s = (now or timezone.now()).timestamp()  # compared in seconds: cheaper than aware datetimes
    result: dict[int, list[Creneau]] = {pk: [] for pk in ids}
    if not ids:
        return result
    days = mission_days(ids, du, au)
    if free_only is None:  # whole lists (a lieu's slot list)
        by_lieu: dict[int, list[MissionDay]] = {pk: [] for pk in ids}
        for day in days:
            by_lieu[day.lieu_id].append(day)
        for pk, its_days in by_lieu.items():
            result[pk] = [
                Creneau(prefix + stamp, start, end, libre, pk)
                for _, prefix, (stamp, start, end), libre in listed(its_days, now_s, _day_objects)
            ]
        return result
    enough: dict[int, dt.date] = {}  # lieu -> the day on which it reached `free_only` free slots
    last_day: dict[int, dt.date] = {}  # lieu -> the day of its last mission read
    interleaved = set()  # lieux with two missions the same day: their slots are sorted at the end
    for mission_id, lieu_id, day, hours, taken, tz in days:
        if lieu_id in enough and day > enough[lieu_id]:
            continue
        if last_day.get(lieu_id) == day:
            interleaved.add(lieu_id)
        last_day[lieu_id] = day
        found = result[lieu_id]
        prefix = f"{mission_id}-"
        wanted = len(found) + free_only  # this mission's first n free slots: the same rules as `listed`
        for start, end, stamp, seconds in day_slots_stamped(day, hours, tz):
            if seconds > now_s and seconds not in taken:
                found.append(Creneau(prefix + stamp, start, end, True, lieu_id))
                if len(found) == wanted:
                    break
        if len(found) >= free_only:
            enough.setdefault(lieu_id, day)
    for lieu_id in interleaved:
        result[lieu_id].sort(key=SLOT_ORDER)
    return result


SLOT_ORDER = operator.itemgetter(1, 0)  # start, then identifier


def slots(lieu: LieuSolidaire, du: dt.date, au: dt.date, now: dt.datetime | None = None) -> list[Creneau]:
    """Every slot of the lieu's open missions between two dates; past slots are left out."""
    return slots_by_lieu([lieu.pk], du, au, now)[lieu.pk]


def creneau_by_id(creneau: str, now: dt.datetime | None = None) -> Creneau | None:
    """The slot an identifier names, past or future (an appointment names its slot after the fact), if its
    mission is open and its lieu's hours give that start; None otherwise, and for an identifier that cannot be
    a slot's. Free when in the future and not taken: the rules of the lists (`listed`). The identifier's time
    is the lieu's local time (territoire.fuseaux)."""
    try:
        mission_id, start = parse_slot_id(creneau, None)
    except ValueError:
        return None
    for day in _mission_rows("m.id = %s", [mission_id]):
        seconds = int(start.replace(tzinfo=day.tz).timestamp())
        for begin, end, stamp, at in day_slots_stamped(day.day, day.hours, day.tz):
            if at == seconds:
                libre = at > (now or timezone.now()).timestamp() and at not in day.taken
                return Creneau(f"{mission_id}-{stamp}", begin, end, libre, day.lieu_id)
    return None


FIRST_WINDOW_DAYS = 7  # most lieux have free slots within a week: look there first


def next_free_by_lieu(ids: list[int], after: dt.datetime, count: int = 3) -> dict[int, list[Creneau]]:
    """The next free slots of each lieu: two weeks first, then up to the end of the range for the others."""
    day = timezone.localtime(after).date()
    result: dict[int, list[Creneau]] = {}
    pending = list(ids)
    for span in (FIRST_WINDOW_DAYS, MAX_RANGE_DAYS):
        if not pending:
            break
        found = slots_by_lieu(pending, day, day + dt.timedelta(days=span), after, free_only=count)
        for pk in pending:
            result[pk] = found[pk][:count]
        pending = [pk for pk in pending if len(result[pk]) < count]
    return result


def next_free(lieu: LieuSolidaire | int, after: dt.datetime, count: int = 3) -> list[Creneau]:
    pk = lieu if isinstance(lieu, int) else lieu.pk
    return next_free_by_lieu([pk], after, count)[pk]
