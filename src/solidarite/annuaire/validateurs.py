"""The annuaire's field checks as Django validators: on the models, so that the back office (full_clean) and the
bulk recording of the demonstration refuse what the volunteers' sign-up refuses; and in the sign-up form itself.
The rules are pure and shared: web.textes (invisible characters, names), annuaire.validation (RPPS, phones).

A validator names its field by a key of TEXTS, not by its message: a migration records the key, and a message
can be reworded without a new migration.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

from solidarite.annuaire.validation import InvalidValueError, normalise_phone, normalise_rpps
from solidarite.territoire.travel import haversine_km
from solidarite.web.textes import RETYPE_NAME, invisible_refusal, name_refusal

_RETYPE = "retapez-le sans ce caractère"
# Each checked text: how its refusal names it, and how to retype it.
TEXTS = {
    "nom": ("Le nom", RETYPE_NAME),
    "prenom": ("Le prénom", RETYPE_NAME),
    "email": ("L'adresse électronique", "retapez-la sans ce caractère"),
    "telephone": ("Le téléphone", "retapez-le avec des chiffres, par exemple 06 12 34 56 78"),
    "referent_telephone": (
        "Le téléphone du référent",
        "retapez-le avec des chiffres, par exemple 05 55 12 34 56",
    ),
    "numero_am_mission": ("Le numéro Assurance Maladie de la mission", _RETYPE),
    "nom_lieu": ("Le nom du lieu", _RETYPE),
    "adresse": ("L'adresse", "retapez-la sans ce caractère"),
    "equipements": ("Le champ « Équipements »", _RETYPE),
    "logiciel_metier": ("Le logiciel métier", _RETYPE),
    "referent_nom": ("Le nom du référent local", _RETYPE),
    "horaires": ("Le champ « Horaires de consultation »", _RETYPE),
    "accessibilite": ("Le champ « Accessibilité »", _RETYPE),
    "commune": ("La commune", _RETYPE),
}
# Texts typed in a textarea: their tabs and line breaks are kept.
MULTILINE = frozenset({"equipements", "accessibilite"})


@deconstructible
class Visible:
    """Refuses a text holding an invisible or control character, or a lone surrogate: a right-to-left override
    reversed what a list showed after it, a zero-width space in an e-mail's domain was stored while the message
    went to the address without it (Django's validate_email reads it as a letter)."""

    def __init__(self, field: str) -> None:
        self.field = field

    def refusal(self, value: str) -> str | None:
        label, retype = TEXTS[self.field]
        return invisible_refusal(label, retype, value, lines=self.field in MULTILINE)

    def __call__(self, value: Any) -> None:
        if refusal := self.refusal(str(value)):
            raise ValidationError(refusal, code="invisible")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.field == self.field  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.field))


@deconstructible
class NomDePersonne(Visible):
    """Refuses a professional's name (a volunteer's, a lieu's référent's) written with anything but letters of
    the Latin alphabet, spaces, hyphens, apostrophes and dots, or without a letter (web.textes.name_refusal):
    « 12345 », « =HYPERLINK(…) » and a BEL character were signed up as names."""

    def refusal(self, value: str) -> str | None:
        return name_refusal(TEXTS[self.field][0], value)


def phone_typed(raw: str, field: str = "telephone") -> str:
    """A phone typed in a form, in E.164 form (annuaire.validation.normalise_phone); its invisible characters
    refused first, by name. ValidationError in French otherwise."""
    Visible(field)(raw)
    try:
        return normalise_phone(raw)
    except InvalidValueError as exc:
        raise ValidationError(str(exc), code="telephone") from None


def telephone_e164(value: str) -> None:
    """A stored phone is a French number in E.164 form, as the forms write it (phone_typed)."""
    if phone_typed(value) != value:
        raise ValidationError(
            "Le téléphone s'enregistre au format international, par exemple +33612345678.", code="telephone"
        )


def rpps_typed(raw: str) -> str:
    """An RPPS number typed in a form: 11 digits once its spaces are removed, the last one its Luhn key
    (annuaire.validation.normalise_rpps). ValidationError in French otherwise."""
    try:
        return normalise_rpps(raw)
    except InvalidValueError as exc:
        raise ValidationError(str(exc), code="rpps") from None


def rpps_11_chiffres(value: str) -> None:
    """A stored RPPS number is 11 digits with their key, as the forms write it (rpps_typed): the référent's
    role (connexion.comptes) is granted by matching the RPPS alone."""
    if rpps_typed(value) != value:
        raise ValidationError("Le numéro RPPS s'enregistre en 11 chiffres, sans espace.", code="rpps")


# --- A lieu's place, rooms and days (the probe published a latitude of -95 in FHIR, took 0 and 99,999,999
# rooms, and [true, false] as opening days) -------------------------------------------------------------------

SALLES_MAX = 20  # doctors a lieu receives in one day: a large centre de santé hosts a few, never dozens
# How far a lieu may stand from its commune's point (the centroid of its outline, territoire): in mainland
# France, Corsica and the other overseas territories no inhabited place of a commune is that far from it (Arles,
# the largest mainland commune, puts its town hall 15 km away); a commune of French Guiana spans up to
# 18,000 km² (Maripasoula's town is 81 km from its centroid, Saint-Laurent-du-Maroni's 61 km).
RAYON_KM = 30
RAYON_KM_GUYANE = 120


def latitude(value: float) -> None:
    if not -90 <= value <= 90:  # NaN too
        raise ValidationError(
            "Latitude impossible : entre -90 et 90 degrés (de 41 à 51 en France métropolitaine). Vérifiez-la, "
            "sans l'échanger avec la longitude.",
            code="latitude",
        )


def longitude(value: float) -> None:
    if not -180 <= value <= 180:
        raise ValidationError(
            "Longitude impossible : entre -180 et 180 degrés (de -5 à 10 en France métropolitaine). "
            "Vérifiez-la, sans l'échanger avec la latitude.",
            code="longitude",
        )


def salles(value: int) -> None:
    if not 1 <= value <= SALLES_MAX:
        raise ValidationError(
            f"Entre 1 et {SALLES_MAX} médecins accueillis par jour : indiquez combien de médecins peuvent "
            "consulter en même temps dans ce lieu.",
            code="salles",
        )


def jours_de_semaine(value: Any) -> None:
    """Opening days: a list of distinct days, 0 (Monday) to 6 (Sunday). `True in range(7)` is true in Python:
    a boolean is refused by its type."""
    if not (
        isinstance(value, list)
        and all(type(day) is int and 0 <= day <= 6 for day in value)
        and len(set(value)) == len(value)
    ):
        raise ValidationError(
            "Une liste de jours de 0 (lundi) à 6 (dimanche), chacun une fois, par exemple [0, 1, 2, 3, 4].",
            code="jours",
        )


def loin_de_sa_commune(
    lat: float, lon: float, commune_lat: float, commune_lon: float, code_insee: str, nom: str
) -> str | None:
    """The French refusal of a lieu placed farther from its commune than RAYON_KM (RAYON_KM_GUYANE in French
    Guiana); else None. Such a lieu was missing from the searches around its commune."""
    rayon = RAYON_KM_GUYANE if code_insee.startswith("973") else RAYON_KM
    km = float(haversine_km(lat, lon, commune_lat, commune_lon))
    if km <= rayon:
        return None
    return (
        f"Ce point est à {km:.0f} km de {nom} : un lieu se trouve à moins de {rayon} km de sa commune. Vérifiez "
        "la latitude et la longitude (en degrés décimaux, par exemple 45.2186 et 2.3322) et la commune."
    )
