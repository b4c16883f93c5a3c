"""The patient fields a booking or a waitlist entry needs, checked with one French message per field."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from solidarite.annuaire.validation import InvalidValueError, normalise_phone
from solidarite.rdv.models import RendezVous

# Control characters (NUL, which PostgreSQL cannot store, and the like) and lone surrogates (a JSON "\ud800",
# which no UTF-8 text can hold): no name, phone, address or reason has any. The pages' forms cannot send them
# (Django refuses NUL, and decodes a form's bytes); the API's JSON body comes here directly.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
CONTROL_MESSAGE = "Ce champ contient un caractère invalide (caractère de contrôle ou mal codé) : retapez-le."
# The longest text each free-text field may hold: its column's (also given in the API's OpenAPI document).
LIMITS = {
    field: RendezVous._meta.get_field(field).max_length
    for field in ("nom", "prenom", "medecin_traitant", "motif")
}


def _text(
    data: dict[str, Any], field: str, limit: int, errors: dict[str, str], required: bool = False
) -> str:
    """A free-text field, its spaces normalised: required or not, `limit` characters at most, no control
    character."""
    value = " ".join(str(data.get(field) or "").split())
    if (required and not value) or len(value) > limit:
        errors[field] = (
            f"Champ obligatoire ({limit} caractères au plus)." if required else f"{limit} caractères au plus."
        )
    elif CONTROL.search(value):
        errors[field] = CONTROL_MESSAGE
    return value


def _check_contact(data: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {
        field: _text(data, field, LIMITS[field], errors, required=True) for field in ("nom", "prenom")
    }
    phone, email = str(data.get("telephone") or "").strip(), str(data.get("email") or "").strip().lower()
    if not phone and not email:
        errors["telephone"] = "Indiquez un téléphone ou une adresse électronique, pour vous prévenir."
    if CONTROL.search(phone):
        errors["telephone"] = CONTROL_MESSAGE
    elif phone:
        try:
            phone = normalise_phone(phone)
        except InvalidValueError as exc:
            errors["telephone"] = str(exc)
    if CONTROL.search(email):
        errors["email"] = CONTROL_MESSAGE
    elif email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = "Adresse électronique invalide."
    cleaned.update(telephone=phone, email=email)
    return cleaned


def clean_contact(data: dict[str, Any]) -> dict[str, Any]:
    """Name, first name, and a phone and/or an e-mail."""
    errors: dict[str, str] = {}
    cleaned = _check_contact(data, errors)
    if errors:
        raise ValidationError(errors)
    return cleaned


def clean_patient(data: dict[str, Any], today: dt.date | None = None) -> dict[str, Any]:
    """The contact, the birth date, and the optional médecin traitant and reason."""
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    cleaned = _check_contact(data, errors)
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
