"""Free slots (computed), booking (guaranteed by the database), signed cancellation links."""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from solidarite.annuaire.models import LieuSolidaire
from solidarite.planning.models import Mission
from solidarite.rdv import attente, outbox
from solidarite.rdv.creneaux import Hours, day_slots, parse_slot_id, slot_id
from solidarite.rdv.models import AccesDonnees, HorairesConsultation, Message, MotifAnnulation, RendezVous
from solidarite.rdv.patients import clean_patient
from solidarite.territoire.travel import CrowFlyProvider

logger = logging.getLogger(__name__)
TOKEN_SALT = "solidarite.rdv.jeton"
MAX_RANGE_DAYS = 62


@dataclass(frozen=True)
class Creneau:
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


def hours_of(lieu: LieuSolidaire) -> Hours:
    try:
        return lieu.horaires_consultation.hours()
    except HorairesConsultation.DoesNotExist:
        return Hours()


def _check_range(du: dt.date, au: dt.date) -> None:
    if au < du:
        raise ValidationError("La date de fin précède la date de début.")
    if (au - du).days > MAX_RANGE_DAYS:
        raise ValidationError(f"Période trop longue : {MAX_RANGE_DAYS} jours au plus.")


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=timezone.get_current_timezone())


def slots_by_lieu(
    lieux: list[LieuSolidaire],
    du: dt.date,
    au: dt.date,
    now: dt.datetime | None = None,
    free_only: int | None = None,
) -> dict[int, list[Creneau]]:
    """Every future slot of the lieux's confirmed missions between two dates, per lieu, in three queries
    whatever the number of lieux (hours, missions, appointments taken). With `free_only=n`, only free slots,
    and a lieu's days stop being read once it has n of them."""
    _check_range(du, au)
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    ids = [lieu.pk for lieu in lieux]
    hours = _hours_by_lieu(lieux)
    missions = (
        Mission.objects.filter(lieu_id__in=ids, date__range=(du, au), statut=Mission.Statut.CONFIRMEE)
        .order_by("date", "pk")
        .values_list("pk", "lieu_id", "date")
    )
    taken = set(
        RendezVous.objects.filter(
            lieu_id__in=ids, debut__gte=_day_start(du), debut__lt=_day_start(au + dt.timedelta(days=1))
        )
        .exclude(statut=RendezVous.Statut.ANNULE)
        .values_list("mission_id", "debut")
    )
    result: dict[int, list[Creneau]] = {pk: [] for pk in ids}
    enough: dict[int, dt.date] = {}  # lieu -> the day on which it reached `free_only` free slots
    for mission_id, lieu_id, day in missions:
        if lieu_id in enough and day > enough[lieu_id]:
            continue
        found = result[lieu_id]
        for start, end in day_slots(day, hours.get(lieu_id, DEFAULT_HOURS), tz):
            if start <= now:
                continue
            libre = (mission_id, start) not in taken
            if free_only is None or libre:
                found.append(Creneau(slot_id(mission_id, start), start, end, libre, lieu_id))
        if free_only is not None and len(found) >= free_only:
            enough.setdefault(lieu_id, day)
    for found in result.values():
        found.sort(key=lambda c: (c.debut, c.id))
    return result


DEFAULT_HOURS = Hours()


def _hours_by_lieu(lieux: list[LieuSolidaire]) -> dict[int, Hours]:
    """The lieux's hours: from `select_related("horaires_consultation")` when the caller did it, else one query."""
    if all(LieuSolidaire.horaires_consultation.is_cached(lieu) for lieu in lieux):
        return {lieu.pk: hours_of(lieu) for lieu in lieux}
    ids = [lieu.pk for lieu in lieux]
    return {h.lieu_id: h.hours() for h in HorairesConsultation.objects.filter(lieu_id__in=ids)}


def slots(lieu: LieuSolidaire, du: dt.date, au: dt.date, now: dt.datetime | None = None) -> list[Creneau]:
    """Every slot of the lieu's confirmed missions between two dates; past slots are left out."""
    return slots_by_lieu([lieu], du, au, now)[lieu.pk]


FIRST_WINDOW_DAYS = 14  # most lieux have free slots within two weeks: look there first


def next_free_by_lieu(
    lieux: list[LieuSolidaire], after: dt.datetime, count: int = 3
) -> dict[int, list[Creneau]]:
    """The next free slots of each lieu: two weeks first, then up to the end of the range for the others."""
    day = timezone.localtime(after).date()
    result: dict[int, list[Creneau]] = {}
    pending = list(lieux)
    for span in (FIRST_WINDOW_DAYS, MAX_RANGE_DAYS):
        if not pending:
            break
        found = slots_by_lieu(pending, day, day + dt.timedelta(days=span), after, free_only=count)
        for lieu in pending:
            result[lieu.pk] = found[lieu.pk][:count]
        pending = [lieu for lieu in pending if len(result[lieu.pk]) < count]
    return result


def next_free(lieu: LieuSolidaire, after: dt.datetime, count: int = 3) -> list[Creneau]:
    return next_free_by_lieu([lieu], after, count)[lieu.pk]


def confirmed_mission(creneau: str) -> tuple[Mission | None, dt.datetime]:
    """The confirmed mission a slot identifier names (None if there is none), and the slot's start.

    ValueError when the identifier cannot be a slot's."""
    mission_id, start = parse_slot_id(creneau, timezone.get_current_timezone())
    mission = (
        Mission.objects.select_related("lieu__commune", "lieu__horaires_consultation")
        .filter(pk=mission_id, statut=Mission.Statut.CONFIRMEE)
        .first()
    )
    return mission, start


def _slot(creneau: str) -> tuple[Mission, dt.datetime, dt.datetime]:
    """The confirmed mission, start and end of a bookable slot; ValidationError otherwise."""
    tz = timezone.get_current_timezone()
    try:
        mission, start = confirmed_mission(creneau)
    except ValueError:
        raise ValidationError({"creneau": "Identifiant de créneau invalide."}) from None
    if mission is None:
        raise ValidationError({"creneau": "Ce créneau n'existe pas ou n'est plus proposé."})
    match = [(s, e) for s, e in day_slots(mission.date, hours_of(mission.lieu), tz) if s == start]
    if not match:
        raise ValidationError({"creneau": "Ce créneau n'existe pas ou n'est plus proposé."})
    if start <= timezone.now():
        raise ValidationError({"creneau": "Ce créneau est passé : choisissez-en un autre."})
    return mission, start, match[0][1]


def book(
    creneau: str, data: dict[str, Any], idempotency_key: str | None = None, canal: str = "api"
) -> RendezVous:
    """Books a slot: checked, then one INSERT that the database refuses if the slot is already taken.

    The confirmation and the reminders are queued in the same transaction.
    """
    if idempotency_key:
        existing = RendezVous.objects.filter(cle_idempotence=idempotency_key).first()
        if existing is not None:
            if slot_id(existing.mission_id, timezone.localtime(existing.debut)) != creneau:
                raise ValidationError({"Idempotency-Key": "Cette clé a déjà servi pour un autre créneau."})
            return existing
    mission, start, end = _slot(creneau)
    patient = clean_patient(data)
    try:
        with transaction.atomic():
            rdv = RendezVous.objects.create(
                mission=mission,
                lieu=mission.lieu,
                debut=start,
                fin=end,
                cle_idempotence=idempotency_key or None,
                **patient,
            )
            AccesDonnees.objects.create(rendez_vous=rdv, action="création", canal=canal)
            outbox.queue_for_booking(rdv, timezone.now())
    except IntegrityError:
        if idempotency_key and RendezVous.objects.filter(cle_idempotence=idempotency_key).exists():
            return RendezVous.objects.get(
                cle_idempotence=idempotency_key
            )  # the same request, retried concurrently
        raise SlotTaken(next_free(mission.lieu, start)) from None
    logger.info("rendez-vous %s réservé (lieu %s)", rdv.pk, mission.lieu_id)
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
    mission, start, end = _slot(creneau)
    now = timezone.now()
    try:
        with transaction.atomic():
            old = RendezVous.objects.select_for_update().get(pk=rdv.pk)
            if old.statut != RendezVous.Statut.RESERVE or old.debut <= now:
                raise ValidationError(
                    "Ce rendez-vous est déjà annulé ou passé : il ne peut plus être déplacé."
                )
            new = RendezVous.objects.create(
                mission=mission,
                lieu=mission.lieu,
                debut=start,
                fin=end,
                **{f: getattr(old, f) for f in PATIENT_FIELDS},
            )
            old.remplace_par = new
            _cancel(old, MotifAnnulation.DEPLACE, now)
            outbox.queue_for_booking(new, now)
            AccesDonnees.objects.create(rendez_vous=old, action="déplacement", canal=canal)
            AccesDonnees.objects.create(rendez_vous=new, action="création (déplacement)", canal=canal)
            attente.notify_freed(old.lieu_id, [old.debut], now)
    except IntegrityError:
        raise SlotTaken(next_free(mission.lieu, start)) from None
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
    logger.info("mission %s annulée : %d rendez-vous annulés, patients prévenus", mission.pk, count)
    return count


def slots_opened(mission: Mission) -> int:
    """A mission was confirmed: its slots are open; the lieu's waitlist is told (signal `mission_confirmed`)."""
    tz = timezone.get_current_timezone()
    starts = [start for start, _ in day_slots(mission.date, hours_of(mission.lieu), tz)]
    return attente.notify_freed(mission.lieu_id, starts)


REACH_MINUTES = 60.0  # lieux within an hour by road (estimate) of the patient's commune
FALLBACK_COUNT = 3  # when none is within an hour, the nearest ones


@dataclass(frozen=True)
class LieuProche:
    lieu: LieuSolidaire
    minutes: float
    prochains: list[Creneau]


POSITIONS_TTL_S = 30.0
_positions: tuple[float, list[tuple[int, float, float]]] = (0.0, [])


def _active_positions() -> list[tuple[int, float, float]]:
    """(id, latitude, longitude) of the active lieux, kept 30 s in the process: every search reads them,
    and a lieu opened or closed shows within half a minute (its slots and the booking itself are always read
    from the database)."""
    global _positions
    read_at, positions = _positions
    ttl = getattr(settings, "SOLIDARITE_POSITIONS_TTL_S", POSITIONS_TTL_S)
    if time.monotonic() - read_at > ttl or not positions:
        positions = list(LieuSolidaire.objects.filter(actif=True).values_list("pk", "latitude", "longitude"))
        _positions = (time.monotonic(), positions)
    return positions


def forget_positions(**kwargs: object) -> None:
    """A lieu was saved or deleted in this process: read the positions again at the next search."""
    global _positions
    _positions = (0.0, [])


def lieux_proches(latitude: float, longitude: float, count: int = 3) -> list[LieuProche]:
    """Active lieux within reach, by travel time then first free slot, each with its next free slots."""
    positions = _active_positions()
    if not positions:
        return []
    lat = np.array([p[1] for p in positions])
    lon = np.array([p[2] for p in positions])
    minutes = CrowFlyProvider().matrix_minutes(np.array([latitude]), np.array([longitude]), lat, lon)[0]
    within = [k for k, m in enumerate(minutes) if m <= REACH_MINUTES]
    if not within:  # nothing within an hour (inland Guyane, islands): the nearest ones, told as far
        within = [int(k) for k in np.argsort(minutes)[:FALLBACK_COUNT]]
    lieux = LieuSolidaire.objects.select_related("commune", "horaires_consultation").in_bulk(
        [positions[k][0] for k in within]
    )
    now = timezone.now()
    free = next_free_by_lieu(list(lieux.values()), now, count)
    found = [
        LieuProche(lieux[positions[k][0]], round(float(minutes[k]), 1), free[positions[k][0]])
        for k in within
        if positions[k][0] in lieux  # a lieu removed since the positions were read
    ]
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(found, key=lambda p: (p.minutes, p.prochains[0].debut if p.prochains else far))
