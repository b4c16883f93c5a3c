"""The rules of a text a person types, for every context (a patient's booking, a volunteer's sign-up, the back
office): pure Python, no Django.

A text holds no invisible or control character (web.entrees.INVISIBLE) nor a lone surrogate (SURROGATE). A name is
written in letters of the Latin alphabet, accents and ligatures included (the état civil's, the INS's and the
RPPS's), with spaces, hyphens, apostrophes (' and ’) and dots between; it needs at least one such letter.
LETTER_CLASS is written out as ranges, which Python and the API's document (interop.schemas.NAME_PATTERN,
ECMA 262) read alike.

A patient's name is refused without a letter (`letter_refusal`, rdv.patients); a professional's name, checked
against the registers (a volunteer, a lieu's référent), is refused with any other character too
(`name_refusal`): « =HYPERLINK(…) » and « 12345 » were signed up as names.
"""

from __future__ import annotations

import re
import unicodedata

from solidarite.web.entrees import INVISIBLE, SURROGATE

# A to Z, Latin-1's letters (À…ÿ but × and ÷), Latin Extended-A and B (Œ, Ł, Ș…), Latin Extended Additional (Ẽ…).
LETTER_CLASS = "A-Za-z\\u00c0-\\u00d6\\u00d8-\\u00f6\\u00f8-\\u024f\\u1e00-\\u1eff"
LETTER = re.compile(f"[{LETTER_CLASS}]")
# What a name may hold besides its letters: spaces, hyphens, apostrophes (' and ’), dots.
NAME_MARKS = " \\-'\u2019."
NOT_IN_A_NAME = re.compile(f"[^{LETTER_CLASS}{NAME_MARKS}]")
RETYPE_NAME = "retapez-le avec des lettres, et au besoin des espaces, traits d'union, apostrophes ou points"
# What a multi-line text (a textarea) may hold of the control characters: a tab and its line breaks.
LINE_BREAKS = frozenset("\t\n\r")


def typed(value: str) -> str:
    """A one-line text as a form keeps it: its whitespace (a tab, a line break pasted in) collapsed to single
    spaces, stripped, and its accents composed (NFC: « é », not « e » and a combining accent)."""
    return unicodedata.normalize("NFC", " ".join(value.split()))


def invisible_refusal(label: str, retype: str, value: str, lines: bool = False) -> str | None:
    """The French refusal, naming the field by `label` (« Le motif ») and saying how to retype it (`retype`), of a
    text holding an invisible or control character (INVISIBLE) or a lone surrogate (SURROGATE); else None.
    `lines`: a multi-line text, whose tabs and line breaks are not refused."""
    for found in INVISIBLE.finditer(value):
        if not (lines and found.group() in LINE_BREAKS):
            return (
                f"{label} contient un caractère invisible ou de contrôle (U+{ord(found.group()):04X}) : "
                f"{retype}."
            )
    if lone := SURROGATE.search(value):
        return f"{label} contient un caractère mal codé (U+{ord(lone.group()):04X}) : {retype}."
    return None


def letter_refusal(label: str, value: str) -> str | None:
    """The French refusal of a name without a letter; else None."""
    if not LETTER.search(value):
        return f"{label} doit contenir au moins une lettre (alphabet latin, accents compris)."
    return None


def name_refusal(label: str, value: str) -> str | None:
    """The French refusal of a professional's name: an invisible character, a character that no name holds (a
    digit, « = », « ( »…), or no letter at all; else None."""
    if refusal := invisible_refusal(label, RETYPE_NAME, value):
        return refusal
    if found := NOT_IN_A_NAME.search(value):
        char = found.group()
        shown = f"« {char} »" if char.isprintable() and not char.isspace() else f"U+{ord(char):04X}"
        return f"{label} contient {shown}, qu'un nom ne contient pas : {RETYPE_NAME}."
    return letter_refusal(label, value)


def une_frappe(a: str, b: str) -> bool:
    """Whether `a` and `b` are at most one keystroke apart: one letter added, missing or replaced, or two
    neighbours swapped (a Damerau distance of at most 1). A typed name against the register's, a typed key
    against the known ones."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = next((i for i in range(len(short)) if short[i] != long_[i]), len(short))
    return short[i:] == long_[i + 1 :]
