"""A mission's life after publication: the volunteer confirms or declines it, it is cancelled, it is realised.

Each change is one transaction that locks the mission and writes its transition; the other contexts hear of it
through the signals of `planning.signals` (rdv cancels the appointments, tells the waitlist).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from solidarite.annuaire.models import MedecinVolontaire
from solidarite.planning.models import Disponibilite, Mission, MissionTransition
from solidarite.planning.signals import mission_cancelled, mission_confirmed
from solidarite.web.entrees import too_long

# The longest reason for cancelling a mission, in characters, as typed (spaces normalised): a sentence or two,
# kept with the mission and read by the ARS; the forms' fields carry it as `maxlength`.
COMMENTAIRE_MAX = 500


def answer_mission(
    mission: Mission, medecin: MedecinVolontaire, accept: bool, reste_disponible: bool = False
) -> Mission:
    """The volunteer confirms or declines a proposed mission; a declined one frees the place.

    Declining, the volunteer says whether they stay available that day for another lieu (ADR 0003, révision
    du 5 décembre 2026). Not available (the default): their disponibilité of that day goes with the decline,
    in this transaction, so that the next solve does not propose the day again. Still available: the day
    stays; `build_instance` never offers them this lieu that day again."""
    if mission.medecin_id != medecin.pk:
        raise PermissionDenied("Cette mission ne vous est pas destinée.")
    with transaction.atomic():
        locked = Mission.objects.select_for_update().get(pk=mission.pk)
        if locked.statut != Mission.Statut.PROPOSEE:
            raise ValidationError(f"Cette mission est déjà « {locked.get_statut_display().lower()} ».")
        if locked.date <= timezone.localdate() and not accept:
            raise ValidationError("La mission a lieu aujourd'hui ou est passée : prévenez directement l'ARS.")
        if locked.date < timezone.localdate():  # confirmed, a day nobody worked would be realised and paid
            raise ValidationError(
                "Cette mission est passée : elle ne peut plus être confirmée. Si vous l'avez assurée, "
                "prévenez directement l'ARS."
            )
        if accept:
            _move(locked, Mission.Statut.CONFIRMEE, medecin.compte, "Réponse du médecin")
            mission_confirmed.send(sender=Mission, mission=locked)
        else:
            choice = "disponible ce jour-là pour un autre lieu" if reste_disponible else "jour retiré"
            commentaire = f"Déclinée par le médecin, {choice}"
            _move(locked, Mission.Statut.ANNULEE, medecin.compte, commentaire, reste_disponible)
    return locked


def cancel_mission(
    mission: Mission, par: Any, commentaire: str, reste_disponible: bool | None = None, prefixe: str = ""
) -> Mission:
    """A confirmed mission is cancelled (the volunteer withdraws, or the ARS): its slots disappear.

    The appointments already booked are cancelled and their patients told by the `rdv` context
    (signal `mission_cancelled`), in this same transaction. A volunteer who withdraws answers, as when declining,
    whether they stay available that day for another lieu (`reste_disponible`; None for the ARS's cancellation,
    which leaves their disponibilités alone): not available, the day leaves their disponibilités.

    The reason typed is required and refused whole beyond COMMENTAIRE_MAX characters (it was cut silently);
    `prefixe` (who cancels, « Désistement du médecin : ») is written before it and not counted.
    """
    commentaire = " ".join(commentaire.split())
    if not commentaire:
        raise ValidationError("Indiquez la raison de l'annulation : elle est conservée avec la mission.")
    if refusal := too_long(commentaire, COMMENTAIRE_MAX, "Raison de l'annulation"):
        raise ValidationError(refusal)
    with transaction.atomic():
        locked = Mission.objects.select_for_update().get(pk=mission.pk)
        if locked.statut != Mission.Statut.CONFIRMEE:
            raise ValidationError(
                f"Seule une mission confirmée peut être annulée (celle-ci est « {locked.get_statut_display().lower()} »)."
            )
        if locked.date < timezone.localdate():
            raise ValidationError("Cette mission est passée.")
        _move(locked, Mission.Statut.ANNULEE, par, prefixe + commentaire, reste_disponible)
        mission_cancelled.send(sender=Mission, mission=locked)
    return locked


def realise_mission(mission: Mission, par: Any, today: dt.date | None = None) -> Mission:
    """A confirmed mission whose day has come is marked « réalisée » (the indemnisation context confirms the day;
    full or half day is its own business). Already realised: left as it is. Cancelled or proposed: refused."""
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = Mission.objects.select_for_update().get(pk=mission.pk)
        if locked.statut == Mission.Statut.REALISEE:
            return locked
        if locked.statut != Mission.Statut.CONFIRMEE:
            raise ValidationError(
                f"Seule une mission confirmée peut être réalisée (celle-ci est « {locked.get_statut_display().lower()} »)."
            )
        if locked.date > today:
            raise ValidationError("Cette mission n'a pas encore eu lieu : confirmez-la après la journée.")
        _move(locked, Mission.Statut.REALISEE, par, "Journée réalisée")
    return locked


def _move(
    locked: Mission, vers: str, par: Any, commentaire: str, reste_disponible: bool | None = None
) -> None:
    """The transition written and the new status saved, on the mission locked by the caller's transaction. With
    the volunteer's answer to « restez-vous disponible pour un autre lieu ? » (a decline or a withdrawal): kept on
    the mission, and, when they are not, their disponibilité of that day deleted with it."""
    MissionTransition.objects.create(
        mission=locked, de=locked.statut, vers=vers, par=par, commentaire=commentaire
    )
    locked.statut = vers
    fields = ["statut"]
    if reste_disponible is not None:
        locked.reste_disponible = reste_disponible
        fields.append("reste_disponible")
        if not reste_disponible:
            Disponibilite.objects.filter(medecin_id=locked.medecin_id, date=locked.date).delete()
    locked.save(update_fields=fields)


DECLINEE, DESISTEMENT, ANNULEE_PAR_ARS = "declinee", "desistement", "annulee_par_ars"


def how_cancelled(mission: Mission) -> str:
    """Who ended a cancelled mission, from its last transition to « annulée » (prefetch `transitions`): the volunteer
    declining it when proposed, the volunteer withdrawing after confirming (désistement), or the ARS."""
    last = max(
        (t for t in mission.transitions.all() if t.vers == Mission.Statut.ANNULEE),
        key=lambda t: (t.le, t.pk),
        default=None,
    )
    if last is None or last.de == Mission.Statut.PROPOSEE:  # only `answer_mission` ends a proposed mission
        return DECLINEE
    by_volunteer = last.par_id is not None and last.par_id == mission.medecin.compte_id
    return DESISTEMENT if by_volunteer else ANNULEE_PAR_ARS
