"""The forms the API and FHIR read in an address, strictly: one rule per kind of parameter, shared by both.

A number is 1 to 9 ASCII digits, no sign, space, decimal point or leading zero (a row's id as the answers write
it, which every database column holds); a date is exactly AAAA-MM-JJ and exists; a code INSEE is 5 characters.
Anything else is refused with the French message below naming the expected form, never read loosely: pydantic
and the FHIR views took « 2026-12-10T08:00 », « 2026-12-10 », « ␣1 », « +1 », « 1.0 », « 01 » or « ١ » as the
value they resembled.
"""

from __future__ import annotations

import re

from solidarite.web.entrees import COUNT_EXPECTED as COUNT_EXPECTED
from solidarite.web.entrees import DATE_EXPECTED as DATE_EXPECTED
from solidarite.web.entrees import DATE_PATTERN as DATE_PATTERN
from solidarite.web.entrees import ID_EXPECTED as ID_EXPECTED
from solidarite.web.entrees import ID_MAX as ID_MAX
from solidarite.web.entrees import ID_PATTERN as ID_PATTERN
from solidarite.web.entrees import parse_count as parse_count
from solidarite.web.entrees import parse_date as parse_date
from solidarite.web.entrees import parse_id as parse_id

# The number and the date are the pages' rules too (web.entrees); patterns for the OpenAPI document (JSON
# Schema, ECMA 262: no \d) and for Python (re.fullmatch: « $ » alone would let a final newline through).
INSEE_PATTERN = r"^(?:[0-9]{2}|2[AB])[0-9]{3}$"
# A patient's link as rdv.services.jeton_for signs it (django.core.signing.dumps: « [.]<données>:<date>:<signature> »,
# the dot when compressed).
JETON_PATTERN = r"^\.?[A-Za-z0-9_-]{1,400}:[A-Za-z0-9_-]{1,20}:[A-Za-z0-9_-]{1,100}$"
# A slot: « <mission>-<AAAAMMJJhhmm> » (rdv.creneaux.slot_id), a mission number and a start in this century.
SLOT_ID_PATTERN = (
    r"^[1-9][0-9]{0,8}-20[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])([01][0-9]|2[0-3])[0-5][0-9]$"
)
INSEE_EXPECTED = "Code INSEE attendu : 5 caractères, chiffres, ou 2A ou 2B suivis de 3 chiffres (« 58194 »)."
JETON_EXPECTED = (
    "Lien attendu tel que donné à la réservation (lettres, chiffres, « - », « _ », « : », « . »)."
)

_INSEE = re.compile(INSEE_PATTERN[1:-1])
_JETON = re.compile(JETON_PATTERN[1:-1])
_SLOT_ID = re.compile(SLOT_ID_PATTERN[1:-1])


def is_insee(text: str) -> bool:
    return _INSEE.fullmatch(text) is not None


def is_jeton(text: str) -> bool:
    return _JETON.fullmatch(text) is not None


def is_slot_id(text: str) -> bool:
    return _SLOT_ID.fullmatch(text) is not None
