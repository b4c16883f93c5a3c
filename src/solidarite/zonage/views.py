"""Public pages of the zonage (map, one page per EPCI) and the back-office comparisons."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from solidarite.territoire.models import Epci
from solidarite.web.pages import agents_seulement
from solidarite.zonage import services
from solidarite.zonage.exports import CONTOURS_FILE, DECIMALS
from solidarite.zonage.models import Ajustement, Campagne, ListeOfficielle, ResultatEpci
from solidarite.zonage.score import CRITERES, LIBELLES, SENS, UNITES


@lru_cache(maxsize=2)
def _geometries(path: Path, mtime: float) -> dict[str, Any]:
    """EPCI polygons by SIREN, read once per file version."""
    contours = json.loads(path.read_text(encoding="utf-8"))
    return {f["properties"]["siren"]: f["geometry"] for f in contours["features"]}


@lru_cache(maxsize=4)
def _zones_geojson(
    campagne_pk: int, empreinte: str, adjustments: tuple[tuple[int, int, str], ...], path: Path, mtime: float
) -> bytes:
    """The map's GeoJSON of a campaign (its pk and fingerprint: a pk may name another campaign once a rolled-back
    one freed it) in a state of its adjustments."""
    campagne = Campagne.objects.get(pk=campagne_pk)
    final = services.final_sirens(campagne)
    proposes = _ajouts_proposes(campagne_pk, empreinte, adjustments)
    geometries = _geometries(path, mtime)
    features = []
    rows = campagne.resultats.select_related("epci").only(
        "rang",
        "score",
        "score_fragilite",
        "nb_fragilites",
        "selectionnee_calcul",
        "epci__siren",
        "epci__nom",
        "epci__population_municipale",
        "rang_region",
        "ecart_seuil",
        "critere_decisif",
    )
    actions = dict(campagne.ajustements.values_list("epci__siren", "action"))
    for r in rows:
        geometry = geometries.get(r.epci.siren)
        if geometry is None:
            continue
        properties = {
            "siren": r.epci.siren,
            "nom": r.epci.nom,
            "rang": r.rang,
            "score": round(r.score, 1) if r.score is not None else None,
            "score_fragilite": round(r.score_fragilite, 1) if r.score_fragilite is not None else None,
            "nb_fragilites": r.nb_fragilites,
            "retenue": r.epci.siren in final,
            "population": r.epci.population_municipale,
            "rang_region": r.rang_region,
            "ecart_seuil": round(r.ecart_seuil, 2) if r.ecart_seuil is not None else None,
            "critere_decisif": r.critere_decisif,
            "ajustement_ars": actions.get(r.epci.siren),
            "ajout_ars_modelise": r.epci.siren in proposes,  # a proposal (ajouts.py), never an adjustment
        }
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    return json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":")).encode()


def _active_or_404() -> Campagne:
    campagne = services.active_campaign()
    if campagne is None:
        raise Http404(
            "Aucune campagne de zonage n'est active : lancez python -m solidarite zonage --save --activate."
        )
    return campagne


@require_safe
def carte(request: HttpRequest) -> HttpResponse:
    campagne = services.active_campaign()
    context: dict[str, Any] = {"campagne": campagne, "tuiles": settings.SOLIDARITE_TUILES_URL}
    if campagne is not None:
        final = services.final_sirens(campagne)
        zones = campagne.resultats.filter(epci__siren__in=final).select_related("epci").order_by("rang")
        context.update(
            zones=zones,
            population=sum(z.epci.population_municipale for z in zones),
            ajustements=campagne.ajustements.count(),
            fidelite=services.fidelite_campagne(campagne, _contours()),
            vote=bool((campagne.parametres or {}).get("membres")),  # the score is then a vote's share
        )
    return render(request, "zonage/carte.html", context)


def _contours() -> dict[str, Any]:
    path = Path(settings.SOLIDARITE_DATA_DIR) / CONTOURS_FILE
    try:
        return _geometries(path, path.stat().st_mtime)
    except OSError:
        return {}


@require_safe
def zones_geojson(request: HttpRequest) -> HttpResponse:
    campagne = _active_or_404()
    path = Path(settings.SOLIDARITE_DATA_DIR) / CONTOURS_FILE
    if not path.is_file():
        raise Http404(f"Contours des EPCI introuvables ({CONTOURS_FILE}).")
    body = _zones_geojson(
        campagne.pk, campagne.empreinte, _etat_ajustements(campagne), path, path.stat().st_mtime
    )
    response = HttpResponse(body, content_type="application/geo+json")
    response["Cache-Control"] = "public, max-age=300"
    return response


def _criteria_rows(resultat: ResultatEpci) -> list[dict[str, Any]]:
    rows = []
    for critere in CRITERES:
        value = resultat.criteres.get(critere, {})
        rows.append(
            {
                "libelle": LIBELLES[critere],
                "unite": UNITES[critere],
                "valeur": value.get("valeur"),
                "decimales": DECIMALS[critere],
                "manquant": value.get("manquant"),
                "imputee": value.get("imputee"),
                "percentile": value.get("percentile"),
                "rang": value.get("rang"),
                "fragile": value.get("fragile"),
                "sens": "plus c'est bas, plus c'est défavorable"
                if SENS[critere] == "bas"
                else "plus c'est haut, plus c'est défavorable",
            }
        )
    return rows


def _etat_ajustements(campagne: Campagne) -> tuple[tuple[int, int, str], ...]:
    """The state of a campaign's ARS adjustments, the key of what is computed from them: each one's pk, EPCI
    and action."""
    return tuple(campagne.ajustements.order_by("pk").values_list("pk", "epci_id", "action"))


@lru_cache(maxsize=8)
def _ajouts_proposes(
    campagne_pk: int, empreinte: str, adjustments: tuple[tuple[int, int, str], ...]
) -> dict[str, str]:
    """SIREN → motif of the modelled ARS additions of a campaign (its pk and fingerprint) in a state of its
    adjustments (the key: each adjustment's pk, EPCI and action). Computed once per state: every EPCI page
    reads it."""
    fidelite = services.fidelite_campagne(Campagne.objects.get(pk=campagne_pk), {})
    return {a.resultat.epci.siren: a.motif for a in fidelite.ajouts_modeles} if fidelite else {}


@require_safe
def epci(request: HttpRequest, siren: str) -> HttpResponse:
    epci_obj = get_object_or_404(Epci, siren=siren)
    campagne = _active_or_404()
    resultat = get_object_or_404(ResultatEpci, campagne=campagne, epci=epci_obj)
    ajustement = campagne.ajustements.filter(epci=epci_obj).select_related("region").first()
    context = {
        "epci": epci_obj,
        "campagne": campagne,
        "resultat": resultat,
        "criteres": _criteria_rows(resultat),
        "ajustement": ajustement,
        "retenue": epci_obj.siren in services.final_sirens(campagne),
        "total": campagne.resultats.count(),
        "regions": services.epci_regions(epci_obj),
        "listes": ListeOfficielle.objects.filter(lignes__epci=epci_obj),
        "ajout": Ajustement.Action.AJOUT,
        "decisif": LIBELLES.get(resultat.critere_decisif, ""),
        "retenue_calcul": resultat.selectionnee_calcul,
        "ajout_modele": _ajouts_proposes(campagne.pk, campagne.empreinte, _etat_ajustements(campagne)).get(
            epci_obj.siren, ""
        ),
    }
    return render(request, "zonage/epci.html", context)


@agents_seulement
@require_safe
def comparer_campagnes(request: HttpRequest, a: int, b: int) -> HttpResponse:
    first, second = get_object_or_404(Campagne, pk=a), get_object_or_404(Campagne, pk=b)
    comparison = services.compare_campaigns(first, second)
    return render(
        request, "zonage/comparaison_campagnes.html", {"a": first, "b": second, "comparaison": comparison}
    )


@agents_seulement
@require_safe
def comparer_liste(request: HttpRequest, pk: int) -> HttpResponse:
    liste = get_object_or_404(ListeOfficielle, pk=pk)
    campagne = _active_or_404()
    comparison = services.compare_official(liste, campagne)
    return render(
        request,
        "zonage/comparaison_liste.html",
        {"liste": liste, "campagne": campagne, "comparaison": comparison},
    )
