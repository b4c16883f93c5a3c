"""The zonage commands' files: checked before the minutes of computation, written all or nothing.

Every failure is a French `CommandError` with exit code 2 saying that nothing was written.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

from django.core.management.base import CommandError

from solidarite.systeme import raison


def _fail(message: str) -> CommandError:
    return CommandError(f"{message}\nRien n'a été écrit.", returncode=2)


def verifier_chemin(path: Path, dossier: bool, what: str) -> None:
    """Checked before the minutes of search: the file to write (or the folder to write in) can be written.
    Nothing is created here."""
    try:
        _verifier_chemin(path, dossier, what)
    except OSError as exc:  # a name over 255 characters, a loop of links: Path.exists raises them
        raise _fail(f"{what} : {path} : {raison(exc)}.") from exc
    except RuntimeError as exc:  # Path.resolve's loop of links, in Python 3.11
        raise _fail(f"{what} : {path} : boucle de liens symboliques.") from exc


def meme_chemin(a: Path, b: Path) -> bool:
    """Whether two paths, checked by `verifier_chemin`, name the same file or folder."""
    return a.resolve() == b.resolve()


def _verifier_chemin(path: Path, dossier: bool, what: str) -> None:
    if dossier and path.exists() and not path.is_dir():
        raise _fail(f"{what} : {path} existe et n'est pas un dossier.")
    if not dossier and path.is_dir():
        raise _fail(f"{what} : {path} est un dossier ; donnez le chemin d'un fichier.")
    if not dossier and path.exists() and not os.access(path, os.W_OK):
        raise _fail(f"{what} : {path} n'est pas modifiable (accès refusé).")
    existing = path if dossier and path.is_dir() else path.parent
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise _fail(f"{what} : impossible d'écrire dans {existing} (pas un dossier modifiable).")
    path.resolve()  # a loop of links is said now, not after the computation
    try:  # os.access answers yes for root, on /proc or on a read-only mount: a file is tried, then removed
        handle, essai = tempfile.mkstemp(dir=existing, prefix=".essai-", suffix=".tmp")
    except OSError as exc:
        raise _fail(f"{what} : impossible d'écrire dans {existing} ({raison(exc)}).") from exc
    os.close(handle)
    os.unlink(essai)


def write_all(files: list[tuple[Path, str]]) -> None:
    """Every file is written in full to a temporary beside its target, then all are put in place: a failure
    leaves no file changed and no temporary behind. A replaced file keeps its permissions."""
    ready: list[tuple[str, Path]] = []
    created: list[Path] = []  # the folders made here, removed again on failure
    path = None
    try:
        for path, text in files:
            if path.is_dir():  # the one failure a replacement in the same folder meets: seen before any
                raise IsADirectoryError(errno.EISDIR, "dossier", str(path))
            missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
            path.parent.mkdir(parents=True, exist_ok=True)
            created.extend(reversed(missing))
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            ready.append((temporary, path))
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            mask = os.umask(0)
            os.umask(mask)
            os.chmod(temporary, stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o666 & ~mask)
        for temporary, path in ready:
            os.replace(temporary, path)
    except OSError as exc:
        for temporary, _ in ready:
            Path(temporary).unlink(missing_ok=True)
        for folder in reversed(created):
            try:
                folder.rmdir()
            except OSError:  # not empty: something else was put there meanwhile
                break
        # the target named, not the temporary beside it the user never asked for
        raise _fail(f"Écriture impossible : {path or exc.filename or ''} ({raison(exc)}).") from exc
