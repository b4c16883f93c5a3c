"""The other contexts' events that change who owns a result (issue 20, point 3). Contexts below must not import
this one, so it listens to their model signals: a volunteer's status (withdrawal, suspension), a lieu closed, a
référent added or deactivated (deleting a référent who owns results is refused by the
database: PROTECT), a mission day ended or cancelled. Each applies the ownership rule in the
transaction of the change itself: the owner is never null, even for an instant."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.db.models.signals import post_save
from django.dispatch import receiver

from solidarite.annuaire.models import LieuSolidaire, MedecinVolontaire, ReferentLieu
from solidarite.connexion.comptes import professionnel_connu
from solidarite.continuite import services
from solidarite.continuite.models import (
    MedecinTraitant,
    Patient,
    RapprochementIdentite,
    ResultatAttendu,
    Transmission,
    Visite,
)
from solidarite.planning.models import Mission
from solidarite.planning.signals import demo_reset
from solidarite.rdv.models import ComptageMensuel, RendezVous


@receiver(post_save, sender=MedecinVolontaire, dispatch_uid="continuite_medecin")
def medecin_change(sender: Any, instance: MedecinVolontaire, created: bool, **kwargs: Any) -> None:
    if not created:
        services.reassign(
            ResultatAttendu.objects.filter(proprietaire_medecin=instance), "retrait ou suspension du médecin"
        )


@receiver(post_save, sender=LieuSolidaire, dispatch_uid="continuite_lieu")
def lieu_change(sender: Any, instance: LieuSolidaire, created: bool, **kwargs: Any) -> None:
    if not created and not instance.actif:
        services.reassign(ResultatAttendu.objects.filter(lieu=instance), "fermeture du lieu")


@receiver(post_save, sender=ReferentLieu, dispatch_uid="continuite_referent")
def referent_change(sender: Any, instance: ReferentLieu, **kwargs: Any) -> None:
    services.reassign(ResultatAttendu.objects.filter(lieu_id=instance.lieu_id), "changement de référent")


@receiver(post_save, sender=Mission, dispatch_uid="continuite_mission")
def mission_change(sender: Any, instance: Mission, created: bool, **kwargs: Any) -> None:
    if not created and instance.statut in (Mission.Statut.REALISEE, Mission.Statut.ANNULEE):
        services.reassign_stale(instance.lieu_id)


@receiver(demo_reset, dispatch_uid="continuite_demo_reset")
def demo_data_reset(sender: Any, **kwargs: Any) -> None:
    """`demo --reset`: this context's rows at demonstration lieux or by demonstration doctors go first, children
    before parents (every link is PROTECT), then the appointments it booked; the append-only access log keeps its lines (ids, never data)."""
    patients = Patient.objects.filter(Q(demonstration=True) | Q(lieu__demonstration=True))
    transmissions = Transmission.objects.filter(
        Q(demonstration=True)
        | Q(lieu__demonstration=True)
        | Q(medecin__demonstration=True)
        | Q(patient__in=patients)
    )
    ResultatAttendu.objects.filter(Q(transmission__in=transmissions) | Q(patient__in=patients)).delete()
    transmissions.delete()
    Visite.objects.filter(Q(patient__in=patients) | Q(confirme_par__demonstration=True)).delete()
    RapprochementIdentite.objects.filter(Q(patient__in=patients) | Q(autre__in=patients)).delete()
    MedecinTraitant.objects.filter(patient__in=patients).delete()
    patients.filter(fusionne_dans__isnull=False).update(fusionne_dans=None)
    patients.delete()
    # the past appointments demo_continuite booked on those missions (rdv protects missions and lieux)
    demo_missions = Q(mission__medecin__demonstration=True) | Q(mission__lieu__demonstration=True)
    RendezVous.objects.filter(demo_missions | Q(lieu__demonstration=True)).delete()
    ComptageMensuel.objects.filter(lieu__demonstration=True).delete()


@receiver(professionnel_connu, dispatch_uid="continuite_medecin_traitant")
def medecin_traitant_connu(sender: Any, rpps: str, **kwargs: Any) -> bool:
    """A médecin traitant declared by RPPS (and not refused) may sign in with Pro Santé Connect to answer."""
    return MedecinTraitant.objects.filter(rpps=rpps, refuse_le__isnull=True).exists()
