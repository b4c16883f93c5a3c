"""The month's statements in the database: constraints, re-runs, workflow and bad input (issue 21), on SQLite
and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from solidarite.indemnisation import services
from solidarite.indemnisation.models import EtapeReleve, JourRealise, LigneReleve, Releve
from solidarite.planning.models import Mission
from solidarite.rdv.audit import AccesDonnees
from solidarite.territoire.models import Region
from tests.factories import agent_ars, compte, jour_realise, lieu, medecin, referent, zone_commune

pytestmark = pytest.mark.django_db
OCT = dt.date(2026, 10, 1)
TODAY = dt.date(2026, 11, 20)


@pytest.fixture
def today(freeze_clock):  # type: ignore[no-untyped-def]
    freeze_clock(dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC))
    return TODAY


def _other_region_commune(region: Region):  # type: ignore[no-untyped-def]
    rank = next(r for r in range(2, 151) if zone_commune(r).departement.region_id != region.pk)
    return zone_commune(rank)


def test_confirming_a_day_realises_the_mission_prefilled_with_its_consultations(today) -> None:  # type: ignore[no-untyped-def]
    doc = medecin()
    place = lieu(doc.commune)
    mission = Mission.objects.create(medecin=doc, lieu=place, date=dt.date(2026, 11, 18), statut="confirmee")
    user = referent(place)
    jour = services.confirmer_jour(mission, user, "demi_journee")
    mission.refresh_from_db()
    assert mission.statut == Mission.Statut.REALISEE
    assert (jour.nature, jour.consultations, jour.confirme_par) == ("demi_journee", 0, user)
    assert mission.transitions.get().vers == "realisee"


@pytest.mark.parametrize("statut", ["annulee", "proposee"])
def test_a_cancelled_or_unconfirmed_mission_is_never_realised(today, statut: str) -> None:  # type: ignore[no-untyped-def]
    doc = medecin()
    mission = Mission.objects.create(
        medecin=doc, lieu=lieu(doc.commune), date=dt.date(2026, 11, 2), statut=statut
    )
    with pytest.raises(ValidationError, match="Seule une mission confirmée"):
        services.confirmer_jour(mission, compte(doc), "journee")
    assert not JourRealise.objects.exists()


def test_a_future_mission_cannot_be_confirmed(today) -> None:  # type: ignore[no-untyped-def]
    doc = medecin()
    mission = Mission.objects.create(
        medecin=doc, lieu=lieu(doc.commune), date=dt.date(2026, 11, 25), statut="confirmee"
    )
    with pytest.raises(ValidationError, match="pas encore eu lieu"):
        services.confirmer_jour(mission, compte(doc), "journee")
    assert not JourRealise.objects.exists()


def test_half_and_full_day_on_one_date_refused_at_confirmation(today) -> None:  # type: ignore[no-untyped-def]
    doc = medecin()
    place = lieu(doc.commune)
    jour_realise(doc, place, dt.date(2026, 11, 3), "demi_journee")
    other = Mission.objects.create(
        medecin=doc, lieu=lieu(doc.commune), date=dt.date(2026, 11, 3), statut="confirmee"
    )
    with pytest.raises(ValidationError, match="une demi-journée et une journée"):
        services.confirmer_jour(other, compte(doc), "journee")
    other.refresh_from_db()
    assert other.statut == "confirmee" and JourRealise.objects.count() == 1


def test_a_month_in_the_future_is_refused(today) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match="pas encore commencé"):
        services.parse_month("2026-12", today)
    with pytest.raises(ValidationError, match="pas encore commencé"):
        services.construire_mois(dt.date(2026, 12, 1), today=today)
    assert not Releve.objects.exists()


def test_the_run_is_re_runnable_and_a_day_is_in_one_statement_only(today) -> None:  # type: ignore[no-untyped-def]
    doc = medecin()
    place = lieu(doc.commune)
    first = jour_realise(doc, place, dt.date(2026, 10, 6), consultations=12)
    jour_realise(doc, place, dt.date(2026, 10, 7), "demi_journee")
    assert services.construire_mois(OCT, today=today)["releves"] == 1
    services.construire_mois(OCT, today=today)
    releve = Releve.objects.get()
    assert releve.total == Decimal("300") and LigneReleve.objects.count() == 2
    assert releve.cpam == doc.commune.departement.code
    with pytest.raises(IntegrityError), transaction.atomic():  # the database says no, whatever the code does
        LigneReleve.objects.create(
            releve=releve, genre="jour", mission=first, date=first.date, taux=200, montant=200
        )


def test_over_the_cap_is_flagged_not_paid(today) -> None:  # type: ignore[no-untyped-def]
    doc = medecin()
    place = lieu(doc.commune)
    for day in (5, 6, 7):
        jour_realise(doc, place, dt.date(2026, 10, day))
    services.construire_mois(OCT, today=today)
    releve = Releve.objects.get()
    assert releve.total == Decimal("400") and releve.lignes.count() == 2
    assert [a["code"] for a in releve.anomalies] == ["plafond"]


def test_workflow_dated_attributed_audited_and_other_region_refused(today) -> None:  # type: ignore[no-untyped-def]
    doc = medecin()
    place = lieu(doc.commune)
    mission = jour_realise(doc, place, dt.date(2026, 10, 6))
    services.construire_mois(OCT, today=today)
    releve = Releve.objects.get()
    region = place.commune.departement.region
    stranger = agent_ars(_other_region_commune(region).departement.region.code)
    with pytest.raises(PermissionDenied, match="ne vous est pas ouvert"):
        services.avancer([releve.pk], "valider", stranger)
    releve.refresh_from_db()
    assert releve.statut == "brouillon" and not EtapeReleve.objects.exists()
    agent = agent_ars(region.code)
    services.avancer([releve.pk], "valider", agent)
    with pytest.raises(ValidationError, match="ne s'applique pas"):
        services.avancer([releve.pk], "payer", agent)
    services.avancer([releve.pk], "transmettre", agent)
    volontaire = compte(doc)
    services.contester(releve, volontaire, "Il manque ma demi-journée du 8 octobre.")
    releve.refresh_from_db()
    transmis_le = releve.transmis_le
    # Answered, it is back where it was (transmitted): not sent to the CPAM a second time.
    services.avancer([releve.pk], "valider", agent, "Demi-journée non confirmée : voir le mois prochain")
    with pytest.raises(ValidationError, match="ne s'applique pas"):
        services.avancer([releve.pk], "transmettre", agent)
    services.avancer([releve.pk], "payer", agent)
    releve.refresh_from_db()
    assert releve.statut == "paye" and releve.valide_par == agent and releve.paye_le is not None
    assert releve.transmis_le == transmis_le
    assert [e.vers for e in releve.etapes.all()] == ["valide", "transmis", "conteste", "transmis", "paye"]
    assert AccesDonnees.objects.filter(objet_type="indemnisation.releve", objet_id=releve.pk).count() == 5
    # Paid, contested, answered: still paid once, on the same day (it was paid a second time, its date replaced).
    paye_le = releve.paye_le
    services.contester(releve, volontaire, "Le montant de ma journée du 6 octobre est faux.")
    services.avancer([releve.pk], "valider", agent, "Montant du jour vérifié : 200 €")
    for action in ("transmettre", "payer"):
        with pytest.raises(ValidationError, match="ne s'applique pas"):
            services.avancer([releve.pk], action, agent)
    releve.refresh_from_db()
    assert releve.statut == "paye" and releve.paye_le == paye_le
    assert [e.vers for e in releve.etapes.all()][-2:] == ["conteste", "paye"]
    # A paid day withdrawn afterwards: an adjustment in a later statement, the paid one untouched.
    JourRealise.objects.filter(mission=mission).delete()
    services.construire_mois(dt.date(2026, 11, 1), today=today)
    releve.refresh_from_db()
    assert releve.total == Decimal("200")
    novembre = Releve.objects.get(mois=dt.date(2026, 11, 1))
    assert [(ligne.genre, ligne.montant) for ligne in novembre.lignes.all()] == [
        ("ajustement", Decimal("-200.00"))
    ]


def test_query_count_does_not_depend_on_the_number_of_volunteers(today) -> None:  # type: ignore[no-untyped-def]
    place = lieu()
    counts = []
    for size in (3, 12):
        for _ in range(size):
            doc = medecin(place.commune)
            jour_realise(doc, place, dt.date(2026, 10, 6))
            jour_realise(doc, place, dt.date(2026, 10, 13), "demi_journee")
        services.construire_mois(OCT, today=today)  # both measured runs replace the month's drafts
        with CaptureQueriesContext(connection) as queries:
            services.construire_mois(OCT, today=today)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert Releve.objects.count() == 15


def test_the_monthly_cap_counts_every_region_of_the_doctor(today) -> None:  # type: ignore[no-untyped-def]
    doc = medecin()
    here = lieu(doc.commune)
    region = here.commune.departement.region
    there = lieu(_other_region_commune(region))
    for day in (5, 6):
        jour_realise(doc, here, dt.date(2026, 10, day))
    for day in (12, 13):
        jour_realise(doc, there, dt.date(2026, 10, day))
    services.construire_mois(OCT, region, today=today)
    services.construire_mois(OCT, there.commune.departement.region, today=today)
    # Each ARS computes its region: the doctor is paid 2 days in the month, not 2 per region.
    assert sum(r.total for r in Releve.objects.all()) == Decimal("400")
    assert [a["code"] for a in Releve.objects.get(region=there.commune.departement.region).anomalies] == [
        "plafond"
    ]
    # The held days are the other region's: this region's ARS has nothing to resolve.
    assert Releve.objects.get(region=region).anomalies == []


def test_a_correction_past_the_cap_after_validation_is_listed_on_the_next_statement(today) -> None:  # type: ignore[no-untyped-def]
    doc = medecin()
    place = lieu(doc.commune)
    jour_realise(doc, place, dt.date(2026, 10, 5))
    half = jour_realise(doc, place, dt.date(2026, 10, 6), "demi_journee")
    jour_realise(doc, place, dt.date(2026, 10, 7), "demi_journee")
    services.construire_mois(OCT, today=today)
    services.avancer([Releve.objects.get().pk], "valider", agent_ars(place.commune.departement.region.code))
    services.confirmer_jour(half, compte(doc), "journee", today=today)
    services.construire_mois(dt.date(2026, 11, 1), today=today)
    nov = Releve.objects.get(mois=dt.date(2026, 11, 1))
    assert nov.total == 0 and [a["code"] for a in nov.anomalies] == ["plafond"]


def test_a_late_day_is_held_against_the_cap_of_its_own_month(freeze_clock) -> None:  # type: ignore[no-untyped-def]
    """The cap rises to 3 days in January: a third day of December, confirmed late, went into January's statement
    and was checked against January's cap, so December was paid 3 days."""
    from solidarite.parametres import PARAMETRES, Parametre

    freeze_clock(dt.datetime(2027, 2, 3, 9, tzinfo=dt.UTC))
    table = (
        *PARAMETRES,
        Parametre("jours_max_par_mois", 3, "jours/mois", dt.date(2027, 1, 1), "Arrêté de test", "test"),
    )
    doc = medecin()
    place = lieu(doc.commune)
    for day in (7, 8):
        jour_realise(doc, place, dt.date(2026, 12, day))
    services.construire_mois(dt.date(2026, 12, 1), table=table, today=dt.date(2027, 1, 5))
    services.avancer([Releve.objects.get().pk], "valider", agent_ars(place.commune.departement.region.code))
    jour_realise(doc, place, dt.date(2026, 12, 9))  # confirmed late
    jour_realise(doc, place, dt.date(2027, 1, 12))
    services.construire_mois(dt.date(2027, 1, 1), table=table, today=dt.date(2027, 2, 3))
    jan = Releve.objects.get(mois=dt.date(2027, 1, 1))
    assert jan.total == Decimal("200") and [a["code"] for a in jan.anomalies] == ["plafond"]
