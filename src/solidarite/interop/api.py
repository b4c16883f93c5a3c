"""The platform's JSON API (django-ninja): OpenAPI at /api/v1/openapi.json, documentation at /api/v1/docs."""

from __future__ import annotations

import datetime as dt
import functools
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, NinjaAPI, Schema
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.responses import Status

from solidarite.rdv import idempotence, services
from solidarite.rdv.creneaux import RE_SLOT_ID
from solidarite.rdv.patients import LIMITS
from solidarite.territoire.search import position
from solidarite.web.ratelimit import MESSAGE as TOO_MANY
from solidarite.web.ratelimit import client_address, exceeded

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


def _documented(description: str, default: Any = ..., **constraints: Any) -> Any:
    """A field whose rules the booking checks itself (rdv.patients, one French message per field, 422), given in
    the OpenAPI document for the callers; pydantic only checks the type, so that each refusal keeps its message."""
    return Field(default, description=description, json_schema_extra=constraints or None)


class RendezVousIn(Schema):
    creneau: str = _documented(
        "Identifiant d'un créneau libre, tel que le donne GET /api/v1/lieux/{lieu_id}/creneaux.",
        pattern=RE_SLOT_ID.pattern,
    )
    nom: str = _documented("Nom du patient.", minLength=1, maxLength=LIMITS["nom"])
    prenom: str = _documented("Prénom du patient.", minLength=1, maxLength=LIMITS["prenom"])
    date_naissance: str = _documented("Date de naissance, entre 1900 et aujourd'hui.", format="date")
    telephone: str | None = _documented(
        "Téléphone français (métropole ou outre-mer), pour la confirmation et les rappels par SMS ; "
        "le téléphone ou l'adresse électronique est obligatoire.",
        None,
    )
    email: str | None = _documented("Adresse électronique, pour la confirmation et les rappels.", None)
    medecin_traitant: str | None = _documented(
        "Médecin traitant, s'il y en a un.", None, maxLength=LIMITS["medecin_traitant"]
    )
    motif: str | None = _documented("Motif de la consultation.", None, maxLength=LIMITS["motif"])


class RendezVousOut(Schema):
    id: int
    jeton: str
    debut: dt.datetime
    lieu: str


class RendezVousRejoue(Schema):
    detail: str
    id: int
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


# 400 (documented on every operation): a request that cannot be read, its body not JSON (below), or a NUL
# character in its address (config.middleware.RejectNulCharacters).
UNREADABLE_BODY = "Corps de la requête illisible : un objet JSON en UTF-8 est attendu."


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """django-ninja's own refusals, in French: here, a body that is not JSON (its 400 says "Cannot parse
    request body"); nothing is written."""
    detail = UNREADABLE_BODY if exc.status_code == 400 else str(exc)
    return api.create_response(request, {"detail": detail}, status=exc.status_code)


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


def _json(body: Any, status: int = 200) -> HttpResponse:
    """The hot answers (search, booking, slots) written directly in their documented shape (the
    response schemas above, which the OpenAPI document gives), rather than validated item by item: on a
    busy day, that validation took more processor time than the database."""
    return HttpResponse(json.dumps(body, ensure_ascii=False), status=status, content_type="application/json")


_iso = functools.lru_cache(maxsize=1 << 16)(dt.datetime.isoformat)  # slot times repeat: written once


@api.get("/lieux", response={200: list[LieuOut], 400: Erreur, 404: Erreur, 422: Erreur, 429: Erreur})
def lieux(request: HttpRequest, commune: str) -> Any:
    """Lieux solidaires within reach of a commune (code INSEE), by travel time then first free slot."""
    throttle(request, "recherche")
    origin = position(commune)
    if origin is None:
        return Status(404, {"detail": f"Commune inconnue : {commune!r} (code INSEE à 5 caractères)."})
    if origin[0] is None or origin[1] is None:
        return Status(
            422, {"detail": "Cette commune n'a pas de coordonnées : cherchez par une commune voisine."}
        )
    return _json(
        [
            {
                "id": p.lieu.pk,
                "nom": p.lieu.nom,
                "commune": p.lieu.commune.nom,
                "lat": p.lieu.latitude,
                "lon": p.lieu.longitude,
                "temps_min": p.minutes,
                "prochain_creneau": _iso(p.prochains[0].debut) if p.prochains else None,
            }
            for p in services.lieux_proches(origin[0], origin[1], count=1)
        ]
    )


@api.get(
    "/lieux/{lieu_id}/creneaux",
    response={200: list[CreneauOut], 400: Erreur, 404: Erreur, 422: Erreur, 429: Erreur},
)
def creneaux(request: HttpRequest, lieu_id: int, du: dt.date, au: dt.date) -> Any:
    throttle(request, "recherche")
    if lieu_id not in services.active_lieux().lieux:
        return Status(404, {"detail": "Lieu inconnu."})
    try:
        services.check_range(du, au)
    except ValidationError as exc:
        return Status(422, {"detail": exc.messages})
    return HttpResponse(services.slots_json(lieu_id, du, au), content_type="application/json")


REPLAYED = (
    "Demande déjà traitée : ce rendez-vous a été réservé par une demande identique avec la même clé "
    "d'idempotence. Le lien pour le déplacer ou l'annuler a été donné dans la première réponse et dans le "
    "message de confirmation ; il n'est pas redonné."
)
IDEMPOTENCE_DOC = {
    "parameters": [
        {
            "in": "header",
            "name": "Idempotency-Key",
            "required": False,
            "schema": {"type": "string", "maxLength": idempotence.MAX_KEY_LENGTH},
            "description": (
                "Clé choisie par l'appelant pour pouvoir renvoyer la même demande sans réserver deux fois. "
                "Elle est propre à l'appelant (son adresse, son compte) : la même clé venant d'un autre appelant "
                "est une autre clé. La même clé avec un autre corps : 422, rien n'est écrit."
            ),
        }
    ],
    "responses": {
        200: {
            "description": (
                "Demande rejouée (même appelant, même clé, même corps) : les champs publics du rendez-vous déjà "
                "réservé, sans le jeton (le lien pour le gérer n'est donné qu'une fois, à la réservation)."
            ),
            "headers": {
                "Idempotent-Replayed": {
                    "description": "« true » : la réponse est celle d'une demande déjà traitée.",
                    "schema": {"type": "string", "enum": ["true"]},
                }
            },
        }
    },
}


def _idempotence(request: HttpRequest, key: str) -> idempotence.Idempotence:
    """The key, bound to the caller (address as the rate limit sees it, account if any) and the whole body."""
    user = getattr(request, "user", None)
    user_id = user.pk if user is not None and user.is_authenticated else None
    return idempotence.Idempotence(
        key,
        idempotence.caller_hash(client_address(request), user_id),
        idempotence.body_hash(json.loads(request.body)),
    )


@api.post(
    "/rendez-vous",
    response={
        200: RendezVousRejoue,
        201: RendezVousOut,
        400: Erreur,
        409: Pris,
        422: Erreur,
        429: Erreur,
    },
    openapi_extra=IDEMPOTENCE_DOC,
)
def reserver(request: HttpRequest, body: RendezVousIn) -> Any:
    throttle(request, "reservation")
    key = request.headers.get("Idempotency-Key") or None
    if key is not None and len(key) > idempotence.MAX_KEY_LENGTH:
        return Status(
            422, {"detail": {"Idempotency-Key": f"{idempotence.MAX_KEY_LENGTH} caractères au plus."}}
        )
    try:
        rdv = services.book(
            body.creneau,
            body.dict(),
            idempotence=_idempotence(request, key) if key is not None else None,
            canal="api",
        )
    except idempotence.Replay as replay:
        response = _json({"detail": REPLAYED, **_public(replay.rdv)}, status=200)
        response["Idempotent-Replayed"] = "true"
        return response
    except services.CreneauTakenError as exc:
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
    return _json({"id": rdv.pk, "jeton": services.jeton_for(rdv), **_public(rdv)}, status=201)


def _public(rdv: Any) -> dict[str, Any]:
    """What an answer about an appointment may show anyone who has its number: no patient data, no link."""
    return {
        "id": rdv.pk,
        "debut": _iso(timezone.localtime(rdv.debut)),
        "lieu": services.lieu_nom(rdv.lieu_id),
    }


@api.delete("/rendez-vous/{jeton}", response={204: None, 400: Erreur, 403: Erreur, 409: Erreur, 429: Erreur})
def annuler(request: HttpRequest, jeton: str) -> Any:
    throttle(request, "reservation")
    try:
        services.cancel(jeton, canal="api")
    except services.InvalidJetonError as exc:
        return Status(403, {"detail": str(exc)})
    except ValidationError as exc:
        return Status(409, {"detail": exc.messages})
    return Status(204, None)
