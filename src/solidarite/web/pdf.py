"""HTML → PDF for every context (weasyprint), without network access.

`html_to_pdf(html, root, stylesheets)` lays out an HTML string on A4; the only resources weasyprint may load are
files inside `root` (the calling context's static folder). Any other URL (http(s), data:, a file elsewhere on the
disk, `..` out of the folder) is refused by `local_files_only` and the document is rendered without it, so a
document never waits on, nor leaks to, a remote server.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

REFUSED = (
    "Ressource refusée pendant la mise en page du document (seuls les fichiers statiques locaux) : {url}"
)

UrlFetcher = Callable[..., dict[str, Any]]


def local_files_only(root: Path) -> UrlFetcher:
    """weasyprint's url_fetcher: a `file://` URL of an existing file inside `root`, nothing else."""
    base = root.resolve()

    def fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        # Imported on the first fetch, as in html_to_pdf: a fetcher is made when its module is imported.
        from weasyprint.urls import URLFetchingError, default_url_fetcher

        parsed = urlparse(url)
        if parsed.scheme == "file" and parsed.netloc in ("", "localhost"):
            path = Path(unquote(parsed.path)).resolve()
            if path.is_relative_to(base) and path.is_file():
                fetched: dict[str, Any] = default_url_fetcher(url, *args, **kwargs)
                return fetched
        raise URLFetchingError(REFUSED.format(url=url[:200]))

    return fetch


def html_to_pdf(html: str, root: Path, stylesheets: Sequence[str] = ()) -> bytes:
    """The HTML as PDF bytes; relative URLs resolve inside `root`, `stylesheets` are paths relative to it."""
    from weasyprint import (  # imported here: it takes a third of a second, and only documents need it
        CSS,
        HTML,
    )

    fetcher = local_files_only(root)
    base_url = f"{root.resolve().as_uri()}/"
    sheets = [CSS(url=f"{base_url}{s}", url_fetcher=fetcher) for s in stylesheets]
    data: bytes = HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf(
        stylesheets=sheets or None
    )
    return data
