from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from solidarite.territoire.models import Commune
from solidarite.territoire.search import search_communes
from solidarite.territoire.signals import commune_sections


@require_safe
def recherche(request: HttpRequest) -> HttpResponse:
    """Full page without JavaScript; just the result list when htmx asks for it."""
    outcome = search_communes(request.GET.get("q", ""))
    status = 400 if outcome.invalid else 200
    template = "territoire/_resultats.html" if request.htmx else "territoire/recherche.html"
    return render(request, template, {"outcome": outcome}, status=status)


@require_safe
def detail(request: HttpRequest, code_insee: str) -> HttpResponse:
    commune = get_object_or_404(
        Commune.objects.select_related("departement__region", "epci", "commune_parente__epci"),
        code_insee=code_insee,
    )
    context = {
        "commune": commune,
        "codes_postaux": sorted({cp.code for cp in commune.codes_postaux.all()}),
        "deleguees": list(commune.communes_deleguees.all()),
        "arrondissements": list(commune.arrondissements.order_by("code_insee")),
        "epci_membres": commune.epci.communes.count() if commune.epci else 0,
        # Where to book near it, whether it is in a zone rouge: said by the contexts above (signals.commune_page).
        "sections": commune_sections(commune),
    }
    return render(request, "territoire/commune.html", context)
