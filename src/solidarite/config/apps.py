from django.apps import AppConfig


class ConfigConfig(AppConfig):
    name = "solidarite.config"
    label = "config"
    verbose_name = "Configuration de la plateforme"

    def ready(self) -> None:
        """The secret segments of the URLs (routes with a `jeton` or `token` parameter) are masked in the logs:
        read from the URLconf when a first path is logged, once every application is loaded (config.journaux)."""
        from solidarite.config import (
            checks,  # noqa: F401  (registers the deploy checks)
            journaux,
        )

        journaux.defer_secret_paths(_secret_routes)


def _secret_routes() -> list[str] | None:
    from django.apps import apps
    from django.urls import get_resolver

    from solidarite.config import journaux

    if not apps.ready:  # the views cannot be imported yet
        return None
    return journaux.secret_routes(get_resolver().url_patterns)
