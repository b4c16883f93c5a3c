"""The volunteers' sign-up tells nobody who volunteers, and is rate-limited as the other public forms are (the
probe of 6 December: about 70 POSTs in a row never got a 429, and « Ce numéro RPPS est déjà inscrit » told
anyone whether a given doctor was a volunteer). Decision 0006 point 8: the same answer whoever the RPPS or the
address belongs to; the registration holding them is told by e-mail, and says what to do."""

from __future__ import annotations

import html
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.test import Client

from solidarite.annuaire.models import MedecinVolontaire
from solidarite.annuaire.validation import rpps_with_key
from solidarite.territoire.models import Departement
from tests.factories import inscription_form

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counters():  # type: ignore[no-untyped-def]
    cache.clear()
    yield
    cache.clear()


def _sign_up(client: Client, **changes: object) -> Any:
    return client.post(
        "/medecins/inscription/", inscription_form(cdom=Departement.objects.get(code="15").pk, **changes)
    )


def _main(response: Any) -> str:
    """What the page says (its <main>), without the nonces and tokens that change with every request."""
    page = html.unescape(response.content.decode())
    return page[page.index("<main") : page.index("</main>")]


@pytest.mark.parametrize(
    "again",
    [
        {"email": "c.durand@ailleurs.fr"},  # the same RPPS, another address
        {"rpps": rpps_with_key("1000000002")},  # the same address, another RPPS
        {},  # the same form, sent again
    ],
)
def test_a_second_sign_up_answers_as_a_first_one_and_tells_the_registration(
    client: Client,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
    again: dict[str, object],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = _sign_up(client)
    assert first.status_code == 200 and [m.to for m in mail.outbox] == [["claire.durand@exemple.fr"]]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        second = _sign_up(client, **again)
    assert second.status_code == 200
    said = _main(second)
    expected_page = _main(first).replace(
        "claire.durand@exemple.fr", str(again.get("email", "claire.durand@exemple.fr"))
    )
    assert said == expected_page
    assert MedecinVolontaire.objects.count() == 1
    assert [m.to for m in mail.outbox] == [["claire.durand@exemple.fr"]]  # the registration's own address
    notice = mail.outbox[0]
    assert "existe déjà" in notice.subject
    assert (
        "cette demande n'a rien changé" in notice.body
        and "écrivez à l'ARS Auvergne-Rhône-Alpes" in notice.body
    )
    assert MedecinVolontaire.objects.get().jeton_calendrier not in notice.body  # no secret to whoever asked


def test_rpps_and_address_of_two_registrations_tell_both(
    client: Client,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    _sign_up(client)
    _sign_up(client, rpps=rpps_with_key("1000000002"), email="autre@exemple.fr")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        answer = _sign_up(client, email="autre@exemple.fr")
    assert answer.status_code == 200 and MedecinVolontaire.objects.count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["autre@exemple.fr", "claire.durand@exemple.fr"]


@pytest.fixture
def _same_minute():  # type: ignore[no-untyped-def]
    """Counters are per minute: the clock stays in one minute for the test."""
    with time_machine.travel(1_800_000_000.0, tick=False):
        yield


@pytest.mark.usefixtures("_same_minute")
def test_sign_ups_from_one_address_are_limited(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SOLIDARITE_LIMITE_RESERVATIONS = 2
    for k in range(2):
        answer = _sign_up(client, rpps=rpps_with_key(f"100000000{k}"), email=f"m{k}@exemple.fr")
        assert answer.status_code == 200
    refused = _sign_up(client, rpps=rpps_with_key("1000000009"), email="m9@exemple.fr")
    assert refused.status_code == 429 and refused["Retry-After"] == "60"
    assert "Patientez une minute puis réessayez" in html.unescape(refused.content.decode())
    assert MedecinVolontaire.objects.count() == 2
    assert client.get("/medecins/inscription/").status_code == 200  # reading the form is not counted
    other = Client(REMOTE_ADDR="10.0.0.2")  # another address is not affected
    assert _sign_up(other, rpps=rpps_with_key("1000000009"), email="m9@exemple.fr").status_code == 200
