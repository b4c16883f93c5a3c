"""The request-state middlewares of the pages, which the JSON API goes around.

Sessions, CSRF, authentication, flash messages and htmx details are for the pages: an answer of `/api/v1/`
reads no session, sets no cookie, has no user and no form (django-ninja checks no CSRF token for an API
without cookie authentication); going around them saves processor time on every booking (measured in
docs/decisions/0004-rendez-vous.md, point 9). Each class is Django's, or django-htmx's, with one change:
under `API_PREFIX`, it hands the request on untouched. They stay in `MIDDLEWARE` in Django's order, so the test
client and the production server run the same chain, and Django's checks still find them (subclasses).
The response middlewares (security headers, compression, X-Frame-Options) apply to every answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.http import HttpRequest, HttpResponseBase
from django.middleware import csrf
from django_htmx import middleware as htmx

API_PREFIX = "/api/v1/"


class PagesOnly:
    """A middleware that `/api/v1/` requests go around (synchronous: the platform runs under WSGI)."""

    sync_capable = True
    async_capable = False
    get_response: Callable[[HttpRequest], Any]

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path_info.startswith(API_PREFIX):
            response: HttpResponseBase = self.get_response(request)
            return response
        return super().__call__(request)  # type: ignore[misc]


class SessionMiddleware(PagesOnly, sessions.SessionMiddleware):
    pass


class CsrfViewMiddleware(PagesOnly, csrf.CsrfViewMiddleware):
    pass


class AuthenticationMiddleware(PagesOnly, auth.AuthenticationMiddleware):
    pass


class MessageMiddleware(PagesOnly, messages.MessageMiddleware):
    pass


class HtmxMiddleware(PagesOnly, htmx.HtmxMiddleware):
    pass
