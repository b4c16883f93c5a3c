"""The forms the API and FHIR read in an address, strictly: one rule per kind of parameter, shared by both.

A number is 1 to 9 ASCII digits, no sign, space, decimal point or leading zero (a row's id as the answers write
it, which every database column holds); a date is exactly AAAA-MM-JJ and exists; a code INSEE is 5 characters.
Anything else is refused with the French message below naming the expected form, never read loosely: pydantic
and the FHIR views took « 2026-12-10T08:00 », « 2026-12-10 », « ␣1 », « +1 », « 1.0 », « 01 » or « ١ » as the
value they resembled.
"""

from __future__ import annotations

import datetime as dt
import re

# Patterns for the OpenAPI document (JSON Schema, ECMA 262: no \d, which is not ASCII everywhere) and for Python
# (re.fullmatch: « $ » alone would let a final newline through).
ID_PATTERN = r"^[1-9][0-9]{0,8}$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
INSEE_PATTERN = r"^(?:[0-9]{2}|2[AB])[0-9]{3}$"
# A patient's link as rdv.services.jeton_for signs it (django.core.signing.dumps: « [.]<données>:<date>:<signature> »,
# the dot when compressed).
JETON_PATTERN = r"^\.?[A-Za-z0-9_-]{1,400}:[A-Za-z0-9_-]{1,20}:[A-Za-z0-9_-]{1,100}$"
# A slot: « <mission>-<AAAAMMJJhhmm> » (rdv.creneaux.slot_id), a mission number and a start in this century.
SLOT_ID_PATTERN = (
    r"^[1-9][0-9]{0,8}-20[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])([01][0-9]|2[0-3])[0-5][0-9]$"
)
ID_MAX = 999_999_999

ID_EXPECTED = "Numéro attendu : de 1 à 999999999, en chiffres de 0 à 9, sans signe, espace ni zéro en tête."
DATE_EXPECTED = "Date attendue, au format AAAA-MM-JJ (une date qui existe)."
INSEE_EXPECTED = "Code INSEE attendu : 5 caractères, chiffres, ou 2A ou 2B suivis de 3 chiffres (« 58194 »)."
JETON_EXPECTED = (
    "Lien attendu tel que donné à la réservation (lettres, chiffres, « - », « _ », « : », « . »)."
)

_ID = re.compile(ID_PATTERN[1:-1])
_DATE = re.compile(DATE_PATTERN[1:-1])
_INSEE = re.compile(INSEE_PATTERN[1:-1])
_JETON = re.compile(JETON_PATTERN[1:-1])
_SLOT_ID = re.compile(SLOT_ID_PATTERN[1:-1])


def parse_id(text: str) -> int | None:
    """The number `text` writes in the one accepted form, else None."""
    return int(text) if _ID.fullmatch(text) else None


def parse_date(text: str) -> dt.date | None:
    """The day `text` writes as AAAA-MM-JJ, else None (a 30 February too)."""
    if not _DATE.fullmatch(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def is_insee(text: str) -> bool:
    return _INSEE.fullmatch(text) is not None


def is_jeton(text: str) -> bool:
    return _JETON.fullmatch(text) is not None


def is_slot_id(text: str) -> bool:
    return _SLOT_ID.fullmatch(text) is not None
