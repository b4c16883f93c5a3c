"""Checks of `python -m solidarite check --deploy` that Django's own cannot know: the platform's address and
its reverse proxies (issue 18, point 4)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.module_loading import import_string


@register(Tags.security, deploy=True)
def check_https_behind_proxy(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    problems: list[CheckMessage] = []
    if not settings.SOLIDARITE_BASE_URL.startswith("https://"):
        problems.append(
            Warning(
                f"SOLIDARITE_BASE_URL={settings.SOLIDARITE_BASE_URL!r} n'est pas en https://.",
                hint="Donnez l'adresse publique de la plateforme (https://…) : liens des courriels, origine CSRF.",
                id="solidarite.W001",
            )
        )
    if settings.SECURE_SSL_REDIRECT and not settings.SECURE_PROXY_SSL_HEADER:
        problems.append(
            Warning(
                "Redirection vers HTTPS sans mandataire inverse déclaré : le serveur ne parle que HTTP, chaque "
                "page se redirigerait vers elle-même.",
                hint="SOLIDARITE_MANDATAIRES=1 derrière le mandataire qui termine TLS (il envoie "
                "X-Forwarded-Proto).",
                id="solidarite.W002",
            )
        )
    return problems


@register(Tags.security, deploy=True)
def check_csrf_middleware(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """Django's security.W003 (and security.W016, which it gates) look for Django's class by name; the platform
    runs a subclass (config.middleware: the JSON API goes around it), so W003 is silenced in settings and these
    two are checked here instead, on the classes themselves."""
    if not any(
        isinstance(cls := import_string(path), type) and issubclass(cls, CsrfViewMiddleware)
        for path in settings.MIDDLEWARE
    ):
        return [Warning("Aucun intergiciel CSRF (CsrfViewMiddleware) dans MIDDLEWARE.", id="solidarite.W003")]
    if not settings.CSRF_COOKIE_SECURE:
        return [
            Warning(
                "CSRF_COOKIE_SECURE est faux : le jeton CSRF circulerait en clair.",
                hint="SOLIDARITE_ENV=production le met à vrai.",
                id="solidarite.W004",
            )
        ]
    return []
