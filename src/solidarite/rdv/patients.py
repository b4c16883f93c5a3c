"""The patient fields a booking or a waitlist entry needs, checked with one French message per field."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.crypto import salted_hmac

from solidarite.annuaire.validation import InvalidValueError, normalise_phone
from solidarite.rdv.models import RendezVous
from solidarite.web.textes import RETYPE_NAME, invisible_refusal, letter_refusal

# The longest text each free-text field may hold: its column's (also given in the API's OpenAPI document).
LIMITS = {
    field: RendezVous._meta.get_field(field).max_length
    for field in ("nom", "prenom", "medecin_traitant", "motif")
}
# The e-mail's column (the API's document says 254): Django's validate_email takes up to 320 characters, and the
# API booked a longer address than its column holds, which PostgreSQL refuses (a 500).
EMAIL_MAX = RendezVous._meta.get_field("email").max_length


# A patient's name needs at least one letter of the Latin alphabet (web.textes: LETTER_CLASS, shared with the API's
# document and the annuaire) and holds no invisible or control character (web.entrees.INVISIBLE_CLASS).
# Every text a patient types, names or not, is refused with an invisible or control character: a motif or a
# médecin traitant of a right-to-left override reversed what the day's list showed after it, an e-mail's domain
# took one (Django's validate_email reads any character above U+00A0 as a letter of a domain). Each refusal names
# its field and says how to retype it.
FIELDS = {
    "nom": ("Le nom", RETYPE_NAME),
    "prenom": ("Le prénom", RETYPE_NAME),
    "telephone": ("Le téléphone", "retapez-le avec des chiffres, par exemple 06 12 34 56 78"),
    "email": ("L'adresse électronique", "retapez-la sans ce caractère"),
    "medecin_traitant": ("Le champ « Médecin traitant »", "retapez-le sans ce caractère"),
    "motif": ("Le motif", "retapez-le sans ce caractère"),
}


# Neither a phone nor an e-mail: a refusal of the two fields together, under a key of its own (a form shows it on
# the fieldset that groups them, DSFR's pattern; the API under each of the two, `errors_by_field`). A phone or an
# e-mail that reads as none is refused under its own field.
CONTACT = "contact"
CONTACT_FIELDS = ("telephone", "email")
CONTACT_MISSING = "Indiquez un téléphone ou une adresse électronique, pour vous prévenir."


def errors_by_field(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """The refusals as the API names them, each under a field of the request: the missing contact under
    `telephone` (where it always was) and `email` both."""
    named = {field: messages for field, messages in errors.items() if field != CONTACT}
    for field in CONTACT_FIELDS if CONTACT in errors else ():
        named.setdefault(field, errors[CONTACT])
    return named


def invisible_error(field: str, value: str) -> str | None:
    """The French refusal, naming `field`, of a text holding an invisible or control character (web.entrees.INVISIBLE) or a
    lone surrogate (SURROGATE); else None."""
    label, retype = FIELDS[field]
    return invisible_refusal(label, retype, value)


def _text(
    data: dict[str, Any], field: str, limit: int, errors: dict[str, str], required: bool = False
) -> str:
    """A free-text field, its spaces normalised (a tab or a line break pasted in is a space): required or not,
    `limit` characters at most, no invisible or control character."""
    value = " ".join(str(data.get(field) or "").split())
    if (required and not value) or len(value) > limit:
        errors[field] = (
            f"Champ obligatoire ({limit} caractères au plus)." if required else f"{limit} caractères au plus."
        )
    elif refusal := invisible_error(field, value):
        errors[field] = refusal
    return value


def _name_error(field: str, value: str) -> str | None:
    """The French refusal of a name without a letter; else None (its invisible characters are _text's)."""
    return letter_refusal(FIELDS[field][0], value)


def check_contact(data: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """Name, first name, and a phone and/or an e-mail, as far as they read: each refusal into `errors` (one French
    message per field, or for both contact fields at once: `CONTACT`), every field checked whatever the others
    gave."""
    cleaned: dict[str, Any] = {
        field: _text(data, field, LIMITS[field], errors, required=True) for field in ("nom", "prenom")
    }
    for field in ("nom", "prenom"):
        if field not in errors and (refusal := _name_error(field, cleaned[field])):
            errors[field] = refusal
    phone, email = str(data.get("telephone") or "").strip(), str(data.get("email") or "").strip().lower()
    if not phone and not email:
        errors[CONTACT] = CONTACT_MISSING
    if refusal := invisible_error("telephone", phone):
        errors["telephone"] = refusal
    elif phone:
        try:
            phone = normalise_phone(phone)
        except InvalidValueError as exc:
            errors["telephone"] = str(exc)
    if refusal := invisible_error("email", email):
        errors["email"] = refusal
    elif len(email) > EMAIL_MAX:
        errors["email"] = f"Adresse électronique trop longue : {EMAIL_MAX} caractères au plus."
    elif email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = "Adresse électronique invalide."
    cleaned.update(telephone=phone, email=email)
    return cleaned


def clean_patient(data: dict[str, Any], today: dt.date | None = None) -> dict[str, Any]:
    """The contact, the birth date, and the optional médecin traitant and reason."""
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    cleaned = check_contact(data, errors)
    birth = data.get("date_naissance")
    try:
        birth_date = birth if isinstance(birth, dt.date) else dt.date.fromisoformat(str(birth))
    except ValueError:
        birth_date = None
    if birth_date is None or not (dt.date(1900, 1, 1) <= birth_date <= today):
        errors["date_naissance"] = (
            "Date de naissance impossible : format AAAA-MM-JJ, entre 1900 et aujourd'hui."
        )
    cleaned["date_naissance"] = birth_date
    for field in ("medecin_traitant", "motif"):
        cleaned[field] = _text(data, field, LIMITS[field], errors)
    if errors:
        raise ValidationError(errors)
    return cleaned


IDENTITY_SALT = "solidarite.rdv.patients.identite"  # the keys already stored hold it: never change it


def _spelling(name: str) -> str:
    """One spelling per name: accents, case, hyphens, apostrophes, dots and repeated spaces ignored (« Hélène
    Le-Gall » is « helene le gall »)."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[-'’.]", " ", bare.casefold()).split())


def identity_key(nom: str, prenom: str, date_naissance: dt.date, secret: str | None = None) -> str:
    """The person an appointment is for (name, first name and birth date, normalised), as a keyed hash: what the
    constraint of one appointment per person, lieu and day compares (RendezVous.identite), without a second copy
    of the name. Keyed with SECRET_KEY, or with `secret` (`former_identity_keys`)."""
    text = f"{_spelling(nom)}|{_spelling(prenom)}|{date_naissance:%Y-%m-%d}"
    return salted_hmac(IDENTITY_SALT, text, secret=secret, algorithm="sha256").hexdigest()


def former_identity_keys(nom: str, prenom: str, date_naissance: dt.date) -> list[str]:
    """The same person's key under each former SECRET_KEY (SECRET_KEY_FALLBACKS, declared after a change of the
    key): the appointments booked before the change hold those, and the one-a-day rule still sees them. Empty,
    and no query, when no former key is declared."""
    return [identity_key(nom, prenom, date_naissance, secret=old) for old in settings.SECRET_KEY_FALLBACKS]
