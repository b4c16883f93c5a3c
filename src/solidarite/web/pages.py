"""The platform's French error page, shared by every context's views."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


def error_page(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    """The platform's French error page (also used by the contexts' views for their 4xx)."""
    html = render_to_string("erreur.html", {"status": status, "titre": title, "message": message}, request)
    return HttpResponse(html, status=status)
