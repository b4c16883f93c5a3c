"""What rdv does when other contexts, or its own back office, change what its slots depend on: connected in
RdvConfig.ready(). A mission cancelled or confirmed (planning's signals), a lieu's hours changed, a lieu saved
or deleted (annuaire): appointments cancelled, waitlists told, the lists the process keeps read again. And what it
answers territoire's commune page: where to book near the commune."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save, pre_save
from django.urls import reverse

from solidarite.annuaire.models import LieuSolidaire
from solidarite.planning.models import Mission
from solidarite.planning.signals import mission_cancelled, mission_confirmed
from solidarite.rdv import services
from solidarite.rdv.models import HorairesConsultation
from solidarite.territoire.models import Commune
from solidarite.territoire.signals import CommuneSection, commune_page


def on_mission_cancelled(sender: object, mission: Mission, **kwargs: object) -> None:
    services.cancel_for_mission(mission)


def on_mission_confirmed(sender: object, mission: Mission, **kwargs: object) -> None:
    services.slots_opened(mission)


def hours_before(sender: object, instance: HorairesConsultation, **kwargs: object) -> None:
    """Remembers the hours as saved, for hours_saved to tell which slots the change opens."""
    saved = HorairesConsultation.objects.filter(pk=instance.pk).first() if instance.pk else None
    instance._hours_before = saved.hours() if saved else services.DEFAULT_HOURS  # type: ignore[attr-defined]


def hours_saved(sender: object, instance: HorairesConsultation, **kwargs: object) -> None:
    before = getattr(instance, "_hours_before", services.DEFAULT_HOURS)
    services.hours_changed(instance.lieu_id, before, instance.hours())


def hours_deleted(sender: object, instance: HorairesConsultation, **kwargs: object) -> None:
    services.hours_changed(instance.lieu_id, instance.hours(), services.DEFAULT_HOURS)


def commune_section(sender: object, commune: Commune, **kwargs: object) -> CommuneSection:
    """The way from « Trouver ma commune » to the lieux near it, which the commune page did not give."""
    title = "Consulter un médecin volontaire"
    if not commune.has_coordinates:  # as the search page says of it (overseas collectivities)
        return CommuneSection(
            10,
            title,
            f"Aucun lieu de consultation n'est proposé pour {commune.nom} : la plateforme ne sait pas encore situer "
            "cette commune. Pour trouver un médecin, renseignez-vous auprès de votre agence de santé ; en cas "
            "d'urgence, appelez le 15.",
        )
    return CommuneSection(
        10,
        title,
        "Des médecins volontaires consultent dans des lieux solidaires, au tarif de la Sécurité sociale, sans "
        "dépassement d'honoraires et sans compte à créer. Voyez les lieux à moins d'une heure de route et leurs "
        "prochains créneaux.",
        f"{reverse('rdv:recherche')}?commune={commune.code_insee}",
        f"Prendre rendez-vous près de {commune.nom}",
        primary=True,
    )


def connect() -> None:
    """Connects the receivers, once (dispatch_uid)."""
    pre_save.connect(hours_before, sender=HorairesConsultation, dispatch_uid="rdv.hours.before")
    post_save.connect(hours_saved, sender=HorairesConsultation, dispatch_uid="rdv.hours.saved")
    post_delete.connect(hours_deleted, sender=HorairesConsultation, dispatch_uid="rdv.hours.deleted")
    for model in (LieuSolidaire, HorairesConsultation):
        uid = f"rdv.catalogue.{model.__name__}"
        post_save.connect(services.forget_lieux, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(services.forget_lieux, sender=model, dispatch_uid=f"{uid}.delete")
    mission_cancelled.connect(on_mission_cancelled, dispatch_uid="rdv.mission_cancelled")
    mission_confirmed.connect(on_mission_confirmed, dispatch_uid="rdv.mission_confirmed")
    commune_page.connect(commune_section, dispatch_uid="rdv.commune_page")
