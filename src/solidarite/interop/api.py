"""The platform's JSON API (django-ninja): OpenAPI at /api/v1/openapi.json, documentation at /api/v1/docs."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import ValidationError as NinjaValidationError
from ninja.responses import Status

from solidarite.annuaire.models import LieuSolidaire
from solidarite.config.ratelimit import MESSAGE as TOO_MANY
from solidarite.config.ratelimit import exceeded
from solidarite.rdv import services
from solidarite.territoire.models import Commune

api = NinjaAPI(
    title="Solidarité territoriale — API",
    version="1",
    description="Lieux solidaires, créneaux et rendez-vous de la mission « Un médecin près de chez vous ».",
    urls_namespace="api",
)


class LieuOut(Schema):
    id: int
    nom: str
    commune: str
    lat: float
    lon: float
    temps_min: float
    prochain_creneau: dt.datetime | None


class CreneauOut(Schema):
    id: str
    debut: dt.datetime
    fin: dt.datetime
    libre: bool


class RendezVousIn(Schema):
    creneau: str
    nom: str
    prenom: str
    date_naissance: str
    telephone: str | None = None
    email: str | None = None
    medecin_traitant: str | None = None
    motif: str | None = None


class RendezVousOut(Schema):
    id: int
    jeton: str
    debut: dt.datetime
    lieu: str


class Erreur(Schema):
    detail: Any


class Pris(Schema):
    detail: str
    prochains_creneaux: list[CreneauOut]


@api.exception_handler(NinjaValidationError)
def invalid_fields(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields = {
        ".".join(str(p) for p in e.get("loc", [])[1:]) or "requête": "Valeur absente ou invalide."
        for e in exc.errors
    }
    return api.create_response(request, {"detail": fields}, status=422)


class TropDeDemandes(Exception):
    pass


@api.exception_handler(TropDeDemandes)
def too_many(request: HttpRequest, exc: TropDeDemandes) -> HttpResponse:
    response = api.create_response(request, {"detail": TOO_MANY}, status=429)
    response["Retry-After"] = "60"
    return response


def throttle(request: HttpRequest, kind: str) -> None:
    if exceeded(request, kind):
        raise TropDeDemandes


@api.get("/lieux", response={200: list[LieuOut], 404: Erreur, 422: Erreur, 429: Erreur})
def lieux(request: HttpRequest, commune: str) -> Any:
    """Lieux solidaires within reach of a commune (code INSEE), by travel time then first free slot."""
    throttle(request, "recherche")
    origin = Commune.objects.filter(code_insee=commune).first()
    if origin is None:
        return Status(404, {"detail": f"Commune inconnue : {commune!r} (code INSEE à 5 caractères)."})
    if origin.latitude is None or origin.longitude is None:
        return Status(
            422, {"detail": "Cette commune n'a pas de coordonnées : cherchez par une commune voisine."}
        )
    found = services.lieux_proches(origin.latitude, origin.longitude, count=1)
    return Status(
        200,
        [
            {
                "id": p.lieu.pk,
                "nom": p.lieu.nom,
                "commune": p.lieu.commune.nom,
                "lat": p.lieu.latitude,
                "lon": p.lieu.longitude,
                "temps_min": p.minutes,
                "prochain_creneau": p.prochains[0].debut if p.prochains else None,
            }
            for p in found
        ],
    )


@api.get("/lieux/{lieu_id}/creneaux", response={200: list[CreneauOut], 404: Erreur, 422: Erreur, 429: Erreur})
def creneaux(request: HttpRequest, lieu_id: int, du: dt.date, au: dt.date) -> Any:
    throttle(request, "recherche")
    lieu = LieuSolidaire.objects.filter(pk=lieu_id, actif=True).first()
    if lieu is None:
        return Status(404, {"detail": "Lieu inconnu."})
    try:
        found = services.slots(lieu, du, au)
    except ValidationError as exc:
        return Status(422, {"detail": exc.messages})
    # Up to a few thousand slots: written directly in the documented shape (CreneauOut), rather than
    # validated one by one by the response schema, which took half the time of the request.
    body = [
        {"id": c.id, "debut": c.debut.isoformat(), "fin": c.fin.isoformat(), "libre": c.libre} for c in found
    ]
    return HttpResponse(json.dumps(body), content_type="application/json")


@api.post("/rendez-vous", response={201: RendezVousOut, 409: Pris, 422: Erreur, 429: Erreur})
def reserver(request: HttpRequest, body: RendezVousIn) -> Any:
    throttle(request, "reservation")
    key = request.headers.get("Idempotency-Key") or None
    if key is not None and len(key) > 100:
        return Status(422, {"detail": {"Idempotency-Key": "100 caractères au plus."}})
    try:
        rdv = services.book(body.creneau, body.dict(), idempotency_key=key, canal="api")
    except services.SlotTaken as exc:
        return Status(
            409,
            {
                "detail": "Ce créneau vient d'être réservé : choisissez l'un des suivants.",
                "prochains_creneaux": [
                    {"id": c.id, "debut": c.debut, "fin": c.fin, "libre": c.libre} for c in exc.next_free
                ],
            },
        )
    except ValidationError as exc:
        return Status(422, {"detail": exc.message_dict if hasattr(exc, "error_dict") else exc.messages})
    return Status(
        201, {"id": rdv.pk, "jeton": services.token_for(rdv), "debut": rdv.debut, "lieu": rdv.lieu.nom}
    )


@api.delete("/rendez-vous/{jeton}", response={204: None, 403: Erreur, 409: Erreur, 429: Erreur})
def annuler(request: HttpRequest, jeton: str) -> Any:
    throttle(request, "reservation")
    try:
        services.cancel(jeton, canal="api")
    except services.InvalidToken as exc:
        return Status(403, {"detail": str(exc)})
    except ValidationError as exc:
        return Status(409, {"detail": exc.messages})
    return Status(204, None)
