"""The volunteer's monthly statement as a PDF: a Django template (`indemnisation/releve_pdf.html`) rendered to HTML,
then to A4 by weasyprint, with the print stylesheet `static/indemnisation/releve.css` and the system's sans-serif
fonts. Nothing is fetched from the network: the only resources weasyprint may load are this context's own static
files (`local_static_only`); anything else is refused and the document is rendered without it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetchingError, default_url_fetcher

from solidarite.indemnisation.models import Releve

TEMPLATE = "indemnisation/releve_pdf.html"
STATIC = (Path(__file__).resolve().parent / "static").resolve()
STYLESHEET = "indemnisation/releve.css"
REFUSED = "Ressource refusée pendant la mise en page du relevé (seuls les fichiers statiques locaux) : {url}"


def local_static_only(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """weasyprint's url_fetcher: a `file://` URL inside this context's static folder, nothing else (no http,
    no data: URL, no file elsewhere on the disk)."""
    parsed = urlparse(url)
    if parsed.scheme == "file" and parsed.netloc in ("", "localhost"):
        path = Path(unquote(parsed.path)).resolve()
        if path.is_relative_to(STATIC) and path.is_file():
            fetched: dict[str, Any] = default_url_fetcher(url, *args, **kwargs)
            return fetched
    raise URLFetchingError(REFUSED.format(url=url[:200]))


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
    html = HTML(string=releve_html(releve), base_url=f"{STATIC.as_uri()}/", url_fetcher=local_static_only)
    data: bytes = html.write_pdf()
    return data
