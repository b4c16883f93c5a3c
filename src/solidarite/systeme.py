"""The operating system's reasons, in French: every command that reads or writes a file explains a failure
with them (Python gives `OSError.strerror` in English). Pure, below every context."""

from __future__ import annotations

import errno

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
}


def raison(exc: OSError) -> str:
    """The system's reason for a failed read or write, in French (Python gives it in English)."""
    return RAISONS_SYSTEME.get(exc.errno or 0, exc.strerror or str(exc))
