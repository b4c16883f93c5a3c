"""The access log (AccesDonnees) outlives the rows it describes and is append-only: the ORM refuses to change or
delete a row, PostgreSQL refuses it too (trigger), and `purge_audit` alone deletes, only rows older than its
cutoff."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from solidarite.rdv import attente, services
from solidarite.rdv.audit import AccesDonnees, AppendOnlyError, purge_audit, record
from solidarite.rdv.models import HorairesConsultation, InscriptionAttente, RendezVous
from tests.conftest import restore_reference_data
from tests.factories import PATIENT
from tests.factories import mission as _mission

pytestmark = pytest.mark.django_db
PARIS = dt.timezone(dt.timedelta(hours=1))


def _booked() -> RendezVous:
    mission = _mission()
    return services.book(services.slots(mission.lieu, mission.date, mission.date)[0].id, PATIENT)


def test_deleting_an_appointment_keeps_its_access_log() -> None:
    rdv = _booked()
    services.cancel(services.jeton_for(rdv))
    pk = rdv.pk
    assert AccesDonnees.objects.count() == 2
    RendezVous.objects.filter(pk=pk).delete()
    rows = list(AccesDonnees.objects.order_by("pk"))
    assert [(r.objet_type, r.objet_id, r.action) for r in rows] == [
        ("rdv.rendezvous", pk, "création"),
        ("rdv.rendezvous", pk, "annulation"),
    ]
    assert AccesDonnees.objects.filter(rendez_vous=pk).count() == 2  # the callers' lookup still works


def test_deleting_a_waitlist_entry_keeps_its_access_log() -> None:
    site = _mission().lieu
    today = timezone.localdate()
    inscription = attente.register(
        site,
        {
            "nom": "Martin",
            "prenom": "Jeanne",
            "email": "jeanne@exemple.fr",
            "du": today,
            "au": today + dt.timedelta(days=30),
        },
    )
    InscriptionAttente.objects.filter(pk=inscription.pk).delete()
    row = AccesDonnees.objects.get()
    assert (row.objet_type, row.objet_id, row.action) == (
        "rdv.inscriptionattente",
        inscription.pk,
        "inscription",
    )


def test_the_actor_is_kept_as_plain_values() -> None:
    agent = get_user_model().objects.create_user("agent.ars", password="x" * 12, is_staff=True)
    rdv = _booked()
    record(rdv, "liste du jour", "back-office ARS", par=agent)
    agent_pk = agent.pk
    agent.delete()
    row = AccesDonnees.objects.get(action="liste du jour")
    assert (row.par_id, row.par_nom, row.par_role) == (agent_pk, "agent.ars", "équipe (back-office)")
    # never the data itself: neither the name nor the birth date, in any form (a bare "1948" can be the
    # microseconds of a timestamp of the row)
    kept = str(row.__dict__)
    born = dt.date(1948, 5, 17)
    assert "Martin" not in kept and repr(born) not in kept and born.isoformat() not in kept


def test_the_orm_neither_changes_nor_deletes_a_row() -> None:
    _booked()
    row = AccesDonnees.objects.get()
    row.action = "rien"
    with pytest.raises(AppendOnlyError, match="ne se modifie pas"):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        AccesDonnees.objects.filter(pk=row.pk).update(action="rien")
    with pytest.raises(AppendOnlyError):
        AccesDonnees.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AccesDonnees.objects.bulk_update([row], ["action"])
    assert AccesDonnees.objects.get().action == "création"


def test_raw_sql_update_is_refused_by_both_databases_and_delete_by_postgresql() -> None:
    _booked()
    table = AccesDonnees._meta.db_table
    statements = [f"UPDATE {table} SET action = 'rien'", f"UPDATE {table} SET par_id = NULL"]
    if connection.vendor == "postgresql":  # SQLite lets a raw DELETE through: Django's flush is one
        statements.append(f"DELETE FROM {table}")
    for sql in statements:
        with (
            pytest.raises(DatabaseError, match="journal des accès"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert AccesDonnees.objects.get().action == "création"
    if connection.vendor != "postgresql":
        return
    # The purge's setting lets a DELETE through only for the rows older than it.
    with (
        pytest.raises(DatabaseError, match="journal des accès"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cutoff = (timezone.now() - dt.timedelta(days=1)).isoformat()
        cursor.execute("SELECT set_config('solidarite.purge_audit_avant', %s, true)", [cutoff])
        cursor.execute(f"DELETE FROM {table}")
    assert AccesDonnees.objects.count() == 1


def test_purge_audit_deletes_only_what_is_older_than_the_cutoff() -> None:
    rdv = _booked()
    for year in (2020, 2021, 2022):
        with time_machine.travel(dt.datetime(year, 6, 1, 12, tzinfo=PARIS), tick=False):
            record(rdv, f"lecture {year}", "test")
    cutoff = dt.datetime(2022, 1, 1, tzinfo=PARIS)
    assert purge_audit(cutoff) == 2
    assert sorted(AccesDonnees.objects.values_list("action", flat=True)) == ["création", "lecture 2022"]
    assert purge_audit(cutoff) == 0
    with pytest.raises(ValueError, match="fuseau"):
        purge_audit(dt.datetime(2022, 1, 1))


@pytest.mark.django_db(transaction=True)
def test_the_migrations_keep_the_existing_rows_and_go_back() -> None:
    """Rows written with the foreign keys (migration 0002) keep their object, action, channel, time and actor
    through 0003–0006; identical active waitlist entries keep their first one active (0011, before the unique
    constraint of 0012); the appointments to come get their day and person (0014), the first of a person's
    appointments of a day at a lieu alone under the rule; and the migrations go back (the foreign keys filled
    again)."""
    from django.db.migrations.executor import MigrationExecutor

    restore_reference_data()  # a transactional test starts from an emptied database
    mission = _mission()
    agent = get_user_model().objects.create_user("agent.avant", password="x" * 12, is_staff=True)
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("rdv")
    before = [("rdv", "0002_messages_liste_attente")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    start = timezone.now() + dt.timedelta(days=7)
    rdv = old.get_model("rdv", "RendezVous").objects.create(
        mission_id=mission.pk, lieu_id=mission.lieu_id, debut=start, fin=start + dt.timedelta(minutes=20),
        nom="Martin", prenom="Jeanne", date_naissance=dt.date(1948, 5, 17), telephone="+33612345678",
    )  # fmt: skip
    second = old.get_model("rdv", "RendezVous").objects.create(
        mission_id=mission.pk,
        lieu_id=mission.lieu_id,
        debut=start + dt.timedelta(minutes=20),
        fin=start + dt.timedelta(minutes=40),
        nom="MARTIN",
        prenom="Jeanne",
        date_naissance=dt.date(1948, 5, 17),
        telephone="+33612345678",
    )  # the same person, the same day: booked before the rule, kept
    today = timezone.localdate()
    entry = {"lieu_id": mission.lieu_id, "du": today, "au": today + dt.timedelta(days=30), "nom": "Durand",
             "prenom": "Louis", "telephone": "+33611223344"}  # fmt: skip
    old_entries = old.get_model("rdv", "InscriptionAttente").objects
    made = [old_entries.create(**entry).pk, old_entries.create(**entry).pk]  # the same entry twice
    made.append(old_entries.create(**entry, statut="retiree").pk)
    # hours saved half-filled before the rule (a morning from 08:30 with no end): the lone time goes (0016)
    old.get_model("rdv", "HorairesConsultation").objects.create(
        lieu_id=mission.lieu_id, matin_debut=dt.time(8, 30), matin_fin=None
    )
    old_log = old.get_model("rdv", "AccesDonnees")
    old_log.objects.create(
        rendez_vous_id=rdv.pk, action="liste du jour", par_id=agent.pk, canal="back-office"
    )
    executor = MigrationExecutor(connection)
    executor.migrate(latest)
    row = AccesDonnees.objects.get()
    assert (row.objet_type, row.objet_id, row.action, row.canal) == (
        "rdv.rendezvous", rdv.pk, "liste du jour", "back-office"
    )  # fmt: skip
    assert (row.par_id, row.par_nom, row.par_role) == (agent.pk, "agent.avant", "équipe (back-office)")
    statuses = dict(InscriptionAttente.objects.values_list("pk", "statut"))
    assert [statuses[pk] for pk in made] == ["active", "terminee", "retiree"]
    days = dict(RendezVous.objects.values_list("pk", "jour"))
    assert days == {rdv.pk: mission.date, second.pk: mission.date}
    assert (
        RendezVous.objects.get(pk=rdv.pk).identite and RendezVous.objects.get(pk=second.pk).identite is None
    )
    hours = HorairesConsultation.objects.get(lieu_id=mission.lieu_id)
    assert (hours.matin_debut, hours.matin_fin, hours.apres_midi_debut) == (None, None, dt.time(14))
    hours.matin_debut = dt.time(8, 30)
    with pytest.raises(IntegrityError), transaction.atomic():  # and the database refuses a new one
        hours.save()
    with pytest.raises(services.SameDayError):  # the rule holds against the appointment booked before it
        services.book(services.slots(mission.lieu, mission.date, mission.date)[0].id, PATIENT)
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    back = MigrationExecutor(connection).loader.project_state(before).apps.get_model("rdv", "AccesDonnees")
    assert back.objects.get().rendez_vous_id == rdv.pk
    # Going back to rdv 0002 unapplied the migrations of the contexts that depend on rdv (continuite,
    # indemnisation…): every app forward again, or the next tests would miss their tables.
    forward = MigrationExecutor(connection)
    forward.migrate(forward.loader.graph.leaf_nodes())
