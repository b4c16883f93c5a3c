"""A flood of requests from one address gets a French 429, not a slower platform for everyone.

Counted by django-ratelimit in Django's cache: per process with the default local-memory cache (with N workers
an address gets at most N × the limit), exact with the Redis cache shared by the workers
(`SOLIDARITE_CACHE_URL`). One-minute windows (django-ratelimit staggers their edges by address). Limits come from
the settings `SOLIDARITE_LIMITE_RESERVATIONS` (writes) and `SOLIDARITE_LIMITE_RECHERCHES` (reads). The address
is the connection's, or behind trusted reverse proxies (`SOLIDARITE_MANDATAIRES`) the one they recorded.

When the cache cannot be reached the request goes through (logged): a patient is never refused because of the
counter. django-ratelimit alone would not do that: with Django's Redis cache a connection error escapes from
its `get_usage` (a 500), and a counter it cannot read refuses the request unless RATELIMIT_FAIL_OPEN.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django_ratelimit.core import get_usage

from solidarite.web.pages import error_page

logger = logging.getLogger(__name__)
WINDOW_S = 60
MESSAGE = "Trop de demandes depuis votre connexion. Patientez une minute puis réessayez."
KINDS = ("reservation", "recherche")
FRAGMENT = (
    f'<div class="fr-alert fr-alert--warning fr-alert--sm fr-mb-2w" role="alert"><p>{MESSAGE}</p></div>'
)


def limit_for(kind: str) -> int:
    return int(
        settings.SOLIDARITE_LIMITE_RESERVATIONS
        if kind == "reservation"
        else settings.SOLIDARITE_LIMITE_RECHERCHES
    )


def client_address(request: HttpRequest) -> str:
    """The connection's address or, behind N trusted reverse proxies, the N-th address from the right of
    X-Forwarded-For: each proxy appends the address it was reached from, so anything further left was
    written by the client and proves nothing. A chain shorter than N (a request that bypassed the
    proxies) falls back to the connection's address."""
    remote = str(request.META.get("REMOTE_ADDR", ""))
    hops = int(settings.SOLIDARITE_MANDATAIRES)
    if hops <= 0:
        return remote
    chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    chain = [part for part in chain if part]
    return chain[-hops][:64] if len(chain) >= hops else remote  # an address fits in 45 characters


def _key(group: str, request: HttpRequest) -> str:
    return client_address(request)


def _rate(group: str, request: HttpRequest) -> str | None:
    limit = limit_for(group)
    return f"{limit}/{WINDOW_S}s" if limit > 0 else None  # None: django-ratelimit counts nothing


def usage(request: HttpRequest, kind: str) -> dict[str, Any] | None:
    """Counts this request in the cache (django-ratelimit); None when nothing is counted."""
    return get_usage(request, group=kind, key=_key, rate=_rate, increment=True)  # type: ignore[no-any-return]


def exceeded(request: HttpRequest, kind: str) -> bool:
    """Counts this request; True when the address is over its limit for the current minute."""
    if kind not in KINDS:
        raise ValueError(f"limite inconnue : {kind!r}")
    try:
        counted = usage(request, kind)
    except Exception as exc:  # the shared cache is down: serve the patient, say it in the logs
        logger.warning("Limite de débit non comptée : cache injoignable (%s)", type(exc).__name__)
        return False
    if counted is None:
        return False
    if counted["limit"] == 0:  # django-ratelimit could neither add nor increment the counter
        logger.warning("Limite de débit non comptée : cache injoignable (compteur illisible)")
        return False
    return bool(counted["should_limit"])


def limited(kind: str, methods: tuple[str, ...] = ("GET", "POST")) -> Callable[..., Any]:
    """View decorator: the French error page with status 429 and Retry-After when over the limit."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in methods and exceeded(request, kind):
                if getattr(request, "htmx", False):
                    # Search as you type: the message where the suggestions go, not the error page over the
                    # search box and what was typed (config.middleware.HtmxMiddleware would put it there).
                    response = HttpResponse(FRAGMENT, status=429)
                else:
                    response = error_page(request, 429, "Trop de demandes", MESSAGE)
                response["Retry-After"] = str(WINDOW_S)
                return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
