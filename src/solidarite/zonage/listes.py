"""An official list of zones rouges read from a CSV, as the ministry, an ARS or the press gives it: SIREN codes,
or the EPCI's names as they are written there ("Communauté de communes du Haut Allier Margeride",
"CC des Pays de L'Aigle", "Pays de l'Aigle (L'Aigle)", "des sept Vallées"), with a region or a département
column to tell homonyms apart. Pure, typed; the back office and `zonage calibrer --liste` both read with it.

A name is matched on its core: accents, case, punctuation, the words of the EPCI's legal form (communauté de
communes, d'agglomération, urbaine, métropole), small words (de, du, la…) and a trailing parenthesis (the seat
towns the press adds) are left out; numbers are read as words ("7" = "sept"). The core must equal the core of
one EPCI; failing that, it may be contained in the core of exactly one EPCI ("Haut Allier", region Occitanie,
is "CC du Haut Allier Margeride"), a match said "par inclusion"; failing that, differ from exactly one by a letter
or two (`RESSEMBLANCE`: the press's "Andaines Passais" is "CC Andaine - Passais"), "par ressemblance". Both are
shown to the user to check. Several EPCI → the line is refused with the candidates and their SIREN; none →
refused with the closest names. One bad line refuses the whole list: nothing half-imported.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

RE_SIREN = re.compile(r"^\d{9}$")
MAX_ERREURS = 20
RESSEMBLANCE = 0.9  # a name this close to one EPCI's (a letter or two: "Andaines Passais") designates it

MOTS_FORME = frozenset(
    {
        "communaute",
        "communes",
        "agglomeration",
        "agglo",
        "urbaine",
        "metropole",
        "cc",
        "ca",
        "cu",
        "cdc",
        "epci",
    }
)
PETITS_MOTS = frozenset({"de", "du", "des", "la", "le", "les", "l", "d", "et", "en", "a", "au", "aux"})
NOMBRES = {
    "1": "un",
    "2": "deux",
    "3": "trois",
    "4": "quatre",
    "5": "cinq",
    "6": "six",
    "7": "sept",
    "8": "huit",
    "9": "neuf",
    "10": "dix",
    "st": "saint",
    "ste": "sainte",
}
# Header cells are recognised by their words ("SIREN de l'EPCI", "Nom de l'intercommunalité", "Code région").
MOTS_SIREN = frozenset({"siren"})
MOTS_NOM = frozenset({"nom", "libelle", "intercommunalite", "denomination", "raison"})
MOTS_REGION = frozenset({"region"})
MOTS_DEPARTEMENT = frozenset({"departement", "departements", "dep", "dept"})


@dataclass(frozen=True)
class EpciRef:
    """What the list is matched against: an EPCI, its regions (code, name) and départements (codes)."""

    siren: str
    nom: str
    regions: tuple[tuple[str, str], ...]
    departements: tuple[str, ...]


@dataclass(frozen=True)
class Correspondance:
    """One line of the list and the EPCI it designates; `mode`: "siren", "nom", "inclusion" or "ressemblance"."""

    ligne: int
    texte: str
    siren: str
    mode: str


class ListeError(ValueError):
    """The list is refused whole; `messages` names every bad line (the first MAX_ERREURS)."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


def _sans_accents(text: str) -> str:
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def normaliser(text: str) -> str:
    """Lower case, no accents, words separated by one space (any punctuation is a separator)."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", _sans_accents(text).lower()).split())


def noyau(nom: str) -> frozenset[str]:
    """The words that name the EPCI, without its legal form, small words or a trailing parenthesis."""
    sans_parenthese = re.sub(r"\([^)]*\)\s*$", "", nom.strip())
    words = normaliser(sans_parenthese).split()
    return frozenset(NOMBRES.get(w, w) for w in words if w not in MOTS_FORME and w not in PETITS_MOTS)


def _colonne(header: list[str], mots: frozenset[str], exclus: Iterable[int] = ()) -> int | None:
    """The first header cell (normalised) holding one of `mots`, not among `exclus`."""
    for k, cell in enumerate(header):
        if k not in exclus and mots & set(cell.split()):
            return k
    return None


def _decrire(ref: EpciRef) -> str:
    return f"{ref.siren} {ref.nom} ({', '.join(ref.departements)})"


class _Index:
    def __init__(self, epcis: Sequence[EpciRef]) -> None:
        self.by_siren = {e.siren: e for e in epcis}
        self.cores = [(noyau(e.nom), e) for e in epcis]
        self.labels = {" ".join(sorted(core)): e for core, e in self.cores}

    def chercher(self, nom: str, region: str, departement: str) -> tuple[list[EpciRef], str]:
        """The EPCI the name may designate, and how ("nom", "inclusion" or "ressemblance")."""
        core = noyau(nom)
        if not core:
            return [], "nom"

        def within(refs: list[EpciRef]) -> list[EpciRef]:
            if region:
                wanted = re.sub(r"^region ", "", normaliser(region))
                refs = [e for e in refs if any(wanted in (c.lower(), normaliser(n)) for c, n in e.regions)]
            if departement:
                wanted_dep = re.sub(r"\.0$", "", departement.strip()).upper().zfill(2)
                refs = [e for e in refs if wanted_dep in e.departements]
            return refs

        exact_all = [e for c, e in self.cores if c == core]
        exact = within(exact_all)
        if exact:
            return exact, "nom"
        if exact_all:  # the very name, but outside the region or département given: not another EPCI
            return [], "nom"
        # A part of a name and a name a letter away are weighed together: « Ardennes Métropole » is a part
        # of « CC Ardennes Thiérache » and a letter from « CA Ardenne Métropole »; both → ambiguous.
        included = within([e for c, e in self.cores if core < c])
        label = " ".join(sorted(core))
        alike = within(
            [
                e
                for c, e in self.cores
                if difflib.SequenceMatcher(None, label, " ".join(sorted(c))).ratio() >= RESSEMBLANCE
            ]
        )
        both = included + [e for e in alike if e not in included]
        return both, "inclusion" if len(both) != 1 or both[0] in included else "ressemblance"

    def proches(self, nom: str) -> list[str]:
        label = " ".join(sorted(noyau(nom)))
        return [
            _decrire(self.labels[m]) for m in difflib.get_close_matches(label, self.labels, n=3, cutoff=0.6)
        ]


def lire_liste(text: str, epcis: Sequence[EpciRef]) -> list[Correspondance]:
    """The EPCI of a list, in its order; raises ListeError naming every bad line (nothing is kept then).

    Accepted: a CSV (comma or semicolon) with a `siren` column and/or a name column (`nom`, `epci`,
    `intercommunalite`, `libelle`), optionally `region` and `departement` to tell homonyms apart; or no header,
    one SIREN or one name per line."""
    if not text.strip():
        raise ListeError(["Le fichier est vide."])
    lines = text.splitlines()  # any line ending (old Macs write CR alone)
    first = lines[0]
    delimiter = ";" if ";" in first else "\t" if "\t" in first else ","
    try:
        header_cells = next(csv.reader([first], delimiter=delimiter))
    except csv.Error as exc:
        raise ListeError([f"ligne 1 illisible ({exc})."]) from None
    header = [normaliser(cell) for cell in header_cells]
    col_siren = _colonne(header, MOTS_SIREN)
    col_region = _colonne(header, MOTS_REGION)
    col_dep = _colonne(header, MOTS_DEPARTEMENT)
    taken = {k for k in (col_siren, col_region, col_dep) if k is not None}
    col_nom = _colonne(header, MOTS_NOM, taken)  # « Nom de la région » is the region's column
    if col_nom is None and "epci" in header and header.index("epci") not in taken:
        col_nom = header.index("epci")  # a bare "EPCI" column: names, or codes (read as SIREN below)
    has_header = col_siren is not None or col_nom is not None
    if not has_header or len(header) == 1:  # one name or code per line: the whole line, commas included
        col_siren = col_region = col_dep = None
        col_nom = 0
        body = [(n, [line.strip().strip('"').strip()]) for n, line in enumerate(lines, start=1)][
            1 if has_header else 0 :
        ]
    else:
        try:
            parsed = list(csv.reader(io.StringIO("\n".join(lines[1:])), delimiter=delimiter))
        except csv.Error as exc:
            raise ListeError([f"Le fichier n'est pas un CSV lisible ({exc})."]) from None
        if len(parsed) != len(lines) - 1:
            raise ListeError(
                ["Le fichier n'est pas un CSV lisible (un guillemet ouvert n'est pas refermé ?)."]
            )
        body = list(enumerate(parsed, start=2))
    index = _Index(epcis)
    seen: dict[str, int] = {}
    result: list[Correspondance] = []
    errors: list[str] = []

    def cell(row: list[str], column: int | None) -> str:
        return row[column].strip() if column is not None and column < len(row) else ""

    for number, row in body:
        if not row or not "".join(row).strip(" ;,\t"):
            continue
        if len(row) > len(header) > 1:
            errors.append(
                f"ligne {number} : {len(row)} champs pour {len(header)} colonnes "
                "(un nom contenant le séparateur doit être entre guillemets)."
            )
            continue
        siren, nom = cell(row, col_siren), cell(row, col_nom)
        if nom.isdigit():  # an "epci" column of codes, as INSEE's files have
            if siren and nom != siren:
                errors.append(f"ligne {number} : deux SIREN différents, {siren} et {nom}.")
                continue
            siren, nom = nom, ""
        if siren:
            if not RE_SIREN.match(siren):
                errors.append(f"ligne {number} : {siren!r} n'est pas un SIREN (9 chiffres).")
                continue
            if siren not in index.by_siren:
                errors.append(f"ligne {number} : le SIREN {siren} n'est pas un EPCI connu.")
                continue
            if nom and index.by_siren[siren] not in index.chercher(nom, "", "")[0]:
                errors.append(
                    f"ligne {number} : le SIREN {siren} est celui de « {index.by_siren[siren].nom} », "
                    f"pas de « {nom} » : corrigez l'un ou l'autre."
                )
                continue
            found, mode, texte = siren, "siren", siren
        elif nom:
            region, departement = cell(row, col_region), cell(row, col_dep)
            candidates, mode = index.chercher(nom, region, departement)
            if len(candidates) > 1:
                listed = " ; ".join(_decrire(e) for e in candidates[:5])
                errors.append(
                    f"ligne {number} : « {nom} » peut désigner {len(candidates)} EPCI ({listed}) : "
                    "donnez le SIREN, ou la région ou le département dans une colonne."
                )
                continue
            elsewhere = index.chercher(nom, "", "")[0] if not candidates and (region or departement) else []
            if elsewhere:
                parts = [
                    f"la région {region}" if region else "",
                    f"le département {departement}" if departement else "",
                ]
                where = " et ".join(x for x in parts if x)
                listed = " ; ".join(_decrire(e) for e in elsewhere[:5])
                errors.append(
                    f"ligne {number} : « {nom} » ne désigne aucun EPCI dans {where}, mais ailleurs : {listed}."
                )
                continue
            if not candidates:
                near = index.proches(nom)
                hint = f" Noms proches : {' ; '.join(near)}." if near else ""
                errors.append(f"ligne {number} : aucun EPCI ne s'appelle « {nom} ».{hint}")
                continue
            found, texte = candidates[0].siren, nom
        else:
            errors.append(f"ligne {number} : ni SIREN ni nom d'EPCI.")
            continue
        if found in seen:
            errors.append(
                f"ligne {number} : l'EPCI {_decrire(index.by_siren[found])} figure déjà ligne {seen[found]}."
            )
            continue
        seen[found] = number
        result.append(Correspondance(number, texte, found, mode))
    if errors:
        more = (
            [f"… et {len(errors) - MAX_ERREURS} autre(s) ligne(s) refusée(s)."]
            if len(errors) > MAX_ERREURS
            else []
        )
        raise ListeError(["Liste refusée, rien n'a été importé :", *errors[:MAX_ERREURS], *more])
    if not result:
        raise ListeError(["Aucun SIREN ni nom d'EPCI dans le fichier."])
    return result


def resume(lues: Sequence[Correspondance], noms: dict[str, str]) -> list[str]:
    """What was read, in French: the count by way of matching, then each approximate match to check."""
    count = {m: sum(1 for c in lues if c.mode == m) for m in ("siren", "nom", "inclusion", "ressemblance")}
    lines = [
        f"Liste officielle : {len(lues)} EPCI ({count['siren']} par SIREN, {count['nom']} par leur nom, "
        f"{count['inclusion']} par une partie de leur nom, {count['ressemblance']} par un nom ressemblant ; "
        "ces derniers sont à vérifier)."
    ]
    lines += [
        f"ligne {c.ligne} : « {c.texte} » → {c.siren} {noms.get(c.siren, '')} ({c.mode})"
        for c in lues
        if c.mode in ("inclusion", "ressemblance")
    ]
    return lines
