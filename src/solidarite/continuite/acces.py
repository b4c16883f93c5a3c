"""Who reads what in the continuity of care: one place for the patient record, its transmissions and results.

- the doctors who work at the lieu (a confirmed or realised mission there: the one coming prepares their day),
  and the doctor of a booking for its identity and its transmission;
- the lieu's active référents;
- the patient's declared médecin traitant, signed in with Pro Santé Connect: before answering, only the
  declaration naming their RPPS (`declaration_or_404`); once accepted, the record (the account attached to it);
- the near matches of identities at a lieu: its référents and the doctors who worked there (`rapprochements_for`);
- the ARS of the region (and the ministry): aggregate counts only, never a patient;
- the patient: who read their record, through their appointment's signed link or signed in with FranceConnect
  (the records confirmed at the visits of the appointments linked to their account, `dossiers_du_patient`).
Anything else answers 404 (territoire.acces.OutOfScopeError), whether the row exists or not.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from solidarite.annuaire import acces as annuaire_acces
from solidarite.annuaire.models import LieuSolidaire, MedecinVolontaire
from solidarite.connexion.comptes import rpps_of
from solidarite.connexion.patients import patient_connecte
from solidarite.continuite.models import (
    MedecinTraitant,
    Patient,
    RapprochementIdentite,
    ResultatAttendu,
    Transmission,
    Visite,
)
from solidarite.planning.models import Mission
from solidarite.rdv.models import RendezVous
from solidarite.territoire import acces

REGION = "commune__departement__region"
WORKED = (Mission.Statut.CONFIRMEE, Mission.Statut.REALISEE)
NOT_YOURS = "Ce dossier n'est pas ouvert à votre compte : seuls les médecins du lieu, son référent et le médecin traitant le lisent."


def lieux_of(user: Any) -> set[int]:
    """The lieux whose records this account reads: where the validated doctor worked, where they answer."""
    lieux = set(annuaire_acces.referent_lieu_ids(user))
    medecin = annuaire_acces.validated_medecin(user)
    if medecin is not None:
        lieux |= set(
            Mission.objects.filter(medecin=medecin, statut__in=WORKED).values_list("lieu_id", flat=True)
        )
    return lieux


def _readable(user: Any) -> Q:
    condition = Q(lieu_id__in=lieux_of(user))
    if getattr(user, "is_authenticated", False):
        # the médecin traitant while their follow-up stands: a withdrawal keeps the account on the row
        condition |= Q(
            patient__medecin_traitant__compte_id=user.pk,
            patient__medecin_traitant__accepte_le__isnull=False,
        )
    return condition


def resultats_for(user: Any) -> QuerySet[ResultatAttendu]:
    return ResultatAttendu.objects.filter(_readable(user))


def transmissions_for(user: Any) -> QuerySet[Transmission]:
    return Transmission.objects.filter(_readable(user))


def resultat_or_404(user: Any, pk: int) -> ResultatAttendu:
    found = (
        resultats_for(user).select_related("patient", "lieu", "transmission__medecin").filter(pk=pk).first()
    )
    if found is None:
        raise acces.OutOfScopeError(NOT_YOURS)
    return found


def transmission_or_404(user: Any, pk: int) -> Transmission:
    found = (
        transmissions_for(user)
        .select_related("patient", "lieu__commune", "medecin", "mission")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise acces.OutOfScopeError(NOT_YOURS)
    return found


def consultation_or_404(user: Any, rdv_pk: int) -> tuple[RendezVous, MedecinVolontaire]:
    """A booking of the signed-in doctor's own confirmed or realised mission: its identity and handover."""
    medecin = annuaire_acces.medecin_or_404(user)
    rdv = (
        RendezVous.objects.select_related("mission__lieu__commune", "mission__medecin")
        .filter(pk=rdv_pk, mission__medecin=medecin, mission__statut__in=WORKED)
        .first()
    )
    if rdv is None:
        raise acces.OutOfScopeError("Ce rendez-vous n'est pas l'un des vôtres.")
    return rdv, medecin


def lieu_or_404(user: Any, pk: int) -> LieuSolidaire:
    if pk not in lieux_of(user):
        raise acces.OutOfScopeError(NOT_YOURS)
    return LieuSolidaire.objects.select_related("commune").get(pk=pk)


def ars_lieux(user: Any) -> QuerySet[LieuSolidaire]:
    """The lieux of the ARS agent's region (all for the national admin): counts only are shown."""
    return acces.scope(user, LieuSolidaire.objects.all(), REGION)


def dossiers_du_patient(request: Any) -> list[Patient]:
    """The records of the patient signed in with FranceConnect: those a doctor confirmed at the visit of an
    appointment linked to their account. Anyone else (a professional, a visitor): 404."""
    user = patient_connecte(request)
    if user is None:
        raise acces.OutOfScopeError("Cette page est celle des patients connectés par FranceConnect.")
    visites = Visite.objects.filter(rendez_vous__compte_patient__compte=user).select_related("patient")
    return list({v.patient_id: v.patient for v in visites}.values())


def declarations_for(user: Any) -> QuerySet[MedecinTraitant]:
    """The declarations naming this Pro Santé Connect account's RPPS as médecin traitant (and those it accepted)."""
    if not getattr(user, "is_authenticated", False):
        return MedecinTraitant.objects.none()
    rpps = rpps_of(user)
    condition = Q(compte_id=user.pk)
    if rpps:
        condition |= Q(rpps=rpps)
    return MedecinTraitant.objects.filter(condition)


def declarations_or_404(user: Any) -> QuerySet[MedecinTraitant]:
    """The page of the médecin traitant: only for an account some declaration names (404 for anyone else)."""
    rows = declarations_for(user)
    if not rows.exists():
        raise acces.OutOfScopeError("Aucun patient ne vous a déclaré médecin traitant.")
    return rows


def declaration_or_404(user: Any, pk: int) -> MedecinTraitant:
    found = declarations_for(user).select_related("patient").filter(pk=pk).first()
    if found is None:
        raise acces.OutOfScopeError("Cette déclaration ne vous désigne pas comme médecin traitant.")
    return found


def rapprochements_for(user: Any, lieu_pk: int) -> tuple[LieuSolidaire, QuerySet[RapprochementIdentite]]:
    """The near matches to decide at a lieu: for its référents and the doctors who worked there."""
    found = lieu_or_404(user, lieu_pk)
    return found, RapprochementIdentite.objects.filter(patient__lieu=found)


def rapprochement_or_404(user: Any, lieu_pk: int, pk: int) -> RapprochementIdentite:
    _, rows = rapprochements_for(user, lieu_pk)
    found = rows.filter(pk=pk).first()
    if found is None:
        raise acces.OutOfScopeError(NOT_YOURS)
    return found
