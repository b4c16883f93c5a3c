from django.apps import AppConfig


class RdvConfig(AppConfig):
    name = "solidarite.rdv"
    label = "rdv"
    verbose_name = "Rendez-vous"

    def ready(self) -> None:
        from solidarite.planning.signals import mission_cancelled, mission_confirmed
        from solidarite.rdv import services

        def on_cancelled(sender: object, mission: object, **kwargs: object) -> None:
            services.cancel_for_mission(mission)  # type: ignore[arg-type]

        def on_confirmed(sender: object, mission: object, **kwargs: object) -> None:
            services.slots_opened(mission)  # type: ignore[arg-type]

        from django.db.models.signals import post_delete, post_save

        from solidarite.annuaire.models import LieuSolidaire
        from solidarite.rdv.models import HorairesConsultation

        for model in (LieuSolidaire, HorairesConsultation):
            uid = f"rdv.catalogue.{model.__name__}"
            post_save.connect(services.forget_lieux, sender=model, dispatch_uid=f"{uid}.save")
            post_delete.connect(services.forget_lieux, sender=model, dispatch_uid=f"{uid}.delete")
        mission_cancelled.connect(on_cancelled, weak=False, dispatch_uid="rdv.mission_cancelled")
        mission_confirmed.connect(on_confirmed, weak=False, dispatch_uid="rdv.mission_confirmed")
