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

        from django.db.models.signals import post_delete, post_save, pre_save

        from solidarite.annuaire.models import LieuSolidaire
        from solidarite.rdv.models import HorairesConsultation

        def hours_before(sender: object, instance: HorairesConsultation, **kwargs: object) -> None:
            saved = HorairesConsultation.objects.filter(pk=instance.pk).first() if instance.pk else None
            instance._hours_before = saved.hours() if saved else services.DEFAULT_HOURS  # type: ignore[attr-defined]

        def hours_saved(sender: object, instance: HorairesConsultation, **kwargs: object) -> None:
            before = getattr(instance, "_hours_before", services.DEFAULT_HOURS)
            services.hours_changed(instance.lieu_id, before, instance.hours())

        def hours_deleted(sender: object, instance: HorairesConsultation, **kwargs: object) -> None:
            services.hours_changed(instance.lieu_id, instance.hours(), services.DEFAULT_HOURS)

        pre_save.connect(
            hours_before, sender=HorairesConsultation, weak=False, dispatch_uid="rdv.hours.before"
        )
        post_save.connect(
            hours_saved, sender=HorairesConsultation, weak=False, dispatch_uid="rdv.hours.saved"
        )
        post_delete.connect(
            hours_deleted, sender=HorairesConsultation, weak=False, dispatch_uid="rdv.hours.deleted"
        )
        for model in (LieuSolidaire, HorairesConsultation):
            uid = f"rdv.catalogue.{model.__name__}"
            post_save.connect(services.forget_lieux, sender=model, dispatch_uid=f"{uid}.save")
            post_delete.connect(services.forget_lieux, sender=model, dispatch_uid=f"{uid}.delete")
        mission_cancelled.connect(on_cancelled, weak=False, dispatch_uid="rdv.mission_cancelled")
        mission_confirmed.connect(on_confirmed, weak=False, dispatch_uid="rdv.mission_confirmed")
