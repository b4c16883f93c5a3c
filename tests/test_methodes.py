"""HTTP methods: HEAD answers as GET does, without the body, on the pages and on the API's reads; a method a page
does not take gets the French error page, its `Allow` header kept, where it was an empty answer."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "address",
    [
        "/",
        "/healthz",
        "/mentions-legales/",
        "/rendez-vous/",
        "/medecins/inscription/",  # a form page (GET and POST)
        "/api/v1/lieux?commune=58194",
    ],
)
def test_head_answers_as_get_without_the_body(address: str) -> None:
    """Django's `require_GET` and django-ninja's GET operations refused HEAD (405): a monitoring probe or
    `curl -I` read the platform as broken."""
    client = Client()
    get, head = client.get(address), client.head(address)
    assert get.status_code == 200
    assert (head.status_code, head["Content-Type"], head.content) == (200, get["Content-Type"], b"")


@pytest.mark.parametrize(
    ("method", "address", "allowed"),
    [
        ("get", "/connexion/deconnexion/", "POST"),
        ("get", "/rendez-vous/attente/jeton-quelconque/lien/", "POST"),
        ("put", "/medecins/inscription/", "GET, HEAD, POST"),
        ("delete", "/", "GET, HEAD"),
        ("options", "/healthz", "GET, HEAD"),
    ],
)
def test_a_method_a_page_does_not_take_gets_the_french_error_page(
    method: str, address: str, allowed: str
) -> None:
    response = getattr(Client(), method)(address)
    body = response.content.decode()
    assert response.status_code == 405 and response["Allow"] == allowed
    assert response["Content-Type"].startswith("text/html") and '<html lang="fr"' in body
    assert "Méthode non acceptée" in body and f"({allowed} seulement)" in body


def test_htmx_gets_the_405_page_in_the_main_content() -> None:
    response = Client().get("/connexion/deconnexion/", headers={"HX-Request": "true"})
    assert response.status_code == 405 and response["HX-Retarget"] == "#contenu"


STATIC_FILE = "/static/solidarite/dsfr-utilitaires.css"  # a file base.html loads on every page


@pytest.fixture
def static_client(settings: Any) -> Client:
    """A client whose WhiteNoise serves the source folders' files (the tests collect none), as it serves the
    collected ones in production: read when the client's middleware chain is built, at its first request. It
    checks CSRF tokens, as a browser's or a probe's request is checked: a POST without one is still a 405."""
    settings.WHITENOISE_USE_FINDERS = True
    return Client(enforce_csrf_checks=True)


def _read(response: Any) -> bytes:
    """The body of a WhiteNoise file (streamed, closed here) or of a page."""
    if not response.streaming:
        return bytes(response.content)
    try:
        return b"".join(response.streaming_content)
    finally:
        response.close()


@pytest.mark.parametrize("method", ["post", "put", "delete", "options"])
def test_a_method_a_static_file_does_not_take_gets_the_french_error_page(
    static_client: Client, method: str
) -> None:
    """WhiteNoise answered a POST on /static/… with an empty 405, outside the pages' middlewares: it is the
    French error page, `Allow` kept, with every header a page's 405 has (CSP, X-Frame-Options…)."""
    served = static_client.get(STATIC_FILE)
    assert served.status_code == 200 and b".fr-" in _read(served)  # WhiteNoise does serve it
    response = getattr(static_client, method)(STATIC_FILE)
    body = _read(response).decode()
    assert response.status_code == 405 and response["Allow"] == "GET, HEAD"
    assert response["Content-Type"].startswith("text/html") and '<html lang="fr"' in body
    assert "Méthode non acceptée" in body and "(GET, HEAD seulement)" in body
    page = Client().delete("/")  # a page's 405: the same page, the same headers
    assert page.status_code == 405 and set(page.headers) <= set(response.headers), set(page.headers)


def test_static_files_and_their_absence_are_answered_as_before(static_client: Client) -> None:
    """GET and HEAD of a static file stay WhiteNoise's alone (no page middleware: no CSP, no cookie, no Vary);
    a method on a file WhiteNoise does not have is the French 404, as any unknown address."""
    for method in ("get", "head"):
        served = getattr(static_client, method)(STATIC_FILE)
        _read(served)
        assert served.status_code == 200 and served["Content-Type"].startswith("text/css")
        assert not {"Content-Security-Policy", "X-Frame-Options", "Vary", "Set-Cookie"} & set(served.headers)
    for method in ("get", "post"):
        missing = getattr(static_client, method)("/static/solidarite/absent.css")
        assert missing.status_code == 404 and "Page introuvable" in _read(missing).decode()
