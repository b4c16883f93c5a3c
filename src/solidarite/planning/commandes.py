"""What the planning commands (`plan`, `planning_echelle`) share: their durations checked, their JSON result file
(`--out`) checked before the solve and written whole or not at all; every refusal said in French."""

from __future__ import annotations

import json
import math
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

from solidarite.systeme import raison


class CommandeError(Exception):
    """A bad option or a result file that cannot be written, in French for the user (exit code 2)."""


def verifier_fichier(path: Path, option: str, lu: Path | None = None) -> None:
    """Refuses, before any computation, a path where the result could not be written, or the file `lu` the
    command reads (`--out` equal to `--instance` replaced the instance by its result). Creates nothing."""
    if lu is not None and path.exists() and lu.exists() and path.samefile(lu):
        raise CommandeError(f"{option} : {path} est le fichier de l'instance ; le résultat l'effacerait.")
    if path.is_dir():
        raise CommandeError(f"{option} : {path} est un dossier ; donnez le chemin d'un fichier.")
    # a device or a pipe: os.replace would put the result in its place
    if path.exists() and not path.is_file():
        raise CommandeError(
            f"{option} : {path} n'est pas un fichier ordinaire ; donnez le chemin d'un fichier."
        )
    parent = path.parent
    if not parent.is_dir():
        raise CommandeError(
            f"{option} : le dossier {parent} n'existe pas ; créez-le ou choisissez un autre chemin."
        )
    if path.exists() and not os.access(path, os.W_OK):
        raise CommandeError(f"{option} : {path} n'est pas modifiable (accès refusé).")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise CommandeError(f"{option} : impossible d'écrire dans le dossier {parent} (accès refusé).")


def verifier_duree(value: float, option: str, *, zero: bool = False) -> None:
    """A duration in seconds given on the command line: a finite number, positive (or zero when allowed)."""
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero):
        raise CommandeError(
            f"{option} doit être un nombre {'positif ou nul' if zero else 'positif'} fini (secondes), "
            f"pas {value:g}."
        )


def ecrire_json(path: Path, data: Any, option: str) -> None:
    """Writes `data` as JSON to a temporary file beside `path`, then puts it in place: a failure leaves the
    former file (if any) as it was and no temporary behind. A replaced file keeps its permissions."""
    try:
        content = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (« \\ud800 ») from the instance: kept escaped, as it came
        content = json.dumps(data, ensure_ascii=True, indent=1).encode("ascii")
    temporary: str | None = None
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(temporary, stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o666 & ~mask)
        os.replace(temporary, path)
    except OSError as exc:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        raise CommandeError(f"{option} : impossible d'écrire {path} ({raison(exc)}).") from None
