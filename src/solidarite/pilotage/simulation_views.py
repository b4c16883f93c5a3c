"""The impact simulator's pages (docs/decisions/0019): a form that queues a run for the worker, its progress
polled by htmx (cancellable), and its results (figures, curve as SVG with its table, APL map as GeoJSON).

Who: national admin and ARS agents (aggregate figures, no personal data; every run is national, so an ARS agent
sees every run, like the national admin). Anonymous: the login page; any other account: 403."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from solidarite.pilotage import simulateur as core
from solidarite.pilotage import simulation_services as services
from solidarite.pilotage.models import Simulation
from solidarite.web.pages import error_page
from solidarite.zonage.exports import CONTOURS_FILE

RECENT = 10
CURVE_W, CURVE_H, MARGIN = 640, 320, 48


def _allowed(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not services.may_simulate(request.user):
        raise PermissionDenied("Le simulateur est ouvert aux agents des ARS et à l'administration nationale.")
    return None


@require_http_methods(["GET", "HEAD", "POST"])
def simulations(request: HttpRequest) -> HttpResponse:
    refused = _allowed(request)
    if refused:
        return refused
    status = 200
    form = {"volontaires": "300", "seeds": "5", "mois": "12", "couverture": "100"}
    if request.method == "POST":
        form = {k: request.POST.get(k, "") for k in form}
        try:
            simulation = services.queue_simulation(
                services.parse_parametres(form, pourcent=True), request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            status = 400
        else:
            return redirect("pilotage:simulation", simulation.pk)
    context = {
        "form": form,
        "simulations": services.visible_simulations(request.user)[:RECENT],
        "max_volontaires": core.MAX_VOLONTAIRES,
        "max_seeds": core.MAX_SEEDS,
    }
    return render(request, "pilotage/simulations.html", context, status=status)


def _get(request: HttpRequest, pk: int) -> Simulation:
    try:
        return get_object_or_404(Simulation, pk=pk)
    except Http404:
        raise Http404("Cette simulation n'existe pas, ou elle a été annulée.") from None


@require_safe
def simulation(request: HttpRequest, pk: int) -> HttpResponse:
    refused = _allowed(request)
    if refused:
        return refused
    sim = _get(request, pk)
    context: dict[str, Any] = {
        "sim": sim,
        "en_attente": sim.etat in (Simulation.Etat.EN_FILE, Simulation.Etat.EN_COURS),
    }
    if sim.etat == Simulation.Etat.TERMINEE and sim.resultat:
        context.update(r=sim.resultat, courbe=_curve(sim.resultat), tuiles=settings.SOLIDARITE_TUILES_URL)
    return render(request, "pilotage/simulation.html", context)


@require_safe
def simulation_progres(request: HttpRequest, pk: int) -> HttpResponse:
    """Polled every 2 s by the page while queued or running; reloads the page (HX-Refresh) once done."""
    refused = _allowed(request)
    if refused:
        return refused
    sim = Simulation.objects.filter(pk=pk).first()
    if sim is None:  # cancelled meanwhile
        response = HttpResponse(status=286)  # htmx: stop polling
        response["HX-Redirect"] = reverse("pilotage:simulations")
        return response
    pending = sim.etat in (Simulation.Etat.EN_FILE, Simulation.Etat.EN_COURS)
    response = render(request, "pilotage/_simulation_progres.html", {"sim": sim, "en_attente": pending})
    if not pending:
        response["HX-Refresh"] = "true"
    return response


@require_POST
def simulation_annuler(request: HttpRequest, pk: int) -> HttpResponse:
    refused = _allowed(request)
    if refused:
        return refused
    sim = _get(request, pk)
    try:
        services.cancel_simulation(sim, request.user)
    except PermissionDenied as exc:
        return error_page(request, 403, "Annulation refusée", str(exc))
    except ValidationError as exc:
        return error_page(request, 400, "Annulation refusée", " ".join(exc.messages))
    messages.success(request, f"Simulation {pk} annulée : rien n'en est gardé.")
    return redirect("pilotage:simulations")


@lru_cache(maxsize=2)
def _geometries(path: Path, mtime: float) -> dict[str, Any]:
    contours = json.loads(path.read_text(encoding="utf-8"))
    return {f["properties"]["siren"]: f["geometry"] for f in contours["features"]}


@require_safe
def simulation_geojson(request: HttpRequest, pk: int) -> HttpResponse:
    """The zones of a finished simulation with their APL before and after the mission supply."""
    refused = _allowed(request)
    if refused:
        return refused
    sim = _get(request, pk)
    if sim.etat != Simulation.Etat.TERMINEE or not sim.resultat:
        raise Http404("Cette simulation n'est pas terminée.")
    path = Path(settings.SOLIDARITE_DATA_DIR) / CONTOURS_FILE
    geometries = _geometries(path, path.stat().st_mtime) if path.is_file() else {}
    features = [
        {"type": "Feature", "geometry": geometries[z["siren"]], "properties": z}
        for z in sim.resultat.get("apl", {}).get("zones", [])
        if z["siren"] in geometries
    ]
    body = json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))
    return HttpResponse(body, content_type="application/geo+json")


def _curve(r: dict[str, Any]) -> dict[str, Any]:
    """SVG coordinates of the curve (share of the lieux' working days against N): median line, min–max band."""
    points = r.get("courbe") or []
    if not points:
        return {}
    xmax = max(p["volontaires"] for p in points) or 1
    width, height = CURVE_W - 2 * MARGIN, CURVE_H - 2 * MARGIN

    def xy(n: float, share: float) -> str:
        return f"{MARGIN + width * n / xmax:.1f},{MARGIN + height * (1 - min(share, 1.0)):.1f}"

    band = [xy(p["volontaires"], p["maximum"]) for p in points] + [
        xy(p["volontaires"], p["minimum"]) for p in reversed(points)
    ]
    # Coordinates as strings with a dot: the French locale would write « 368,7 », which SVG refuses.
    ticks_y = [
        {"y": f"{MARGIN + height * (1 - v / 100):.1f}", "label": f"{v} %"} for v in (0, 25, 50, 75, 100)
    ]
    step = max(1, int(round(xmax / 4, -len(str(int(xmax / 4))) + 1)))
    ticks_x = [
        {"x": f"{MARGIN + width * v / xmax:.1f}", "label": f"{v:,}".replace(",", " ")}
        for v in range(0, int(xmax) + 1, step)
    ]
    needed = r.get("necessaires_intervalle")
    marker = f"{MARGIN + width * min(needed['mediane'], xmax) / xmax:.1f}" if needed else None
    return {
        "w": CURVE_W,
        "h": CURVE_H,
        "median": " ".join(xy(p["volontaires"], p["mediane"]) for p in points),
        "band": " ".join(band),
        "ticks_x": ticks_x,
        "ticks_y": ticks_y,
        "x0": MARGIN,
        "x1": CURVE_W - MARGIN,
        "y0": MARGIN,
        "y1": CURVE_H - MARGIN,
        "x_labels": MARGIN - 6,
        "y_labels": CURVE_H - MARGIN + 18,
        "y_title": CURVE_H - 4,
        "marker": marker,
    }
