from django.apps import AppConfig


class ConnexionConfig(AppConfig):
    name = "solidarite.connexion"
    label = "connexion"
    verbose_name = "Connexion"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from solidarite.rdv.signals import rendez_vous_pris

        from .patients import link_booking
        from .sessions import stamp_login

        rendez_vous_pris.connect(link_booking, dispatch_uid="connexion.link_booking")
        user_logged_in.connect(stamp_login, dispatch_uid="connexion.stamp_login")
