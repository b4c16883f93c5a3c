"""« Qui a consulté mon dossier » for a patient signed in with FranceConnect (the local OIDC provider of
tests/connexion): the records confirmed at the visits of their appointments, nobody else's, audited."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from solidarite.rdv import services as rdv_services
from solidarite.rdv.models import AccesDonnees, RendezVous
from tests.connexion.conftest import login, provider  # noqa: F401 (the fixture)
from tests.connexion.provider import Provider
from tests.factories import PATIENT, compte, le_jour_de, mission, referent, transmission

pytestmark = pytest.mark.django_db


def test_the_franceconnect_patient_sees_who_read_their_record(client, provider: Provider) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    m = mission(days_ahead=1)
    referent(m.lieu)
    compte(m.medecin)
    slots = rdv_services.slots(m.lieu, m.date, m.date)
    provider.person = {"sub": "fc-continuite-1"}
    login(client, "franceconnect")
    assert (
        client.post(
            reverse("rdv:reserver", args=[slots[0].id]), {**PATIENT, "prenom": "Connectee"}
        ).status_code
        == 200
    )
    mine = RendezVous.objects.get(prenom="Connectee")
    before = client.get("/continuite/mes-acces/").content.decode()
    assert "Aucun dossier de suivi" in before and m.medecin.compte.username not in before
    doctor = Client()
    doctor.force_login(m.medecin.compte)
    assert doctor.get(f"/rendez-vous/journee/{m.pk}/").status_code == 200  # the day's list shows the booking
    listed = client.get("/continuite/mes-acces/").content.decode()  # that read is the patient's to see
    assert (
        "Aucun dossier de suivi" in listed
        and m.medecin.compte.username in listed
        and "liste du jour" in listed
    )
    with le_jour_de(mine):  # tomorrow: the doctor confirms the identity at the visit, writes the handover
        t = transmission(mine)
    Client().get(f"/continuite/transmission/{t.pk}/lettre/")  # anonymous: refused, never logged as a reader
    assert doctor.get(f"/continuite/transmission/{t.pk}/fhir/").status_code == 200
    page = client.get("/continuite/mes-acces/")
    assert page.status_code == 200
    assert (
        m.medecin.compte.username in page.content.decode()
        and "document FHIR produit" in page.content.decode()
    )
    seen = AccesDonnees.objects.filter(
        objet_type="continuite.patient", objet_id=t.patient_id, canal="FranceConnect"
    )
    assert seen.count() == 1 and seen.get().action == "accès consultés par le patient"
    # Another FranceConnect patient sees none of it; a professional or a visitor has no such page.
    provider.person = {"sub": "fc-continuite-2"}
    other = Client()
    login(other, "franceconnect")
    theirs = other.get("/continuite/mes-acces/").content.decode()
    assert "Aucun dossier de suivi" in theirs and m.medecin.compte.username not in theirs
    assert doctor.get("/continuite/mes-acces/").status_code == 404
    assert Client().get("/continuite/mes-acces/").status_code == 302
