"""Free slots (computed), booking (guaranteed by the database), signed cancellation links."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import operator
import threading
import time
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from solidarite.annuaire.models import LieuSolidaire
from solidarite.planning.models import Mission
from solidarite.rdv import attente, audit, outbox
from solidarite.rdv.creneaux import Hours, day_slots, day_slots_stamped, parse_slot_id
from solidarite.rdv.idempotence import Idempotence
from solidarite.rdv.idempotence import check as idempotence_check
from solidarite.rdv.models import AccesDonnees, HorairesConsultation, Message, MotifAnnulation, RendezVous
from solidarite.rdv.patients import clean_patient
from solidarite.territoire.providers import provider_with_fallback

logger = logging.getLogger(__name__)
TOKEN_SALT = "solidarite.rdv.jeton"
MAX_RANGE_DAYS = 62


class Creneau(NamedTuple):
    """A slot: « <mission>-<YYYYMMDDHHMM> », its times, whether it is free (a tuple: searches make many)."""

    id: str
    debut: dt.datetime
    fin: dt.datetime
    libre: bool
    lieu_id: int


class SlotTaken(Exception):
    """The slot was booked in the meantime; carries the next free slots of the same lieu."""

    def __init__(self, next_free: list[Creneau]) -> None:
        super().__init__("Ce créneau vient d'être réservé.")
        self.next_free = next_free


class InvalidToken(Exception):
    pass


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


def mission_days(ids: list[int], du: dt.date, au: dt.date) -> list[MissionDay]:
    """The confirmed missions of the lieux between two dates, by day, each with its lieu's hours and the
    starts already taken: one row per mission, in one query whose plan does not depend on statistics (the
    missions by (lieu, date), their appointments by the unique index on (mission, start)). One row per
    mission rather than per appointment: a busy week has a hundred times more appointments than missions."""
    ops = connection.ops
    sql = (
        f"SELECT m.id, m.lieu_id, m.date, {HOURS_COLUMNS}, {_taken_starts('m.id')} "
        f"FROM {Mission._meta.db_table} m "
        f"LEFT JOIN {HorairesConsultation._meta.db_table} h ON h.lieu_id = m.lieu_id "
        f"WHERE m.lieu_id {_among(ids)} AND m.date >= %s AND m.date <= %s AND m.statut = %s"
    )
    params = [
        RendezVous.Statut.ANNULE,
        *_among_params(ids),
        ops.adapt_datefield_value(du),
        ops.adapt_datefield_value(au),
        Mission.Statut.CONFIRMEE,
    ]
    days = []
    for row in _fetch(sql, params):
        day, columns = _date(row[2]), row[3:9]
        days.append(MissionDay(row[0], row[1], day, _hours_from_columns(columns), _starts_set(row[9])))
        _keep(_missions, row[0], MissionDayRow(row[1], day, columns), MISSIONS_KEPT_MAX)
    return sorted(days, key=MISSION_ORDER)


MISSION_ORDER = operator.itemgetter(2, 0)  # day, then mission


def slots_by_lieu(
    ids: list[int],
    du: dt.date,
    au: dt.date,
    now: dt.datetime | None = None,
    free_only: int | None = None,
) -> dict[int, list[Creneau]]:
    """Every future slot of the lieux's confirmed missions between two dates, per lieu, in one query
    whatever the number of lieux (missions with their lieu's hours and appointments taken). With `free_only=n`,
    only free slots, and a lieu's days stop being read once it has n of them.

    The hot path of every search: plain SQL, and the slots of a day computed once per process (day_slots)."""
    check_range(du, au)
    now_s = (now or timezone.now()).timestamp()  # compared in seconds: cheaper than aware datetimes
    tz = timezone.get_current_timezone()
    result: dict[int, list[Creneau]] = {pk: [] for pk in ids}
    if not ids:
        return result
    enough: dict[int, dt.date] = {}  # lieu -> the day on which it reached `free_only` free slots
    last_day: dict[int, dt.date] = {}  # lieu -> the day of its last mission read
    interleaved = set()  # lieux with two missions the same day: their slots are sorted at the end
    for mission_id, lieu_id, day, hours, taken in mission_days(ids, du, au):
        if lieu_id in enough and day > enough[lieu_id]:
            continue
        if last_day.get(lieu_id) == day:
            interleaved.add(lieu_id)
        last_day[lieu_id] = day
        found = result[lieu_id]
        prefix = f"{mission_id}-"
        if free_only is None:  # the whole list (a lieu's slot list): one comprehension, the common case
            found += [
                Creneau(prefix + stamp, start, end, seconds not in taken, lieu_id)
                for start, end, stamp, seconds in day_slots_stamped(day, hours, tz)
                if seconds > now_s
            ]
            continue
        wanted = len(found) + free_only  # this mission's first n free slots
        for start, end, stamp, seconds in day_slots_stamped(day, hours, tz):
            if seconds > now_s and seconds not in taken:
                found.append(Creneau(prefix + stamp, start, end, True, lieu_id))
                if len(found) == wanted:
                    break
        if len(found) >= free_only:
            enough.setdefault(lieu_id, day)
    for lieu_id in interleaved:  # two doctors the same day in one lieu: their slots interleave
        result[lieu_id].sort(key=SLOT_ORDER)
    return result


SLOT_ORDER = operator.itemgetter(1, 0)  # start, then identifier


def slots(lieu: LieuSolidaire, du: dt.date, au: dt.date, now: dt.datetime | None = None) -> list[Creneau]:
    """Every slot of the lieu's confirmed missions between two dates; past slots are left out."""
    return slots_by_lieu([lieu.pk], du, au, now)[lieu.pk]


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


def confirmed_mission(creneau: str) -> tuple[Mission | None, dt.datetime]:
    """The confirmed mission of an active lieu a slot identifier names (None if there is none), and the slot's
    start: what the booking page shows; the booking itself checks the slot again (_slot).

    ValueError when the identifier cannot be a slot's."""
    mission_id, start = parse_slot_id(creneau, timezone.get_current_timezone())
    mission = (
        Mission.objects.select_related("lieu__commune", "lieu__horaires_consultation")
        .filter(pk=mission_id, statut=Mission.Statut.CONFIRMEE, lieu__actif=True)
        .first()
    )
    return mission, start


NOT_OFFERED = "Ce créneau n'existe pas ou n'est plus proposé."


def _keep(store: dict[Any, Any], key: Any, value: Any, limit: int) -> None:
    """Keeps a value in one of the process's stores, which is emptied when it reaches its limit."""
    if len(store) >= limit:
        store.clear()
    store[key] = value


class MissionDayRow(NamedTuple):
    """What a slot of a mission depends on: its lieu, its day and the lieu's hours (the columns as read)."""

    lieu_id: int
    day: dt.date
    hours_columns: tuple[Any, ...]


MISSIONS_KEPT_MAX = 50_000
_missions: dict[int, MissionDayRow] = {}  # confirmed missions of active lieux, as this process last read them


class Bookable(NamedTuple):
    mission_id: int
    lieu_id: int
    debut: dt.datetime
    fin: dt.datetime
    read: MissionDayRow  # what the check relied on: the booking's statement checks it has not changed


def _slot(creneau: str, kept: bool = False) -> Bookable:
    """The mission, lieu, start and end of a bookable slot (a confirmed mission in an active lieu, a start
    its hours give, in the future); ValidationError otherwise.

    The mission, its lieu and its hours are read in one query, or with `kept=True` taken from what this process
    last read of them (a slot list reads them all); the booking's statement then checks that they are still
    so (`_insert_in_one_statement`)."""
    tz = timezone.get_current_timezone()
    try:
        mission_id, start = parse_slot_id(creneau, tz)
    except ValueError:
        raise ValidationError({"creneau": "Identifiant de créneau invalide."}) from None
    read = _missions.get(mission_id) if kept else None
    if read is None:
        sql = (
            f"SELECT m.lieu_id, m.date, {HOURS_COLUMNS} FROM {Mission._meta.db_table} m "
            f"JOIN {LieuSolidaire._meta.db_table} l ON l.id = m.lieu_id "
            f"LEFT JOIN {HorairesConsultation._meta.db_table} h ON h.lieu_id = m.lieu_id "
            "WHERE m.id = %s AND m.statut = %s AND l.actif = %s"
        )
        rows = _fetch(sql, [mission_id, Mission.Statut.CONFIRMEE, True])
        if rows:
            read = MissionDayRow(rows[0][0], _date(rows[0][1]), tuple(rows[0][2:]))
            _keep(_missions, mission_id, read, MISSIONS_KEPT_MAX)
    ends = dict(day_slots(read.day, _hours_from_columns(read.hours_columns), tz)) if read else {}
    if read is None or start not in ends:
        raise ValidationError({"creneau": NOT_OFFERED})
    if start <= timezone.now():
        raise ValidationError({"creneau": "Ce créneau est passé : choisissez-en un autre."})
    return Bookable(mission_id, read.lieu_id, start, ends[start], read)


def book(
    creneau: str, data: dict[str, Any], idempotence: Idempotence | None = None, canal: str = "api"
) -> RendezVous:
    """Books a slot: checked, then an INSERT that the database refuses if the slot is already taken.

    The access-log row, the confirmation and the reminders are written in the same transaction. With an
    idempotency key (rdv.idempotence): Replay when this caller already booked with it and the same body,
    ValidationError when with another body.
    """
    idempotence_check(idempotence)
    on_postgresql = connection.vendor == "postgresql"
    slot = _slot(creneau, kept=on_postgresql)
    patient = clean_patient(data)
    now = timezone.now()
    try:
        if on_postgresql:
            rdv = _insert_in_one_statement(slot, patient, idempotence, canal, now)
            if rdv is None:  # the mission, its lieu or its hours changed since this process read them
                _missions.pop(slot.mission_id, None)
                slot = _slot(creneau)  # read again: refused here if the slot is no longer offered
                rdv = _insert_in_one_statement(slot, patient, idempotence, canal, now)
                if rdv is None:  # changed again in between
                    raise ValidationError({"creneau": NOT_OFFERED})
        else:
            rdv = _new_rendez_vous(slot, patient, idempotence, now)
            with transaction.atomic():
                rdv.save(force_insert=True)
                _check_mission_still_confirmed(slot.mission_id)
                AccesDonnees.objects.create(rendez_vous=rdv, action="création", canal=canal)
                outbox.queue_for_booking(rdv, now)
    except IntegrityError:
        idempotence_check(
            idempotence
        )  # this caller's key taken meanwhile: the same request sent twice, Replay
        raise SlotTaken(next_free(slot.lieu_id, slot.debut)) from None
    taken_here(slot.lieu_id, creneau)
    logger.info("rendez-vous %s réservé (lieu %s)", rdv.pk, slot.lieu_id)
    return rdv


def _check_mission_still_confirmed(mission_id: int) -> None:
    """After the appointment is written, in its transaction: its mission is still confirmed, or nothing is
    written. A cancellation of the mission being committed meanwhile is waited for and seen here (PostgreSQL:
    the mission's row locked as a foreign key locks it, FOR KEY SHARE, which Django's deferred foreign keys
    would only do at the commit; SQLite: one writer at a time, and a new statement reads what is committed).
    A cancellation that comes later waits for this transaction, then finds the appointment and cancels it."""
    lock = " FOR KEY SHARE" if connection.vendor == "postgresql" else ""
    sql = f"SELECT 1 FROM {Mission._meta.db_table} WHERE id = %s AND statut = %s{lock}"
    if not _fetch(sql, [mission_id, Mission.Statut.CONFIRMEE]):
        raise ValidationError({"creneau": NOT_OFFERED})


def _new_rendez_vous(
    slot: Bookable, patient: dict[str, Any], idempotence: Idempotence | None, now: dt.datetime
) -> RendezVous:
    return RendezVous(
        mission_id=slot.mission_id,
        lieu_id=slot.lieu_id,
        debut=slot.debut,
        fin=slot.fin,
        cle_idempotence=idempotence.cle if idempotence else None,
        appelant_idempotence=idempotence.appelant if idempotence else None,
        empreinte_idempotence=idempotence.empreinte if idempotence else "",
        cree_le=now,
        **patient,
    )


def _insert_in_one_statement(
    slot: Bookable, patient: dict[str, Any], idempotence: Idempotence | None, canal: str, now: dt.datetime
) -> RendezVous | None:
    """PostgreSQL: the appointment, its access-log row and its messages in a single statement (data-modifying
    WITH), so a single round trip and, being one statement, one transaction. The unique constraint on the slot
    refuses it whole (IntegrityError). Inside a caller's transaction, a savepoint keeps that transaction usable
    after a refusal. The rows are those of the ORM path (SQLite), which the same tests check on both databases.

    The appointment is written only if its mission is still confirmed, its lieu active, and the mission's lieu,
    day and hours those the slot was checked against (`slot.read`); None if not, and nothing is written. The
    mission's row is locked FOR KEY SHARE (as a foreign key locks it; Django's are deferred to the commit), so
    that a cancellation of the mission being committed meanwhile is waited for and seen: the booking then
    writes nothing, instead of an appointment that the cancellation, which cancels the mission's
    appointments, would have missed (`_check_mission_still_confirmed` does the same for the other paths).
    """
    rdv = _new_rendez_vous(slot, patient, idempotence, now)
    ops = connection.ops
    fields = [
        "mission_id", "lieu_id", "debut", "fin", "statut", "nom", "prenom", "date_naissance", "telephone",
        "email", "medecin_traitant", "motif", "cle_idempotence", "appelant_idempotence",
        "empreinte_idempotence", "cree_le", "motif_annulation",
    ]  # fmt: skip
    values = [getattr(rdv, f) for f in fields]
    messages = outbox.for_booking(rdv, now)
    params: list[Any] = [
        ops.adapt_datetimefield_value(v) if isinstance(v, dt.datetime) else v for v in values
    ]
    params += [slot.mission_id, Mission.Statut.CONFIRMEE, True, slot.lieu_id, slot.read.day]
    params += list(slot.read.hours_columns)
    params += [audit.RENDEZ_VOUS, "création", canal, now]
    unchanged = " AND ".join(f"h.{name} IS NOT DISTINCT FROM %s" for name in HOURS_FIELDS)
    sql = (
        f"WITH r AS (INSERT INTO {RendezVous._meta.db_table} ({', '.join(fields)}) "
        f"SELECT {', '.join(['%s'] * len(fields))} FROM {Mission._meta.db_table} m "
        f"JOIN {LieuSolidaire._meta.db_table} l ON l.id = m.lieu_id "
        f"LEFT JOIN {HorairesConsultation._meta.db_table} h ON h.lieu_id = m.lieu_id "
        f"WHERE m.id = %s AND m.statut = %s AND l.actif = %s AND m.lieu_id = %s AND m.date = %s AND {unchanged} "
        "FOR KEY SHARE OF m RETURNING id), "
        f"a AS (INSERT INTO {AccesDonnees._meta.db_table} "
        "(objet_type, objet_id, action, canal, le, par_nom, par_role) SELECT %s, id, %s, %s, %s, '', '' FROM r)"
    )
    if messages:
        rows = ", ".join(["(%s, %s, %s, %s::timestamptz)"] * len(messages))
        sql += (
            f", m AS (INSERT INTO {Message._meta.db_table} "
            "(rendez_vous_id, nature, canal, cle, prevu_le, statut, tentatives, erreur, cree_le) "
            "SELECT r.id, v.nature, v.canal, v.cle || ':' || r.id || ':' || v.canal, v.prevu_le, %s, 0, '', %s "
            f"FROM r CROSS JOIN (VALUES {rows}) AS v(nature, canal, cle, prevu_le))"
        )
        params += [Message.Statut.A_ENVOYER, now]
        params += [value for message in messages for value in message]
    sql += " SELECT id FROM r"
    guard = transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
    with guard, connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    rdv.pk = row[0]
    rdv._state.adding = False
    rdv._state.db = connection.alias
    return rdv


def token_for(rdv: RendezVous) -> str:
    """A signed link token, valid until the end of the appointment."""
    return signing.dumps({"r": rdv.pk, "e": int(rdv.fin.timestamp())}, salt=TOKEN_SALT, compress=True)


def from_token(token: str) -> RendezVous:
    try:
        payload = signing.loads(token, salt=TOKEN_SALT)
    except signing.BadSignature:
        raise InvalidToken("Lien invalide.") from None
    if not isinstance(payload, dict) or int(payload.get("e", 0)) < int(timezone.now().timestamp()):
        raise InvalidToken("Ce lien a expiré.")
    rdv = RendezVous.objects.filter(pk=payload.get("r")).first()
    if rdv is None:
        raise InvalidToken("Lien invalide.")
    return rdv


def cancel(token: str, canal: str = "lien signé") -> RendezVous:
    """The patient cancels: the slot is free again, the waitlist is told, reminders are dropped."""
    rdv = from_token(token)
    now = timezone.now()
    with transaction.atomic():
        locked = RendezVous.objects.select_for_update().get(pk=rdv.pk)
        if locked.statut != RendezVous.Statut.RESERVE or locked.debut <= now:
            raise ValidationError("Ce rendez-vous est déjà annulé ou passé.")
        _cancel(locked, MotifAnnulation.PATIENT, now)
        outbox.queue_once(locked, Message.Nature.ANNULATION, now)
        AccesDonnees.objects.create(rendez_vous=locked, action="annulation", canal=canal)
        attente.notify_freed(locked.lieu_id, [locked.debut], now)
        freed_here(locked.lieu_id)
    return locked


def _cancel(rdv: RendezVous, motif: str, now: dt.datetime) -> None:
    rdv.statut = RendezVous.Statut.ANNULE
    rdv.annule_le = now
    rdv.motif_annulation = motif
    rdv.save(update_fields=["statut", "annule_le", "motif_annulation", "remplace_par"])
    outbox.drop_pending(rdv)


def move(token: str, creneau: str, canal: str = "lien signé") -> RendezVous:
    """Moves an appointment to another slot in one transaction: the new one booked, the old one freed.

    If the new slot is taken, nothing changes (SlotTaken with the next free slots).
    """
    rdv = from_token(token)
    slot = _slot(creneau)
    now = timezone.now()
    try:
        with transaction.atomic():
            old = RendezVous.objects.select_for_update().get(pk=rdv.pk)
            if old.statut != RendezVous.Statut.RESERVE or old.debut <= now:
                raise ValidationError(
                    "Ce rendez-vous est déjà annulé ou passé : il ne peut plus être déplacé."
                )
            new = RendezVous.objects.create(
                mission_id=slot.mission_id,
                lieu_id=slot.lieu_id,
                debut=slot.debut,
                fin=slot.fin,
                **{f: getattr(old, f) for f in PATIENT_FIELDS},
            )
            _check_mission_still_confirmed(slot.mission_id)
            old.remplace_par = new
            _cancel(old, MotifAnnulation.DEPLACE, now)
            outbox.queue_for_booking(new, now)
            AccesDonnees.objects.create(rendez_vous=old, action="déplacement", canal=canal)
            AccesDonnees.objects.create(rendez_vous=new, action="création (déplacement)", canal=canal)
            attente.notify_freed(old.lieu_id, [old.debut], now)
            freed_here(old.lieu_id)
    except IntegrityError:
        raise SlotTaken(next_free(slot.lieu_id, slot.debut)) from None
    taken_here(slot.lieu_id, creneau)
    return new


PATIENT_FIELDS = ("nom", "prenom", "date_naissance", "telephone", "email", "medecin_traitant", "motif")


def cancel_for_mission(mission: Mission) -> int:
    """The doctor's mission is cancelled: its appointments too; each patient is told, with the next slots.

    Runs inside the transaction that cancels the mission (signal `mission_cancelled`).
    """
    now = timezone.now()
    count = 0
    for rdv in RendezVous.objects.select_for_update().filter(
        mission=mission, statut=RendezVous.Statut.RESERVE
    ):
        _cancel(rdv, MotifAnnulation.MISSION, now)
        outbox.queue_once(rdv, Message.Nature.MISSION_ANNULEE, now)
        AccesDonnees.objects.create(rendez_vous=rdv, action="annulation (mission annulée)", canal="planning")
        count += 1
    freed_here(mission.lieu_id)  # its slots are gone: the lists kept for searches are read again
    logger.info("mission %s annulée : %d rendez-vous annulés, patients prévenus", mission.pk, count)
    return count


def slots_opened(mission: Mission) -> int:
    """A mission was confirmed: its slots are open; the lieu's waitlist is told (signal `mission_confirmed`)."""
    tz = timezone.get_current_timezone()
    starts = [start for start, _ in day_slots(mission.date, hours_of(mission.lieu), tz)]
    freed_here(mission.lieu_id)
    return attente.notify_freed(mission.lieu_id, starts)


def hours_changed(lieu_id: int, before: Hours, after: Hours) -> int:
    """A lieu's hours changed (back office): the slots they open on its upcoming confirmed missions are told to
    its waitlist, in one transaction. Appointments already made keep their time."""
    tz = timezone.get_current_timezone()
    days = Mission.objects.filter(
        lieu_id=lieu_id, statut=Mission.Statut.CONFIRMEE, date__gte=timezone.localdate()
    ).values_list("date", flat=True)
    opened = []
    for day in days:
        old = {start for start, _ in day_slots(day, before, tz)}
        opened += [start for start, _ in day_slots(day, after, tz) if start not in old]
    if not opened:
        return 0
    with transaction.atomic():
        return attente.notify_freed(lieu_id, opened)


REACH_MINUTES = 60.0  # lieux within an hour by road (estimate) of the patient's commune
FALLBACK_COUNT = 3  # when none is within an hour, the nearest ones


@dataclass(frozen=True)
class LieuProche:
    lieu: LieuSolidaire
    minutes: float
    prochains: list[Creneau]


@dataclass(frozen=True)
class Catalogue:
    """The active lieux (with commune and hours) and their positions, as one process last read them."""

    read_at: float
    lieux: dict[int, LieuSolidaire]
    ids: list[int]
    latitudes: np.ndarray
    longitudes: np.ndarray
    # (latitude, longitude) of a searched place -> its lieux within reach (ids) and their minutes, nearest
    # first: filled by the searches (a few thousand communes search for lieux), and carried over to the next
    # catalogue as long as the lieux and their positions are the same.
    reach: dict[tuple[float, float], list[tuple[int, float]]] = field(default_factory=dict)

    def same_places(self, other: Catalogue) -> bool:
        return (
            self.ids == other.ids
            and np.array_equal(self.latitudes, other.latitudes)
            and np.array_equal(self.longitudes, other.longitudes)
        )


REACH_KEPT_MAX = 10_000  # the communes of the zones (about 3,900), and places found « autour de moi »

_catalogue = Catalogue(0.0, {}, [], np.empty(0), np.empty(0))
_forgotten = 0  # how many times this process forgot the lieux (forget_lieux), under _lieux_lock
_lieux_lock = threading.Lock()


def active_lieux() -> Catalogue:
    """The active lieux, kept 30 s in the process: every search and every slot list reads them, and a lieu
    opened, closed or renamed shows within half a minute (slots, appointments, and everything a booking
    checks are always read from the database). Not to be modified: shared by the requests of the process.
    Not kept if another thread of the process changed a lieu while it was being read (it may predate that)."""
    global _catalogue
    ttl = float(settings.SOLIDARITE_LIEUX_TTL_S)
    if time.monotonic() - _catalogue.read_at > ttl or not _catalogue.ids:
        forgotten = _forgotten
        fresh = _read_catalogue()
        if fresh.same_places(_catalogue):  # the lieux within reach of each place are still the same
            fresh.reach.update(_catalogue.reach)
        with _lieux_lock:
            if forgotten == _forgotten:
                _catalogue = fresh
        return fresh
    return _catalogue


def _read_catalogue() -> Catalogue:
    lieux = LieuSolidaire.objects.filter(actif=True).select_related("commune", "horaires_consultation")
    by_id = {lieu.pk: lieu for lieu in lieux.order_by("pk")}
    ids = list(by_id)
    return Catalogue(
        time.monotonic(),
        by_id,
        ids,
        np.array([by_id[pk].latitude for pk in ids], dtype=float),
        np.array([by_id[pk].longitude for pk in ids], dtype=float),
    )


def lieu_nom(lieu_id: int) -> str:
    lieu = active_lieux().lieux.get(lieu_id)
    return (
        lieu.nom if lieu is not None else LieuSolidaire.objects.values_list("nom", flat=True).get(pk=lieu_id)
    )


def forget_lieux(**kwargs: object) -> None:
    """A lieu or its hours were saved or deleted in this process: the lieux, and the next free slots kept for
    searches, are read again at the next search; now, and once the transaction is committed (a search in
    between would read the state before)."""
    _forget_lieux_now()
    transaction.on_commit(_forget_lieux_now)


def _forget_lieux_now() -> None:
    global _catalogue, _forgotten
    with _lieux_lock:
        _forgotten += 1
        _catalogue = Catalogue(0.0, {}, [], np.empty(0), np.empty(0))
    _kept.clear()


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


class KeptSlots(NamedTuple):
    read_at: float  # time.monotonic()
    slots: list[Creneau]  # the lieu's next NEXT_FREE_KEPT free slots, or all of them in the range
    all_there_is: bool  # fewer than NEXT_FREE_KEPT free slots in the whole range


class KeptStore:
    """The next free slots of each lieu as this process last read them, shared by its threads (the production
    server runs two per worker). A list read from the database is kept only if no thread of the process
    booked, freed or forgot that lieu's slots while it was being read: such a list may predate the change
    (read before its commit) and would show it late, where the documented delay covers other processes only."""

    def __init__(self) -> None:
        self.lists: dict[int, KeptSlots] = {}
        self.changes: dict[int, int] = {}  # lieu -> how many times this process changed its slots
        self.epoch = 0  # how many times this process forgot every list
        self.lock = threading.Lock()

    def get(self, lieu_id: int) -> KeptSlots | None:
        return self.lists.get(lieu_id)

    def mark(self, ids: list[int]) -> tuple[int, dict[int, int]]:
        """Where the changes stand, before reading the lieux's slots from the database."""
        return self.epoch, {pk: self.changes.get(pk, 0) for pk in ids}

    def keep(self, lieu_id: int, kept: KeptSlots, mark: tuple[int, dict[int, int]]) -> None:
        with self.lock:
            if mark[0] == self.epoch and mark[1][lieu_id] == self.changes.get(lieu_id, 0):
                self.lists[lieu_id] = kept

    def taken(self, lieu_id: int, creneau: str) -> None:
        with self.lock:
            self.changes[lieu_id] = self.changes.get(lieu_id, 0) + 1
            kept = self.lists.get(lieu_id)
            if kept is not None and any(slot.id == creneau for slot in kept.slots):
                self.lists[lieu_id] = kept._replace(slots=[slot for slot in kept.slots if slot.id != creneau])

    def drop(self, lieu_id: int) -> None:
        with self.lock:
            self.changes[lieu_id] = self.changes.get(lieu_id, 0) + 1
            self.lists.pop(lieu_id, None)

    def clear(self) -> None:
        with self.lock:
            self.epoch += 1
            self.lists.clear()


_kept = KeptStore()


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


def taken_here(lieu_id: int, creneau: str) -> None:
    """A slot booked by this process leaves the lists kept for searches at once; a list being read by another
    thread meanwhile is not kept, now and once the transaction is committed."""
    _kept.taken(lieu_id, creneau)
    transaction.on_commit(lambda: _kept.taken(lieu_id, creneau))


def freed_here(lieu_id: int) -> None:
    """Slots of the lieu were freed, opened or cancelled by this process: its list is read again at the next
    search, now and once the transaction is committed (a search in between would read the state before)."""
    _kept.drop(lieu_id)
    transaction.on_commit(lambda: _kept.drop(lieu_id))
