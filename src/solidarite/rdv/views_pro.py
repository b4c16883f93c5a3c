"""Professionals: the day's appointments for the doctor on duty (printable, presence marked), and the
ARS view of a day (with the cancellation of a mission) and of repeat no-shows in its region."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from solidarite.planning import acces as planning_acces
from solidarite.planning import lifecycle
from solidarite.planning.models import Mission
from solidarite.rdv import acces as rdv_acces
from solidarite.rdv import services
from solidarite.rdv.models import AccesDonnees, RendezVous
from solidarite.territoire import acces
from solidarite.web.entrees import read_id
from solidarite.web.pages import agents_seulement, error_page

ABSENCES_WINDOW_DAYS = 365
REPEAT = 2


def _day(request: HttpRequest, mission: Mission, user: Any, canal: str, ars: bool) -> HttpResponse:
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "annuler_mission" and ars:
                lifecycle.cancel_mission(mission, user, request.POST.get("commentaire", ""))
                mission.refresh_from_db()
            else:
                services.mark_presence(
                    read_id(request.POST, "rendez_vous"),  # web.entrees: EntreeInvalide, a ValueError
                    mission,
                    request.POST.get("statut", ""),
                    user,
                    canal,
                )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        except ValueError:
            error = "Rendez-vous inconnu."
        if not error:
            return redirect(request.get_full_path())
    rdvs = list(RendezVous.objects.filter(mission=mission).order_by("debut", "pk"))
    AccesDonnees.objects.bulk_create(
        [AccesDonnees(rendez_vous=r, action="liste du jour", par=user, canal=canal) for r in rdvs]
    )
    context = {
        "mission": mission,
        "actifs": [r for r in rdvs if r.statut != RendezVous.Statut.ANNULE],
        "annules": [r for r in rdvs if r.statut == RendezVous.Statut.ANNULE],
        "peut_noter": mission.date <= timezone.localdate(),
        "ars": ars,
        "erreur": error,
        "commentaire_max": lifecycle.COMMENTAIRE_MAX,
        # A refused reason stays in its field, not to be typed again.
        "commentaire": request.POST.get("commentaire", "") if error else "",
    }
    return render(request, "rdv/journee.html", context, status=400 if error else 200)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def journee_medecin(request: HttpRequest, mission: int) -> HttpResponse:
    """The day's list for the doctor of the mission or a référent of its lieu (planning.acces); 404 otherwise."""
    found = planning_acces.day_list_mission(request.user, mission)
    canal = "médecin" if found.medecin.compte_id == request.user.pk else "référent du lieu"
    return _day(request, found, request.user, canal, ars=False)


@agents_seulement
@require_http_methods(["GET", "HEAD", "POST"])
def journee_ars(request: HttpRequest, mission: int) -> HttpResponse:
    """The ARS of the mission's region (or the ministry); a mission of another region answers 404."""
    found = planning_acces.ars_mission(request.user, mission)
    return _day(request, found, request.user, "back-office ARS", ars=True)


def _same(name: str) -> str:
    """One spelling per person: spaces, case and accents ignored."""
    return unicodedata.normalize("NFKD", " ".join(name.split())).encode("ascii", "ignore").decode().upper()


ABSENCES_OFF = (
    "La liste nominative des absences répétées est désactivée sur cette plateforme : elle exige une base légale "
    "(finalité, information des patients, durée de conservation) que le responsable de traitement doit établir "
    "avant de l'ouvrir (réglage SOLIDARITE_LISTE_ABSENCES, décision 0006)."
)


@agents_seulement
@require_safe
def absences(request: HttpRequest) -> HttpResponse:
    """Patients absent without excuse at least twice in twelve months, in the agent's region (off by default)."""
    if not settings.SOLIDARITE_LISTE_ABSENCES:
        return error_page(request, 404, "Liste désactivée", ABSENCES_OFF)
    try:
        region = acces.region_of(request.user)
    except PermissionDenied as exc:
        return error_page(request, 403, "Accès refusé", str(exc))
    since = timezone.now() - dt.timedelta(days=ABSENCES_WINDOW_DAYS)
    rows = rdv_acces.rendez_vous_for(
        request.user,
        RendezVous.objects.filter(statut=RendezVous.Statut.ABSENT, debut__gte=since).select_related("lieu"),
    )
    people: dict[tuple[str, str, dt.date], list[RendezVous]] = defaultdict(list)
    for rdv in rows.order_by("debut"):
        people[(_same(rdv.nom), _same(rdv.prenom), rdv.date_naissance)].append(rdv)
    repeat = sorted(
        ((key, items) for key, items in people.items() if len(items) >= REPEAT),
        key=lambda kv: (-len(kv[1]), kv[0]),
    )
    AccesDonnees.objects.bulk_create(
        [
            AccesDonnees(
                rendez_vous=r, action="liste des absences répétées", par=request.user, canal="back-office ARS"
            )
            for _, items in repeat
            for r in items
        ]
    )
    context = {"region": region, "absents": repeat, "seuil": REPEAT, "jours": ABSENCES_WINDOW_DAYS}
    return render(request, "rdv/absences.html", context)
