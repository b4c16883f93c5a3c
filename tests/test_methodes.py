"""HTTP methods: HEAD answers as GET does, without the body, on the pages and on the API's reads; a method a page
does not take gets the French error page, its `Allow` header kept, where it was an empty answer."""

from __future__ import annotations

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
