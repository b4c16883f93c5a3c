"""Identity at the visit, transmissions, results and their owner at every write path, and the issue's bad input:
a French message, nothing half-written, the access log complete."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from solidarite.annuaire.models import MedecinVolontaire
from solidarite.continuite import ins, services
from solidarite.continuite.models import (
    MedecinTraitant,
    Patient,
    RapprochementIdentite,
    ResultatAttendu,
    Transmission,
    Visite,
)
from solidarite.parametres import entier
from solidarite.rdv.models import AccesDonnees
from tests.factories import (
    IDENTITE_JEANNE,
    consultation_du_jour,
    lieu,
    medecin,
    patient,
    referent_lieu,
    transmission,
    visite,
)

pytestmark = pytest.mark.django_db


def _key(thirteen: str) -> str:
    return thirteen + f"{ins.cle_ins(thirteen):02d}"


def _log(patient: Patient) -> list[str]:
    return list(
        AccesDonnees.objects.filter(objet_type="continuite.patient", objet_id=patient.pk)
        .order_by("pk")
        .values_list("action", flat=True)
    )


def test_identity_confirmed_links_the_booking_to_one_record_per_lieu(lundi) -> None:  # type: ignore[no-untyped-def]
    first = visite()
    again = consultation_du_jour(first.patient.lieu, form=patient(1))  # booked under another name, that day
    second = visite(again, nom_naissance="MARTIN", prenoms="jeanne marie")
    assert second.patient == first.patient
    assert Visite.objects.filter(patient=first.patient).count() == 2
    assert _log(first.patient) == ["dossier créé", "identité confirmée", "identité confirmée"]
    assert AccesDonnees.objects.filter(rendez_vous=again, action="identité confirmée").exists()


def test_a_near_match_is_flagged_never_merged_and_a_merge_keeps_both(lundi) -> None:  # type: ignore[no-untyped-def]
    first = visite()
    other = visite(consultation_du_jour(first.patient.lieu, form=patient(1)), prenoms="Jeane Marie")
    assert other.patient != first.patient
    flag = RapprochementIdentite.objects.get()
    assert flag.motif == "prénom presque identique" and flag.decision == "a_examiner"
    user = first.confirme_par.compte
    services.fusionner(flag, first.patient, user)
    assert sorted(services.dossier_ids(first.patient)) == sorted([first.patient.pk, other.patient.pk])
    assert Visite.objects.filter(patient=other.patient).exists()  # the history stays
    with pytest.raises(ValidationError, match="déjà été tranché"):
        services.fusionner(flag, first.patient, user)


@pytest.mark.parametrize(
    ("traits", "message"),
    [
        ({"statut_identite": "qualifiee"}, "Une identité qualifiée a un matricule INS"),
        (
            {"statut_identite": "qualifiee", "matricule_ins": "248051512000199"},
            "clé du matricule INS est fausse",
        ),
        (
            {"statut_identite": "validee", "matricule_ins": _key("2480515120001")},
            "qu'avec une identité qualifiée",
        ),
        ({"date_naissance": dt.date(2027, 1, 1)}, "date de naissance est dans le futur"),
        ({"date_naissance": dt.date(1, 1, 1)}, "date de naissance est antérieure au 01/01/1900"),
        ({"nom_naissance": "X" * 101}, "Nom de naissance : assurez-vous .* au plus 100 caractères"),
        ({"prenoms": "Jeanne\x00"}, "Prénom\\(s\\) de naissance : le caractère nul"),  # no page sends NUL
        ({"email": "pas-une-adresse"}, "Adresse électronique invalide"),
        ({"telephone": "0" * 21}, "Téléphone : assurez-vous .* au plus 20 caractères"),
    ],
)
def test_bad_identity_is_refused_and_nothing_is_written(lundi, traits, message) -> None:  # type: ignore[no-untyped-def]
    rdv = consultation_du_jour()
    before = AccesDonnees.objects.count()
    with pytest.raises(ValidationError, match=message):
        visite(rdv, **traits)
    assert not Patient.objects.exists() and not Visite.objects.exists()
    assert AccesDonnees.objects.count() == before


def test_a_qualified_identity_keeps_its_checked_matricule(lundi) -> None:  # type: ignore[no-untyped-def]
    v = visite(statut_identite="qualifiee", matricule_ins=" ".join(_key("2480515120001")))
    assert v.patient.matricule_ins == _key("2480515120001")


def test_the_database_refuses_an_ins_without_qualified_status(lundi) -> None:  # type: ignore[no-untyped-def]
    v = visite()
    with pytest.raises(IntegrityError), transaction.atomic():
        Patient.objects.filter(pk=v.patient.pk).update(matricule_ins=_key("2480515120001"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Patient.objects.filter(pk=v.patient.pk).update(statut_identite="qualifiee")


def test_a_transmission_about_a_patient_the_doctor_never_saw_is_refused(lundi) -> None:  # type: ignore[no-untyped-def]
    v = visite()
    stranger = medecin(v.rendez_vous.lieu.commune)
    saisie = services.Saisie("Toux", "Bronchite", examens=(services.Examen("biologie", "NFS", lundi.date()),))
    with pytest.raises(ValidationError, match="Vous n'avez pas vu ce patient"):
        services.ecrire_transmission(v.rendez_vous, stranger, saisie, None)
    assert not Transmission.objects.exists() and not ResultatAttendu.objects.exists()
    assert _log(v.patient)[-1] == "transmission refusée (patient non vu)"  # the log stays complete


def test_a_transmission_turns_each_exam_into_a_result_owned_by_the_doctor(lundi) -> None:  # type: ignore[no-untyped-def]
    t = transmission(examens=2)
    rows = list(t.resultats.all())
    assert len(rows) == 2
    assert all(
        r.proprietaire_medecin_id == t.medecin_id and r.proprietaire_jusqu_au == lundi.date() for r in rows
    )
    assert "transmission écrite" in _log(t.patient)


def test_the_database_refuses_a_result_with_no_owner_or_two(lundi) -> None:  # type: ignore[no-untyped-def]
    r = transmission().resultats.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        ResultatAttendu.objects.filter(pk=r.pk).update(proprietaire_medecin=None, proprietaire_jusqu_au=None)
    referent_row = r.lieu.referents.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        ResultatAttendu.objects.filter(pk=r.pk).update(proprietaire_referent=referent_row)


def test_end_of_the_mission_day_hands_over_to_the_referent(lundi, freeze_clock) -> None:  # type: ignore[no-untyped-def]
    r = transmission().resultats.get()
    freeze_clock(lundi + dt.timedelta(days=1))
    assert services.reassign_stale() == 1
    r.refresh_from_db()
    assert r.proprietaire_referent == r.lieu.referents.get() and r.proprietaire_medecin is None
    assert r.changements.get().motif == "fin de la mission"


def test_withdrawal_lieu_closing_and_referent_change_keep_one_owner(lundi) -> None:  # type: ignore[no-untyped-def]
    r = transmission().resultats.get()
    doctor = r.proprietaire_medecin
    doctor.statut = MedecinVolontaire.Statut.SUSPENDU
    doctor.save()
    r.refresh_from_db()
    first_ref = r.lieu.referents.get()
    assert r.proprietaire_referent == first_ref
    second = referent_lieu(r.lieu, "10000000016")
    first_ref.actif = False
    first_ref.save()
    r.refresh_from_db()
    assert r.proprietaire_referent == second
    with pytest.raises(ProtectedError):  # deleting an owner is refused: deactivate them instead
        second.delete()
    second.actif = False
    second.save()
    r.refresh_from_db()
    assert r.proprietaire_ars_id == r.lieu.commune.departement.region_id
    r.lieu.actif = False
    r.lieu.save()
    r.refresh_from_db()
    assert r.proprietaire_ars_id is not None


def test_accepted_medecin_traitant_owns_after_the_day(lundi, freeze_clock) -> None:  # type: ignore[no-untyped-def]
    r = transmission().resultats.get()
    mt = services.declarer_medecin_traitant(r.patient, "Dr Durand, Mauriac", "", "durand@exemple.fr", None)
    services.accepter_medecin_traitant(mt, None)
    r.refresh_from_db()
    assert r.proprietaire_medecin_id is not None  # the doctor on duty keeps it until the end of the day
    freeze_clock(lundi + dt.timedelta(days=1))
    services.reassign_stale()
    r.refresh_from_db()
    assert r.proprietaire_medecin_traitant == mt
    services.retirer_medecin_traitant(mt, None)
    r.refresh_from_db()
    assert r.proprietaire_referent is not None


def test_a_result_assigned_to_someone_who_is_no_doctor_of_that_lieu_is_refused(lundi) -> None:  # type: ignore[no-untyped-def]
    r = transmission().resultats.get()
    elsewhere = consultation_du_jour(lieu())  # a doctor with a mission, at another lieu
    with pytest.raises(ValidationError, match="mission confirmée à ce lieu"):
        services.prendre_en_charge(r.pk, elsewhere.mission.medecin, None)
    with pytest.raises(ValidationError, match="mission confirmée à ce lieu"):
        services.prendre_en_charge(r.pk, None, None)
    r.refresh_from_db()
    assert r.changements.count() == 0
    assert _log(r.patient)[-2:] == ["reprise refusée (pas un médecin du lieu)"] * 2  # the log stays complete


def test_the_next_doctor_takes_over_until_the_end_of_their_day(lundi) -> None:  # type: ignore[no-untyped-def]
    r = transmission().resultats.get()
    next_rdv = consultation_du_jour(r.lieu, days_ahead=2)
    services.prendre_en_charge(r.pk, next_rdv.mission.medecin, None)
    r.refresh_from_db()
    assert r.proprietaire_medecin == next_rdv.mission.medecin
    assert r.proprietaire_jusqu_au == next_rdv.mission.date


def test_closing_records_who_read_it_and_a_second_close_is_refused(lundi) -> None:  # type: ignore[no-untyped-def]
    r = transmission().resultats.get()
    user = r.proprietaire_medecin.compte
    services.clore(r.pk, user, "Dr Nom", "Hb 13 g/dL", "Patient rappelé, rien à faire")
    r.refresh_from_db()
    assert r.statut == "clos" and r.lu_par == user and r.clos_le is not None
    with pytest.raises(ValidationError, match="déjà clos"):
        services.clore(r.pk, user, "Dr Autre", "", "Rappel")
    r.refresh_from_db()
    assert r.lu_par_nom == "Dr Nom"
    assert _log(r.patient)[-2:] == ["résultat clos", "clôture refusée (déjà clos)"]


def test_closing_without_saying_what_was_done_is_refused(lundi) -> None:  # type: ignore[no-untyped-def]
    r = transmission().resultats.get()
    with pytest.raises(ValidationError) as exc:
        services.clore(r.pk, None, "", "", "")
    assert "Indiquez qui a lu le résultat." in exc.value.messages
    r.refresh_from_db()
    assert r.statut == "ouvert"


def test_overdue_after_grace_and_escalated_once_a_day(lundi, freeze_clock, mailoutbox) -> None:  # type: ignore[no-untyped-def]
    from solidarite.continuite import relances

    r = transmission().resultats.get()
    freeze_clock(lundi + dt.timedelta(days=14))
    assert not services.en_retard(ResultatAttendu.objects.all()).exists()
    freeze_clock(lundi + dt.timedelta(days=15))
    assert list(services.en_retard(ResultatAttendu.objects.all())) == [r]
    services.reassign_stale()
    r.lieu.referents.update(email="referente@exemple.fr")
    assert relances.relancer() == 1
    assert relances.relancer() == 0
    assert len(mailoutbox) == 1 and "Jeanne" not in mailoutbox[0].body
    assert mailoutbox[0].to == ["referente@exemple.fr"]
    assert timezone.localdate() == r.date_prevue + dt.timedelta(days=8)


def test_a_late_booking_identity_then_transmission_needs_the_visit(lundi) -> None:  # type: ignore[no-untyped-def]
    rdv = consultation_du_jour()
    saisie = services.Saisie("Toux", "Bronchite")
    with pytest.raises(ValidationError, match="Confirmez d'abord l'identité"):
        services.ecrire_transmission(rdv, rdv.mission.medecin, saisie, None)
    assert IDENTITE_JEANNE["sexe"] == "F"


def test_results_are_expected_at_most_the_dated_horizon_after_the_consultation(lundi) -> None:  # type: ignore[no-untyped-def]
    horizon = entier("resultat_attendu_horizon_jours", lundi.date())
    last = lundi.date() + dt.timedelta(days=horizon)
    v = visite(consultation_du_jour())
    good = services.Examen("biologie", "NFS", last)
    late = services.Examen("imagerie", "Radiographie", last + dt.timedelta(days=1))
    saisie = services.Saisie("Toux", "Bronchite", examens=(good, late))
    with pytest.raises(ValidationError, match=f"Examen 2 : .*au plus tard le {last:%d/%m/%Y}"):
        services.ecrire_transmission(v.rendez_vous, v.confirme_par, saisie, None)
    assert not Transmission.objects.filter(visite=v).exists()  # the good exam is not written either
    assert ResultatAttendu.objects.filter(patient=v.patient).count() == 0
    t = services.ecrire_transmission(
        v.rendez_vous, v.confirme_par, services.Saisie("Toux", "Bronchite", examens=(good,)), None
    )
    assert t.resultats.get().date_prevue == last


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"motif": "M" * 301}, "Motif de consultation : assurez-vous .* au plus 300 caractères"),
        ({"synthese": "Bron\x00chite"}, "Synthèse : le caractère nul"),  # no page sends NUL (middleware)
        ({"prescriptions": "\x00"}, "Prescriptions faites : le caractère nul"),
        (
            {"examens": (services.Examen("biologie", "L" * 201, dt.date(2026, 12, 8)),)},
            "Examen 1 : assurez-vous .* au plus 200 caractères",
        ),
    ],
)
def test_a_handover_field_beyond_its_column_is_refused_and_nothing_is_written(lundi, fields, message) -> None:  # type: ignore[no-untyped-def]
    v = visite()
    saisie = services.Saisie(**{"motif": "Toux", "synthese": "Bronchite", **fields})  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=message):
        services.ecrire_transmission(v.rendez_vous, v.confirme_par, saisie, None)
    assert not Transmission.objects.exists() and not ResultatAttendu.objects.exists()
    assert "transmission écrite" not in _log(v.patient)


def test_a_medecin_traitant_with_a_bad_address_is_refused_and_nothing_is_written(lundi) -> None:  # type: ignore[no-untyped-def]
    v = visite()
    with pytest.raises(ValidationError, match="Adresse électronique invalide") as refused:
        services.declarer_medecin_traitant(v.patient, "N" * 201, "", "pas-une-adresse", None)
    assert "au plus 200 caractères" in " ".join(refused.value.messages)  # every field says what is wrong
    assert not MedecinTraitant.objects.exists() and "médecin traitant déclaré" not in _log(v.patient)
