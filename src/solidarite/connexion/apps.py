from django.apps import AppConfig


class ConnexionConfig(AppConfig):
    name = "solidarite.connexion"
    label = "connexion"
    verbose_name = "Connexion"

    def ready(self) -> None:
        from solidarite.rdv.signals import rendez_vous_pris

        from .patients import link_booking

        rendez_vous_pris.connect(link_booking, dispatch_uid="connexion.link_booking")
