"""The platform's French error page, shared by every context's views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


def error_page(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    """The platform's French error page (also used by the contexts' views for their 4xx)."""
    html = render_to_string("erreur.html", {"status": status, "titre": title, "message": message}, request)
    return HttpResponse(html, status=status)


def agents_seulement(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The ARS pages outside the back office (planning, indemnités, pilotage, continuité, absences, comparisons of
    the zonage): an anonymous visitor goes to the sign-in page (`LOGIN_URL`, where agents sign in with ProConnect),
    any other account gets a French 403. Django's `staff_member_required` sent both to the back office's password
    form, where a doctor signed in with Pro Santé Connect read that his account could not enter. Which region an
    agent sees is still decided by each view, through territoire.acces."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (user.is_active and user.is_staff):
            return error_page(
                request,
                403,
                "Page réservée aux agents",
                "Cette page est réservée aux agents des ARS et à l'administration nationale. Vos propres pages "
                "sont dans le menu.",
            )
        return view(request, *args, **kwargs)

    return wrapped
