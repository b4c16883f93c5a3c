from django.apps import AppConfig


class RdvConfig(AppConfig):
    name = "solidarite.rdv"
    label = "rdv"
    verbose_name = "Rendez-vous"

    def ready(self) -> None:
        from solidarite.rdv import receivers

        receivers.connect()
