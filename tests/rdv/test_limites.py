"""A flood of requests from one address: French 429, and nothing half-made."""

from __future__ import annotations

import html

import pytest
from django.core.cache import cache
from django.test import Client

from solidarite.rdv import services
from solidarite.rdv.models import RendezVous
from tests.rdv.test_booking import PATIENT, _mission

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counters():  # type: ignore[no-untyped-def]
    cache.clear()
    yield
    cache.clear()


def test_bookings_from_one_address_are_limited(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SOLIDARITE_LIMITE_RESERVATIONS = 3
    mission = _mission()
    slots = services.slots(mission.lieu, mission.date, mission.date)
    for k in range(3):
        response = client.post(
            "/api/v1/rendez-vous", {**PATIENT, "creneau": slots[k].id}, content_type="application/json"
        )
        assert response.status_code == 201
    refused = client.post(
        "/api/v1/rendez-vous", {**PATIENT, "creneau": slots[3].id}, content_type="application/json"
    )
    assert refused.status_code == 429 and "Trop de demandes" in refused.json()["detail"]
    assert refused["Retry-After"] == "60"
    page = client.post(
        f"/rendez-vous/creneau/{slots[4].id}/",
        {"prenom": "A", "nom": "B", "date_naissance": "01/01/1950", "telephone": "0612345678"},
    )
    assert page.status_code == 429 and "Patientez une minute" in html.unescape(page.content.decode())
    assert RendezVous.objects.count() == 3
    other = Client(REMOTE_ADDR="10.0.0.2")  # another address is not affected
    assert (
        other.post(
            "/api/v1/rendez-vous", {**PATIENT, "creneau": slots[5].id}, content_type="application/json"
        ).status_code
        == 201
    )


def test_searches_from_one_address_are_limited(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SOLIDARITE_LIMITE_RECHERCHES = 2
    code = _mission().lieu.commune.code_insee
    assert client.get("/rendez-vous/", {"commune": code}).status_code == 200
    assert client.get("/api/v1/lieux", {"commune": code}).status_code == 200
    assert client.get("/rendez-vous/", {"commune": code}).status_code == 429
    assert client.get("/fhir/Location").status_code == 429
