"""The volunteer's monthly statement as a PDF: a Django template (`indemnisation/releve_pdf.html`) rendered to HTML,
then to A4 by weasyprint, with the print stylesheet `static/indemnisation/releve.css` and the system's sans-serif
fonts. Nothing is fetched from the network: the only resources weasyprint may load are this context's own static
files (`local_static_only`, the shared helper `web/pdf.py`); anything else is refused and the document is rendered
without it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.template.loader import render_to_string

from solidarite.indemnisation.models import Releve
from solidarite.web.pdf import html_to_pdf, local_files_only

TEMPLATE = "indemnisation/releve_pdf.html"
STATIC = (Path(__file__).resolve().parent / "static").resolve()
STYLESHEET = "indemnisation/releve.css"
local_static_only = local_files_only(STATIC)  # the shared no-network fetcher (web/pdf.py), on this folder


def _context(releve: Releve) -> dict[str, Any]:
    statuts = dict(Releve.Statut.choices)
    etapes = [
        {"le": e.le, "vers": statuts.get(e.vers, e.vers), "commentaire": e.commentaire}
        for e in releve.etapes.all()
    ]
    return {
        "releve": releve,
        "medecin": releve.medecin,
        "lignes": list(releve.lignes.all()),
        "etapes": etapes,
        "feuille": STYLESHEET,
    }


def releve_html(releve: Releve) -> str:
    """The HTML the PDF is made of (what the snapshot test reads): the statement's lines, total, workflow steps."""
    return render_to_string(TEMPLATE, _context(releve))


def releve_pdf(releve: Releve) -> bytes:
    """The statement as an A4 PDF (page numbers in the footer), without any network access."""
    return html_to_pdf(releve_html(releve), STATIC)
