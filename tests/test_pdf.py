"""The shared HTML → PDF helper (web/pdf.py): local static files are used, nothing else is fetched."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from solidarite.continuite import documents
from solidarite.indemnisation import pdf as indemnisation_pdf
from solidarite.web.pdf import html_to_pdf

# No database, in this process or in a command it runs: once, in the SQLite pass (.ci/run).
pytestmark = pytest.mark.sans_base


def test_a_remote_url_in_the_html_is_never_fetched(tmp_path: Path) -> None:
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { color: red }")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    remote = f"http://127.0.0.1:{server.server_address[1]}"
    (tmp_path / "local.css").write_text("@page { size: A4 }")
    try:
        data = html_to_pdf(
            f'<html><head><link rel="stylesheet" href="{remote}/style.css"></head>'
            f'<body><img src="{remote}/logo.png"><p style="background: url({remote}/bg.png)">Lettre</p>'
            '<img src="file:///etc/hostname"></body></html>',
            tmp_path,
            stylesheets=["local.css"],
        )
    finally:
        server.shutdown()
        server.server_close()
    assert data.startswith(b"%PDF")
    assert hits == []  # the server is up and answers; weasyprint never asked


def test_both_documents_use_the_shared_helper() -> None:
    assert indemnisation_pdf.html_to_pdf is html_to_pdf and documents.html_to_pdf is html_to_pdf
