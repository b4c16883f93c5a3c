from django.apps import AppConfig


class ConfigConfig(AppConfig):
    name = "solidarite.config"
    label = "config"
    verbose_name = "Configuration de la plateforme"

    def ready(self) -> None:
        """The secret segments of the URLs (routes with a `jeton` or `token` parameter) are masked in the logs:
        read from the URLconf here, once every application is loaded (config.journaux)."""
        from django.urls import get_resolver

        from solidarite.config import (
            checks,  # noqa: F401  (registers the deploy checks)
            journaux,
        )

        journaux.set_secret_paths(journaux.secret_routes(get_resolver().url_patterns))
