"""HTTP methods: HEAD answers as GET does, without the body, on the pages and on the API's reads."""

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
