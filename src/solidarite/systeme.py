"""The operating system's reasons, in French: every command that reads or writes a file explains a failure
with them (Python gives `OSError.strerror` in English). Pure, below every context."""

from __future__ import annotations

import csv
import errno
import json
import re
import stat
import tomllib
from pathlib import Path

RAISONS_SYSTEME = {
    errno.ENOENT: "fichier ou dossier introuvable",
    errno.EACCES: "accès refusé",
    errno.EPERM: "opération non permise",
    errno.EISDIR: "c'est un dossier",
    errno.ENOTDIR: "un élément du chemin n'est pas un dossier",
    errno.EEXIST: "un fichier de ce nom existe déjà",
    errno.ENOSPC: "plus de place sur le disque",
    errno.EROFS: "système de fichiers en lecture seule",
    errno.ENAMETOOLONG: "nom de fichier trop long",
    errno.ELOOP: "trop de liens symboliques (un lien qui renvoie à lui-même ?)",
    errno.ENXIO: "périphérique ou adresse introuvable",
    errno.EFBIG: "fichier trop volumineux",
    errno.EIO: "erreur d'entrée-sortie du disque",
    errno.EDQUOT: "quota de disque dépassé",
    errno.EMFILE: "trop de fichiers ouverts",
    errno.EBUSY: "ressource occupée",
    errno.EINVAL: "argument invalide",
    errno.ENODEV: "périphérique introuvable",
}


def raison(exc: OSError) -> str:
    """The system's reason for a failed read or write, in French (Python gives it in English)."""
    code = exc.errno or 0
    return RAISONS_SYSTEME.get(code, f"erreur du système {errno.errorcode.get(code, code)}")


# The parsers' own words (json, tomllib, csv, codecs), which Python gives in English only: a file refused by a
# command is explained in French, with the place the parser gives (line, column, byte).
_JSON = {
    "Expecting value": "valeur attendue",
    "Expecting property name enclosed in double quotes": "nom de propriété entre guillemets doubles attendu",
    "Expecting ':' delimiter": "« : » attendu",
    "Expecting ',' delimiter": "« , » attendu",
    "Unterminated string starting at": "texte entre guillemets non refermé",
    "Invalid control character at": "caractère de contrôle dans un texte",
    "Invalid \\escape": "séquence d'échappement invalide",
    "Invalid \\uXXXX escape": "séquence \\uXXXX invalide",
    "Extra data": "données en trop après la valeur",
}
_TOML = (
    ("Expected '=' after a key", "« = » attendu après une clé"),
    ("Invalid value", "valeur invalide"),
    ("Cannot overwrite a value", "valeur définie deux fois"),
    ("Cannot declare", "table déclarée deux fois"),
    ("Unterminated string", "texte entre guillemets non refermé"),
    ("Expected newline or end of document", "fin de ligne attendue après une valeur"),
    ("Expected ']'", "« ] » attendu à la fin d'une déclaration de table"),
    ("Invalid initial character for a key part", "nom de clé invalide"),
    ("Illegal character", "caractère interdit"),
)
_RE_TOML_PLACE = re.compile(r"\(at line (\d+), column (\d+)\)")
_RE_CSV_LIMIT = re.compile(r"field larger than field limit \((\d+)\)")


def raison_json(exc: json.JSONDecodeError) -> str:
    """What is wrong in a JSON text, in French (the line and column are the caller's to give)."""
    return _JSON.get(exc.msg, "syntaxe invalide")


def raison_toml(exc: tomllib.TOMLDecodeError) -> str:
    """What is wrong in a TOML text, in French, and where."""
    text = str(exc)
    what = next((fr for en, fr in _TOML if text.startswith(en)), "syntaxe invalide")
    place = _RE_TOML_PLACE.search(text)
    return f"{what}, ligne {place[1]}, colonne {place[2]}" if place else f"{what}, en fin de fichier"


def raison_csv(exc: csv.Error) -> str:
    """What is wrong in a CSV text, in French."""
    text = str(exc)
    limit = _RE_CSV_LIMIT.search(text)
    if limit:
        return f"un champ dépasse {int(limit[1]):,} caractères".replace(",", " ")
    if "expected after" in text:
        return "séparateur attendu après un guillemet fermant"
    if "new-line character seen in unquoted field" in text:
        return "retour à la ligne dans un champ sans guillemets"
    if "NUL" in text:
        return "caractère nul dans une ligne"
    return "syntaxe CSV invalide (un guillemet non refermé ?)"


def raison_encodage(exc: UnicodeDecodeError) -> str:
    """Where a text is not in the expected encoding, in French."""
    return f"octet invalide à la position {exc.start + 1}"


def lire_octets(source: Path, what: str, error: type[Exception], max_bytes: int) -> bytes:
    """The bytes of a file given on the command line, or `error` with a French message: not a plain file (a
    folder, a device, a pipe: read whole, /dev/zero filled the memory and a pipe hung), or over `max_bytes`.

    A file over the limit is refused from its size, before a byte is read (a 2 GB file took 200 MB of memory
    to be refused); the read itself stops at `max_bytes + 1`, for a file whose size says nothing (those of
    /proc say 0) or that grows while it is read."""
    too_large = error(
        f"{source.name} : le fichier dépasse {max_bytes / 1_000_000:g} Mo, la taille permise ici."
    )
    try:
        info = source.stat()  # before opening: opening a pipe waits for a writer
        if stat.S_ISDIR(info.st_mode):
            raise error(f"{what} illisible : {source} (c'est un dossier).")
        if not stat.S_ISREG(info.st_mode):
            raise error(f"{what} illisible : {source} (ce n'est pas un fichier ordinaire).")
        if info.st_size > max_bytes:
            raise too_large
        with source.open("rb") as handle:
            content = handle.read(max_bytes + 1)
    except OSError as exc:
        raise error(f"{what} illisible : {source} ({raison(exc)}).") from exc
    if len(content) > max_bytes:
        raise too_large
    return content
