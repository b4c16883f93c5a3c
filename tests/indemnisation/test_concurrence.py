"""The month's run twice at once, or beside a validation; a day withdrawn or confirmed beside a validation: each in its
own thread and connection (SQLite and PostgreSQL; on PostgreSQL the row locks are what serialises them)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from solidarite.indemnisation import services
from solidarite.indemnisation.models import JourRealise, JourRetire, LigneReleve, Releve
from solidarite.planning.models import Mission
from tests.concurrence import en_meme_temps, ensemble, pendant
from tests.factories import agent_ars, compte, jour_realise, lieu, medecin

OCT = dt.date(2026, 10, 1)
TODAY = dt.date(2026, 11, 20)


@pytest.mark.django_db(transaction=True)
def test_two_runs_of_the_month_at_once_write_one_set_of_statements(territoire) -> None:  # type: ignore[no-untyped-def]
    docs = [medecin() for _ in range(20)]
    place = lieu(docs[0].commune)
    for doc in docs:
        jour_realise(doc, place, dt.date(2026, 10, 6))
        jour_realise(doc, place, dt.date(2026, 10, 7), "demi_journee")
    outcomes = en_meme_temps(lambda: services.construire_mois(OCT, today=TODAY))
    assert outcomes == ["ok", "ok"], outcomes
    assert Releve.objects.count() == 20 and LigneReleve.objects.count() == 40
    assert sum(Releve.objects.values_list("total", flat=True), Decimal(0)) == Decimal(6000)


@pytest.mark.django_db(transaction=True)
def test_a_draft_validated_while_the_month_is_rebuilt_keeps_its_lines(territoire) -> None:  # type: ignore[no-untyped-def]
    """The run deleted the lines of the month's drafts before it locked them: a draft validated meanwhile was left
    « validé » with its total and no line, and its days, in no statement, were paid again the next month."""
    doc = medecin()
    place = lieu(doc.commune)
    jour_realise(doc, place, dt.date(2026, 10, 6))
    agent = agent_ars(place.commune.departement.region.code)
    services.construire_mois(OCT, today=TODAY)
    releve = Releve.objects.get()
    locked, run_started = threading.Event(), threading.Event()
    outcomes: list[str] = []

    def validate() -> None:  # `avancer`, caught between its lock and its commit
        with transaction.atomic():
            Releve.objects.select_for_update().get(pk=releve.pk)
            locked.set()
            run_started.wait(timeout=30)
            time.sleep(1.0)  # the run is now waiting on the draft's lock
            services.avancer([releve.pk], "valider", agent)
        outcomes.append("validé")

    def rebuild() -> None:
        try:
            locked.wait(timeout=30)
            run_started.set()
            services.construire_mois(OCT, today=TODAY)
            outcomes.append("recalculé")
        except Exception as exc:
            outcomes.append(f"{type(exc).__name__}: {exc}")

    ensemble(validate, rebuild)
    assert "validé" in outcomes, outcomes
    releve = Releve.objects.get(pk=releve.pk)
    assert releve.statut == "valide" and releve.lignes.count() == 1 and releve.total == Decimal(200)
    services.construire_mois(dt.date(2026, 11, 1), today=TODAY)
    assert sum(Releve.objects.values_list("total", flat=True), Decimal(0)) == Decimal(200)


def _octobre_en_brouillon():  # type: ignore[no-untyped-def]
    """A full day on 6 October 2026, October's draft built: the draft, the day, an agent of its ARS."""
    doc = medecin()
    place = lieu(doc.commune)
    jour_realise(doc, place, dt.date(2026, 10, 6))
    services.construire_mois(OCT, today=TODAY)
    jour = JourRealise.objects.select_related("mission__lieu__commune__departement__region").get()
    return Releve.objects.get(), jour, agent_ars(place.commune.departement.region.code)


@pytest.mark.django_db(transaction=True)
def test_a_day_withdrawn_while_its_draft_is_validated_waits_and_is_regularised(territoire) -> None:  # type: ignore[no-untyped-def]
    """The withdrawal comes after the validation's replay (`construction.perimes`), before its commit: it waits for
    the draft's lock, so the day validated is paid, then regularised the next month (decision 0015). Without the lock
    (PostgreSQL), the withdrawal committed under the validation, which then paid a day already withdrawn."""
    releve, jour, agent = _octobre_en_brouillon()
    waited, outcomes = pendant(  # `avancer` done, replay included, its transaction open; the withdrawal waits
        lambda: services.avancer([releve.pk], "valider", agent),
        "validé",
        lambda: services.retirer_jour(jour, agent, "Absente ce jour-là"),
        "retiré",
    )
    assert waited and outcomes == ["validé", "retiré"], (waited, outcomes)
    releve.refresh_from_db()
    assert releve.statut == "valide" and releve.total == Decimal(200)
    services.construire_mois(dt.date(2026, 11, 1), today=TODAY)
    novembre = Releve.objects.get(mois=dt.date(2026, 11, 1))
    assert novembre.total == Decimal(-200)
    assert "Journée du 06/10/2026 retirée après validation" in novembre.lignes.get().motif


@pytest.mark.django_db(transaction=True)
def test_a_draft_validated_while_one_of_its_days_is_withdrawn_waits_and_is_refused(territoire) -> None:  # type: ignore[no-untyped-def]
    """The validation comes while the withdrawal's transaction is open: it waits for the draft's lock, then its replay
    sees the day gone and refuses. Without the lock (PostgreSQL), it replayed the day still there and paid it."""
    releve, jour, agent = _octobre_en_brouillon()
    waited, outcomes = pendant(  # the validation waits on the draft's lock
        lambda: services.retirer_jour(jour, agent, "Absente ce jour-là"),
        "retiré",
        lambda: services.avancer([releve.pk], "valider", agent),
        "validé",
    )
    assert waited and len(outcomes) == 2 and outcomes[0] == "retiré", (waited, outcomes)
    assert outcomes[1].startswith("ValidationError: ") and "journée du 06/10/2026 retirée" in outcomes[1], (
        outcomes
    )
    releve.refresh_from_db()
    assert releve.statut == "brouillon" and releve.valide_le is None


@pytest.mark.django_db(transaction=True)
def test_the_same_day_withdrawn_twice_at_once_is_withdrawn_once_and_the_second_is_told(territoire) -> None:  # type: ignore[no-untyped-def]
    """Two agents (or two tabs) withdraw the same day at once, its doctor without a draft yet: the second waits for
    the first, then is told the day is already withdrawn. Before, it hit the unique withdrawal of the mission
    (IntegrityError, a 500)."""
    doc = medecin()
    place = lieu(doc.commune)
    jour_realise(doc, place, dt.date(2026, 10, 6))
    agent = agent_ars(place.commune.departement.region.code)
    jour = JourRealise.objects.select_related("mission__lieu__commune__departement__region").get()
    same = JourRealise.objects.select_related(
        "mission__lieu__commune__departement__region"
    ).get()  # the 2nd page's
    waited, outcomes = pendant(  # the second withdrawal waits on the day's row
        lambda: services.retirer_jour(jour, agent, "Absente ce jour-là"),
        "retiré",
        lambda: services.retirer_jour(same, agent, "Doublon"),
        "retiré deux fois",
    )
    assert waited and outcomes == ["retiré", f"ValidationError: {services.DEJA_RETIREE}"], outcomes
    assert not JourRealise.objects.exists()
    assert JourRetire.objects.get().motif == "Absente ce jour-là"


@pytest.mark.django_db(transaction=True)
def test_a_day_corrected_while_it_is_withdrawn_stays_withdrawn(territoire) -> None:  # type: ignore[no-untyped-def]
    """Revue du 8 décembre: the doctor corrects the day (a half-day) while the ARS withdraws it, the doctor without a
    draft yet. On PostgreSQL the confirmation found no withdrawal yet, waited on the day's row, found it deleted and
    wrote a new realised day beside the withdrawal: the day withdrawn was paid all the same. Both lock the mission
    (after the drafts, before the day): the confirmation waits, then is told the day was withdrawn."""
    doc = medecin()
    place = lieu(doc.commune)
    jour_realise(doc, place, dt.date(2026, 10, 6))
    agent = agent_ars(place.commune.departement.region.code)
    jour = JourRealise.objects.select_related("mission__lieu__commune__departement__region").get()
    mission = Mission.objects.get(pk=jour.mission_id)  # the doctor's page's
    waited, outcomes = pendant(  # the correction waits on the mission's row
        lambda: services.retirer_jour(jour, agent, "Absente ce jour-là"),
        "retiré",
        lambda: services.confirmer_jour(mission, compte(doc), "demi_journee", 4, today=TODAY),
        "corrigé",
    )
    assert waited and len(outcomes) == 2 and outcomes[0] == "retiré", (waited, outcomes)
    assert outcomes[1].startswith("ValidationError: Cette journée a été retirée par l'ARS"), outcomes
    assert not JourRealise.objects.exists() and JourRetire.objects.count() == 1


def _mission_du_13(jour: JourRealise) -> Mission:
    """A confirmed mission of the same doctor and place on 13 October 2026, not yet confirmed as realised."""
    return Mission.objects.create(
        medecin=jour.mission.medecin, lieu=jour.mission.lieu, date=dt.date(2026, 10, 13), statut="confirmee"
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("tient", ["validation", "calcul du mois"])
def test_a_day_confirmed_while_its_draft_is_held_waits_for_it(territoire, tient: str) -> None:  # type: ignore[no-untyped-def]
    """A late confirmation comes after the validation's replay (or while the month's run replaces the drafts), before
    its commit: it waits for the drafts' locks, so what is validated (or built) was true when it was, and the day goes
    to a later statement (or makes the draft stale, refused at validation). Without the lock (PostgreSQL), the
    confirmation committed under the validation, which then validated a draft already missing a day."""
    releve, jour, agent = _octobre_en_brouillon()
    mission = _mission_du_13(jour)

    def hold() -> None:  # `avancer` (replay included) or the run done, its transaction open
        if tient == "validation":
            services.avancer([releve.pk], "valider", agent)
        else:
            services.construire_mois(OCT, today=TODAY)

    waited, outcomes = pendant(  # the confirmation waits on the drafts' locks
        hold,
        tient,
        lambda: services.confirmer_jour(mission, compte(mission.medecin), "journee", 9, today=TODAY),
        "confirmé",
    )
    assert waited and outcomes == [tient, "confirmé"], (waited, outcomes)
    octobre = Releve.objects.get(mois=OCT)
    assert octobre.total == Decimal(200) and octobre.lignes.get().date == dt.date(2026, 10, 6)
    if tient == "validation":  # validated as it was: the late day goes to the next statement
        assert octobre.statut == "valide"
        services.construire_mois(dt.date(2026, 11, 1), today=TODAY)
        novembre = Releve.objects.get(mois=dt.date(2026, 11, 1))
        assert novembre.total == Decimal(200) and novembre.lignes.get().date == dt.date(2026, 10, 13)
    else:  # built without the day: stale, its validation refused until the month is built again
        with pytest.raises(ValidationError, match="journée du 13/10/2026 ajoutée"):
            services.avancer([octobre.pk], "valider", agent)


@pytest.mark.django_db(transaction=True)
def test_a_draft_validated_while_one_of_its_days_is_confirmed_waits_and_is_refused(territoire) -> None:  # type: ignore[no-untyped-def]
    """The validation comes while a confirmation correcting a day of the draft is not yet committed: it waits for the
    draft's lock, then its replay sees the day changed and refuses. Without the lock (PostgreSQL), it replayed the day
    as it was and validated a full day the doctor had just said was a half-day."""
    releve, jour, agent = _octobre_en_brouillon()
    waited, outcomes = pendant(  # the validation waits on the draft's lock
        lambda: services.confirmer_jour(
            jour.mission, compte(jour.mission.medecin), "demi_journee", 4, today=TODAY
        ),
        "confirmé",
        lambda: services.avancer([releve.pk], "valider", agent),
        "validé",
    )
    assert waited and len(outcomes) == 2 and outcomes[0] == "confirmé", (waited, outcomes)
    assert outcomes[1].startswith("ValidationError: ") and "journée du 06/10/2026 modifiée" in outcomes[1], (
        outcomes
    )
    releve.refresh_from_db()
    assert releve.statut == "brouillon" and releve.valide_le is None


def _verrou_des_brouillons_avant_ecriture(action: Callable[[], object]) -> bool:
    """Whether `action` reads the drafts' rows, by id (FOR UPDATE where the database has row locks), before its first
    write: the lock the validation and the month's run take. SQLite writes one transaction at a time, so two threads
    cannot tell there whether the lock is taken; its query is there all the same."""
    table = Releve._meta.db_table
    with CaptureQueriesContext(connection) as done:
        action()
    sqls = [q["sql"] for q in done.captured_queries if "SAVEPOINT" not in q["sql"]]
    first_write = next(
        i for i, s in enumerate(sqls) if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    )
    return any(
        s.lstrip().upper().startswith("SELECT")
        and f'FROM "{table}" WHERE' in s
        and "medecin_id" in s
        and "'brouillon'" in s
        and " ORDER BY " in s
        and (not connection.features.has_select_for_update or "FOR UPDATE" in s)
        for s in sqls[:first_write]
    )


@pytest.mark.django_db
def test_a_confirmation_locks_the_doctors_drafts_before_it_writes_as_a_withdrawal_does() -> None:
    """The two-thread tests above pass on SQLite with or without the lock; this one says on both databases that a
    confirmation, new or a correction, takes it before writing, as a withdrawal does."""
    _releve, jour, agent = _octobre_en_brouillon()
    mission = _mission_du_13(jour)
    user = compte(mission.medecin)
    assert _verrou_des_brouillons_avant_ecriture(
        lambda: services.confirmer_jour(mission, user, "journee", today=TODAY)
    )
    assert _verrou_des_brouillons_avant_ecriture(  # a correction of a day already confirmed
        lambda: services.confirmer_jour(jour.mission, user, "demi_journee", today=TODAY)
    )
    assert _verrou_des_brouillons_avant_ecriture(lambda: services.retirer_jour(jour, agent, "Doublon"))
