"""A flood of requests from one address gets a French 429, not a slower platform for everyone.

Fixed one-minute windows counted in Django's cache (per process with the default local-memory cache:
with N workers an address gets at most N × the limit; a shared cache makes it exact). Limits come
from the settings `SOLIDARITE_LIMITE_RESERVATIONS` (writes) and `SOLIDARITE_LIMITE_RECHERCHES` (reads).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

WINDOW_S = 60
MESSAGE = "Trop de demandes depuis votre connexion. Patientez une minute puis réessayez."


def limit_for(kind: str) -> int:
    return int(
        settings.SOLIDARITE_LIMITE_RESERVATIONS
        if kind == "reservation"
        else settings.SOLIDARITE_LIMITE_RECHERCHES
    )


def exceeded(request: HttpRequest, kind: str) -> bool:
    """Counts this request; True when the address is over its limit for the current minute."""
    limit = limit_for(kind)
    if limit <= 0:
        return False
    window = int(time.time() // WINDOW_S)
    key = f"limite:{kind}:{request.META.get('REMOTE_ADDR', '')}:{window}"
    cache.add(key, 0, WINDOW_S + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW_S + 5)
        count = 1
    return count > limit


def limited(kind: str, methods: tuple[str, ...] = ("GET", "POST")) -> Callable[..., Any]:
    """View decorator: the French error page with status 429 and Retry-After when over the limit."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in methods and exceeded(request, kind):
                from solidarite.config.views import error_page

                response = error_page(request, 429, "Trop de demandes", MESSAGE)
                response["Retry-After"] = str(WINDOW_S)
                return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
