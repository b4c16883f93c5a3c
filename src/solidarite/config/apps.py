from django.apps import AppConfig


class ConfigConfig(AppConfig):
    name = "solidarite.config"
    label = "config"
    verbose_name = "Configuration de la plateforme"

    def ready(self) -> None:
        from solidarite.config import checks  # noqa: F401  (registers the deploy checks)
