"""The text of every message a patient receives (e-mail subject and body, SMS), compared to tests/snapshots/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from solidarite.rdv import attente, messaging, services
from solidarite.rdv.models import Message
from tests.factories import PATIENT, mission_a_mauriac
from tests.snapshot import assert_snapshot, stable

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))  # a Monday, in Paris
VARIES = {
    r"/rendez-vous/gerer/[^/\s]+/": "/rendez-vous/gerer/<jeton>/",
    r"/rendez-vous/attente/tout/[^/\s]+/": "/rendez-vous/attente/tout/<jeton>/",
    r"/rendez-vous/attente/(?!tout/)[^/\s]+/": "/rendez-vous/attente/<jeton>/",
    r"/rendez-vous/lieu/\d+/": "/rendez-vous/lieu/<lieu>/",
}


def _render(text: messaging.Text) -> str:
    return stable(f"Objet : {text.subject}\n\n{text.body}\n\n--- SMS ---\n{text.short}\n", VARIES)


@pytest.mark.parametrize(
    "nature",
    [
        Message.Nature.CONFIRMATION,
        Message.Nature.RAPPEL,
        Message.Nature.ANNULATION,
        Message.Nature.MISSION_ANNULEE,
    ],
)
def test_appointment_messages(freeze_clock, nature: str) -> None:  # type: ignore[no-untyped-def]
    freeze_clock(NOW)
    mission = mission_a_mauriac()  # Thursday 26 November 2026
    slots = services.slots(mission.lieu, mission.date, mission.date)
    rdv = services.book(slots[0].id, {**PATIENT, "email": "jeanne@exemple.fr"})
    text = messaging.compose(Message(rendez_vous=rdv, nature=nature), timezone.now())
    assert_snapshot(f"messages/{nature}.txt", _render(text))


def test_waitlist_message(freeze_clock) -> None:  # type: ignore[no-untyped-def]
    freeze_clock(NOW)
    mission = mission_a_mauriac()
    inscription = attente.register(
        mission.lieu,
        {
            **PATIENT,
            "email": "jeanne@exemple.fr",
            "du": f"{mission.date}",
            "au": f"{mission.date + dt.timedelta(days=7)}",
        },
    )
    text = messaging.compose(Message(inscription=inscription, nature=Message.Nature.ATTENTE), timezone.now())
    assert_snapshot("messages/attente.txt", _render(text))


def test_withdraw_all_link_message(freeze_clock) -> None:  # type: ignore[no-untyped-def]
    freeze_clock(dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=1))))
    mission = mission_a_mauriac()
    inscription = attente.register(
        mission.lieu,
        {**PATIENT, "du": f"{mission.date}", "au": f"{mission.date + dt.timedelta(days=10)}"},
    )
    text = messaging.compose(
        Message(inscription=inscription, nature=Message.Nature.RETRAIT, canal=Message.Canal.SMS),
        timezone.now(),
    )
    assert_snapshot("messages/retrait_attente.txt", _render(text))
