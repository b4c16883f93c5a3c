"""Patients signed in with FranceConnect: the appointments they book are linked to their account and listed."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from solidarite.rdv import services
from solidarite.rdv.models import AccesDonnees, RendezVous

from .comptes import PATIENT
from .models import RendezVousDuCompte
from .sessions import KEY


def _patient(request: HttpRequest) -> User | None:
    data = request.session.get(KEY) if hasattr(request, "session") else None
    user = getattr(request, "user", None)
    if isinstance(data, dict) and data.get("role") == PATIENT and isinstance(user, User):
        return user
    return None


def patient_connecte(request: HttpRequest) -> User | None:
    """The account of the patient signed in with FranceConnect on this request, None for anyone else."""
    return _patient(request)


def link_booking(sender: Any, request: HttpRequest, rendez_vous: RendezVous, **kwargs: Any) -> None:
    """Receiver of rdv's `rendez_vous_pris`: a booking made while signed in as a patient joins the account."""
    user = _patient(request)
    if user is not None:
        RendezVousDuCompte.objects.get_or_create(rendez_vous=rendez_vous, defaults={"compte": user})


@login_required
@require_safe
def mes_rendez_vous(request: HttpRequest) -> HttpResponse:
    user = _patient(request)
    if user is None:
        raise Http404("Cette page est celle des patients connectés par FranceConnect.")
    linked = list(
        RendezVous.objects.filter(compte_patient__compte=user)
        .select_related("lieu__commune")
        .order_by("-debut")
    )
    rows = []
    for rdv in linked:
        AccesDonnees.objects.create(rendez_vous=rdv, action="consultation", par=user, canal="FranceConnect")
        rows.append({"rdv": rdv, "jeton": services.jeton_for(rdv) if rdv.statut == "reserve" else ""})
    return render(request, "connexion/mes_rendez_vous.html", {"rows": rows})
