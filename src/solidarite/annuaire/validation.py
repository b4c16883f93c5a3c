"""Checks for the annuaire: RPPS key (Luhn), French phone numbers. Pure: no Django."""

from __future__ import annotations

import phonenumbers


class InvalidValueError(ValueError):
    """A value that cannot be right, explained in French."""


def luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def normalise_rpps(raw: str) -> str:
    """The 11-digit RPPS number, spaces removed; its last digit is a Luhn key."""
    digits = "".join(raw.split())
    if not (digits.isascii() and digits.isdigit()) or len(digits) != 11:  # « ² » is a digit to isdigit
        raise InvalidValueError("Le numéro RPPS compte 11 chiffres (il figure sur votre carte CPS).")
    if not luhn_ok(digits):
        raise InvalidValueError(
            "Ce numéro RPPS n'est pas valide : sa clé de contrôle ne correspond pas. Vérifiez les chiffres."
        )
    return digits


def rpps_with_key(first_ten: str) -> str:
    """Completes 10 digits with their Luhn key (used by the demo generator)."""
    for key in "0123456789":
        if luhn_ok(first_ten + key):
            return first_ten + key
    raise AssertionError("unreachable: one Luhn key always exists")


# Overseas numbers written in national form (0690…, 0696…, 0262…) belong to their own region codes.
FRENCH_REGIONS = ("FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "NC", "PF", "WF")


# The ten-digit plan that starts with 0: metropolitan France and the five overseas départements (0690 Guadeloupe…).
# The other territories (Saint-Pierre-et-Miquelon, Nouvelle-Calédonie…) have shorter numbers of their own: read only
# when typed with their code (+508…), or a mistyped mobile « 06 12 34 5 » would be a valid number there.
NATIONAL_PLAN = ("FR", "GP", "MQ", "GF", "RE", "YT")


def normalise_phone(raw: str) -> str:
    """A French phone number (metropolitan or overseas) in E.164 form, e.g. +33612345678."""
    readable = False
    international = raw.strip().startswith(("+", "00"))
    for region in FRENCH_REGIONS if international else NATIONAL_PLAN:
        try:
            number = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            continue
        readable = True
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if not readable:
        raise InvalidValueError("Numéro de téléphone illisible : saisissez par exemple 06 12 34 56 78.")
    raise InvalidValueError(
        "Ce numéro de téléphone n'existe pas : vérifiez le nombre de chiffres et l'indicatif."
    )


SMS_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def receives_sms(e164: str) -> bool:
    """A number that can receive an SMS: a mobile (06, 07, overseas 0690…), not a landline (01 to 05) nor a
    box line (09)."""
    try:
        return phonenumbers.number_type(phonenumbers.parse(e164, "FR")) in SMS_TYPES
    except phonenumbers.NumberParseException:
        return False


def display_phone(e164: str) -> str:
    try:
        return phonenumbers.format_number(
            phonenumbers.parse(e164, "FR"), phonenumbers.PhoneNumberFormat.NATIONAL
        )
    except phonenumbers.NumberParseException:
        return e164
