from django.apps import AppConfig


class ZonageConfig(AppConfig):
    name = "solidarite.zonage"
    label = "zonage"
    verbose_name = "Zonage"

    def ready(self) -> None:
        from solidarite.zonage import receivers

        receivers.connect()
