"""The ARS's back office for rdv: the consultation hours of a lieu, and the record of messages."""

from __future__ import annotations

import html

import pytest
from django.contrib.auth.models import User
from django.test import Client

from solidarite.rdv import services
from solidarite.rdv.models import HorairesConsultation
from tests.factories import mission as _mission

pytestmark = pytest.mark.django_db

HOURS = {
    "matin_debut": "08:30",
    "matin_fin": "12:30",
    "apres_midi_debut": "14:00",
    "apres_midi_fin": "18:00",
    "duree_minutes": 20,
    "battement_minutes": 0,
}


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.content.decode())


def _ministry(client: Client) -> None:
    client.force_login(User.objects.create_superuser("ministere", password="mot-de-passe-solide-123"))


@pytest.mark.parametrize(
    ("emptied", "message"),
    [
        (
            ["matin_fin"],
            "Indiquez aussi la fin du matin, ou effacez le début s'il n'y a pas de consultation le matin",
        ),
        (
            ["matin_debut"],
            "Indiquez aussi le début du matin, ou effacez la fin s'il n'y a pas de consultation",
        ),
        (["apres_midi_fin"], "Indiquez aussi la fin de l'après-midi, ou effacez le début s'il n'y a pas"),
        (["apres_midi_debut"], "Indiquez aussi le début de l'après-midi"),
        (
            ["matin_debut", "matin_fin", "apres_midi_debut", "apres_midi_fin"],
            "Indiquez au moins une plage de consultation",
        ),
    ],
)
def test_a_half_filled_period_or_no_period_is_refused_in_the_back_office(
    client: Client, emptied: list[str], message: str
) -> None:
    """hours() leaves out a period that lacks a time: saved, a half-filled morning took the lieu's morning slots
    away (48 → 24 at the lieu probed), four empty times all of them, without a word (probe of 6 December)."""
    mission = _mission()
    _ministry(client)
    form = {"lieu": mission.lieu.pk, **HOURS, **dict.fromkeys(emptied, "")}
    refused = client.post("/admin/rdv/horairesconsultation/add/", form)
    assert refused.status_code == 200 and message in _text(refused)
    assert not HorairesConsultation.objects.exists()
    assert len(services.slots(mission.lieu, mission.date, mission.date)) == 24  # the default hours still


def test_a_day_of_one_period_is_accepted(client: Client) -> None:
    mission = _mission()
    _ministry(client)
    form = {"lieu": mission.lieu.pk, **HOURS, "apres_midi_debut": "", "apres_midi_fin": ""}
    saved = client.post("/admin/rdv/horairesconsultation/add/", form)
    assert saved.status_code == 302, _text(saved)
    assert len(services.slots(mission.lieu, mission.date, mission.date)) == 12  # the morning only


def test_a_period_that_ends_before_it_starts_is_refused(client: Client) -> None:
    mission = _mission()
    _ministry(client)
    form = {"lieu": mission.lieu.pk, **HOURS, "apres_midi_debut": "18:00", "apres_midi_fin": "14:00"}
    refused = client.post("/admin/rdv/horairesconsultation/add/", form)
    assert refused.status_code == 200 and "Une plage horaire doit finir après avoir commencé" in _text(
        refused
    )
    assert not HorairesConsultation.objects.exists()
