"""A person's name as an account keeps it, from what an identity provider (or a register) gives: readable text
that fits its column.

A blind `[:150]` kept the provider's control and format characters (a bidi override reverses what follows it on
every page that shows the name) and could cut between a letter and its accent, leaving a lone combining mark.
Pure: no Django; the caller passes the column's length (`max_length` of its field).
"""

from __future__ import annotations

import unicodedata

ELLIPSIS = "…"
# Dropped: control (Cc: NUL, escapes…), format (Cf: bidi marks, overrides and isolates, zero-width space and
# joiners, soft hyphen, BOM…), lone surrogates (Cs: no UTF-8 text holds them) and private use (Co: no meaning
# outside the provider). Whitespace among them (tab, line breaks, U+0085) is a space first: « Jean\nPierre »
# is « Jean Pierre », not « JeanPierre ».
DROPPED = frozenset({"Cc", "Cf", "Cs", "Co"})
# What belongs to the character before it and is never cut from it: combining marks (accents, cedillas: Mn, Mc,
# Me), emoji skin-tone modifiers, and the vowel and final jamo of a Hangul syllable that NFC left decomposed.
ATTACHED = frozenset({"Mn", "Mc", "Me"})


def _attached(char: str) -> bool:
    point = ord(char)
    return (
        unicodedata.category(char) in ATTACHED
        or 0x1F3FB <= point <= 0x1F3FF
        or 0x1160 <= point <= 0x11FF
        or 0xD7B0 <= point <= 0xD7FF
    )


def clean_text(raw: object) -> str:
    """`raw` as text, without the DROPPED characters, normalised to NFC, its whitespace collapsed to single
    spaces and stripped."""
    spaced = " ".join(str(raw or "").split())
    kept = "".join(c for c in spaced if unicodedata.category(c) not in DROPPED)
    return " ".join(unicodedata.normalize("NFC", kept).split())


def fit_name(raw: object, limit: int | None) -> str:
    """The cleaned name (clean_text), at most `limit` characters (a column's `max_length`; None: no limit): a longer
    one is cut between two characters that do not belong together (a letter keeps its accents) and ends with « … »."""
    if limit is not None and limit < 1:
        raise ValueError(f"Longueur maximale impossible : {limit}.")
    name = clean_text(raw)
    if limit is None or len(name) <= limit:
        return name
    end = limit - len(ELLIPSIS)
    while end > 0 and _attached(name[end]):  # name[end] would be the first character left out
        end -= 1
    return name[:end].rstrip() + ELLIPSIS
