"""Booking, guaranteed by the database: an appointment is an INSERT that the unique constraint on (mission,
start) refuses when the slot is taken; moving, cancelling, what a mission's cancellation or confirmation and a
change of hours do to appointments; the presence noted on the day."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from solidarite.annuaire.models import LieuSolidaire
from solidarite.planning import lecture
from solidarite.planning.models import Mission
from solidarite.rdv import attente, audit, outbox
from solidarite.rdv.creneaux import Hours, day_slots, parse_slot_id
from solidarite.rdv.idempotence import Idempotence
from solidarite.rdv.idempotence import check as idempotence_check
from solidarite.rdv.models import AccesDonnees, HorairesConsultation, Message, MotifAnnulation, RendezVous
from solidarite.rdv.patients import clean_patient, former_identity_keys, identity_key
from solidarite.rdv.services.caches import (
    MISSIONS_KEPT_MAX,
    MissionDayRow,
    _keep,
    _missions,
    freed_here,
    taken_here,
)
from solidarite.rdv.services.free_slots import (
    HOURS_COLUMNS,
    HOURS_FIELDS,
    Creneau,
    _date,
    _fetch,
    _hours_from_columns,
    hours_of,
    next_free,
)
from solidarite.rdv.services.jetons import from_jeton
from solidarite.territoire.fuseaux import fuseau

logger = logging.getLogger(__name__)


class CreneauTakenError(Exception):
    """The slot was booked in the meantime; carries the next free slots of the same lieu."""

    def __init__(self, next_free: list[Creneau]) -> None:
        super().__init__("Ce créneau vient d'être réservé.")
        self.next_free = next_free


NOT_OFFERED = "Ce créneau n'existe pas ou n'est plus proposé."
SAME_DAY = (
    "Vous avez déjà un rendez-vous ce jour-là dans ce lieu : pour le changer, utilisez le lien reçu par courriel "
    "ou SMS, ou contactez le lieu de consultation."
)


class SameDayError(Exception):
    """The person (name, first name and birth date, normalised) already has an active appointment that day at that
    lieu (constraint `un_rendez_vous_actif_par_patient_lieu_jour`). The message does not say when: whoever knows a
    name and a birth date would learn someone's appointment time."""

    def __init__(self) -> None:
        super().__init__(SAME_DAY)


def _refuse_same_day(lieu_id: int, day: dt.date, identites: list[str], besides: int | None = None) -> None:
    """SameDayError if the person (`identites`: their keys) already has an active appointment that day at that lieu
    (`besides`: the appointment being moved, booked again by the rollback). Asked after the database refused an
    appointment (the current key), and before writing one when former keys are declared (`_refuse_former_same_day`)."""
    others = RendezVous.objects.filter(lieu_id=lieu_id, jour=day, identite__in=identites).exclude(
        statut=RendezVous.Statut.ANNULE
    )
    if others.exclude(pk=besides).exists():
        raise SameDayError()


def _refuse_former_same_day(
    lieu_id: int, day: dt.date, nom: str, prenom: str, date_naissance: dt.date
) -> None:
    """After a change of SECRET_KEY, the appointments booked before it hold the person's key under the former key,
    which the unique constraint cannot compare. Only when former keys are declared (SECRET_KEY_FALLBACKS); no new
    row is ever written with a former key, so this read cannot race with another booking."""
    if former := former_identity_keys(nom, prenom, date_naissance):
        _refuse_same_day(lieu_id, day, former)


class Bookable(NamedTuple):
    mission_id: int
    lieu_id: int
    debut: dt.datetime
    fin: dt.datetime
    read: MissionDayRow  # what the check relied on: the booking's statement checks it has not changed


def _slot(creneau: str, kept: bool = False) -> Bookable:
    """The mission, lieu, start and end of a bookable slot (an open mission, planning.lecture: confirmed,
    in an active lieu; a start its hours give, in the future); ValidationError otherwise.

    The mission, its lieu and its hours are read in one query, or with `kept=True` taken from what this process
    last read of them (a slot list reads them all); the booking's statement then checks that they are still
    so (`_insert_in_one_statement`)."""
    try:
        mission_id, local_start = parse_slot_id(creneau, None)  # the lieu's local time, its zone read below
    except ValueError:
        raise ValidationError({"creneau": "Identifiant de créneau invalide."}) from None
    read = _missions.get(mission_id) if kept else None
    if read is None:
        sql = (
            f"SELECT m.lieu_id, m.date, {HOURS_COLUMNS}, {lecture.code_commune_sql('m')} "
            f"FROM {lecture.MISSIONS_OUVERTES_SQL} m "
            f"LEFT JOIN {HorairesConsultation._meta.db_table} h ON h.lieu_id = m.lieu_id WHERE m.id = %s"
        )
        rows = _fetch(sql, [mission_id])
        if rows:
            read = MissionDayRow(rows[0][0], _date(rows[0][1]), tuple(rows[0][2:8]), rows[0][8])
            _keep(_missions, mission_id, read, MISSIONS_KEPT_MAX)
    if read is None:
        raise ValidationError({"creneau": NOT_OFFERED})
    tz = fuseau(read.commune)
    start = local_start.replace(tzinfo=tz)
    ends = dict(day_slots(read.day, _hours_from_columns(read.hours_columns), tz))
    if start not in ends:
        raise ValidationError({"creneau": NOT_OFFERED})
    if start <= timezone.now():
        raise ValidationError({"creneau": "Ce créneau est passé : choisissez-en un autre."})
    return Bookable(mission_id, read.lieu_id, start, ends[start], read)


def offered_mission(creneau: str) -> tuple[Mission, dt.datetime]:
    """The open mission of a slot on offer and the slot's start, for the pages that book it or move an
    appointment to it: the booking's own check (`_slot`), so that a page is shown for the slots the booking
    would take and for no other; ValidationError on `creneau` otherwise. The booking checks it again."""
    slot = _slot(creneau)
    mission = (
        lecture.missions_ouvertes()
        .select_related("lieu__commune", "lieu__horaires_consultation")
        .filter(pk=slot.mission_id)
        .first()
    )
    if mission is None:  # cancelled in between
        raise ValidationError({"creneau": NOT_OFFERED})
    return mission, slot.debut


def book(
    creneau: str, data: dict[str, Any], idempotence: Idempotence | None = None, canal: str = "api"
) -> RendezVous:
    """Books a slot: checked, then an INSERT that the database refuses if the slot is already taken
    (CreneauTakenError), or if the person already has an active appointment that day at that lieu (SameDayError:
    the same unique-constraint mechanism, so two at once cannot both pass).

    The access-log row, the confirmation and the reminders are written in the same transaction. With an
    idempotency key (rdv.idempotence): Replay when this caller already booked with it and the same body,
    ValidationError when with another body.
    """
    idempotence_check(idempotence)
    on_postgresql = connection.vendor == "postgresql"
    slot = _slot(creneau, kept=on_postgresql)
    patient = clean_patient(data)
    patient_key = identity_key(patient["nom"], patient["prenom"], patient["date_naissance"])
    _refuse_former_same_day(
        slot.lieu_id, slot.read.day, patient["nom"], patient["prenom"], patient["date_naissance"]
    )
    now = timezone.now()
    try:
        if on_postgresql:
            rdv = _insert_in_one_statement(slot, patient, idempotence, canal, now)
            if rdv is None:  # the mission, its lieu or its hours changed since this process read them
                _missions.pop(slot.mission_id, None)
                slot = _slot(creneau)  # read again: refused here if the slot is no longer offered
                _refuse_former_same_day(
                    slot.lieu_id, slot.read.day, patient["nom"], patient["prenom"], patient["date_naissance"]
                )
                rdv = _insert_in_one_statement(slot, patient, idempotence, canal, now)
                if rdv is None:  # changed again in between
                    raise ValidationError({"creneau": NOT_OFFERED})
        else:
            rdv = _new_rendez_vous(slot, patient, idempotence, now)
            with transaction.atomic():
                rdv.save(force_insert=True)
                _check_mission_still_open(slot.mission_id)
                AccesDonnees.objects.create(rendez_vous=rdv, action="création", canal=canal)
                outbox.queue_for_booking(rdv, now)
    except IntegrityError:
        idempotence_check(
            idempotence
        )  # this caller's key taken meanwhile: the same request sent twice, Replay
        _refuse_same_day(
            slot.lieu_id, slot.read.day, [patient_key]
        )  # the person's other appointment that day
        raise CreneauTakenError(next_free(slot.lieu_id, slot.debut)) from None
    taken_here(slot.lieu_id, creneau)
    logger.info("rendez-vous %s réservé (lieu %s)", rdv.pk, slot.lieu_id)
    return rdv


def _check_mission_still_open(mission_id: int) -> None:
    """After the appointment is written, in its transaction: its mission is still open (planning.lecture), or
    nothing is written. A cancellation of the mission being committed meanwhile is waited for and seen here
    (PostgreSQL: the mission's row locked as a foreign key locks it, FOR KEY SHARE, which Django's deferred
    foreign keys would only do at the commit; SQLite: one writer at a time, and a new statement reads what is
    committed).
    A cancellation that comes later waits for this transaction, then finds the appointment and cancels it."""
    lock = " FOR KEY SHARE" if connection.vendor == "postgresql" else ""
    sql = f"SELECT 1 FROM {lecture.MISSIONS_OUVERTES_SQL} m WHERE m.id = %s{lock}"
    if not _fetch(sql, [mission_id]):
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
        jour=slot.read.day,
        identite=identity_key(patient["nom"], patient["prenom"], patient["date_naissance"]),
        **patient,
    )


def _insert_in_one_statement(
    slot: Bookable, patient: dict[str, Any], idempotence: Idempotence | None, canal: str, now: dt.datetime
) -> RendezVous | None:
    """PostgreSQL: the appointment, its access-log row and its messages in a single statement (data-modifying
    WITH), so a single round trip and, being one statement, one transaction. The unique constraint on the slot
    refuses it whole (IntegrityError). Inside a caller's transaction, a savepoint keeps that transaction usable
    after a refusal. The rows are those of the ORM path (SQLite), which the same tests check on both databases.

    The appointment is written only if its mission is still open (planning.lecture: confirmed, in an active
    lieu), and the mission's lieu, day and hours those the slot was checked against (`slot.read`); None if not,
    and nothing is written. The mission's row is locked FOR KEY SHARE (as a foreign key locks it; Django's are deferred to the commit), so
    that a cancellation of the mission being committed meanwhile is waited for and seen: the booking then
    writes nothing, instead of an appointment that the cancellation, which cancels the mission's
    appointments, would have missed (`_check_mission_still_open` does the same for the other paths).
    """
    rdv = _new_rendez_vous(slot, patient, idempotence, now)
    ops = connection.ops
    fields = [
        "mission_id", "lieu_id", "debut", "fin", "statut", "nom", "prenom", "date_naissance", "telephone",
        "email", "medecin_traitant", "motif", "cle_idempotence", "appelant_idempotence",
        "empreinte_idempotence", "cree_le", "motif_annulation", "jour", "identite",
    ]  # fmt: skip
    values = [getattr(rdv, f) for f in fields]
    messages = outbox.for_booking(rdv, now)
    params: list[Any] = [
        ops.adapt_datetimefield_value(v) if isinstance(v, dt.datetime) else v for v in values
    ]
    params += [slot.mission_id, slot.lieu_id, slot.read.day]
    params += list(slot.read.hours_columns)
    params += [audit.RENDEZ_VOUS, "création", canal, now]
    unchanged = " AND ".join(f"h.{name} IS NOT DISTINCT FROM %s" for name in HOURS_FIELDS)
    sql = (
        f"WITH r AS (INSERT INTO {RendezVous._meta.db_table} ({', '.join(fields)}) "
        f"SELECT {', '.join(['%s'] * len(fields))} FROM {lecture.MISSIONS_OUVERTES_SQL} m "
        f"LEFT JOIN {HorairesConsultation._meta.db_table} h ON h.lieu_id = m.lieu_id "
        f"WHERE m.id = %s AND m.lieu_id = %s AND m.date = %s AND {unchanged} "
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


def cancel(jeton: str, canal: str = "lien signé") -> RendezVous:
    """The patient cancels: the slot is free again, the waitlist is told, reminders are dropped."""
    rdv = from_jeton(jeton)
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


def move(jeton: str, creneau: str, canal: str = "lien signé") -> RendezVous:
    """Moves an appointment to another slot in one transaction: the old one freed, the new one booked.

    If the new slot is taken, nothing changes (CreneauTakenError with the next free slots); nor if the person
    already has another appointment on the new slot's day at its lieu (SameDayError). The old appointment is
    cancelled before the new one is written, so that a move within the same day and lieu is not refused as a
    second appointment of the day; a refusal rolls both back.
    """
    rdv = from_jeton(jeton)
    slot = _slot(creneau)
    now = timezone.now()
    patient_key = identity_key(rdv.nom, rdv.prenom, rdv.date_naissance)
    try:
        with transaction.atomic():
            old = RendezVous.objects.select_for_update().get(pk=rdv.pk)
            if old.statut != RendezVous.Statut.RESERVE or old.debut <= now:
                raise ValidationError(
                    "Ce rendez-vous est déjà annulé ou passé : il ne peut plus être déplacé."
                )
            if (old.mission_id, old.debut) == (slot.mission_id, slot.debut):  # its own slot: taken, by itself
                raise CreneauTakenError(next_free(slot.lieu_id, slot.debut))
            _cancel(old, MotifAnnulation.DEPLACE, now)
            _refuse_former_same_day(slot.lieu_id, slot.read.day, old.nom, old.prenom, old.date_naissance)
            new = RendezVous.objects.create(
                mission_id=slot.mission_id,
                lieu_id=slot.lieu_id,
                debut=slot.debut,
                fin=slot.fin,
                jour=slot.read.day,
                identite=patient_key,
                **{f: getattr(old, f) for f in PATIENT_FIELDS},
            )
            _check_mission_still_open(slot.mission_id)
            old.remplace_par = new
            old.save(update_fields=["remplace_par"])
            outbox.queue_for_booking(new, now)
            AccesDonnees.objects.create(rendez_vous=old, action="déplacement", canal=canal)
            AccesDonnees.objects.create(rendez_vous=new, action="création (déplacement)", canal=canal)
            attente.notify_freed(old.lieu_id, [old.debut], now)
            freed_here(old.lieu_id)
    except IntegrityError:
        _refuse_same_day(slot.lieu_id, slot.read.day, [patient_key], besides=rdv.pk)
        raise CreneauTakenError(next_free(slot.lieu_id, slot.debut)) from None
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
    starts = [start for start, _ in day_slots(mission.date, hours_of(mission.lieu), mission.lieu.fuseau)]
    freed_here(mission.lieu_id)
    return attente.notify_freed(mission.lieu_id, starts)


def hours_changed(lieu_id: int, before: Hours, after: Hours) -> int:
    """A lieu's hours changed (back office): the slots they open on its upcoming open missions are told to
    its waitlist, in one transaction. Appointments already made keep their time."""
    tz = LieuSolidaire.objects.select_related("commune").get(pk=lieu_id).fuseau
    opened = []
    for _, day in lecture.jours_ouverts(lieu_id, timezone.localdate(timezone=tz)):
        old = {start for start, _ in day_slots(day, before, tz)}
        opened += [start for start, _ in day_slots(day, after, tz) if start not in old]
    if not opened:
        return 0
    with transaction.atomic():
        return attente.notify_freed(lieu_id, opened)


PRESENCE = {
    "vu": RendezVous.Statut.VU,
    "absent": RendezVous.Statut.ABSENT,
    "excuse": RendezVous.Statut.EXCUSE,
}


def mark_presence(rdv_id: int, mission: Mission, statut: str, user: Any, canal: str) -> RendezVous:
    """Vu, absent or excusé, noted by the doctor or the ARS: only for an appointment of this mission, from
    its day on; the appointment locked, changed and its access-log row written in one transaction."""
    if statut not in PRESENCE:
        raise ValidationError("Statut inconnu : vu, absent ou excusé.")
    if mission.date > timezone.localdate():
        raise ValidationError("La présence se note le jour de la consultation, pas avant.")
    with transaction.atomic():
        rdv = RendezVous.objects.select_for_update().filter(pk=rdv_id, mission=mission).first()
        if rdv is None:
            raise ValidationError("Ce rendez-vous n'appartient pas à cette journée.")
        if rdv.statut == RendezVous.Statut.ANNULE:
            raise ValidationError("Ce rendez-vous a été annulé.")
        rdv.statut = PRESENCE[statut]
        rdv.statut_le = timezone.now()
        rdv.save(update_fields=["statut", "statut_le"])
        AccesDonnees.objects.create(rendez_vous=rdv, action=f"présence : {statut}", par=user, canal=canal)
    return rdv
