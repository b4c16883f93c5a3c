"""Free slots (computed), booking (guaranteed by the database), signed cancellation links."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
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


def slots(lieu: LieuSolidaire, du: dt.date, au: dt.date, now: dt.datetime | None = None) -> list[Creneau]:
    """Every slot of the lieu's confirmed missions between two dates; past slots are left out."""
    if au < du:
        raise ValidationError("La date de fin précède la date de début.")
    if (au - du).days > MAX_RANGE_DAYS:
        raise ValidationError(f"Période trop longue : {MAX_RANGE_DAYS} jours au plus.")
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    hours = hours_of(lieu)
    missions = Mission.objects.filter(
        lieu=lieu, date__range=(du, au), statut=Mission.Statut.CONFIRMEE
    ).order_by("date", "pk")
    taken = set(
        RendezVous.objects.filter(lieu=lieu, debut__date__range=(du, au))
        .exclude(statut=RendezVous.Statut.ANNULE)
        .values_list("mission_id", "debut")
    )
    result = []
    for mission in missions:
        for start, end in day_slots(mission.date, hours, tz):
            if start > now:
                result.append(
                    Creneau(slot_id(mission.pk, start), start, end, (mission.pk, start) not in taken, lieu.pk)
                )
    return sorted(result, key=lambda c: (c.debut, c.id))


def next_free(lieu: LieuSolidaire, after: dt.datetime, count: int = 3) -> list[Creneau]:
    day = timezone.localtime(after).date()
    return [
        c for c in slots(lieu, day, day + dt.timedelta(days=MAX_RANGE_DAYS)) if c.libre and c.debut > after
    ][:count]


def _slot(creneau: str) -> tuple[Mission, dt.datetime, dt.datetime]:
    """The confirmed mission, start and end of a bookable slot; ValidationError otherwise."""
    tz = timezone.get_current_timezone()
    try:
        mission_id, start = parse_slot_id(creneau, tz)
    except ValueError:
        raise ValidationError({"creneau": "Identifiant de créneau invalide."}) from None
    mission = (
        Mission.objects.select_related("lieu").filter(pk=mission_id, statut=Mission.Statut.CONFIRMEE).first()
    )
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


def lieux_proches(latitude: float, longitude: float, count: int = 3) -> list[LieuProche]:
    """Active lieux within reach, by travel time then first free slot, each with its next free slots."""
    candidates = list(LieuSolidaire.objects.filter(actif=True).select_related("commune"))
    if not candidates:
        return []
    lat = np.array([lieu.latitude for lieu in candidates])
    lon = np.array([lieu.longitude for lieu in candidates])
    minutes = CrowFlyProvider().matrix_minutes(np.array([latitude]), np.array([longitude]), lat, lon)[0]
    now = timezone.now()
    within = [k for k, m in enumerate(minutes) if m <= REACH_MINUTES]
    if not within:  # nothing within an hour (inland Guyane, islands): the nearest ones, told as far
        within = [int(k) for k in np.argsort(minutes)[:FALLBACK_COUNT]]
    found = [
        LieuProche(candidates[k], round(float(minutes[k]), 1), next_free(candidates[k], now, count))
        for k in within
    ]
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(found, key=lambda p: (p.minutes, p.prochains[0].debut if p.prochains else far))
