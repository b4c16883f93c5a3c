from typing import Any

from django.apps import AppConfig
from django.contrib.admin.apps import SimpleAdminConfig
from django.core import checks


class AdminALaDemande(SimpleAdminConfig):
    """Django's admin, its modules (`admin.py` of every context: forms, services, the zonage's back office) imported
    with the URLs (config/urls.py) or its own checks, not at every start: a command that serves no page (a job, a
    refused option) starts 0.2 s sooner, and the test suite starts hundreds. The server, `check` and the tests
    load the URLs and see every registered model."""

    default = False  # the app solidarite.config is ConfigConfig

    def ready(self) -> None:
        from django.contrib.admin.checks import check_dependencies

        checks.register(check_dependencies, checks.Tags.admin)
        checks.register(check_admin_registered, checks.Tags.admin)


def check_admin_registered(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Django's checks of the registered ModelAdmins, after the registration (autodiscover runs once)."""
    from django.contrib import admin
    from django.contrib.admin.checks import check_admin_app

    admin.autodiscover()
    return list(check_admin_app(app_configs, **kwargs))


class ConfigConfig(AppConfig):
    default = True  # beside AdminALaDemande in this module
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
