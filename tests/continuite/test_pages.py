"""The pages: a consultation's identity then handover by HTTP, the next doctor's day, closing, the lieu and ARS
pages (overdue in red), the documents, the patient's view of who read; bad input answers 400 in French and
writes nothing; every read is in the access log."""

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.test import Client

from solidarite.continuite import ins
from solidarite.continuite.models import MedecinTraitant, Patient, ResultatAttendu, Transmission
from solidarite.rdv.models import AccesDonnees
from solidarite.rdv.services.jetons import jeton_for
from tests.factories import (
    IDENTITE_FORMULAIRE as IDENTITY,
)
from tests.factories import (
    TRANSMISSION_FORMULAIRE,
    agent_ars,
    consultation_du_jour,
    lieu,
    patient,
    transmission,
    visite,
)

pytestmark = pytest.mark.django_db


def as_user(user) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.force_login(user)
    return c


def test_identity_then_handover_in_two_posts(lundi) -> None:  # type: ignore[no-untyped-def]
    rdv = consultation_du_jour()
    c = as_user(rdv.mission.medecin.compte)
    url = f"/continuite/consultation/{rdv.pk}/"
    assert "Identité du patient" in c.get(url).content.decode()
    assert c.post(url, IDENTITY).status_code == 302
    page = c.post(url, TRANSMISSION_FORMULAIRE)
    assert page.status_code == 302
    t = Transmission.objects.get()
    assert t.resultats.get().libelle == "NFS"
    assert "Lettre au médecin traitant" in c.get(url).content.decode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"statut_identite": "qualifiee"}, "Une identité qualifiée a un matricule INS"),
        (
            {"statut_identite": "qualifiee", "matricule_ins": "248051512000199"},
            "clé du matricule INS est fausse",
        ),
        ({"date_naissance": "2030-01-01"}, "date de naissance est dans le futur"),
        ({"date_naissance": ""}, "Date de naissance : ce champ est obligatoire"),
        # given but not a day: not « obligatoire », nor the « jj/mm/aaaa » the field had just refused
        ({"date_naissance": "pas une date"}, "« pas une date » n&#x27;est pas une date valide"),
        ({"date_naissance": "17/05/1948"}, "« 17/05/1948 » n&#x27;est pas une date valide"),
        ({"date_naissance": "1948-02-30"}, "« 1948-02-30 » n&#x27;est pas une date valide"),
        ({"date_naissance": "0001-01-01"}, "date de naissance est antérieure au 01/01/1900"),
        ({"date_naissance": "1899-12-31"}, "date de naissance est antérieure au 01/01/1900"),
        (
            {"nom_naissance": "X" * 5000},
            "Nom de naissance : assurez-vous que cette valeur comporte au plus 100 caractères",
        ),
        (
            {"prenoms": "Y" * 201},
            "Prénom(s) de naissance : assurez-vous que cette valeur comporte au plus 200 caractères",
        ),
    ],
)
def test_bad_identity_by_http_is_a_400_in_french(lundi, change, message) -> None:  # type: ignore[no-untyped-def]
    rdv = consultation_du_jour()
    c = as_user(rdv.mission.medecin.compte)
    before = AccesDonnees.objects.count()
    page = c.post(f"/continuite/consultation/{rdv.pk}/", {**IDENTITY, **change})
    assert page.status_code == 400 and message in page.content.decode()
    assert not Patient.objects.exists()
    # the page shown again reads the booking (name, birth date): that read alone is logged, nothing else
    added = AccesDonnees.objects.order_by("pk")[before:]
    assert [(a.objet_type, a.action) for a in added] == [("rdv.rendezvous", "consultation ouverte")]


def test_an_exam_date_given_but_not_a_day_is_not_called_missing(lundi) -> None:  # type: ignore[no-untyped-def]
    rdv = consultation_du_jour()
    c = as_user(rdv.mission.medecin.compte)
    url = f"/continuite/consultation/{rdv.pk}/"
    assert c.post(url, IDENTITY).status_code == 302
    handover = {"motif": "Toux", "synthese": "Bronchite", "suivi": "volontaire", "examen_1_libelle": "NFS"}
    for day, message in [
        ("2026-12-32", "« 2026-12-32 » n&#x27;est pas une date valide"),
        ("", "date de résultat attendue : ce champ est obligatoire"),
    ]:
        page = c.post(url, {**handover, "examen_1_date": day})
        assert page.status_code == 400 and message in page.content.decode()
    assert not Transmission.objects.exists()


def test_every_refused_identity_field_has_its_message(lundi) -> None:  # type: ignore[no-untyped-def]
    rdv = consultation_du_jour()
    c = as_user(rdv.mission.medecin.compte)
    bad = {**IDENTITY, "nom_naissance": "X" * 101, "date_naissance": "0001-01-01", "sexe": "Z"}
    page = c.post(f"/continuite/consultation/{rdv.pk}/", bad).content.decode()
    assert "au plus 100 caractères" in page and "antérieure au 01/01/1900" in page and "F, M ou I" in page
    assert not Patient.objects.exists()


def test_the_oldest_birth_date_and_the_longest_names_are_taken(lundi) -> None:  # type: ignore[no-untyped-def]
    rdv = consultation_du_jour()
    c = as_user(rdv.mission.medecin.compte)
    edge = {**IDENTITY, "nom_naissance": "N" * 100, "prenoms": "P" * 200, "date_naissance": "1900-01-01"}
    assert c.post(f"/continuite/consultation/{rdv.pk}/", edge).status_code == 302
    patient = Patient.objects.get()
    assert (len(patient.nom_naissance), len(patient.prenoms)) == (100, 200)
    assert patient.date_naissance == dt.date(1900, 1, 1)


HANDOVER = TRANSMISSION_FORMULAIRE


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"motif": "M" * 2000},
            "Motif de consultation : assurez-vous que cette valeur comporte au plus 300 caractères",
        ),
        ({"examen_1_date": "9999-12-31"}, "Examen 1 : la date de résultat attendue est à plus de 365 jours"),
        ({"examen_1_date": "2027-12-08"}, "au plus tard le 07/12/2027"),
        ({"examen_1_date": "2026-12-06"}, "Examen 1 : la date de résultat attendue précède la consultation"),
        (
            {"examen_1_libelle": "L" * 201},
            "Examen 1 : assurez-vous que cette valeur comporte au plus 200 caractères",
        ),
    ],
)
def test_bad_handover_by_http_is_a_400_in_french_and_writes_nothing(lundi, change, message) -> None:  # type: ignore[no-untyped-def]
    rdv = consultation_du_jour()
    c = as_user(rdv.mission.medecin.compte)
    url = f"/continuite/consultation/{rdv.pk}/"
    assert c.post(url, IDENTITY).status_code == 302
    page = c.post(url, {**HANDOVER, **change})
    assert page.status_code == 400 and message in page.content.decode()
    assert not Transmission.objects.exists() and not ResultatAttendu.objects.exists()


def test_a_result_expected_a_year_after_the_consultation_is_taken(lundi) -> None:  # type: ignore[no-untyped-def]
    rdv = consultation_du_jour()
    c = as_user(rdv.mission.medecin.compte)
    url = f"/continuite/consultation/{rdv.pk}/"
    assert c.post(url, IDENTITY).status_code == 302
    longest = {**HANDOVER, "motif": "M" * 300, "examen_1_libelle": "L" * 200, "examen_1_date": "2027-12-07"}
    assert c.post(url, longest).status_code == 302
    r = ResultatAttendu.objects.get()
    assert r.date_prevue == dt.date(2027, 12, 7) and len(r.transmission.motif) == 300


def test_another_doctor_cannot_open_the_consultation(lundi) -> None:  # type: ignore[no-untyped-def]
    rdv = consultation_du_jour()
    other = consultation_du_jour(rdv.lieu, form=patient(1))  # another patient of the day
    c = as_user(other.mission.medecin.compte)
    assert c.post(f"/continuite/consultation/{rdv.pk}/", IDENTITY).status_code == 404
    assert not Patient.objects.exists()


def test_the_next_doctor_sees_the_day_newest_first_and_takes_over(lundi, freeze_clock) -> None:  # type: ignore[no-untyped-def]
    old = transmission(examens=1)
    newer = transmission(consultation_du_jour(old.lieu, form=patient(1)), examens=1)  # another patient
    freeze_clock(lundi + dt.timedelta(days=1))
    nxt = consultation_du_jour(old.lieu)
    c = as_user(nxt.mission.medecin.compte)
    page = c.get(f"/continuite/journee/{nxt.mission_id}/").content.decode()
    assert page.index(f"/continuite/resultat/{newer.resultats.get().pk}/") < page.index(
        f"/continuite/resultat/{old.resultats.get().pk}/"
    )
    r = old.resultats.get()
    assert c.post(f"/continuite/journee/{nxt.mission_id}/", {"resultat": r.pk}).status_code == 302
    r.refresh_from_db()
    assert r.proprietaire_medecin == nxt.mission.medecin
    assert AccesDonnees.objects.filter(objet_type="continuite.patient", action="journée de suivi").exists()


def test_a_doctor_whose_day_is_over_reads_the_follow_ups_without_a_button_that_fails(
    lundi, freeze_clock
) -> None:  # type: ignore[no-untyped-def]
    """Three days later, the doctor of the day reads the lieu's follow-ups; a take-over needs a mission there today or
    later, so no « Reprendre » is offered and the page says what would allow it. The next doctor gets the buttons."""
    t = transmission(examens=1)
    freeze_clock(lundi + dt.timedelta(days=3))
    c = as_user(t.medecin.compte)
    page = c.get(f"/continuite/journee/{t.mission_id}/").content.decode()
    assert page.count(">Reprendre</button>") == 0 and "Lecture seule" in page
    assert f"/continuite/resultat/{t.resultats.get().pk}/" in page  # still read
    nxt = consultation_du_jour(t.lieu)
    page = as_user(nxt.mission.medecin.compte).get(f"/continuite/journee/{nxt.mission_id}/").content.decode()
    assert (
        page.count(">Reprendre</button>") == 2 and "Lecture seule" not in page
    )  # the transmission, the result


def test_a_doctor_of_another_lieu_cannot_take_over(lundi) -> None:  # type: ignore[no-untyped-def]
    t = transmission(examens=1)
    elsewhere = consultation_du_jour(lieu())
    c = as_user(elsewhere.mission.medecin.compte)
    page = c.post(f"/continuite/journee/{elsewhere.mission_id}/", {"resultat": t.resultats.get().pk})
    assert page.status_code == 400 and "mission confirmée à ce lieu" in page.content.decode()
    assert c.get(f"/continuite/resultat/{t.resultats.get().pk}/").status_code == 404


def test_a_doctor_of_another_lieu_learns_nothing_of_its_results(lundi) -> None:  # type: ignore[no-untyped-def]
    """Closed, open or no such row: one refusal to a doctor of another lieu (decision 0006), not « déjà clos »."""
    t = transmission(examens=2)
    closed, still_open = t.resultats.order_by("pk")
    c_own = as_user(t.medecin.compte)
    body = {"lu_par_nom": "Dr X", "resultat": "normal", "conduite": "rien"}
    assert c_own.post(f"/continuite/resultat/{closed.pk}/", body).status_code == 302
    elsewhere = consultation_du_jour(lieu())
    c = as_user(elsewhere.mission.medecin.compte)
    url = f"/continuite/journee/{elsewhere.mission_id}/"
    answers = set()
    for pk in (closed.pk, still_open.pk, still_open.pk + 1000):
        page = c.post(url, {"resultat": pk})
        assert page.status_code == 400
        text = page.content.decode()
        assert "déjà clos" not in text and "inconnu" not in text
        answers.add("mission confirmée à ce lieu" in text)
    assert answers == {True}


def test_closing_twice_by_http(lundi) -> None:  # type: ignore[no-untyped-def]
    t = transmission(examens=1)
    c = as_user(t.medecin.compte)
    url = f"/continuite/resultat/{t.resultats.get().pk}/"
    body = {"lu_par_nom": "Dr X", "resultat": "normal", "conduite": "rien"}
    assert c.post(url, body).status_code == 302
    again = c.post(url, body)
    assert again.status_code == 400 and "déjà clos" in again.content.decode()


def test_a_reader_name_too_long_is_refused_not_cut(lundi) -> None:  # type: ignore[no-untyped-def]
    import html

    t = transmission(examens=1)
    c = as_user(t.medecin.compte)
    r = t.resultats.get()
    long = c.post(f"/continuite/resultat/{r.pk}/", {"lu_par_nom": "D" * 201, "conduite": "Patient rappelé"})
    text = html.unescape(long.content.decode())
    assert (
        long.status_code == 400 and "Lu par : assurez-vous que cette valeur comporte au plus 200" in text
    ), text
    r.refresh_from_db()
    assert r.statut == "ouvert" and r.lu_par_nom == ""
    ok = c.post(f"/continuite/resultat/{r.pk}/", {"lu_par_nom": "D" * 200, "conduite": "Patient rappelé"})
    assert ok.status_code == 302
    r.refresh_from_db()
    assert r.statut == "clos" and r.lu_par_nom == "D" * 200


def test_overdue_in_red_on_the_lieu_and_ars_pages_without_patient_for_the_ars(lundi, freeze_clock) -> None:  # type: ignore[no-untyped-def]
    t = transmission(examens=1)
    freeze_clock(lundi + dt.timedelta(days=20))
    referent_user = t.lieu.referents.get().compte
    page = as_user(referent_user).get(f"/continuite/lieu/{t.lieu_id}/").content.decode()
    assert "continuite-retard" in page and "En retard" in page
    ars = agent_ars(t.lieu.commune.departement.region.code)
    page = as_user(ars).get("/continuite/ars/").content.decode()
    assert t.lieu.nom in page and "continuite-retard" in page and "MARTIN" not in page


def test_documents_and_the_patient_sees_who_read(lundi) -> None:  # type: ignore[no-untyped-def]
    t = transmission(examens=1)
    c = as_user(t.medecin.compte)
    fhir = c.get(f"/continuite/transmission/{t.pk}/fhir/")
    assert fhir.status_code == 200 and fhir["Content-Type"] == "application/fhir+json"
    assert "RPPS" in c.get(f"/continuite/transmission/{t.pk}/lettre/").content.decode()
    t.medecin.compte.first_name, t.medecin.compte.last_name = (
        "Alice",
        "Durand",
    )  # as Pro Santé Connect names it
    t.medecin.compte.save()
    page = Client().get(f"/continuite/mes-acces/{jeton_for(t.visite.rendez_vous)}/").content.decode()
    assert "document FHIR produit" in page and "<td>Alice Durand</td>" in page
    assert t.medecin.compte.username not in page  # « rpps-1000… »: an account's identifier, not a person
    assert Client().get("/continuite/mes-acces/faux/").status_code == 404


def test_a_letter_in_an_unknown_format_is_refused(lundi) -> None:  # type: ignore[no-untyped-def]
    """« docx » or « PDF » got the HTML letter with a 200, as if the format had been read."""
    t = transmission(examens=1)
    c = as_user(t.medecin.compte)
    url = f"/continuite/transmission/{t.pk}/lettre/"
    for fmt in ("docx", "PDF"):
        page = c.get(url, {"format": fmt})
        assert page.status_code == 400 and "la lettre est en HTML ou en PDF" in page.content.decode()
    assert c.get(url, {"format": "pdf"})["Content-Type"] == "application/pdf"
    assert c.get(url)["Content-Type"].startswith("text/html")


def test_ins_key_is_checked_through_the_page(lundi) -> None:  # type: ignore[no-untyped-def]
    rdv = consultation_du_jour()
    good = "2480515120001" + f"{ins.cle_ins('2480515120001'):02d}"
    c = as_user(rdv.mission.medecin.compte)
    assert (
        c.post(
            f"/continuite/consultation/{rdv.pk}/",
            {**IDENTITY, "statut_identite": "qualifiee", "matricule_ins": good},
        ).status_code
        == 302
    )
    assert Patient.objects.get().matricule_ins == good
    assert visite  # the factory of the service tests
    assert ResultatAttendu.objects.count() == 0


def test_the_day_shows_the_lieus_newest_items_and_voir_plus_reaches_older(lundi, freeze_clock) -> None:  # type: ignore[no-untyped-def]
    from solidarite.continuite.views import LIEU_ROWS

    old = transmission(examens=LIEU_ROWS + 3)
    freeze_clock(lundi + dt.timedelta(days=1))
    newer = transmission(consultation_du_jour(old.lieu), examens=1)
    nxt = consultation_du_jour(old.lieu, form=patient(1))  # another patient of the day
    c = as_user(nxt.mission.medecin.compte)
    url = f"/continuite/journee/{nxt.mission_id}/"
    first = c.get(url).content.decode()
    oldest = old.resultats.order_by("pk").first()
    newest_of_old = old.resultats.order_by("-pk").first()
    assert first.index(f"/continuite/resultat/{newer.resultats.get().pk}/") < first.index(
        f"/continuite/resultat/{newest_of_old.pk}/"
    )
    assert f"/continuite/resultat/{oldest.pk}/" not in first
    assert first.count('name="resultat"') == LIEU_ROWS
    assert 'href="?page=2#lieu"' in first and "Voir plus" in first
    second = c.get(url + "?page=2").content.decode()
    assert f"/continuite/resultat/{oldest.pk}/" in second
    assert f"/continuite/resultat/{newest_of_old.pk}/" not in second
    assert "Voir plus" not in second and 'href="?page=1#lieu"' in second
    assert c.get(url + "?page=abc").status_code == 200  # an odd page is the first one, never a 500
    assert c.get(url + "?page=²").status_code == 200  # str.isdigit takes « ² », int() does not: was a 500
    for other in ("02", "+2", " 2", "٢"):  # another writing of 2 is the first page too (web.entrees)
        page = c.get(url + "?" + urlencode({"page": other})).content.decode()
        assert "page 2" not in page and f"/continuite/resultat/{oldest.pk}/" not in page, other


def test_a_posted_identifier_in_other_digits_names_no_row() -> None:
    """« ² » passes str.isdigit and not int(): the declaration and rapprochement forms were a 500."""
    from django.http import QueryDict

    from solidarite.continuite.views import _int

    def read(query: str) -> int:
        return _int(QueryDict(query), "declaration")

    assert read("declaration=²") == 0 and read("declaration=١") == 0 and read("declaration=12") == 12
    # One form only (web.entrees): « 012 » or the same field twice is no identifier either.
    assert read("declaration=012") == 0 and read("declaration=12&declaration=12") == 0


def test_a_refused_handover_gives_back_the_exams_and_the_follow_up_typed(lundi) -> None:  # type: ignore[no-untyped-def]
    rdv = consultation_du_jour()
    c = as_user(rdv.mission.medecin.compte)
    url = f"/continuite/consultation/{rdv.pk}/"
    assert c.post(url, IDENTITY).status_code == 302
    typed = {
        **HANDOVER,
        "suivi": "urgent",
        "examen_1_nature": "imagerie",
        "examen_1_libelle": "Radiographie thoracique",
        "examen_1_date": "2026-12-20",
        "examen_2_libelle": "Kaliémie",
        "examen_2_date": "",
    }
    page = c.post(url, typed)
    html = page.content.decode()
    assert page.status_code == 400 and "Examen 2" in html
    assert 'value="Radiographie thoracique"' in html and 'value="2026-12-20"' in html
    assert 'value="Kaliémie"' in html
    assert 'value="imagerie" selected' in html
    assert 'value="urgent" checked' in html


def test_a_refused_medecin_traitant_comes_back_on_the_consultation_with_what_was_typed(lundi) -> None:  # type: ignore[no-untyped-def]
    """A wrong RPPS key gave a bare error page: the name and address typed were gone."""
    rdv = consultation_du_jour()
    c = as_user(rdv.mission.medecin.compte)
    url = f"/continuite/consultation/{rdv.pk}/"
    assert c.post(url, IDENTITY).status_code == 302
    typed = {"mt_nom": "Dr Claire Durand, 2 place de la Mairie, Mauriac", "mt_rpps": "10101010102"}  # bad key
    page = c.post(f"{url}medecin-traitant/", typed)
    text = page.content.decode()
    assert page.status_code == 400 and 'value="Dr Claire Durand, 2 place de la Mairie, Mauriac"' in text
    assert 'value="10101010102"' in text and 'name="synthese"' in text  # the consultation page itself
    assert "clé de contrôle" in text and not MedecinTraitant.objects.exists()
