"""The shapes the JSON API documents (OpenAPI at /api/v1/openapi.json): what it answers, what a booking sends, with
the rules each field follows (the booking checks them itself, rdv.patients, one French message per field)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import ConfigDict, WithJsonSchema

from solidarite.interop import entrees
from solidarite.rdv.patients import LIMITS
from solidarite.web.entrees import INVISIBLE_CLASS
from solidarite.web.textes import LETTER_CLASS


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


# The examples of the OpenAPI document name real data: the commune of Nevers (real territory), and the lieu,
# mission and slot that tests/interop/test_contrat_api.py creates with these numbers (a mission far enough
# ahead that its slots stay in the future), so that "Try it out" and schemathesis reach real answers.
EXEMPLES: dict[str, Any] = {
    "commune": "58194",
    "lieu": 1,
    "mission": 1,
    "du": "2030-01-07",
    "au": "2030-01-11",
    "creneau": "1-203001070830",
}
# What the API documents of a slot identifier (interop.entrees). An identifier of this form that names no slot on
# offer is a 404.
SLOT_ID_PATTERN = entrees.SLOT_ID_PATTERN
# Free text as rdv.patients takes it: no invisible or control character (médecin traitant, motif); a name also
# has at least one letter (web.textes: the same classes of ranges, read alike by Python and ECMA 262).
_VISIBLE = f"[^{INVISIBLE_CLASS}]"
TEXT_PATTERN = f"^{_VISIBLE}*$"
NAME_PATTERN = f"^{_VISIBLE}*[{LETTER_CLASS}]{_VISIBLE}*$"
# Phones the schema vouches for (ten digits: landlines in 01, mobiles in 06 and 07 that exist); the booking
# also reads other French forms (+33 6…, spaces), which this pattern does not list.
PHONE_PATTERN = r"^0(1[0-9]{8}|6[0-24-8][0-9]{7}|63[0-8][0-9]{6}|7[3-9][0-9]{7})$"
EMAIL_PATTERN = (
    r"^[A-Za-z0-9_%+-]+(\.[A-Za-z0-9_%+-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}$"
)


def _or_blank(pattern: str) -> str:
    """`pattern` (anchored), or an empty or blank text: what an optional field left empty sends."""
    return rf"^(\s*|{pattern[1:-1]})$"


def _years_until(last: int) -> str:
    """A regular expression for the years 1900 to `last` (a year of this century)."""
    decades, unit = divmod(last - 2000, 10)
    return "|".join(
        ["19[0-9]{2}", *([f"20[0-{decades - 1}][0-9]"] if decades else []), f"20{decades}[0-{unit}]"]
    )


BIRTH_PATTERN = f"^({_years_until(dt.date.today().year - 1)})-"


def _documented(description: str, default: Any = ..., **constraints: Any) -> Any:
    """A field whose rules the booking checks itself (rdv.patients, one French message per field, 422), given in
    the OpenAPI document for the callers; pydantic only checks the type, so that each refusal keeps its message."""
    return Field(default, description=description, json_schema_extra=constraints or None)


def _optional(schema: dict[str, Any]) -> Any:
    """An optional text field's schema: a string of `schema`, or null (pydantic: str | None)."""
    return WithJsonSchema({**schema, "type": ["string", "null"]})


class RendezVousIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "description": (
                "Le téléphone ou l'adresse électronique est obligatoire (l'un des deux au moins, non vide) ; "
                "sans aucun des deux, la réponse 422 donne le même message sous `telephone` et sous `email`."
            ),
            "anyOf": [
                {
                    "required": ["telephone"],
                    "properties": {"telephone": {"type": "string", "pattern": PHONE_PATTERN}},
                },
                {
                    "required": ["email"],
                    "properties": {"email": {"type": "string", "pattern": EMAIL_PATTERN, "maxLength": 254}},
                },
            ],
            "examples": [
                {
                    "creneau": EXEMPLES["creneau"],
                    "nom": "Martin",
                    "prenom": "Jeanne",
                    "date_naissance": "1948-05-17",
                    "telephone": "0612345678",
                    "email": "jeanne.martin@exemple.fr",
                    "motif": "Renouvellement d'ordonnance",
                }
            ],
        }
    )

    creneau: str = _documented(
        "Identifiant d'un créneau libre, tel que le donne GET /api/v1/lieux/{lieu_id}/creneaux : "
        "« <mission>-<AAAAMMJJhhmm> ». Un identifiant de cette forme qui ne désigne aucun créneau proposé "
        "(mission inconnue ou annulée, heure hors des horaires du lieu) : 404 ; un créneau passé : 422 ; "
        "un créneau déjà pris : 409 ; un patient (mêmes nom, prénom et date de naissance, sans tenir compte des "
        "accents, majuscules et traits d'union) qui a déjà un rendez-vous actif ce jour-là dans ce lieu : 409, "
        "sans créneaux suivants.",
        pattern=SLOT_ID_PATTERN,
        examples=[EXEMPLES["creneau"]],
    )
    nom: str = _documented("Nom du patient.", minLength=1, maxLength=LIMITS["nom"], pattern=NAME_PATTERN)
    prenom: str = _documented(
        "Prénom du patient.", minLength=1, maxLength=LIMITS["prenom"], pattern=NAME_PATTERN
    )
    date_naissance: str = _documented(
        "Date de naissance, entre 1900 et aujourd'hui.", format="date", pattern=BIRTH_PATTERN
    )
    telephone: Annotated[
        str | None,
        _optional(
            {
                "description": "Téléphone français (métropole ou outre-mer), pour la confirmation et les rappels "
                "par SMS ; le téléphone ou l'adresse électronique est obligatoire. Dix chiffres (« 0612345678 ») "
                "ou toute autre écriture d'un numéro français (« +33 6 12 34 56 78 »).",
                "pattern": _or_blank(PHONE_PATTERN),
                "maxLength": 20,
            }
        ),
    ] = None
    email: Annotated[
        str | None,
        _optional(
            {
                "description": "Adresse électronique, pour la confirmation et les rappels.",
                "pattern": _or_blank(EMAIL_PATTERN),
                "maxLength": 254,
            }
        ),
    ] = None
    medecin_traitant: str | None = _documented(
        "Médecin traitant, s'il y en a un.",
        None,
        maxLength=LIMITS["medecin_traitant"],
        pattern=TEXT_PATTERN,
    )
    motif: str | None = _documented(
        "Motif de la consultation.", None, maxLength=LIMITS["motif"], pattern=TEXT_PATTERN
    )


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
    """Every refusal of the API has this one shape: `detail` is a French text, or, when fields are refused (422,
    and the 404 of a slot identifier of the documented form), an object naming each field as the request wrote
    it (`nom`, `du`, `lieu_id`, `Idempotency-Key`; `requête` for the request as a whole) with its messages."""

    detail: str | dict[str, list[str]]


class Pris(Schema):
    """A booking refused in 409: the slot taken (its lieu's next free slots), or the patient already booked that
    day at that lieu (no slot: they have one)."""

    detail: str
    prochains_creneaux: list[CreneauOut]
