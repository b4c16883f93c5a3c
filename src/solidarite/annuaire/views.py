from __future__ import annotations

from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from solidarite.annuaire import services
from solidarite.annuaire.forms import InscriptionForm


@require_http_methods(["GET", "HEAD", "POST"])
def inscription(request: HttpRequest) -> HttpResponse:
    form = InscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "consentement"}
        try:
            medecin = services.register(data)
        except IntegrityError:  # a double click: the other request registered this RPPS or address meanwhile
            form.add_error(
                None,
                "Ce numéro RPPS ou cette adresse électronique est déjà inscrit : votre inscription est peut-être "
                "déjà enregistrée (vérifiez vos messages), sinon contactez l'ARS.",
            )
        else:
            return render(request, "annuaire/inscription_faite.html", {"medecin": medecin})
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "annuaire/inscription.html",
        {"form": form, "plafond": services.national_max_days()},
        status=status,
    )
