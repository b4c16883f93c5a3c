"""The ARS's back office for rdv: the consultation hours of a lieu, and the record of messages."""

from __future__ import annotations

import html
import re

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.utils import timezone

from solidarite.rdv import services
from solidarite.rdv.models import HorairesConsultation, Message
from tests.factories import agent_ars, rendez_vous
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


def _booking_message() -> Message:
    """A booking's confirmation message (a waitlist entry: none)."""
    booked = rendez_vous()
    return Message.objects.filter(rendez_vous=booked).order_by("pk").first()  # type: ignore[return-value]


def test_the_message_record_is_in_french_and_says_nothing_as_a_dash(client: Client) -> None:
    """The change page showed « Rendez vous id : 1561 » and « Inscription id : None » (probe of 6 December)."""
    message = _booking_message()
    booked = message.rendez_vous
    assert booked is not None
    _ministry(client)
    page = client.get(f"/admin/rdv/message/{message.pk}/change/")
    text = _text(page)
    assert page.status_code == 200
    assert "Rendez vous id" not in text and "Inscription id" not in text and "None" not in text
    debut = timezone.localtime(booked.debut, booked.lieu.fuseau)
    assert f"n° {booked.pk}, le {debut:%d/%m/%Y à %H:%M}" in text
    assert re.search(r"Inscription en liste d'attente\s*:\s*</label>\s*<div class=\"readonly\">—</div>", text)
    assert f'href="/admin/annuaire/lieusolidaire/{booked.lieu_id}/change/">{booked.lieu.nom}</a>' in text
    listing = _text(client.get("/admin/rdv/message/"))
    assert "Rendez vous id" not in listing and "None" not in listing and f"n° {booked.pk}, le" in listing


def test_the_message_record_cannot_be_deleted_nor_changed_by_anyone_but_is_read(client: Client) -> None:
    message = _booking_message()
    region = message.rendez_vous.lieu.commune.departement.region  # type: ignore[union-attr]
    agent = agent_ars(region.code)  # with every right on messages: the record still refuses to be changed
    agent.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="rdv", content_type__model="message")
    )
    superuser = User.objects.create_superuser("ministere", password="mot-de-passe-solide-123")
    for user in (agent, superuser):
        client.force_login(user)
        page = client.get(f"/admin/rdv/message/{message.pk}/change/")
        assert page.status_code == 200 and "Supprimer" not in _text(page)
        assert client.get(f"/admin/rdv/message/{message.pk}/delete/").status_code == 403
        assert client.post(f"/admin/rdv/message/{message.pk}/delete/", {"post": "yes"}).status_code == 403
        listing = client.get("/admin/rdv/message/")
        assert listing.status_code == 200 and "delete_selected" not in _text(listing)
        client.post("/admin/rdv/message/", {"action": "delete_selected", "_selected_action": [message.pk]})
        changed = client.post(f"/admin/rdv/message/{message.pk}/change/", {"statut": "echec"})
        assert changed.status_code == 403
    message.refresh_from_db()
    assert message.statut == "a_envoyer"
