"""Pages that belong to no context: home, health check, error pages."""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from solidarite.parametres import parametre
from solidarite.territoire.acces import OutOfScopeError
from solidarite.web.pages import error_page

logger = logging.getLogger(__name__)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "indemnite": parametre("indemnite_journaliere"),
        "jours_max": parametre("jours_max_par_mois"),
        "tarif": parametre("tarif_consultation_g"),
        "nombre_zones": parametre("nombre_zones_rouges"),
    }
    return render(request, "home.html", context)


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 otherwise; says whether the territory is loaded."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM territoire_commune")
            (communes,) = cursor.fetchone()
    except DatabaseError:
        logger.exception("healthz: la base de données ne répond pas")
        return JsonResponse({"statut": "erreur", "base": "indisponible"}, status=503)
    return JsonResponse({"statut": "ok", "base": connection.vendor, "communes": communes})


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(
        request, 400, "Requête invalide", "La demande envoyée n'a pas pu être comprise. Vérifiez l'adresse."
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(
        request, 403, "Accès refusé", "Vous n'avez pas les droits nécessaires pour voir cette page."
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if isinstance(exception, OutOfScopeError):  # out of the caller's scope: its own French explanation
        return error_page(request, 404, "Page introuvable", str(exception))
    return error_page(
        request, 404, "Page introuvable", "La page que vous cherchez n'existe pas ou a été déplacée."
    )


def server_error(request: HttpRequest) -> HttpResponse:
    # No template context processors here: the page must render even when the database is down.
    html = render_to_string(
        "erreur.html",
        {
            "status": 500,
            "titre": "Erreur inattendue",
            "message": "Un incident est survenu. Réessayez dans quelques minutes.",
        },
    )
    return HttpResponse(html, status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a form refused (expired page, another site's form, cookies blocked), in French; the
    reason Django gives stays out of the page."""
    return error_page(
        request,
        403,
        "Formulaire refusé",
        "Ce formulaire n'a pas pu être vérifié (page restée ouverte trop longtemps, ou cookies bloqués). "
        "Rechargez la page puis envoyez-le de nouveau.",
    )
