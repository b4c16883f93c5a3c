"""FranceConnect patients: what they book while signed in is listed on « Mes rendez-vous »; links still work."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from solidarite.connexion.models import RendezVousDuCompte
from solidarite.rdv import services
from solidarite.rdv.models import AccesDonnees, RendezVous
from tests.factories import PATIENT
from tests.factories import mission as _mission

from .conftest import login
from .provider import Provider

pytestmark = pytest.mark.django_db


def book(client: Any, creneau: str, prenom: str) -> RendezVous:
    response = client.post(reverse("rdv:reserver", args=[creneau]), {**PATIENT, "prenom": prenom})
    assert response.status_code == 200, response.content
    return RendezVous.objects.get(prenom=prenom)


def listed(page: str) -> set[int]:
    """The appointments a page links to, read back from their signed links.

    A link is signed with the second it was made in: comparing it with one signed by the test may
    fail when the two straddle a second, so the test decodes the page's links instead.
    """
    prefix = reverse("rdv:gerer", args=["JETON"]).split("JETON")[0]
    jetons = re.findall(re.escape(prefix) + r"([^/\"]+)/", page)
    return {services.from_jeton(jeton).pk for jeton in jetons}


def test_bookings_of_a_signed_in_patient_are_listed(client, provider: Provider) -> None:  # type: ignore[no-untyped-def]
    mission = _mission()
    slots = services.slots(mission.lieu, mission.date, mission.date)
    anonymous = book(Client(), slots[0].id, "Anonyme")
    provider.person = {"sub": "fc-patient-1"}
    response = login(client, "franceconnect")
    assert response["Location"] == "/connexion/mes-rendez-vous/"
    assert "Aucun rendez-vous" in client.get("/connexion/mes-rendez-vous/").content.decode()
    mine = book(client, slots[1].id, "Connectee")
    page = client.get("/connexion/mes-rendez-vous/").content.decode()
    assert listed(page) == {mine.pk}
    assert mission.lieu.nom in page and "Anonyme" not in page
    assert not RendezVousDuCompte.objects.filter(rendez_vous=anonymous).exists()
    assert AccesDonnees.objects.filter(rendez_vous=mine, canal="FranceConnect").count() == 1
    # Another patient sees nothing of it; a professional or an anonymous visitor has no such page.
    provider.person = {"sub": "fc-patient-2"}
    other = Client()
    login(other, "franceconnect")
    assert listed(other.get("/connexion/mes-rendez-vous/").content.decode()) == set()
    assert Client().get("/connexion/mes-rendez-vous/").status_code == 302
    # The signed link still works without the account.
    assert Client().get(reverse("rdv:gerer", args=[services.jeton_for(mine)])).status_code == 200


def test_a_move_keeps_the_new_appointment_on_the_list(client, provider: Provider) -> None:  # type: ignore[no-untyped-def]
    mission = _mission()
    slots = services.slots(mission.lieu, mission.date, mission.date)
    provider.person = {"sub": "fc-patient-3"}
    login(client, "franceconnect")
    first = book(client, slots[0].id, "Deplace")
    response = client.post(reverse("rdv:deplacer", args=[services.jeton_for(first), slots[3].id]))
    assert response.status_code == 200
    new = RendezVous.objects.get(prenom="Deplace", statut="reserve")
    assert set(RendezVousDuCompte.objects.values_list("rendez_vous_id", flat=True)) == {first.pk, new.pk}
    page = client.get("/connexion/mes-rendez-vous/").content.decode()
    assert new.pk in listed(page)
