"""What an outside checker typed into the consultation, the close and the médecin traitant forms: invisible or
control characters, a name without a letter, a text of megabytes. Each is refused with a French message naming
the field, nothing is written; line breaks and tabs in a multi-line text stay allowed."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from solidarite.continuite import services
from solidarite.continuite.models import (
    TEXTE_MAX,
    MedecinTraitant,
    Patient,
    ResultatAttendu,
    Transmission,
    Visite,
)
from solidarite.rdv.models import AccesDonnees
from tests.factories import IDENTITE_JEANNE, consultation_du_jour, patient, transmission, visite

pytestmark = pytest.mark.django_db

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: what follows it shows reversed


@pytest.mark.parametrize(
    ("traits", "message"),
    [
        ({"nom_naissance": f"DUR{RLO}AND"}, r"Le nom de naissance contient un caractère invisible .*U\+202E"),
        ({"prenoms": "Jean\u200bne"}, r"Le prénom contient un caractère invisible .*U\+200B"),
        ({"nom_naissance": "12345"}, "Le nom de naissance doit contenir au moins une lettre"),
        ({"prenoms": "<>"}, "Le prénom doit contenir au moins une lettre"),
    ],
)
def test_a_name_with_an_invisible_character_or_no_letter_is_refused(lundi, traits, message) -> None:  # type: ignore[no-untyped-def]
    rdv = consultation_du_jour()
    data = services.Identite(**{**IDENTITE_JEANNE, **traits})  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=message):
        services.confirmer_identite(rdv, rdv.mission.medecin, data, None)
    assert not Patient.objects.exists() and not Visite.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"motif": f"Toux {RLO}esuoT"}, r"« Motif de consultation » contient .*U\+202E"),
        ({"synthese": "Bron\x0bchite"}, r"« Synthèse » contient .*U\+000B"),
        ({"texte_libre": "\x1b[31mrouge"}, r"« Note libre » contient .*U\+001B"),
        ({"prescriptions": "Amox\u200bicilline"}, r"« Prescriptions faites » contient .*U\+200B"),
        (
            {"examens": (services.Examen("biologie", f"NFS{RLO}", dt.date(2026, 12, 8)),)},
            r"L'intitulé de l'examen 1 contient .*U\+202E",
        ),
        ({"synthese": "x" * (TEXTE_MAX + 1)}, f"Synthèse : .*au plus {TEXTE_MAX} caractères"),
        ({"texte_libre": "x" * 2_000_000}, f"Note libre : .*au plus {TEXTE_MAX} caractères"),
    ],
)
def test_a_handover_with_an_invisible_character_or_megabytes_is_refused(lundi, fields, message) -> None:  # type: ignore[no-untyped-def]
    v = visite()
    saisie = services.Saisie(**{"motif": "Toux", "synthese": "Bronchite", **fields})  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=message):
        services.ecrire_transmission(v.rendez_vous, v.confirme_par, saisie, None)
    assert not Transmission.objects.exists() and not ResultatAttendu.objects.exists()


def test_line_breaks_and_tabs_stay_allowed_in_a_multi_line_text(lundi) -> None:  # type: ignore[no-untyped-def]
    v = visite()
    text = "Bronchite.\r\n\tAuscultation : sibilants.\n" + "x" * (TEXTE_MAX - 60)
    saisie = services.Saisie("Toux", text, prescriptions="Ligne 1\nLigne 2")
    t = services.ecrire_transmission(v.rendez_vous, v.confirme_par, saisie, None)
    assert t.synthese == text.strip() and t.prescriptions == "Ligne 1\nLigne 2"


@pytest.mark.parametrize(
    ("lu_par", "resultat", "conduite", "message"),
    [
        (f"Dr{RLO} Lecteur", "Normal", "Rien", r"« Lu par » contient .*U\+202E"),
        ("Dr Lecteur", "Hb\x0c 12", "Rien", r"« Résultat reçu » contient .*U\+000C"),
        ("Dr Lecteur", "Normal", "x" * (TEXTE_MAX + 1), f"Conduite tenue : .*au plus {TEXTE_MAX}"),
    ],
)
def test_a_close_with_an_invisible_character_or_megabytes_is_refused(
    lundi, lu_par, resultat, conduite, message
) -> None:  # type: ignore[no-untyped-def]
    r = transmission().resultats.get()
    with pytest.raises(ValidationError, match=message):
        services.clore(r.pk, None, lu_par, resultat, conduite)
    r.refresh_from_db()
    assert r.statut == ResultatAttendu.Statut.OUVERT and r.clos_le is None


def test_a_medecin_traitant_with_an_invisible_character_is_refused(lundi) -> None:  # type: ignore[no-untyped-def]
    v = visite()
    with pytest.raises(ValidationError, match=r"« Nom et adresse » contient .*U\+202E"):
        services.declarer_medecin_traitant(v.patient, f"Dr Durand{RLO}", "", "", None)
    assert not MedecinTraitant.objects.exists()


def test_the_consultation_page_refuses_megabytes_with_a_french_400(lundi) -> None:  # type: ignore[no-untyped-def]
    v = visite()
    doctor = Client()
    doctor.force_login(v.confirme_par.compte)
    url = f"/continuite/consultation/{v.rendez_vous_id}/"
    response = doctor.post(url, {"motif": "Toux", "synthese": "x" * 2_000_000, "suivi": "volontaire"})
    assert response.status_code == 400
    assert f"au plus {TEXTE_MAX} caractères" in response.content.decode()
    assert not Transmission.objects.exists()
    assert 'maxlength="10000"' in doctor.get(url).content.decode()


def test_declaring_the_same_medecin_traitant_again_keeps_their_acceptance(lundi, freeze_clock) -> None:  # type: ignore[no-untyped-def]
    """The declaration form sent twice (a double click, the page reloaded): the GP who accepted stays the owner
    and keeps reading the record. It reset the acceptance and moved the results back to the référent."""
    r = transmission().resultats.get()
    mt = services.declarer_medecin_traitant(r.patient, "Dr Durand, Mauriac", "10101010105", "", None)
    services.accepter_medecin_traitant(mt, None)
    freeze_clock(lundi + dt.timedelta(days=1))
    services.reassign_stale()
    r.refresh_from_db()
    assert r.proprietaire_medecin_traitant_id == mt.pk
    again = services.declarer_medecin_traitant(r.patient, "Dr Durand, Mauriac", "10101010105", "", None)
    again.refresh_from_db()
    r.refresh_from_db()
    assert again.pk == mt.pk and again.accepte_le is not None
    assert r.proprietaire_medecin_traitant_id == mt.pk
    # another GP declared instead: the first one's follow-up ends, the results move on by the rule
    other = services.declarer_medecin_traitant(r.patient, "Dr Autre, Riom", "", "", None)
    other.refresh_from_db()
    r.refresh_from_db()
    assert other.accepte_le is None and r.proprietaire_referent_id is not None


def test_two_doctors_taking_over_the_same_result_from_one_page_the_second_is_told(lundi) -> None:  # type: ignore[no-untyped-def]
    """Two next doctors read the same day page and both click « Reprendre »: the second silently took it from
    the first, who believed it theirs. Now the second is told it changed; the same click sent twice changes
    nothing the second time; the refusal is in the access log."""
    r = transmission().resultats.get()
    seen = services.label(services.owner_of(r))
    first = consultation_du_jour(r.lieu, days_ahead=2, form=patient(1)).mission.medecin
    second = consultation_du_jour(r.lieu, days_ahead=3, form=patient(2)).mission.medecin
    services.prendre_en_charge(r.pk, first, None, seen)
    services.prendre_en_charge(r.pk, first, None, seen)  # a double click
    with pytest.raises(ValidationError, match="a changé de propriétaire"):
        services.prendre_en_charge(r.pk, second, None, seen)
    r.refresh_from_db()
    assert r.proprietaire_medecin == first and r.changements.count() == 1
    log = AccesDonnees.objects.filter(objet_type="continuite.patient", objet_id=r.patient_id)
    assert log.filter(action="reprise refusée (propriétaire changé)").count() == 1
    # from the page: the owner shown travels with the click
    page = Client()
    page.force_login(second.compte)
    mission = second.missions.get()
    day = page.get(f"/continuite/journee/{mission.pk}/").content.decode()
    assert f'name="vu" value="{services.label(services.owner_of(r))}"' in day
    stale = page.post(f"/continuite/journee/{mission.pk}/", {"resultat": r.pk, "vu": seen})
    assert stale.status_code == 400 and "a changé de propriétaire" in stale.content.decode()
    r.refresh_from_db()
    assert r.proprietaire_medecin == first


def test_the_fhir_document_refused_is_an_operation_outcome_in_french(lundi) -> None:  # type: ignore[no-untyped-def]
    """The host software asking for a document it may not read (another lieu's, an id guessed) got the HTML page
    of a 404; it reads an OperationOutcome, in French, and nothing is logged as produced."""
    from fhir.resources.R4B.operationoutcome import OperationOutcome

    t = transmission()
    stranger = Client()
    stranger.force_login(consultation_du_jour(form=patient(3)).mission.medecin.compte)
    for pk in (t.pk, t.pk + 1000):
        response = stranger.get(f"/continuite/transmission/{pk}/fhir/")
        assert response.status_code == 404 and response["Content-Type"] == "application/fhir+json"
        issue = OperationOutcome.model_validate_json(response.content).issue[0]
        assert issue.code == "not-found" and "médecins du lieu" in issue.diagnostics
    produced = AccesDonnees.objects.filter(objet_type="continuite.patient", action="document FHIR produit")
    assert not produced.exists()


def test_a_qualified_identity_with_a_man_s_matricule_for_a_woman_is_refused(lundi) -> None:  # type: ignore[no-untyped-def]
    rdv = consultation_du_jour()
    thirteen = "1480515120001"  # right key, but « 1 »: a man
    data = services.Identite(
        **{
            **IDENTITE_JEANNE,
            "statut_identite": "qualifiee",
            "matricule_ins": thirteen + f"{97 - int(thirteen) % 97:02d}",
        }  # type: ignore[arg-type]
    )
    with pytest.raises(ValidationError, match="commence par 1"):
        services.confirmer_identite(rdv, rdv.mission.medecin, data, None)
    assert not Patient.objects.exists() and not Visite.objects.exists()
