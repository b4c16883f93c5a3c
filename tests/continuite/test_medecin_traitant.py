"""The médecin traitant declared at the visit (RPPS or free text) and accepted, or refused, by that GP signed in
with Pro Santé Connect (the local OIDC provider of tests/connexion): acceptance moves the open results to them,
refusal moves nothing; every step audited; nobody else answers for them."""

from __future__ import annotations

import pytest
from django.test import Client

from solidarite.continuite.models import MedecinTraitant, ResultatAttendu
from solidarite.rdv.models import AccesDonnees
from tests.connexion.conftest import login, provider  # noqa: F401 (the fixture)
from tests.connexion.provider import Provider
from tests.connexion.test_oidc import psc_person
from tests.factories import consultation_du_jour, le_jour_de
from tests.factories import transmission as _transmission

pytestmark = pytest.mark.django_db

RPPS_MT = "10101010105"  # a valid key (Luhn), like every RPPS


def transmission(examens: int):  # type: ignore[no-untyped-def]
    """Tomorrow's booking (the provider's tokens need the real clock: no frozen Monday here), its identity and
    handover written on its day (tomorrow, at noon), then back to the real clock."""
    rdv = consultation_du_jour(days_ahead=1)
    with le_jour_de(rdv):
        return _transmission(rdv, examens=examens)


def declare(t, rpps: str = RPPS_MT, nom: str = "Dr Claire Durand, Mauriac") -> Client:  # type: ignore[no-untyped-def]
    doctor = Client()
    doctor.force_login(t.medecin.compte)
    url = f"/continuite/consultation/{t.visite.rendez_vous_id}/medecin-traitant/"
    response = doctor.post(url, {"mt_nom": nom, "mt_rpps": rpps})
    assert response.status_code == 302, response.content
    return doctor


def audited(patient_id: int, action: str) -> int:
    return AccesDonnees.objects.filter(
        objet_type="continuite.patient", objet_id=patient_id, action=action
    ).count()


def test_declared_then_accepted_through_pro_sante_connect(client, provider: Provider) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    t = transmission(examens=2)
    before = {r.pk: r.proprietaire_medecin_id for r in ResultatAttendu.objects.filter(patient=t.patient)}
    doctor = declare(t)
    assert (
        "en attente de sa réponse"
        in doctor.get(f"/continuite/consultation/{t.visite.rendez_vous_id}/").content.decode()
    )
    assert audited(t.patient_id, "médecin traitant déclaré") == 1
    provider.person = psc_person(RPPS_MT, sub="psc-mt-1")
    assert login(client, "psc").status_code == 302  # a GP known only by the declaration may sign in
    page = client.get("/continuite/medecin-traitant/").content.decode()
    assert "Martin" in page and "Accepter le suivi" in page
    mt = MedecinTraitant.objects.get(patient=t.patient)
    assert (
        client.post(
            "/continuite/medecin-traitant/", {"declaration": mt.pk, "reponse": "accepter"}
        ).status_code
        == 302
    )
    mt.refresh_from_db()
    assert mt.accepte_le is not None and mt.compte is not None and mt.compte.username == f"rpps-{RPPS_MT}"
    owners = ResultatAttendu.objects.filter(patient=t.patient, statut="ouvert")
    # the doctor on duty keeps theirs until the end of the day; the rest is the médecin traitant's
    assert all(
        r.proprietaire_medecin_traitant_id == mt.pk or r.proprietaire_medecin_id == before[r.pk]
        for r in owners
    )
    assert audited(t.patient_id, "suivi accepté (médecin traitant)") == 1
    # Now they read the record; a second answer is refused in French, nothing changes.
    assert client.get(f"/continuite/transmission/{t.pk}/lettre/").status_code == 200
    again = client.post("/continuite/medecin-traitant/", {"declaration": mt.pk, "reponse": "refuser"})
    assert again.status_code == 400 and "déjà reçu une réponse" in again.content.decode()
    mt.refresh_from_db()
    assert mt.refuse_le is None


def test_refusal_keeps_the_owner_and_another_gp_cannot_answer(client, provider: Provider) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    t = transmission(examens=1)
    declare(t)
    owner = ResultatAttendu.objects.values_list("proprietaire_medecin_id", "proprietaire_referent_id").get(
        patient=t.patient
    )
    mt = MedecinTraitant.objects.get(patient=t.patient)
    provider.person = psc_person("20202020202", sub="psc-autre")
    assert login(client, "psc").status_code == 403  # an RPPS nobody declared opens nothing
    assert "_auth_user_id" not in client.session
    other = Client()
    provider.person = psc_person(RPPS_MT, sub="psc-mt-2")
    login(other, "psc")
    assert (
        other.post("/continuite/medecin-traitant/", {"declaration": mt.pk, "reponse": "refuser"}).status_code
        == 302
    )
    mt.refresh_from_db()
    assert mt.refuse_le is not None and mt.accepte_le is None and mt.compte is None
    assert (
        ResultatAttendu.objects.values_list("proprietaire_medecin_id", "proprietaire_referent_id").get(
            patient=t.patient
        )
        == owner
    )
    assert audited(t.patient_id, "suivi refusé (médecin traitant)") == 1
    # refused, and no other declaration: the account no longer holds its role, the session ends, nothing is read
    after = other.get(f"/continuite/transmission/{t.pk}/lettre/")
    assert after.status_code == 302 and after["Location"] == "/connexion/"


def test_a_bad_rpps_is_a_400_in_french_and_nothing_is_written() -> None:
    t = transmission(examens=1)
    doctor = Client()
    doctor.force_login(t.medecin.compte)
    response = doctor.post(
        f"/continuite/consultation/{t.visite.rendez_vous_id}/medecin-traitant/",
        {"mt_nom": "Dr X", "mt_rpps": "123"},
    )
    assert response.status_code == 400 and "11 chiffres" in response.content.decode()
    assert not MedecinTraitant.objects.exists()
    stranger = Client()
    stranger.force_login(transmission(examens=0).medecin.compte)  # a doctor of another booking
    url = f"/continuite/consultation/{t.visite.rendez_vous_id}/medecin-traitant/"
    assert stranger.post(url, {"mt_nom": "Dr X", "mt_rpps": RPPS_MT}).status_code == 404
    assert not MedecinTraitant.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"mt_email": "pas-une-adresse"}, "Adresse électronique invalide"),
        ({"mt_email": "dr@" + "b" * 250 + ".fr"}, "Adresse électronique invalide"),
        (
            {"mt_nom": "N" * 201},
            "Nom et adresse : assurez-vous que cette valeur comporte au plus 200 caractères",
        ),
        ({"mt_rpps": "١٠١٠١٠١٠١٠١"}, "11 chiffres"),  # eleven digits, but not 0-9
        ({"mt_rpps": "1" * 12}, "11 chiffres"),
        # a typo in the key named nobody: the GP signing in with that RPPS never saw the declaration
        ({"mt_rpps": "10101010101"}, "clé de contrôle"),
    ],
)
def test_a_bad_address_or_an_overlong_field_is_a_400_in_french_and_nothing_is_saved(fields, message) -> None:  # type: ignore[no-untyped-def]
    t = transmission(examens=1)
    doctor = declare(t)  # a first, valid declaration: a refused one must leave it as it was
    first = MedecinTraitant.objects.values().get()
    declared = audited(t.patient_id, "médecin traitant déclaré")
    url = f"/continuite/consultation/{t.visite.rendez_vous_id}/medecin-traitant/"
    response = doctor.post(url, {"mt_nom": "Dr X", "mt_rpps": "", "mt_email": "", **fields})
    assert response.status_code == 400 and message in response.content.decode()
    assert MedecinTraitant.objects.values().get() == first
    assert audited(t.patient_id, "médecin traitant déclaré") == declared


def test_a_secure_messaging_address_is_kept() -> None:
    t = transmission(examens=0)
    doctor = Client()
    doctor.force_login(t.medecin.compte)
    url = f"/continuite/consultation/{t.visite.rendez_vous_id}/medecin-traitant/"
    body = {"mt_nom": "N" * 200, "mt_rpps": RPPS_MT, "mt_email": " claire.durand@medecin.mssante.fr "}
    assert doctor.post(url, body).status_code == 302
    mt = MedecinTraitant.objects.get()
    assert (len(mt.nom), mt.email) == (200, "claire.durand@medecin.mssante.fr")
