"""The page of the signed link (« gérer mon rendez-vous ») and moving an appointment from it."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.test import Client
from django.utils import timezone

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
