"""What the API reads as a body: JSON declared as such (application/json or application/…+json), in UTF-8, and
no larger than Django reads. Anything else is refused in the API's French JSON shape, nothing written: a body of
another type 415 (text/plain, none, UTF-16 were read as JSON), a body too large 413 (a 500, or an HTML 400),
too many parameters 400 (an HTML 400, or a 500 with DEBUG on)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from solidarite.rdv.models import RendezVous
from tests.interop.test_entrees_hostiles import PATIENT, _free_slots

pytestmark = pytest.mark.django_db


def _refused(response: Any, status: int, start: str) -> None:
    assert response.status_code == status, (response.status_code, response.content[:200])
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"].startswith(start), response.json()


@pytest.mark.parametrize(
    ("refused", "accepted"),
    [
        ("text/plain", "application/json"),
        ("", "application/json; charset=UTF-8"),
        ("application/json; charset=utf-16", "application/vnd.api+json"),
        ("text/x+json", "application/json; charset=utf8"),
    ],
)
def test_a_booking_is_read_only_from_a_body_declared_json_in_utf8(refused: str, accepted: str) -> None:
    """The same booking, refused under one type (415, nothing written) and booked under another (201): the
    type decides, not whether the body happens to parse."""
    _, free = _free_slots()
    booking = json.dumps({**PATIENT, "creneau": free[0]})
    client = Client()
    _refused(client.post("/api/v1/rendez-vous", booking, content_type=refused), 415, "Type de contenu")
    assert not RendezVous.objects.exists()
    assert client.post("/api/v1/rendez-vous", booking, content_type=accepted).status_code == 201


def test_a_json_body_not_in_utf8_is_unreadable_even_declared_json() -> None:
    """json.loads guesses UTF-16 from the bytes: declared application/json (UTF-8 by definition), it was booked."""
    _, free = _free_slots()
    body = json.dumps({**PATIENT, "creneau": free[0]}).encode("utf-16")
    response = Client().post("/api/v1/rendez-vous", body, content_type="application/json")
    _refused(response, 400, "Corps de la requête illisible")
    assert not RendezVous.objects.exists()


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(
    ("content_type", "body", "status", "start"),
    [
        ("application/json", json.dumps({**PATIENT, "motif": "x" * 600}), 413, "Corps de la requête trop"),
        ("application/x-www-form-urlencoded", "motif=" + "x" * 600, 413, "Corps de la requête trop"),
        ("application/x-www-form-urlencoded", "&".join(f"c{i}=1" for i in range(12)), 415, "Type de contenu"),
    ],
)
def test_a_body_django_refuses_to_read_gets_the_api_json_refusal(
    settings: Any,
    caplog: pytest.LogCaptureFixture,
    debug: bool,
    content_type: str,
    body: str,
    status: int,
    start: str,
) -> None:
    settings.DEBUG = debug
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 500
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    response = Client().post("/api/v1/rendez-vous", body, content_type=content_type)
    _refused(response, status, start)
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= 40], caplog.records


@pytest.mark.parametrize("debug", [False, True])
def test_too_many_query_parameters_get_the_api_json_refusal(settings: Any, debug: bool) -> None:
    settings.DEBUG = debug
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    query = "&".join(["commune=58194", *(f"p{i}=1" for i in range(12))])
    _refused(Client().get(f"/api/v1/lieux?{query}"), 400, "Trop de paramètres dans la requête : 10 au plus.")
