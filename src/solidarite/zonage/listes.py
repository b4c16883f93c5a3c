"""An official list of zones rouges read from a CSV (UTF-8, UTF-16 or Windows-1252) or an .xlsx workbook, as
the ministry, an ARS or the press gives it, the header possibly under a title: SIREN codes, or the EPCI's names
as they are written there ("Communauté de communes du Haut Allier Margeride", "CC des Pays de L'Aigle",
"Pays de l'Aigle (L'Aigle)", "des sept Vallées"), with a region or a département column to tell homonyms apart. Pure, typed; the back office and `zonage calibrer --liste` both read with it.

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
from decimal import Decimal

from solidarite.systeme import raison_csv

RE_SIREN = re.compile(r"^\d{9}$")
# A number as a spreadsheet writes it in a narrow column or a CSV (« 2,00000172E+08 », « 2.00000172E+08 »)
RE_SCIENTIFIQUE = re.compile(r"^\d[.,]\d+E\+?\d{1,2}$", re.IGNORECASE)


def _siren_scientifique(text: str) -> str | None:
    """The 9-digit number a number in scientific notation writes, else None (the list checks it is an EPCI's:
    a display rounded to « 2,00E+08 » writes 200000000)."""
    value = Decimal(text.replace(",", "."))
    return str(int(value)) if value == value.to_integral_value() and RE_SIREN.match(str(int(value))) else None


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


def _semblable(a: str, b: str) -> bool:
    """Ratio ≥ RESSEMBLANCE, with difflib's cheap upper bounds first: most names are far apart."""
    matcher = difflib.SequenceMatcher(None, a, b)
    return (
        matcher.real_quick_ratio() >= RESSEMBLANCE
        and matcher.quick_ratio() >= RESSEMBLANCE
        and matcher.ratio() >= RESSEMBLANCE
    )


def _court(text: str, longueur: int = 80) -> str:
    """A text of the user's file as quoted back in a message: a line of 900 kB is not repeated whole."""
    return text if len(text) <= longueur else text[: longueur - 1] + "…"


class _Index:
    def __init__(self, epcis: Sequence[EpciRef]) -> None:
        self.by_siren = {e.siren: e for e in epcis}
        self.cores = [(noyau(e.nom), e) for e in epcis]
        self.labels = {" ".join(sorted(core)): e for core, e in self.cores}
        self.sorted_labels = [(" ".join(sorted(core)), e) for core, e in self.cores]

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
        alike = within([e for other, e in self.sorted_labels if _semblable(label, other)])
        both = included + [e for e in alike if e not in included]
        return both, "inclusion" if len(both) != 1 or both[0] in included else "ressemblance"

    def proches(self, nom: str) -> list[str]:
        label = " ".join(sorted(noyau(nom)))
        return [
            _decrire(self.labels[m]) for m in difflib.get_close_matches(label, self.labels, n=3, cutoff=0.6)
        ]


ENTETE_MAX = 10  # a spreadsheet's header may follow a title, a date or a source line
RE_NOTE = re.compile(r"^\s*(total\b|sources?\s*:|notes?\s*:|champ\s*:|lecture\s*:|\*)", re.IGNORECASE)
XLSX, XLS = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"
XLSX_DECOMPRESSE_MAX = 50_000_000  # bytes once inflated: a list of 1 255 EPCI weighs far less
LIGNES_MAX = 10_000
# A line no decoded file holds (a lone surrogate), put after a CSV's last line to see every quote closed
FIN = "\udfff"
COLONNES_MAX = 64  # columns read of a workbook: a list of EPCI has a handful (SIREN, nom, département…)


class Lecture(list[Correspondance]):
    """The EPCI read, in the list's order, and the lines left out (`ignorees`: a title above the header, a total
    or a source line), which `resume` says."""

    def __init__(self, lues: Iterable[Correspondance], ignorees: Iterable[tuple[int, str]]) -> None:
        super().__init__(lues)
        self.ignorees = list(ignorees)


def _utf16_sans_marque(head: bytes) -> str | None:
    """The encoding ("utf-16-le" or "utf-16-be") if the NUL bytes of a file's first bytes fall as UTF-16 without
    its mark puts them (some exports): one beside most characters, all on the same side (ASCII and Latin-1
    letters have a NUL high byte). None otherwise: a NUL here and there in a UTF-8 file is not UTF-16."""
    pairs = len(head) // 2
    low, high = head[0 : 2 * pairs : 2].count(0), head[1 : 2 * pairs : 2].count(0)
    if pairs == 0 or 2 * max(low, high) <= pairs:
        return None
    return "utf-16-le" if high >= low else "utf-16-be"


def decoder(content: bytes) -> str:
    """The text of a CSV file as coordinators save it: UTF-8 (with or without BOM), UTF-16 with a BOM (Excel's
    « texte Unicode ») or without, else Windows-1252 (Excel's « CSV (séparateur : point-virgule) » in France)."""
    marked = content.startswith((b"\xff\xfe", b"\xfe\xff"))
    # UTF-16 without its mark, read as UTF-8, made « siren » into « s i r e n »: no header was found
    encoding = "utf-16" if marked else _utf16_sans_marque(content[:400])
    if encoding is not None:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            raise ListeError(["Le fichier n'est pas un texte UTF-16 lisible."]) from None
    nul = content.find(b"\x00")
    if nul >= 0:  # no text file holds one: a binary file, or a text damaged on its way
        before = content[:nul]
        ligne = len(before.splitlines()) + (0 if before and not before.endswith((b"\n", b"\r")) else 1)
        raise ListeError(
            [
                f"Le fichier contient un octet nul (ligne {ligne}, octet n° {nul + 1}) : ce n'est pas un texte "
                "lisible. Enregistrez la liste en CSV UTF-8 ou en classeur .xlsx."
            ]
        )
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError:
        raise ListeError(
            ["Encodage du fichier non reconnu : enregistrez-le en CSV UTF-8 (ou en classeur .xlsx)."]
        ) from None


class Formule(str):
    """A workbook cell holding a formula (« =A3 »), at `cellule` (« B3 »). Read as its last computed value, one
    written by a script without any read as empty, its line skipped unsaid: `_formule` refuses it."""

    cellule = ""


def _texte_cellule(cell: object) -> str:
    value = getattr(cell, "value", None)
    if getattr(cell, "data_type", None) == "f":  # « =A3 »; an array formula holds it in `text`
        formule = Formule(getattr(value, "text", value))
        formule.cellule = str(getattr(cell, "coordinate", ""))
        return formule
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a SIREN or a département typed as a number
    return str(value).strip()


def lignes_xlsx(content: bytes) -> list[list[str]]:
    """The rows of the first sheet of an Excel workbook (.xlsx), as text; ListeError if it cannot be read.

    openpyxl reads a sheet lazily: a damaged workbook (a sheet missing from the archive, truncated XML, a text
    in a number cell, a shared string out of range) fails while the rows are read, each in its own way; any
    of these failures means « not a readable workbook »."""
    import zipfile

    from openpyxl import load_workbook  # type: ignore[import-untyped]
    from openpyxl.utils.exceptions import InvalidFileException  # type: ignore[import-untyped]

    with_archive = (zipfile.BadZipFile, InvalidFileException, EOFError, OSError)
    with_contents = (KeyError, IndexError, ValueError, TypeError, AttributeError, SyntaxError)
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:  # a small file that inflates without end
            if sum(info.file_size for info in archive.infolist()) > XLSX_DECOMPRESSE_MAX:
                raise ListeError(
                    ["Le classeur est trop volumineux une fois décompressé pour une liste d'EPCI."]
                )
        workbook = load_workbook(io.BytesIO(content), read_only=True)  # formulas as formulas, not values
        try:
            if not workbook.worksheets:
                raise ListeError(["Le classeur n'a aucune feuille lisible."])
            rows: list[list[str]] = []
            # the first COLONNES_MAX columns: one cell in column XFD made every row 16 384 cells (25 s to read)
            for values in workbook.worksheets[0].iter_rows(max_col=COLONNES_MAX):
                if len(rows) >= LIGNES_MAX:
                    raise ListeError(
                        [f"Plus de {LIGNES_MAX} lignes : ce n'est pas une liste d'EPCI (il y en a 1 255)."]
                    )
                cells = [_texte_cellule(v) for v in values]
                while cells and not cells[-1]:
                    cells.pop()
                rows.append(cells)
            return rows
        finally:
            workbook.close()
    except ListeError:
        raise
    except (*with_archive, *with_contents):
        raise ListeError(
            ["Le classeur n'est pas un fichier .xlsx lisible : enregistrez-le en .xlsx ou en CSV."]
        ) from None


def lire_fichier(content: bytes, epcis: Sequence[EpciRef]) -> Lecture:
    """`lire_liste` on an uploaded file: a CSV in any of the encodings `decoder` takes, or an .xlsx workbook."""
    if content.startswith(XLS):
        raise ListeError(
            ["Le format Excel 97-2003 (.xls) n'est pas lu : enregistrez le classeur en .xlsx ou en CSV."]
        )
    if content.startswith(XLSX):
        rows = lignes_xlsx(content)
        if not any(rows):
            raise ListeError(["Le classeur est vide."])
        k = _entete(rows)
        if k is None:
            if any(sum(1 for c in row if c) > 1 for row in rows):
                raise ListeError(
                    [
                        f"Aucune ligne d'en-tête (« siren », « nom »…) dans les {ENTETE_MAX} premières lignes "
                        "du classeur : ajoutez-en une au-dessus des EPCI."
                    ]
                )
            firsts = [[next((c for c in row if c), "")] for row in rows]
            return _lire(list(enumerate(firsts, start=1)), None, epcis, [])
        titres = [(n, " ".join(c for c in row if c)) for n, row in enumerate(rows[:k], start=1) if any(row)]
        header = rows[k] if len(rows[k]) > 1 else None
        body = [row if header is not None else row[:1] for row in rows[k + 1 :]]
        return _lire(list(enumerate(body, start=k + 2)), header, epcis, titres, decoupe=False)
    return lire_liste(decoder(content), epcis)


def _cellules(line: str) -> list[str]:
    delimiter = ";" if ";" in line else "\t" if "\t" in line else ","
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return [line]


def _colonnes(cells: list[str]) -> tuple[int | None, int | None, int | None, int | None] | None:
    """The SIREN, name, region and département columns of a header row; None if it names neither SIREN nor name."""
    header = [normaliser(cell) for cell in cells]
    col_siren = _colonne(header, MOTS_SIREN)
    col_region = _colonne(header, MOTS_REGION)
    col_dep = _colonne(header, MOTS_DEPARTEMENT)
    taken = {k for k in (col_siren, col_region, col_dep) if k is not None}
    col_nom = _colonne(header, MOTS_NOM, taken)  # « Nom de la région » is the region's column
    if col_nom is None and "epci" in header and header.index("epci") not in taken:
        col_nom = header.index("epci")  # a bare "EPCI" column: names, or codes (read as SIREN below)
    if col_siren is None and col_nom is None:
        return None
    return col_siren, col_nom, col_region, col_dep


def _entete(rows: Sequence[list[str]]) -> int | None:
    """The index of the header row: the first naming a SIREN or name column among the first ENTETE_MAX rows,
    with nothing above it but titles (one cell at most). None: no header, one SIREN or name per line."""
    for k, cells in enumerate(rows[:ENTETE_MAX]):
        if _colonnes(cells) is not None:
            return k
        if sum(1 for c in cells if c.strip()) > 1:
            return None
    return None


def lire_liste(text: str, epcis: Sequence[EpciRef]) -> Lecture:
    """The EPCI of a list, in its order; raises ListeError naming every bad line (nothing is kept then).

    Accepted: a CSV (comma, semicolon or tab) with a `siren` column and/or a name column (`nom`, `epci`,
    `intercommunalite`, `libelle`), optionally `region` and `departement` to tell homonyms apart, the header
    possibly under a few title lines, a quoted cell possibly over several lines (its line breaks read as spaces);
    or no header, one SIREN or one name per line. A total, a source or a note line (« Total », « Source : … »)
    and a section heading (one cell outside the SIREN and name columns) are left out, and said."""
    if not text.strip():
        raise ListeError(["Le fichier est vide."])
    lines = text.splitlines()  # any line ending (old Macs write CR alone)
    if len(lines) > LIGNES_MAX:
        raise ListeError([f"Plus de {LIGNES_MAX} lignes : ce n'est pas une liste d'EPCI (il y en a 1 255)."])
    k = _entete([_cellules(line) for line in lines[:ENTETE_MAX]])
    if k is None:  # one name or code per line: the whole line, commas included
        return _lire(_une_colonne(lines, 1), None, epcis, [])
    header = _cellules(lines[k])
    titres = [(n, line.strip()) for n, line in enumerate(lines[:k], start=1) if line.strip(" ;,\t")]
    if len(header) == 1:
        return _lire(_une_colonne(lines[k + 1 :], k + 2), None, epcis, titres)
    delimiter = ";" if ";" in lines[k] else "\t" if "\t" in lines[k] else ","
    # The rows are read from the whole text, not line by line: a quoted cell may hold a line break (Alt+Entrée in
    # Excel). A last line no decoded file holds (a lone surrogate) comes out as a row of its own only if every
    # quote was closed; else the open quote ran to the end of the file.
    reader = csv.reader(io.StringIO("\n".join([*lines[k + 1 :], FIN])), delimiter=delimiter)
    body: list[tuple[int, list[str]]] = []
    ligne = k + 2  # the file's line where the next row starts
    try:
        for row in reader:
            body.append((ligne, [cell.replace("\n", " ") for cell in row]))
            ligne = k + 2 + reader.line_num
    except csv.Error as exc:
        raise ListeError([f"Le fichier n'est pas un CSV lisible ({raison_csv(exc)})."]) from None
    if body[-1][1] != [FIN]:
        raise ListeError(
            [
                f"Le fichier n'est pas un CSV lisible : le guillemet ouvert ligne {body[-1][0]} n'est jamais "
                "refermé."
            ]
        )
    return _lire(body[:-1], header, epcis, titres)


def _une_colonne(lines: Sequence[str], first: int) -> list[tuple[int, list[str]]]:
    return [(n, [line.strip().strip('"').strip()]) for n, line in enumerate(lines, start=first)]


def _lire(
    body: list[tuple[int, list[str]]],
    header: list[str] | None,
    epcis: Sequence[EpciRef],
    titres: list[tuple[int, str]],
    decoupe: bool = True,
) -> Lecture:
    """The rows under the header (`None`: one SIREN or name per row, in its first cell). `decoupe`: the rows
    were split at a separator, so a field too many means a name holding it unquoted (a CSV, not a workbook)."""
    colonnes = _colonnes(header) if header is not None else None
    col_siren, col_nom, col_region, col_dep = colonnes or (None, 0, None, None)
    width = len(header) if header is not None else 1
    ignorees = list(titres)
    index = _Index(epcis)
    seen: dict[str, int] = {}
    result: list[Correspondance] = []
    errors: list[str] = []

    def cell(row: list[str], column: int | None) -> str:
        return row[column].strip() if column is not None and column < len(row) else ""

    arret = None
    for number, row in body:
        if (
            len(errors) >= MAX_ERREURS
        ):  # enough to correct: the rest is not searched (each costs a fuzzy pass)
            arret = number
            break
        if not row or not "".join(row).strip(" ;,\t"):
            continue
        filled = [c.strip() for c in row if c.strip()]
        if not filled:
            continue
        if RE_NOTE.match(filled[0]) or (
            width > 1 and len(filled) == 1 and not cell(row, col_siren) and not cell(row, col_nom)
        ):
            ignorees.append((number, " ; ".join(filled)))  # a total, a source, a section heading
            continue
        if decoupe and len(row) > width > 1:
            errors.append(
                f"ligne {number} : {len(row)} champs pour {width} colonnes "
                "(un nom contenant le séparateur doit être entre guillemets)."
            )
            continue
        formule = _formule(number, row, header, (col_siren, col_nom, col_region, col_dep))
        if formule:
            errors.append(formule)
            continue
        siren, nom = cell(row, col_siren), cell(row, col_nom)
        if RE_SCIENTIFIQUE.match(nom) and not siren:
            siren, nom = nom, ""  # a SIREN a spreadsheet wrote as a number, in the only column
        if RE_SCIENTIFIQUE.match(siren):
            exact = _siren_scientifique(siren)
            if exact is None or exact not in index.by_siren:  # « 2,00E+08 »: digits rounded away
                errors.append(
                    f"ligne {number} : « {_court(siren)} » est un nombre en notation scientifique où des chiffres "
                    "du SIREN manquent : enregistrez la colonne au format texte."
                )
                continue
            siren = exact
        if nom.isdigit():  # an "epci" column of codes, as INSEE's files have
            if siren and nom != siren:
                errors.append(f"ligne {number} : deux SIREN différents, {_court(siren)} et {_court(nom)}.")
                continue
            siren, nom = nom, ""
        if siren:
            if not RE_SIREN.match(siren):
                errors.append(f"ligne {number} : « {_court(siren)} » n'est pas un SIREN (9 chiffres).")
                continue
            if siren not in index.by_siren:
                errors.append(f"ligne {number} : le SIREN {siren} n'est pas un EPCI connu.")
                continue
            if nom and index.by_siren[siren] not in index.chercher(nom, "", "")[0]:
                errors.append(
                    f"ligne {number} : le SIREN {siren} est celui de « {index.by_siren[siren].nom} », "
                    f"pas de « {_court(nom)} » : corrigez l'un ou l'autre."
                )
                continue
            found, mode, texte = siren, "siren", siren
        elif nom:
            region, departement = cell(row, col_region), cell(row, col_dep)
            candidates, mode = index.chercher(nom, region, departement)
            if len(candidates) > 1:
                listed = " ; ".join(_decrire(e) for e in candidates[:5])
                errors.append(
                    f"ligne {number} : « {_court(nom)} » peut désigner {len(candidates)} EPCI ({listed}) : "
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
                    f"ligne {number} : « {_court(nom)} » ne désigne aucun EPCI dans {_court(where)}, mais ailleurs : "
                    f"{listed}."
                )
                continue
            if not candidates:
                near = index.proches(nom)
                hint = f" Noms proches : {' ; '.join(near)}." if near else ""
                errors.append(f"ligne {number} : aucun EPCI ne s'appelle « {_court(nom)} ».{hint}")
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
            [
                f"Lecture arrêtée à la ligne {arret} après {MAX_ERREURS} lignes refusées : corrigez-les et recommencez."
            ]
            if arret is not None
            else []
        )
        raise ListeError(["Liste refusée, rien n'a été importé :", *errors, *more])
    if not result:
        raise ListeError(["Aucun SIREN ni nom d'EPCI dans le fichier."])
    return Lecture(result, ignorees)


def _formule(number: int, row: list[str], header: list[str] | None, columns: Sequence[int | None]) -> str:
    """The refusal of the first formula among the cells read (SIREN, name, region, département), or ""."""
    attendus = ("un SIREN", "un nom d'EPCI" if header else "un SIREN ou un nom d'EPCI", "une région")
    for column, attendu in zip(columns, (*attendus, "un département"), strict=True):
        value = row[column] if column is not None and column < len(row) else ""
        if isinstance(value, Formule):
            where = f"colonne « {_court(header[column], 30)} », " if header and column is not None else ""
            return (
                f"ligne {number}, {where}cellule {value.cellule} : une formule ({_court(value, 40)}) au lieu "
                f"d'{attendu} ; collez les valeurs seules (Collage spécial → Valeurs) puis importez de nouveau."
            )
    return ""


def resume(lues: Sequence[Correspondance], noms: dict[str, str]) -> list[str]:
    """What was read, in French: the count by way of matching, each approximate match to check, and the lines
    left out (a title, a total, a source), so that none goes unseen."""
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
    ignorees = lues.ignorees if isinstance(lues, Lecture) else []
    lines += [
        f"ligne {n} ignorée (titre, total, source ou intertitre) : « {_court(texte)} »"
        for n, texte in ignorees
    ]
    return lines
