"""The platform's JSON API (django-ninja): OpenAPI at /api/v1/openapi.json, documentation at /api/v1/docs."""

from __future__ import annotations

import datetime as dt
import functools
import json
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent, ValidationError
from django.http import HttpRequest, HttpResponse
from django.http.request import RawPostDataException
from django.utils import timezone
from django.views.decorators.http import require_safe
from ninja import NinjaAPI, Path, Query
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.responses import Status
from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from solidarite.interop import entrees
from solidarite.interop.schemas import (
    EXEMPLES,
    CreneauOut,
    Erreur,
    LieuOut,
    Pris,
    RendezVousIn,
    RendezVousOut,
    RendezVousRejoue,
)
from solidarite.rdv import idempotence, services
from solidarite.rdv.creneaux import parse_slot_id
from solidarite.rdv.patients import errors_by_field
from solidarite.territoire.search import position
from solidarite.web.ratelimit import MESSAGE as TOO_MANY
from solidarite.web.ratelimit import client_address, exceeded


class JsonBodies(Parser):
    """django-ninja's parser, which read any body as JSON whatever its declared type (text/plain, none) and in
    any encoding `json.loads` guesses (UTF-16): a body is read only when declared JSON, and only as UTF-8
    (RFC 8259). What it refuses, django-ninja turns into its 400, answered by `http_error` below (415 or 400)."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        if not _json_body(request):
            raise ValueError(NOT_JSON)
        parsed: dict[str, Any] = json.loads(request.body.decode("utf-8"))
        return parsed


api = NinjaAPI(
    title="Solidarité territoriale — API",
    version="1",
    description="Lieux solidaires, créneaux et rendez-vous de la mission « Un médecin près de chez vous ».",
    urls_namespace="api",
    parser=JsonBodies(),
    # The document and its page are read, nothing else: any method answered them (a POST or a DELETE got the
    # document); another is the API's French 405 in JSON (config.middleware.ApiRefusalsInJson), Allow: GET, HEAD.
    docs_decorator=require_safe,
)


REFUSED_PARAMETER = "parametre_refuse"  # a parameter of the address not in its one form: its message, as is


def _strict(parse: Any, expected: str) -> Any:
    """A validator that hands pydantic the value `parse` reads from the text as sent, or refuses it with
    `expected` (French, the form awaited): pydantic's own lax reading is never reached with a text."""

    def check(value: Any) -> Any:
        parsed = parse(value) if isinstance(value, str) else None
        if parsed is None:
            raise PydanticCustomError(REFUSED_PARAMETER, expected)
        return parsed

    return BeforeValidator(check)


StrictId = Annotated[int, _strict(entrees.parse_id, entrees.ID_EXPECTED)]
StrictDate = Annotated[
    dt.date,
    _strict(entrees.parse_date, entrees.DATE_EXPECTED),
    WithJsonSchema({"type": "string", "format": "date", "pattern": entrees.DATE_PATTERN}),
]
Insee = Annotated[str, _strict(lambda v: v if entrees.is_insee(v) else None, entrees.INSEE_EXPECTED)]
Jeton = Annotated[str, _strict(lambda v: v if entrees.is_jeton(v) else None, entrees.JETON_EXPECTED)]


def _repeated(request: HttpRequest, *names: str) -> Any:
    """A 422 naming each query parameter given more than once (django-ninja kept the last value, so
    « du=x&du=2026-12-10 » was read as the second one), else None."""
    fields = {
        name: ["Paramètre donné plusieurs fois : une seule valeur attendue."]
        for name in names
        if len(request.GET.getlist(name)) > 1
    }
    return Status(422, {"detail": fields}) if fields else None


def _field(loc: Any) -> str:
    """A field as the request wrote it: django-ninja locates a body field under its parameter too
    (("body", "body", "nom")) and a query one under its source (("query", "du"))."""
    parts = [str(p) for p in loc]
    if parts[:2] == ["body", "body"]:
        parts = parts[1:]
    return ".".join(parts[1:]) or "requête"


def _refusal(error: dict[str, Any]) -> str:
    """pydantic's refusal of one field, in French (its own message is English: « Field required »)."""
    kind = str(error.get("type", ""))
    if kind == REFUSED_PARAMETER:
        return str(error["msg"])
    if kind == "missing":
        return "Champ obligatoire."
    for prefix, expected in (
        ("int", "Nombre entier attendu."),
        ("date", "Date attendue, au format AAAA-MM-JJ (une date qui existe)."),
        ("datetime", "Date et heure attendues, au format ISO 8601."),
        ("string", "Texte attendu."),
        ("model", "Objet JSON attendu."),
        ("dict", "Objet JSON attendu."),
    ):
        if kind.startswith(prefix):
            return expected
    return "Valeur invalide."


@api.exception_handler(NinjaValidationError)
def invalid_fields(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for e in exc.errors:
        messages = fields.setdefault(_field(e.get("loc", ())), [])
        if _refusal(e) not in messages:
            messages.append(_refusal(e))
    return api.create_response(request, {"detail": fields}, status=422)


# 400 (documented on every operation): a request that cannot be read, its body not JSON (below), or a NUL
# character in its address (config.middleware.RejectNulCharacters).
UNREADABLE_BODY = "Corps de la requête illisible : un objet JSON en UTF-8 est attendu."


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """django-ninja's own refusals, in French: here, a body that is not JSON (its 400 says "Cannot parse
    request body"); nothing is written."""
    if exc.status_code == 400 and not _json_body(request):
        return unsupported_media_type(request, exc)
    detail = UNREADABLE_BODY if exc.status_code == 400 else str(exc)
    return api.create_response(request, {"detail": detail}, status=exc.status_code)


NOT_JSON = (
    "Type de contenu non pris en charge : le corps doit être un objet JSON en UTF-8, déclaré par l'en-tête "
    "« Content-Type: application/json »."
)


def _json_body(request: HttpRequest) -> bool:
    """The body is declared JSON: application/json or a JSON-based type (application/…+json), in UTF-8, the only
    encoding of JSON between systems (RFC 8259), with or without its charset. A body without a type, or of
    another (text/plain), is not read as JSON even if it would parse: what the caller declared is what it meant."""
    kind = request.content_type
    charset = request.content_params.get("charset", "utf-8").lower()
    declared = kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))
    return declared and charset in ("utf-8", "utf8")


@api.exception_handler(RawPostDataException)
def unsupported_media_type(request: HttpRequest, exc: Exception) -> HttpResponse:
    """415 for a body that is not JSON by its type (a form, multipart/form-data: the form middleware has read
    it, which ninja meets as RawPostDataException, a 500 with its traceback before); nothing is written."""
    return api.create_response(request, {"detail": NOT_JSON}, status=415)


TOO_BIG = "Corps de la requête trop volumineux : {limit} octets au plus."
TOO_MANY_FIELDS = "Trop de paramètres dans la requête : {limit} au plus."
SUSPICIOUS = "Requête refusée : elle ne peut pas être traitée telle qu'elle est écrite."


@api.exception_handler(RequestDataTooBig)
def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    """413 for a body over DATA_UPLOAD_MAX_MEMORY_SIZE: Django refuses to read it, which django-ninja passed on as
    a 500 (its traceback as the answer with DEBUG on); nothing is written."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return api.create_response(request, {"detail": TOO_BIG.format(limit=limit)}, status=413)


@api.exception_handler(SuspiciousOperation)
def suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    """Django's other refusals of a request (more than DATA_UPLOAD_MAX_NUMBER_FIELDS parameters…): a 400 in the
    API's shape rather than the HTML error page (or, with DEBUG on, a 500 and its traceback)."""
    if isinstance(exc, TooManyFieldsSent):
        detail = TOO_MANY_FIELDS.format(limit=settings.DATA_UPLOAD_MAX_NUMBER_FIELDS)
    else:
        detail = SUSPICIOUS
    return api.create_response(request, {"detail": detail}, status=400)


class TooManyRequestsError(Exception):
    pass


@api.exception_handler(TooManyRequestsError)
def too_many(request: HttpRequest, exc: TooManyRequestsError) -> HttpResponse:
    response = api.create_response(request, {"detail": TOO_MANY}, status=429)
    response["Retry-After"] = "60"
    return response


def throttle(request: HttpRequest, kind: str) -> None:
    if exceeded(request, kind):
        raise TooManyRequestsError


def _json(body: Any, status: int = 200) -> HttpResponse:
    """The hot answers (search, booking, slots) written directly in their documented shape (the
    response schemas above, which the OpenAPI document gives), rather than validated item by item: on a
    busy day, that validation took more processor time than the database."""
    return HttpResponse(json.dumps(body, ensure_ascii=False), status=status, content_type="application/json")


_iso = functools.lru_cache(maxsize=1 << 16)(dt.datetime.isoformat)  # slot times repeat: written once


@api.get("/lieux", response={200: list[LieuOut], 400: Erreur, 404: Erreur, 422: Erreur, 429: Erreur})
def lieux(
    request: HttpRequest,
    commune: Annotated[
        Insee,
        Query(
            description="Code INSEE de la commune : 5 caractères, chiffres, ou 2A ou 2B suivis de 3 chiffres "
            "(sinon 422). Un code de cette forme qu'aucune commune ne porte : 404.",
            example=EXEMPLES["commune"],
            pattern=entrees.INSEE_PATTERN,
        ),
    ],
) -> Any:
    """Lieux solidaires within reach of a commune (code INSEE), by travel time then first free slot."""
    if refused := _repeated(request, "commune"):
        return refused
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
def creneaux(
    request: HttpRequest,
    lieu_id: Annotated[
        StrictId,
        Path(
            description="Numéro du lieu solidaire : chiffres de 0 à 9, sans signe, espace ni zéro en tête "
            "(sinon 422).",
            example=EXEMPLES["lieu"],
            ge=1,
            le=entrees.ID_MAX,
        ),
    ],
    du: Annotated[
        StrictDate,
        Query(
            description="Premier jour de la période, au format AAAA-MM-JJ exactement (sinon 422).",
            example=EXEMPLES["du"],
        ),
    ],
    au: Annotated[
        StrictDate,
        Query(
            description="Dernier jour de la période, au format AAAA-MM-JJ exactement : pas avant `du`, "
            f"{services.MAX_RANGE_DAYS} jours au plus après (sinon 422). Les créneaux passés ne sont pas listés.",
            example=EXEMPLES["au"],
        ),
    ],
) -> Any:
    """The slots of a lieu between two days (both included): free or taken, by time."""
    if refused := _repeated(request, "du", "au"):
        return refused
    throttle(request, "recherche")
    if lieu_id not in services.active_lieux().lieux:
        return Status(404, {"detail": "Lieu inconnu."})
    try:
        services.check_range(du, au)
    except ValidationError as exc:
        return Status(422, {"detail": " ".join(exc.messages)})
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
    return idempotence.of(key, client_address(request), json.loads(request.body), user_id)


@api.post(
    "/rendez-vous",
    response={
        200: RendezVousRejoue,
        201: RendezVousOut,
        400: Erreur,
        404: Erreur,
        409: Pris,
        413: Erreur,
        415: Erreur,
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
            422, {"detail": {"Idempotency-Key": [f"{idempotence.MAX_KEY_LENGTH} caractères au plus."]}}
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
    except (
        services.SameDayError
    ) as exc:  # the person already has an appointment that day there: no other slot
        return Status(409, {"detail": str(exc), "prochains_creneaux": []})
    except ValidationError as exc:
        detail = errors_by_field(exc.message_dict) if hasattr(exc, "error_dict") else " ".join(exc.messages)
        return Status(404 if _not_offered(body.creneau, detail) else 422, {"detail": detail})
    return _json({"id": rdv.pk, "jeton": services.jeton_for(rdv), **_public(rdv)}, status=201)


def _not_offered(creneau: str, detail: Any) -> bool:
    """The slot refused as no slot on offer, its identifier of the documented form: the resource is not there
    (404, as the OpenAPI document says), where a malformed identifier or field is a 422."""
    if not isinstance(detail, dict) or set(detail) != {"creneau"} or not entrees.is_slot_id(creneau):
        return False
    try:
        parse_slot_id(creneau, None)
    except ValueError:
        return True  # of the form, not a date (a 31 February): no such slot
    return detail["creneau"] == [services.NOT_OFFERED]


def _public(rdv: Any) -> dict[str, Any]:
    """What an answer about an appointment may show anyone who has its number: no patient data, no link."""
    nom, tz = services.lieu_nom_fuseau(rdv.lieu_id)
    return {"id": rdv.pk, "debut": _iso(timezone.localtime(rdv.debut, tz)), "lieu": nom}


@api.delete(
    "/rendez-vous/{jeton}",
    response={204: None, 400: Erreur, 403: Erreur, 409: Erreur, 422: Erreur, 429: Erreur},
)
def annuler(
    request: HttpRequest,
    jeton: Annotated[
        Jeton,
        Path(
            description="Le jeton du lien donné à la réservation. D'une autre forme : 422 ; de cette forme "
            "mais faux ou expiré : 403.",
            pattern=entrees.JETON_PATTERN,
        ),
    ],
) -> Any:
    throttle(request, "reservation")
    try:
        services.cancel(jeton, canal="api")
    except services.InvalidJetonError as exc:
        return Status(403, {"detail": str(exc)})
    except ValidationError as exc:
        return Status(409, {"detail": " ".join(exc.messages)})
    return Status(204, None)
