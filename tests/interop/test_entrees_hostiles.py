"""Hostile input against the API, FHIR and the search page: every answer a French 4xx or a success, never a 500,
and no appointment written but those answered 201. Seeded: the same requests on every run, on SQLite and on
PostgreSQL (which refuses NUL in a text, and a lone surrogate cannot be sent to it: both were 500s)."""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.utils import timezone

from solidarite.planning.models import Mission
from solidarite.rdv import services
from solidarite.rdv.models import RendezVous
from tests.factories import lieu, medecin

pytestmark = pytest.mark.django_db

HOSTILE: list[Any] = [
    None, 0, -1, 10**30, 1.5, True, [], {}, ["x"], {"a": 1}, "", " ", "\x00", "a\x00b", "\x07", "\ud800",
    "\udfff\ud800", "é" * 5000, "\u202e", "🙂", "<script>alert(1)</script>", "' OR 1=1 --", "9999-12-31",
    "0000-00-00", "2024-02-30", "1899-12-31", "06 12 34 56 78\x00", "+33 6 12 34 56 78", "0-000000000000",
]  # fmt: skip
PATIENT = {"nom": "Martin", "prenom": "Jeanne", "date_naissance": "1948-05-17", "telephone": "06 12 34 56 78"}


def _free_slots() -> tuple[int, list[str]]:
    site = lieu()
    day = timezone.localdate() + dt.timedelta(days=3)
    Mission.objects.create(
        medecin=medecin(site.commune), lieu=site, date=day, statut=Mission.Statut.CONFIRMEE
    )
    return site.pk, [slot.id for slot in services.slots(site, day, day)]


def test_hostile_bookings_get_a_french_4xx_and_write_nothing_else() -> None:
    rng = random.Random(20261201)
    _, free = _free_slots()
    client = Client()
    created = 0
    for _ in range(300):
        payload: dict[str, Any] = {**PATIENT, "creneau": rng.choice(free)}
        for field in rng.sample(
            [*payload, "email", "motif", "medecin_traitant", "autre"], rng.randrange(1, 4)
        ):
            payload[field] = rng.choice(HOSTILE)
        body = json.dumps(payload).encode()
        if rng.random() < 0.15:
            body = body[: rng.randrange(len(body))]  # cut short: not JSON any more
        headers = {"Idempotency-Key": rng.choice(["k" * 101, "cle-1", "cle-2"])} if rng.random() < 0.2 else {}
        response = client.post("/api/v1/rendez-vous", body, content_type="application/json", headers=headers)
        assert response.status_code in (200, 201, 400, 409, 422), (response.status_code, payload)
        if response.status_code == 201:
            created += 1
        else:
            assert "detail" in response.json(), response.content
    # No appointment but those answered 201 (a retried key answers 200, without the link, and books nothing).
    assert RendezVous.objects.count() <= created
    assert created > 0  # the valid fields among them did book


def test_hostile_search_slot_list_and_fhir_addresses_never_answer_500() -> None:
    rng = random.Random(1)
    lieu_id, _ = _free_slots()
    client = Client()
    texts = [v for v in HOSTILE if isinstance(v, str) and "\ud800" not in v and "\udfff" not in v]
    for _ in range(150):
        value = quote(rng.choice(texts), safe="")
        address = rng.choice(
            [
                f"/api/v1/lieux?commune={value}",
                f"/api/v1/lieux/{lieu_id}/creneaux?du={value}&au={rng.choice(texts)[:20]}",
                f"/api/v1/lieux/{value or 0}/creneaux?du=2026-12-01&au=2026-12-02",
                f"/api/v1/rendez-vous/{value or 'x'}",
                f"/rendez-vous/?commune={value}",
                f"/rendez-vous/?q={value}",
                f"/fhir/Location?address-city={value}",
                f"/fhir/Slot?schedule={value}&start={value}",
                f"/fhir/Slot?schedule={lieu_id}&start={rng.choice(['', 'ge', 'gt', 'le', 'lt'])}{value}",
                f"/rendez-vous/lieu/{lieu_id}/?du={value}",
                f"/fhir/Schedule?actor={value}",
            ]
        )
        method = "delete" if address.startswith("/api/v1/rendez-vous/") else "get"
        response = getattr(client, method)(address)
        assert response.status_code < 500, (response.status_code, address)


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ({"nom": "Martin", "prenom": "Jeanne"}, "multipart/form-data; boundary=BoUnDaRy", 415),
        ("nom=Martin&prenom=Jeanne", "application/x-www-form-urlencoded", 415),
        ("nom: Martin", "text/plain", 415),
        ("{pas du json", "application/json", 400),
    ],
)
def test_a_body_that_is_not_json_gets_a_french_json_error_and_no_traceback(
    caplog: pytest.LogCaptureFixture, body: Any, content_type: str, status: int
) -> None:
    """The schema promises JSON `Erreur` for every refusal: a form (multipart was an HTML 400 and a traceback in
    the log) is a 415, an unreadable JSON body a 400; nothing is written."""
    _, free = _free_slots()
    if isinstance(body, dict):
        body = {**body, "creneau": free[0]}  # the test client encodes the form itself
        response = Client().post("/api/v1/rendez-vous", body)
    else:
        response = Client().post("/api/v1/rendez-vous", body, content_type=content_type)
    assert response.status_code == status and response["Content-Type"].startswith("application/json")
    assert response.json()["detail"].startswith("Type de contenu" if status == 415 else "Corps de la requête")
    assert not RendezVous.objects.exists()
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= 40], caplog.records


def _shape_ok(detail: Any) -> bool:
    """The one shape the document gives (`Erreur`): a text, or fields each with a list of texts."""
    if isinstance(detail, str):
        return bool(detail)
    return (
        isinstance(detail, dict)
        and bool(detail)
        and all(
            isinstance(k, str) and isinstance(v, list) and all(isinstance(m, str) for m in v)
            for k, v in detail.items()
        )
    )


def test_every_refusal_has_the_documented_shape_with_fields_named_as_sent() -> None:
    """`detail` was a text, a list of texts or an object whose values were texts or lists, and the same field
    was `body.nom` when pydantic refused it (« Valeur absente ou invalide. ») and `nom` when the booking did:
    a client could not tell which field to show the message beside."""
    lieu_id, free = _free_slots()
    client = Client()
    urls = [
        f"/api/v1/lieux/{lieu_id}/creneaux?du=2026-12-11&au=2026-12-01",  # end before start: was a list
        f"/api/v1/lieux/{lieu_id}/creneaux?du=2026-02-30&au=2026-03-01",
        "/api/v1/lieux",
    ]
    answers = [client.get(url) for url in urls]
    bodies: list[Any] = [
        {**PATIENT, "creneau": free[0], "nom": 12},
        {**PATIENT, "creneau": free[0], "nom": ""},
        {"prenom": "Jeanne"},
    ]
    answers += [client.post("/api/v1/rendez-vous", body, content_type="application/json") for body in bodies]
    answers.append(
        client.post(
            "/api/v1/rendez-vous",
            {**PATIENT, "creneau": free[0]},
            content_type="application/json",
            headers={"Idempotency-Key": "k" * 101},
        )
    )
    booked = client.post(
        "/api/v1/rendez-vous", {**PATIENT, "creneau": free[1]}, content_type="application/json"
    )
    client.delete(f"/api/v1/rendez-vous/{booked.json()['jeton']}")
    answers.append(
        client.delete(f"/api/v1/rendez-vous/{booked.json()['jeton']}")
    )  # already cancelled: a list
    for response in answers:
        assert 400 <= response.status_code < 500 and _shape_ok(response.json()["detail"]), response.content
    details = [response.json()["detail"] for response in answers]
    assert "précède" in details[0]
    assert details[1] == {"du": ["Date attendue, au format AAAA-MM-JJ (une date qui existe)."]}
    assert details[2] == {"commune": ["Champ obligatoire."]}
    assert details[3] == {"nom": ["Texte attendu."]}  # pydantic's refusal, under the same name as …
    assert set(details[4]) == {"nom"}  # … the booking's own
    assert details[5] == {f: ["Champ obligatoire."] for f in ("creneau", "nom", "date_naissance")}
    assert set(details[6]) == {"Idempotency-Key"}
    assert response.status_code == 409
