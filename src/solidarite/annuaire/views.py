from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from solidarite.annuaire import services
from solidarite.annuaire.forms import InscriptionForm
from solidarite.web.ratelimit import limited


@require_http_methods(["GET", "HEAD", "POST"])
@limited("reservation", methods=("POST",))  # a public form that writes: counted as the bookings are
def inscription(request: HttpRequest) -> HttpResponse:
    form = InscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "consentement"}
        # A new volunteer, or an RPPS or address already registered (whose registration is told by e-mail):
        # the same page, made of what was sent, so that it tells nobody who volunteers (decision 0006).
        services.register(data)
        return render(
            request,
            "annuaire/inscription_faite.html",
            {"nom": f"Dr {data['prenom']} {data['nom']}", "cdom": data["cdom"], "email": data["email"]},
        )
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "annuaire/inscription.html",
        {"form": form, "plafond": services.national_max_days()},
        status=status,
    )
