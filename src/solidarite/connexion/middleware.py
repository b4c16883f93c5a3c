"""Refuses a professional's session once expired, idle, revoked, or when the account lost its role; a password
session once expired or idle."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect

from . import sessions


class ProfessionalSessions:
    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = getattr(request, "user", None)  # absent under /api/v1/, which goes around the session
        if user is not None and user.is_authenticated:
            reason = sessions.refusal(request)
            if reason:
                # A password session (the back office) logs in again on its own form, then comes back here.
                back_office = request.path.startswith("/admin/") and not sessions.is_professional(request)
                target = (
                    "/admin/login/?" + urlencode({"next": request.path}) if back_office else "/connexion/"
                )
                sessions.end(request, reason)
                return HttpResponseRedirect(target)
        response: HttpResponseBase = self.get_response(request)
        return response
