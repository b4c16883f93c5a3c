"""The one form of a number and of a date read from a request, for the pages as for the API and FHIR
(interop.entrees re-exports these rules): pure Python, no Django.

A number is 1 to 9 ASCII digits, no sign, space, decimal point or leading zero (a row's id as the pages and the
answers write it, which every database column holds); a date is exactly AAAA-MM-JJ and exists. Python reads
more: `int` takes « ␣1 », « +1 », « 1_0 » and « ١ » (an Arabic-Indic one), `date.fromisoformat` takes
« 20261210 » and « 2026-W50-1 » (a Monday of week 50): each was another way of writing a value the page never
wrote, read as that value. A parameter given twice is refused too, rather than its last copy read.

A count typed by hand (consultations of a day, days a month, the simulator's figures) is « 0 » or a number as
above; a quantity may add a decimal part after « , » or « . » (the browser's number field sends « . », a person
types « , »). `float` took « nan », « inf », « 1e400 » (infinite) and « 1_0 » as well.

An integer option of a command (`--n 151`) is a count in the same form, of up to 18 digits: `count_argument`,
its argparse type, in place of `type=int`, which took « ١٥١ » for 151.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
from typing import Protocol

# Patterns for the OpenAPI document (JSON Schema, ECMA 262: no \d, which is not ASCII everywhere) and for Python
# (re.fullmatch: « $ » alone would let a final newline through).
ID_PATTERN = r"^[1-9][0-9]{0,8}$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
ID_MAX = 999_999_999

# No text read from a person or a data file holds an invisible or control character: Unicode's control (Cc) and
# format (Cf: soft hyphen, bidi marks and overrides, zero-width space and joiners, word joiner, BOM…) characters,
# and the private-use ones, of the Basic Multilingual Plane (Python 3.11's Unicode). Such a text looked empty on a
# list, an override reversed what followed it, a NUL cannot be stored by PostgreSQL. A lone surrogate (a JSON
# "\ud800", which no UTF-8 text can hold) is SURROGATE's, kept out of this class: schemathesis misread a class
# holding them. The class is written out as ranges, which Python and the API's document (ECMA 262) read alike.
INVISIBLE_CLASS = (
    "\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u0600-\\u0605\\u061c\\u06dd\\u070f\\u0890-\\u0891\\u08e2\\u180e"
    "\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ue000-\\uf8ff\\ufeff\\ufff9-\\ufffb"
)
INVISIBLE = re.compile(f"[{INVISIBLE_CLASS}]")
SURROGATE = re.compile("[\ud800-\udfff]")

COUNT_EXPECTED = "un nombre entier en chiffres de 0 à 9, sans signe, espace ni zéro en tête"
DECIMAL_EXPECTED = "un nombre en chiffres de 0 à 9, la virgule avant les décimales, sans signe, espace, exposant ni zéro en tête"
ID_EXPECTED = "Numéro attendu : de 1 à 999999999, en chiffres de 0 à 9, sans signe, espace ni zéro en tête."
DATE_EXPECTED = "Date attendue, au format AAAA-MM-JJ (une date qui existe)."

_ID = re.compile(ID_PATTERN[1:-1])
_DATE = re.compile(DATE_PATTERN[1:-1])
_COUNT = re.compile(r"0|[1-9][0-9]{0,8}")
_COUNT_ARGUMENT = re.compile(r"0|[1-9][0-9]{0,17}")  # over 10⁹ too: its command says why it cannot be met
_NOMBRE_ARGUMENT = re.compile(
    r"[+-]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|nan|inf|infinity)", re.IGNORECASE
)
_DECIMAL = re.compile(r"(?:0|[1-9][0-9]{0,8})(?:[.,][0-9]{1,9})?")


def parse_id(text: str) -> int | None:
    """The number `text` writes in the one accepted form, else None."""
    return int(text) if _ID.fullmatch(text) else None


def parse_count(text: str) -> int | None:
    """The count `text` writes (« 0 » or a number of 1 to 9 ASCII digits, no leading zero), else None."""
    return int(text) if _COUNT.fullmatch(text) else None


def count_argument(text: str) -> int:
    """The argparse type of a command's integer option (`type=count_argument`): « 0 » or up to 18 ASCII digits,
    no sign, space or leading zero; else argparse says « argument --n : … » in French and the command exits 2.
    No integer option of the commands takes a negative number (a seed neither: `random` seeds with its absolute
    value, numpy refuses one), so there is no sign to allow; a bound (--n > 0) is checked by the command."""
    if not _COUNT_ARGUMENT.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"nombre entier attendu, en chiffres de 0 à 9 (18 au plus), sans signe, espace ni zéro en tête "
            f"(reçu : {text!r})"
        )
    return int(text)


def nombre_argument(text: str) -> float:
    """The argparse type of a command's decimal option (`type=nombre_argument`), a duration in seconds: ASCII
    digits, a point, an exponent (float() took « ٦٠ », « 1_0 », « ６０ »); « nan » and « inf » pass, for the
    command to say why a duration cannot be one (`planning.commandes.verifier_duree`)."""
    if not _NOMBRE_ARGUMENT.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"nombre attendu, en chiffres de 0 à 9 avec un point avant les décimales (reçu : {text!r})"
        )
    return float(text)


def parse_decimal(text: str) -> float | None:
    """The quantity `text` writes (a count, then « , » or « . » and 1 to 9 decimals), else None: always finite."""
    return float(text.replace(",", ".")) if _DECIMAL.fullmatch(text) else None


def parse_date(text: str) -> dt.date | None:
    """The day `text` writes as AAAA-MM-JJ, else None (a 30 February too)."""
    if not _DATE.fullmatch(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


class Params(Protocol):
    """What a page reads its parameters from (Django's QueryDict: request.GET, request.POST)."""

    def getlist(self, key: str) -> list[str]: ...


class EntreeInvalide(ValueError):
    """A parameter of a page not in its one form (or given twice); the message says the form in French."""


def read_id(params: Params, name: str) -> int:
    """The number of the parameter `name`, given once in its one form; EntreeInvalide otherwise (absent too)."""
    values = params.getlist(name)
    number = parse_id(values[0]) if len(values) == 1 else None
    if number is None:
        raise EntreeInvalide(ID_EXPECTED)
    return number


def read_date(params: Params, name: str, default: dt.date | None = None) -> dt.date | None:
    """The day of the parameter `name`, given once as AAAA-MM-JJ; `default` when absent or empty;
    EntreeInvalide otherwise."""
    values = params.getlist(name)
    if not values or values == [""]:
        return default
    day = parse_date(values[0]) if len(values) == 1 else None
    if day is None:
        raise EntreeInvalide(DATE_EXPECTED)
    return day


def too_long(text: str, limit: int, what: str) -> str | None:
    """The French refusal of a free text longer than `limit` characters (`what` names the field, capitalised),
    with the limit and the length received; None when it fits. A text over its limit is refused whole, never
    cut: a reason cut at its limit was saved as if complete while the page reported success."""
    if len(text) <= limit:
        return None
    maximum, longueur = (f"{n:,}".replace(",", "\u202f") for n in (limit, len(text)))  # French digit groups
    return (
        f"{what} : {longueur} caractères reçus, {maximum} au plus. Raccourcissez le texte ; rien n'a été "
        "enregistré."
    )
