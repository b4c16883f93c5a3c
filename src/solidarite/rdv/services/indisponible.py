"""A slot that went while the patient was filling in its form (mission cancelled, lieu closed, slot taken or
passed, hours changed): why, in the patient's words, and where else to book: the next free slots of the same
lieu, and the search around it. For the pages that book a slot or move an appointment to it (rdv.views)."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from django.utils import timezone

from solidarite.annuaire.models import LieuSolidaire
from solidarite.planning import lecture
from solidarite.rdv.creneaux import parse_slot_id
from solidarite.rdv.services.free_slots import Creneau, creneau_by_id, next_free

PRIS = "Ce créneau vient d'être réservé par quelqu'un d'autre."
RAISONS = {
    lecture.LIEU_FERME: "Ce lieu de consultation ne reçoit plus de patients.",
    lecture.MISSION_ANNULEE: "Le médecin a dû annuler sa venue ce jour-là : ses consultations n'auront pas lieu.",
    lecture.MISSION_REALISEE: "La journée de consultation de ce créneau est passée.",
    lecture.MISSION_NON_CONFIRMEE: "La venue du médecin ce jour-là n'est plus confirmée.",
}
PASSE = "L'heure de ce créneau est passée."
HORAIRES = "Les horaires de consultation du lieu ont changé : ce créneau n'est plus proposé."
INCONNU = "Ce créneau n'est plus proposé par l'agenda."


class Indisponible(NamedTuple):
    raison: str  # a French sentence
    lieu: LieuSolidaire | None  # None when the slot's mission cannot be found
    debut: dt.datetime | None  # the slot's start, in its lieu's time zone, when known
    suivants: list[Creneau]  # the next free slots of the same lieu


def unavailable(creneau: str, now: dt.datetime | None = None) -> Indisponible:
    """Why `creneau` cannot be booked now (the booking's own check said so: services.offered_mission), and the
    next free slots of its lieu (none for a closed lieu)."""
    now = now or timezone.now()
    try:
        mission_id, local_start = parse_slot_id(creneau, None)
    except ValueError:
        return Indisponible(INCONNU, None, None, [])
    etat = lecture.etat_mission(mission_id)  # at most 999999999 (rdv.creneaux.RE_SLOT_ID)
    if etat is None:
        return Indisponible(INCONNU, None, None, [])
    lieu = LieuSolidaire.objects.select_related("commune").get(pk=etat.lieu_id)
    if local_start.date() != etat.date:  # never a slot of this mission (an identifier typed or forged)
        return Indisponible(INCONNU, lieu, None, next_free(lieu.pk, now) if lieu.actif else [])
    debut = local_start.replace(tzinfo=lieu.fuseau)
    raison = RAISONS.get(etat.fermeture, "")
    if not raison:  # an open mission: the slot itself
        slot = creneau_by_id(creneau, now)
        if slot is None:
            raison = HORAIRES
        elif slot.debut <= now:
            raison = PASSE
        elif not slot.libre:
            raison = PRIS
        else:  # free again since the booking looked (a cancellation in between)
            raison = INCONNU
    suivants = next_free(lieu.pk, now) if lieu.actif else []
    return Indisponible(raison, lieu, debut, suivants)
