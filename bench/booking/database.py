"""The bench database: created afresh, seeded as a database in service, pgbench's bare booking, the counts."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.booking.processes import postgres_cpu, running

ROOT = Path(__file__).resolve().parents[2]
ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/test")
DB_NAME = "solidarite_bench"


def db_url() -> str:
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + DB_NAME


def run(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"échec de {' '.join(args[:4])} :\n{done.stderr[-3000:]}")
    return done.stdout


def base_env() -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": db_url(),
        "DJANGO_SETTINGS_MODULE": "solidarite.config.settings",
        "SOLIDARITE_LOG_LEVEL": "WARNING",
    }


def create_database() -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")


def prepare(env: dict[str, str]) -> dict[str, Any]:
    started = time.perf_counter()
    create_database()
    cli = [sys.executable, "-m", "solidarite"]
    run(*cli, "migrate", "--noinput", env=env)
    run(*cli, "load_territoire", env=env)
    with tempfile.TemporaryDirectory() as out:
        run(*cli, "zonage", "--out", out, "--save", "--activate", env=env)
    run(*cli, "demo", env=env)
    seeded = json.loads(
        run(sys.executable, "-m", "bench.booking", "--seed", env=env).strip().splitlines()[-1]
    )
    seeded["prepare_s"] = round(time.perf_counter() - started, 1)
    return seeded


def seed() -> None:
    """In the bench database: a confirmed mission every working day of the coming month in every lieu."""
    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from solidarite.annuaire.models import LieuSolidaire, MedecinVolontaire
    from solidarite.planning.models import Mission
    from solidarite.rdv import services as rdv
    from solidarite.zonage import services as zonage

    today = timezone.localdate()
    days = [
        today + dt.timedelta(days=d) for d in range(1, 31) if (today + dt.timedelta(days=d)).weekday() < 5
    ]
    past = [
        today - dt.timedelta(days=d) for d in range(1, 31) if (today - dt.timedelta(days=d)).weekday() < 5
    ]
    lieux = list(LieuSolidaire.objects.filter(actif=True).order_by("pk"))
    medecins = list(MedecinVolontaire.objects.order_by("pk"))
    assert len(medecins) >= 2 * len(lieux), "deux volontaires par lieu attendus"
    with transaction.atomic(), connection.cursor() as cursor:
        # Every table that refers to an appointment goes with them (the FranceConnect accounts' links too).
        cursor.execute("TRUNCATE rdv_message, rdv_accesdonnees, connexion_rendezvousducompte, rdv_rendezvous")
        Mission.objects.all().delete()
        Mission.objects.bulk_create(
            [
                Mission(medecin=medecins[2 * i + j % 2], lieu=lieu, date=day, statut=Mission.Statut.CONFIRMEE)
                for i, lieu in enumerate(lieux)
                for j, day in enumerate(days + past)
            ]
        )
        # The past month, as in a database in service: two slots in three were booked (one patient in ten
        # did not come). Its size gives the planner the statistics it has in production.
        cursor.execute(
            "INSERT INTO rdv_rendezvous (mission_id, lieu_id, debut, fin, statut, nom, prenom, date_naissance, "
            "telephone, email, medecin_traitant, motif, cree_le, motif_annulation, empreinte_idempotence) "
            "SELECT m.id, m.lieu_id, s.debut, s.debut + interval '20 minutes', "
            "CASE WHEN n %% 10 = 0 THEN 'absent' ELSE 'vu' END, 'Historique', 'H', date '1950-01-01', "
            "'+33612345678', '', '', '', s.debut - interval '7 days', '', '' "
            "FROM planning_mission m CROSS JOIN generate_series(0, 23) n CROSS JOIN LATERAL (SELECT "
            "(m.date + CASE WHEN n < 12 THEN time '08:30' + n * interval '20 minutes' "
            "ELSE time '14:00' + (n - 12) * interval '20 minutes' END) AT TIME ZONE 'Europe/Paris' AS debut) s "
            "WHERE m.date < %s AND n %% 3 <> 2",
            [today],
        )
    with connection.cursor() as cursor:  # the slots, for pgbench's bare transaction
        cursor.execute("DROP TABLE IF EXISTS bench_slots")
        cursor.execute(
            "CREATE TABLE bench_slots AS SELECT row_number() OVER () AS k, m.id AS mission_id, m.lieu_id, "
            "((m.date + time '08:30' + n * interval '20 minutes') AT TIME ZONE 'Europe/Paris') AS debut "
            "FROM planning_mission m CROSS JOIN generate_series(0, 11) n WHERE m.date > CURRENT_DATE"
        )
        cursor.execute("CREATE UNIQUE INDEX ON bench_slots (k)")
        # Fresh statistics and visibility map, as autovacuum keeps them in production, and the bulk load
        # written out: the load measures the steady state, not the aftermath of the seeding.
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CHECKPOINT")
        cursor.execute("SELECT count(*) FROM bench_slots")
        (pg_slots,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM rdv_rendezvous")
        (history,) = cursor.fetchone()
    # Counted, not computed: the coming month's confirmed missions in the database, and the slots the platform
    # lists for them (the function the API calls).
    missions = Mission.objects.filter(
        statut=Mission.Statut.CONFIRMEE, lieu__in=lieux, date__gte=days[0], date__lte=days[-1]
    ).count()
    listed = rdv.slots_by_lieu([lieu.pk for lieu in lieux], days[0], days[-1])
    slots = sum(len(found) for found in listed.values())
    final = zonage.final_sirens(zonage.active_campaign())
    from solidarite.territoire.models import Commune

    communes = list(
        Commune.objects.filter(epci__siren__in=final, latitude__isnull=False).values_list(
            "code_insee", flat=True
        )
    )
    print(
        json.dumps(
            {
                "lieux": len(lieux),
                "missions": missions,
                "slots": slots,
                "pg_slots": pg_slots,
                "history": history,
                "communes": communes,
            }
        )
    )


PGBENCH_SCRIPT = r"""
\set k random(1, :nslots)
BEGIN;
WITH r AS (
  INSERT INTO rdv_rendezvous (mission_id, lieu_id, debut, fin, statut, nom, prenom, date_naissance, telephone,
    email, medecin_traitant, motif, cree_le, motif_annulation, empreinte_idempotence)
  SELECT s.mission_id, s.lieu_id, s.debut, s.debut + interval '20 minutes', 'reserve', 'PGBENCH', 'P',
    date '1950-01-01', '+33612345678', '', '', '', now(), '', ''
  FROM bench_slots s JOIN planning_mission m ON m.id = s.mission_id AND m.statut = 'confirmee' WHERE s.k = :k
  ON CONFLICT DO NOTHING RETURNING id, debut),
a AS (INSERT INTO rdv_accesdonnees (objet_type, objet_id, action, canal, le, par_nom, par_role)
  SELECT 'rdv.rendezvous', id, 'création', 'api', now(), '', '' FROM r)
INSERT INTO rdv_message (rendez_vous_id, nature, canal, cle, prevu_le, statut, tentatives, erreur, cree_le)
SELECT r.id, v.nature, 'sms', 'pgbench:' || v.nature || v.h || ':' || r.id, r.debut - v.h * interval '1 hour',
  'a_envoyer', 0, '', now()
FROM r CROSS JOIN (VALUES ('confirmation', 0), ('rappel', 48), ('rappel', 2)) AS v(nature, h);
COMMIT;
"""


def pgbench(clients: int, seconds: int, nslots: int) -> tuple[float, float]:
    """Transactions per second, and PostgreSQL's processor time per transaction (ms)."""
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as handle:
        handle.write(PGBENCH_SCRIPT)
    try:
        url = db_url().replace("postgres://", "postgresql://")
        before = postgres_cpu()
        done = subprocess.run(
            [
                "pgbench",
                "-n",
                "-c",
                str(clients),
                "-j",
                "2",
                "-T",
                str(seconds),
                "-D",
                f"nslots={nslots}",
                "-f",
                handle.name,
                url,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        deadline = time.time() + 10  # pgbench's backends end after it: count them once reaped
        while time.time() < deadline and running(f" {DB_NAME} "):
            time.sleep(0.1)
        database_cpu = postgres_cpu() - before
    finally:
        os.unlink(handle.name)
    match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", done.stdout)
    transactions = re.search(r"number of transactions actually processed: (\d+)", done.stdout)
    if done.returncode != 0 or not match or not transactions:
        raise SystemExit(f"pgbench a échoué :\n{done.stdout[-1500:]}\n{done.stderr[-1500:]}")
    return float(match.group(1)), 1000 * database_cpu / max(int(transactions.group(1)), 1)


def database_counts() -> tuple[int, int]:
    import psycopg

    with psycopg.connect(db_url().replace("postgres://", "postgresql://"), autocommit=True) as conn:
        (double,) = conn.execute(
            "SELECT count(*) FROM (SELECT mission_id, debut FROM rdv_rendezvous WHERE statut <> 'annule' "
            "GROUP BY mission_id, debut HAVING count(*) > 1) AS d"
        ).fetchone()
        (booked,) = conn.execute("SELECT count(*) FROM rdv_rendezvous WHERE nom = 'Charge'").fetchone()
        pgbench_rows = "SELECT id FROM rdv_rendezvous WHERE nom = 'PGBENCH'"
        conn.execute(f"DELETE FROM rdv_message WHERE rendez_vous_id IN ({pgbench_rows})")
        # Their access-log rows stay: the log is append-only (rdv.audit); the next run's TRUNCATE empties it.
        conn.execute("DELETE FROM rdv_rendezvous WHERE nom = 'PGBENCH'")
    return int(double), int(booked)
