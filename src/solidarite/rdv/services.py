"""Free slots (computed), booking (guaranteed by the database), signed cancellation links."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from solidarite.annuaire.models import LieuSolidaire
from solidarite.annuaire.validation import InvalidValue, normalise_phone
from solidarite.planning.models import Mission
from solidarite.rdv.creneaux import Hours, day_slots, parse_slot_id, slot_id
from solidarite.rdv.models import AccesDonnees, HorairesConsultation, RendezVous
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


def clean_patient(data: dict[str, Any], today: dt.date | None = None) -> dict[str, Any]:
    """The patient fields, checked; ValidationError with one French message per field."""
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for field in ("nom", "prenom"):
        value = " ".join(str(data.get(field) or "").split())
        if not value or len(value) > 100:
            errors[field] = "Champ obligatoire (100 caractères au plus)."
        cleaned[field] = value
    birth = data.get("date_naissance")
    try:
        birth_date = birth if isinstance(birth, dt.date) else dt.date.fromisoformat(str(birth))
    except ValueError:
        birth_date = None
    if birth_date is None or not (dt.date(1900, 1, 1) <= birth_date <= today):
        errors["date_naissance"] = (
            "Date de naissance impossible : format AAAA-MM-JJ, entre 1900 et aujourd'hui."
        )
    cleaned["date_naissance"] = birth_date
    phone, email = str(data.get("telephone") or "").strip(), str(data.get("email") or "").strip().lower()
    if not phone and not email:
        errors["telephone"] = (
            "Indiquez un téléphone ou une adresse électronique, pour la confirmation et les rappels."
        )
    if phone:
        try:
            phone = normalise_phone(phone)
        except InvalidValue as exc:
            errors["telephone"] = str(exc)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = "Adresse électronique invalide."
    cleaned.update(telephone=phone, email=email)
    for field, limit in (("medecin_traitant", 200), ("motif", 300)):
        value = " ".join(str(data.get(field) or "").split())
        if len(value) > limit:
            errors[field] = f"{limit} caractères au plus."
        cleaned[field] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


def book(
    creneau: str, data: dict[str, Any], idempotency_key: str | None = None, canal: str = "api"
) -> RendezVous:
    """Books a slot: checked, then one INSERT that the database refuses if the slot is already taken."""
    if idempotency_key:
        existing = RendezVous.objects.filter(cle_idempotence=idempotency_key).first()
        if existing is not None:
            if slot_id(existing.mission_id, timezone.localtime(existing.debut)) != creneau:
                raise ValidationError({"Idempotency-Key": "Cette clé a déjà servi pour un autre créneau."})
            return existing
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
    patient = clean_patient(data)
    try:
        with transaction.atomic():
            rdv = RendezVous.objects.create(
                mission=mission,
                lieu=mission.lieu,
                debut=start,
                fin=match[0][1],
                cle_idempotence=idempotency_key or None,
                **patient,
            )
            AccesDonnees.objects.create(rendez_vous=rdv, action="création", canal=canal)
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
    rdv = from_token(token)
    with transaction.atomic():
        locked = RendezVous.objects.select_for_update().get(pk=rdv.pk)
        if locked.statut != RendezVous.Statut.RESERVE:
            raise ValidationError("Ce rendez-vous est déjà annulé ou passé.")
        locked.statut = RendezVous.Statut.ANNULE
        locked.annule_le = timezone.now()
        locked.save(update_fields=["statut", "annule_le"])
        AccesDonnees.objects.create(rendez_vous=locked, action="annulation", canal=canal)
    return locked


REACH_MINUTES = 60.0  # lieux within an hour by road (estimate) of the patient's commune


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
    found = [
        LieuProche(lieu, round(float(m), 1), next_free(lieu, now, count))
        for lieu, m in zip(candidates, minutes, strict=True)
        if m <= REACH_MINUTES
    ]
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(found, key=lambda p: (p.minutes, p.prochains[0].debut if p.prochains else far))
