"""Patients: find a lieu and a slot, book without an account, manage the appointment from a signed link."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from solidarite.config.views import error_page
from solidarite.parametres import parametre
from solidarite.rdv import services
from solidarite.rdv.creneaux import parse_slot_id
from solidarite.rdv.forms import ReservationForm
from solidarite.rdv.models import AccesDonnees, RendezVous
from solidarite.territoire.models import Commune
from solidarite.territoire.search import search_communes

logger = logging.getLogger(__name__)


@require_GET
def recherche(request: HttpRequest) -> HttpResponse:
    """By commune (name or postcode; `commune=<code INSEE>` once chosen): the lieux in reach and their slots."""
    code = request.GET.get("commune", "")
    commune = Commune.objects.filter(code_insee=code).select_related("departement").first() if code else None
    outcome = None
    if commune is None and request.GET.get("q"):
        outcome = search_communes(request.GET["q"])
        if len(outcome.matches) == 1:
            commune = outcome.matches[0].commune
    proches = []
    if commune is not None and commune.latitude is not None and commune.longitude is not None:
        proches = services.lieux_proches(commune.latitude, commune.longitude)
    carte = None
    if proches and commune is not None:
        carte = {
            "commune": {"nom": commune.nom, "lat": commune.latitude, "lon": commune.longitude},
            "lieux": [{"nom": p.lieu.nom, "lat": p.lieu.latitude, "lon": p.lieu.longitude} for p in proches],
            "tuiles": settings.SOLIDARITE_TUILES_URL,
        }
    context = {
        "commune": commune,
        "outcome": outcome,
        "proches": proches,
        "q": request.GET.get("q", ""),
        "carte": carte,
    }
    return render(request, "rdv/recherche.html", context)


def _slot_context(creneau: str):  # type: ignore[no-untyped-def]
    from solidarite.planning.models import Mission

    mission_id, start = parse_slot_id(creneau, timezone.get_current_timezone())
    mission = (
        Mission.objects.select_related("lieu__commune")
        .filter(pk=mission_id, statut=Mission.Statut.CONFIRMEE)
        .first()
    )
    return mission, start


@require_http_methods(["GET", "POST"])
def reserver(request: HttpRequest, creneau: str) -> HttpResponse:
    try:
        mission, start = _slot_context(creneau)
    except ValueError:
        return error_page(
            request, 404, "Créneau introuvable", "Ce créneau n'existe pas : revenez à la recherche."
        )
    if mission is None:
        return error_page(
            request, 404, "Créneau introuvable", "Ce créneau n'est plus proposé : revenez à la recherche."
        )
    form = ReservationForm(request.POST or None)
    context = {
        "mission": mission,
        "debut": start,
        "creneau": creneau,
        "form": form,
        "tarif": parametre("tarif_consultation_g"),
        "suivants": [],
    }
    if request.method == "POST" and form.is_valid():
        try:
            rdv = services.book(creneau, form.cleaned_data, canal="site")
        except services.SlotTaken as exc:
            context["pris"] = True
            context["suivants"] = exc.next_free
            return render(request, "rdv/reserver.html", context, status=409)
        except ValidationError as exc:
            for field, errors in getattr(exc, "error_dict", {"__all__": exc.error_list}).items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            token = services.token_for(rdv)
            _confirm(rdv, token)
            return render(
                request, "rdv/confirmation.html", {"rdv": rdv, "jeton": token, "tarif": context["tarif"]}
            )
    return render(request, "rdv/reserver.html", context, status=400 if request.method == "POST" else 200)


def _confirm(rdv: RendezVous, token: str) -> None:
    """Confirmation by e-mail when given (SMS: a pluggable backend comes with the reminders)."""
    if not rdv.email:
        return
    link = f"{settings.SOLIDARITE_BASE_URL}/rendez-vous/gerer/{token}/"
    body = (
        f"Votre rendez-vous : {timezone.localtime(rdv.debut):%A %d/%m/%Y à %H:%M}, {rdv.lieu.nom}, {rdv.lieu.adresse} "
        f"({rdv.lieu.commune.nom}).\n\nPour l'annuler ou le déplacer : {link}\n\nSolidarité territoriale"
    )
    try:
        send_mail("Votre rendez-vous médical", body, None, [rdv.email])
    except OSError:
        logger.exception("confirmation non envoyée pour le rendez-vous %s", rdv.pk)


@require_http_methods(["GET", "POST"])
def gerer(request: HttpRequest, jeton: str) -> HttpResponse:
    try:
        rdv = services.from_token(jeton)
    except services.InvalidToken as exc:
        return error_page(
            request,
            403,
            "Lien invalide ou expiré",
            f"{exc} Pour toute question, contactez le lieu de consultation.",
        )
    message = ""
    if request.method == "POST":
        try:
            rdv = services.cancel(jeton, canal="site")
            message = "Votre rendez-vous est annulé. Le créneau est libéré pour un autre patient."
        except ValidationError as exc:
            message = " ".join(exc.messages)
    else:
        AccesDonnees.objects.create(rendez_vous=rdv, action="consultation", canal="lien signé")
    return render(request, "rdv/gerer.html", {"rdv": rdv, "message": message})
