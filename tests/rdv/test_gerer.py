"""The page of the signed link (« gérer mon rendez-vous ») and moving an appointment from it."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.test import Client
from django.utils import formats, timezone

from solidarite.rdv import services
from solidarite.rdv.models import RendezVous
from tests.factories import PATIENT
from tests.factories import mission as _mission

pytestmark = pytest.mark.django_db


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.content.decode())


def test_an_appointment_that_has_started_offers_neither_cancelling_nor_moving(
    client: Client, freeze_clock
) -> None:  # type: ignore[no-untyped-def]
    """After its start the page showed « Statut : réservé », « Annuler ce rendez-vous » and other slots to move it
    to, and « ?annuler » its confirmation; only the POST then answered 409 (probe of 6 December)."""
    mission = _mission(days_ahead=1)
    slots = services.slots(mission.lieu, mission.date, mission.date)
    rdv = services.book(slots[0].id, PATIENT)
    token = services.jeton_for(rdv)
    freeze_clock(rdv.debut + dt.timedelta(minutes=5))
    page = client.get(f"/rendez-vous/gerer/{token}/")
    text = _text(page)
    started = f"{timezone.localtime(rdv.debut, mission.lieu.fuseau):%H:%M}"
    assert page.status_code == 200
    assert f"Ce rendez-vous a commencé à {started} : il ne peut plus être annulé ni déplacé" in text
    assert "Statut : commencé" in text and "Réservé" not in text
    assert "Annuler ce rendez-vous" not in text and "Déplacer ce rendez-vous" not in text
    assert "/deplacer/" not in text and "?deplacer=" not in text
    asked = _text(client.get(f"/rendez-vous/gerer/{token}/?annuler"))
    assert "Oui, annuler ce rendez-vous" not in asked and "a commencé" in asked
    listed = _text(client.get(f"/rendez-vous/lieu/{mission.lieu.pk}/", {"deplacer": token}))
    assert "/deplacer/" not in listed  # the lieu's plain list: no slot leads to moving it
    # the POSTs stay refused
    assert client.post(f"/rendez-vous/gerer/{token}/").status_code == 409
    assert client.post(f"/rendez-vous/gerer/{token}/deplacer/{slots[-1].id}/").status_code == 409
    assert RendezVous.objects.get().statut == "reserve"


def test_a_move_that_loses_to_another_move_of_the_same_link_says_where_the_appointment_now_is(
    client: Client, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Four POSTs of the same link at once, each to another slot: one moved it, the three others answered
    « Ce rendez-vous est déjà annulé ou passé » although it had just been moved (probe of 6 December)."""
    mission = _mission(days_ahead=3)
    slots = services.slots(mission.lieu, mission.date, mission.date)
    rdv = services.book(slots[0].id, {**PATIENT, "email": "jeanne@exemple.fr"})
    token = services.jeton_for(rdv)
    real_move = services.move

    def beaten(jeton: str, creneau: str, canal: str) -> RendezVous:
        real_move(jeton, slots[2].id, canal=canal)  # the request that wins, between this one's check and move
        return real_move(jeton, creneau, canal=canal)

    monkeypatch.setattr(services, "move", beaten)
    lost = client.post(f"/rendez-vous/gerer/{token}/deplacer/{slots[1].id}/")
    text = _text(lost)
    now_at = timezone.localtime(slots[2].debut, mission.lieu.fuseau)
    assert lost.status_code == 409 and "Ce rendez-vous vient d'être déplacé" in text
    assert f"Il a lieu désormais le {formats.date_format(now_at, 'l j F Y')} à {now_at:%H:%M}" in text
    assert "déjà annulé ou passé" not in text and "Déplacer mon rendez-vous à ce créneau" not in text
    assert "envoyé par courriel ou SMS" in text and f'href="/rendez-vous/gerer/{token}/"' in text
    assert RendezVous.objects.get(statut="reserve").debut == slots[2].debut  # the winner's move, alone
    monkeypatch.undo()
    # the same link sent again afterwards, towards yet another slot: the same answer, from the page's own check
    again = client.post(f"/rendez-vous/gerer/{token}/deplacer/{slots[3].id}/")
    assert again.status_code == 409 and "vient d'être déplacé" in _text(again)
    # moved again from the new appointment's link: the old link tells the latest time
    moved = RendezVous.objects.get(statut="reserve")
    services.move(services.jeton_for(moved), slots[4].id)
    latest = timezone.localtime(slots[4].debut, mission.lieu.fuseau)
    later = _text(client.get(f"/rendez-vous/gerer/{token}/deplacer/{slots[5].id}/"))
    assert f"Il a lieu désormais le {formats.date_format(latest, 'l j F Y')} à {latest:%H:%M}" in later
    # cancelled after its moves: nothing booked to point at, « annulé ou passé » again
    services.cancel(services.jeton_for(RendezVous.objects.get(statut="reserve")))
    cancelled = client.post(f"/rendez-vous/gerer/{token}/deplacer/{slots[5].id}/")
    assert cancelled.status_code == 409 and "déjà annulé ou passé" in _text(cancelled)


def test_a_move_sent_twice_at_once_to_one_slot_is_already_confirmed(client: Client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A double click on « Déplacer mon rendez-vous à ce créneau »: the second request, beaten by the first to the
    same slot, is the same move, « déjà confirmé », not « vient d'être déplacé » nor « déjà annulé ou passé »."""
    mission = _mission(days_ahead=3)
    slots = services.slots(mission.lieu, mission.date, mission.date)
    rdv = services.book(slots[0].id, PATIENT)
    token = services.jeton_for(rdv)
    real_move = services.move

    def beaten(jeton: str, creneau: str, canal: str) -> RendezVous:
        real_move(jeton, creneau, canal=canal)  # the first click's request, between this one's check and move
        return real_move(jeton, creneau, canal=canal)

    monkeypatch.setattr(services, "move", beaten)
    second = client.post(f"/rendez-vous/gerer/{token}/deplacer/{slots[1].id}/")
    text = _text(second)
    assert second.status_code == 200 and "Votre rendez-vous est déjà confirmé" in text
    assert "vient d'être déplacé" not in text and "annulé ou passé" not in text
    assert RendezVous.objects.get(statut="reserve").debut == slots[1].debut
