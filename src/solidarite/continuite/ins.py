"""Identity rules of the INS (identité nationale de santé), pure Python: the matricule's key, the traits'
normal form, and what counts as the same person or a near match. No Django: read by the services and tests.

The INS matricule is the NIR (or NIA): 13 characters then a 2-digit key = 97 − (n mod 97), where n is the 13
characters read as a number, Corsica's 2A and 2B read as 19 and 18 (the rule of the NIR).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from solidarite.web.textes import une_frappe

# Digits 0 to 9 only (« \d » and int() took « ٤ » or « ４ »: a matricule kept so never matched its patient again).
MATRICULE = re.compile(r"[12378][0-9]{4}(?:[0-9]{2}|2A|2B)[0-9]{8}")


class InsError(ValueError):
    """A French message saying what is wrong with the INS."""


def cle_ins(thirteen: str) -> int:
    """The 2-digit key of the 13 first characters (Corsica: 2A -> 19, 2B -> 18)."""
    digits = thirteen.upper()
    corsica = {"2A": "19", "2B": "18"}.get(digits[5:7])
    if corsica:
        digits = digits[:5] + corsica + digits[7:]
    if not (digits.isascii() and digits.isdigit()) or len(digits) != 13:
        raise InsError(
            "Le matricule INS doit compter 13 caractères (chiffres, ou 2A/2B pour la Corse) et une clé."
        )
    return 97 - int(digits) % 97


def normalise_matricule(raw: str) -> str:
    """The 15 characters without spaces, or InsError with the reason (format, then key)."""
    value = "".join(raw.split()).upper()
    if not MATRICULE.fullmatch(value):
        raise InsError(
            "Le matricule INS doit compter 15 caractères : 13 (chiffres, ou 2A/2B pour la Corse) puis une clé "
            "de 2 chiffres."
        )
    if cle_ins(value[:13]) != int(value[13:]):
        raise InsError(
            "La clé du matricule INS est fausse : vérifiez le numéro sur la carte Vitale ou l'INSi."
        )
    return value


def incoherence(matricule: str, date_naissance: dt.date, sexe: str) -> str:
    """'' when the matricule agrees with the traits, else the French reason. A NIR (first character 1 or 2)
    writes the sex (1 man, 2 woman), then the last two digits of the birth year and the birth month (01 to 12;
    other values for a month not known, not checked): a matricule with a right key but another person's sex or
    birth was kept as this patient's INS. A NIA (temporary number) is not checked."""
    kind, year, month = matricule[0], matricule[1:3], matricule[3:5]
    if kind not in "12":
        return ""
    if sexe in {"M", "F"} and kind != {"M": "1", "F": "2"}[sexe]:
        return (
            f"Le matricule INS commence par {kind} ({'homme' if kind == '1' else 'femme'}) alors que le sexe "
            "saisi est autre : vérifiez le sexe ou le matricule."
        )
    if year != f"{date_naissance.year % 100:02d}":
        return (
            f"Le matricule INS indique une naissance en « {year} », pas en {date_naissance.year} : vérifiez la "
            "date de naissance ou le matricule."
        )
    if "01" <= month <= "12" and int(month) != date_naissance.month:
        return (
            f"Le matricule INS indique une naissance au mois {month}, pas au mois {date_naissance.month:02d} : "
            "vérifiez la date de naissance ou le matricule."
        )
    return ""


def normalise(text: str) -> str:
    """One spelling per name: accents, case, hyphens, apostrophes and repeated spaces ignored."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().upper()
    return " ".join(re.sub(r"[-'’.]", " ", ascii_text).split())


@dataclass(frozen=True)
class Traits:
    """The INS traits (birth name, first names, birth date, sex, INSEE code of the birth place)."""

    nom_naissance: str
    prenoms: str
    date_naissance: dt.date
    sexe: str
    lieu_naissance: str

    def cle(self) -> tuple[str, str, dt.date, str, str]:
        return (
            normalise(self.nom_naissance),
            normalise(self.prenoms),
            self.date_naissance,
            self.sexe,
            self.lieu_naissance.upper(),
        )


def _swapped(a: dt.date, b: dt.date) -> bool:
    return a.year == b.year and a.day == b.month and a.month == b.day and a != b


def rapprochement(a: Traits, b: Traits) -> str:
    """'' when the two are different people or the same record; otherwise why a human should look (never a
    merge: identitovigilance decides)."""
    ka, kb = a.cle(), b.cle()
    if ka == kb:
        return ""
    first_a, first_b = ka[1].split(" ")[0], kb[1].split(" ")[0]
    same_names = ka[0] == kb[0] and first_a == first_b
    if same_names and _swapped(a.date_naissance, b.date_naissance):
        return "jour et mois de naissance inversés"
    if a.date_naissance == b.date_naissance:
        if ka[0] == kb[0] and first_a != first_b and une_frappe(first_a, first_b):
            return "prénom presque identique"
        if first_a == first_b and ka[0] != kb[0] and une_frappe(ka[0], kb[0]):
            return "nom de naissance presque identique"
        if same_names:
            return "mêmes nom, prénom et date de naissance, autres traits différents"
    return ""
