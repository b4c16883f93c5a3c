"""Booking under load, as production runs it: `python -m solidarite serveur` on PostgreSQL, national data.

    python bench/booking_load.py [--clients 16] [--debit 0] [--duree 30] [--workers 2] [--serveur granian|gunicorn]

1. A dedicated database `solidarite_bench` on the local PostgreSQL (127.0.0.1:5432, trust; override with
   BENCH_PG_ADMIN_URL) is created afresh: migrations, the real territory, the zonage, the demonstration
   lieux and volunteers, then a confirmed mission every working day of the coming month in every lieu of
   every zone (179 lieux, about 3 900 missions, 94 000 slots), and the past month as a database in service
   has it (two slots in three were booked: about 63 000 appointments), then VACUUM ANALYZE and a
   checkpoint, so that the planner's statistics are those of production. Bench data only, never the demo's.
2. The platform starts with production settings (`SOLIDARITE_ENV=production`, persistent database
   connections, prepared statements; request limit off: a load test comes from a single address), served
   by the production command `python -m solidarite serveur` (granian, two threads per worker by default,
   `--threads N` for N, keep-alive), or for comparison by gunicorn (`--serveur gunicorn`: `--preload`, sync
   workers, which close the connection after each answer, or with `--threads`, gthread workers with
   keep-alive).
3. N clients, each a loop « search the lieux around a commune of a zone (GET /api/v1/lieux) → list the
   slots of the first lieu with a free one (GET …/creneaux) → book one at random (POST /api/v1/rendez-vous) »
   for the given duration, on a connection kept open as a browser keeps it. A 409 (slot just taken by
   another client) is a correct answer, not an error. This closed load gives the most the server can do;
   each request waits behind those of the other clients, so its latencies grow with N. 16 by default: as
   many bookings per second as 8 or 32 (measured side by side), where 32 only make each request wait
   behind twice as many others.
   With `--debit R`, an open load instead: patients arrive R times a second (Poisson arrivals), each going
   through one such cycle on one of N kept connections; the search is timed from the patient's arrival.
   The latencies at a given rate, as the real service sees them (its patients do not wait for each other).
4. Double bookings are counted in the database afterwards (active appointments sharing a mission and start).
5. Side by side, two references:
   - pgbench runs the bare SQL of one booking transaction (the appointment, its access-log row and its three
     messages, in one transaction, on the same tables, indexes and constraints) with the same number of
     clients: the database's ceiling; `ratio` = bookings/s ÷ pgbench TPS;
   - the same server and clients ask for the cheapest API answer (an unknown commune: one query, a 404):
     Django's ceiling on this machine, before any search or booking work.
   The processor time of the server, PostgreSQL and the clients during the load is printed, per request.

How the rate grows with cores: pin PostgreSQL and the bench to one core, then give the cores back —
    for p in $(pgrep postgres); do taskset -p -c 0 $p; done
    taskset -c 0 python bench/booking_load.py --workers 1
    for p in $(pgrep postgres); do taskset -p -c 0,1 $p; done

The last line: `bookings_per_s=… search_p95_ms=… booking_p99_ms=… double_bookings=… pgbench_tps=… ratio=…`.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/test")
DB_NAME = "solidarite_bench"
TARGET_BOOKINGS_PER_S = 500  # issue 5
CORES = len(os.sched_getaffinity(0))  # those this bench may use (`taskset -c 0` for one)


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
    seeded = json.loads(run(sys.executable, __file__, "--seed", env=env).strip().splitlines()[-1])
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
                "missions": len(lieux) * len(days),
                "slots": len(lieux) * len(days) * 24,
                "pg_slots": pg_slots,
                "history": history,
                "communes": communes,
            }
        )
    )


# --- The load -------------------------------------------------------------------------------------


async def http(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    """One request on its own connection."""
    connection = Connection(port)
    try:
        return await connection.request(method, path, body)
    finally:
        connection.close()


CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)")


class Connection:
    """A client's HTTP/1.1 connection, kept open from one request to the next (as a browser keeps it from the
    search to the booking), opened again when the server closes it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + (body or b""))
        try:
            status_head = await self.reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:  # closed by the server between two requests
            self.close()
            raise ConnectionResetError("connexion fermée par le serveur") from None
        # Only the two headers that a kept connection needs, read on the raw bytes: the clients share the
        # machine with the server, so what they spend is taken from it (5.9 → 2.1 µs per answer, timeit).
        received = status_head.lower()
        length = CONTENT_LENGTH.search(received)
        if length is not None:
            payload = await self.reader.readexactly(int(length.group(1)))
        else:
            payload = await self.reader.read()
        if length is None or b"\r\nconnection: close" in received:
            self.close()
        return int(status_head[9:12]), payload

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class Tally:
    def __init__(self) -> None:
        self.search: list[float] = []
        self.slots: list[float] = []
        self.booking: list[float] = []
        self.booked = self.taken = self.errors = 0
        self.empty = 0  # slot lists without a free slot: a search and a list that lead to no booking
        self.error_samples: list[str] = []

    def error(self, what: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(what)


async def cycle(
    connection: Connection, communes: list[str], tally: Tally, rng: random.Random, since: float | None = None
) -> None:
    """One patient: search → slot list of the first lieu with a free slot → booking. `since`: when the patient
    arrived (open load), from which the search's time is counted, waiting for a connection included."""
    try:
        t0 = time.perf_counter() if since is None else since
        status, body = await connection.request("GET", f"/api/v1/lieux?commune={rng.choice(communes)}")
        tally.search.append(time.perf_counter() - t0)
        if status != 200:
            tally.error(f"recherche {status}")
            return
        lieux = [item for item in json.loads(body) if item["prochain_creneau"]]
        if not lieux:
            return
        # The week from the next free slot that the search gave, as a patient following it would ask
        # (a fixed week from today fills within the run: the load books most of the coming week's slots).
        first = dt.date.fromisoformat(lieux[0]["prochain_creneau"][:10])
        window = f"du={first.isoformat()}&au={(first + dt.timedelta(days=7)).isoformat()}"
        t0 = time.perf_counter()
        status, body = await connection.request("GET", f"/api/v1/lieux/{lieux[0]['id']}/creneaux?{window}")
        tally.slots.append(time.perf_counter() - t0)
        if status != 200:
            tally.error(f"créneaux {status}")
            return
        free = [c["id"] for c in json.loads(body) if c["libre"]]
        if not free:
            tally.empty += 1
            return
        payload = {
            "creneau": rng.choice(free),
            "nom": "Charge",
            "prenom": f"Client{rng.randrange(10**6)}",
            "date_naissance": "1950-01-01",
            "telephone": "06 12 34 56 78",
        }
        t0 = time.perf_counter()
        status, body = await connection.request("POST", "/api/v1/rendez-vous", json.dumps(payload).encode())
        tally.booking.append(time.perf_counter() - t0)
        if status == 201:
            tally.booked += 1
        elif status == 409:
            tally.taken += 1
        else:
            tally.error(f"réservation {status} {body[:120]!r}")
    except (OSError, ValueError) as exc:
        connection.close()
        tally.error(type(exc).__name__)


async def client(port: int, communes: list[str], stop_at: float, tally: Tally, rng: random.Random) -> None:
    connection = Connection(port)
    while time.perf_counter() < stop_at:
        await cycle(connection, communes, tally, rng)


async def load(port: int, communes: list[str], clients: int, seconds: float) -> tuple[Tally, float]:
    """Closed load: N clients, each starting a new cycle as soon as the last one ends (the most the server
    can do; each request waits behind those of the other clients, so latency grows with N)."""
    tally = Tally()
    start = time.perf_counter()
    stop_at = start + seconds
    await asyncio.gather(*(client(port, communes, stop_at, tally, random.Random(k)) for k in range(clients)))
    return tally, time.perf_counter() - start


async def open_load(
    port: int, communes: list[str], rate: float, connections: int, seconds: float
) -> tuple[Tally, float]:
    """Open load: patients arrive at `rate` per second (Poisson arrivals), whatever the answers' speed, as on
    the real service; each takes a kept connection from a pool (waits for one if all are busy) and goes
    through one cycle. The search's time counts from the patient's arrival, so a server that falls behind is
    seen in the latencies (no « coordinated omission »)."""
    tally = Tally()
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(Connection(port))
    rng = random.Random(0)
    running: set[asyncio.Task[None]] = set()

    async def patient(arrived: float, seed: int) -> None:
        connection = await pool.get()
        try:
            await cycle(connection, communes, tally, random.Random(seed), since=arrived)
        finally:
            pool.put_nowait(connection)

    start = time.perf_counter()
    arrival, stop_at, seed = start, start + seconds, 0
    while True:
        arrival += rng.expovariate(rate)
        if arrival >= stop_at:
            break
        delay = arrival - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        seed += 1
        task = asyncio.create_task(patient(arrival, seed))
        running.add(task)
        task.add_done_callback(running.discard)
    await asyncio.gather(*running)
    return tally, time.perf_counter() - start


async def floor_load(port: int, clients: int, seconds: float) -> float:
    """Requests per second of the cheapest API answer (an unknown commune: one SQL query, a 404), with the
    same server and clients: what Django, the server and the clients cost before any search or booking work."""
    answered = 0

    async def one() -> None:
        nonlocal answered
        connection = Connection(port)
        while time.perf_counter() < stop_at:
            status, _ = await connection.request("GET", "/api/v1/lieux?commune=00000")
            answered += status == 404

    start = time.perf_counter()
    stop_at = start + seconds
    await asyncio.gather(*(one() for _ in range(clients)))
    return answered / (time.perf_counter() - start)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] * 1000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def settle(pattern: str, timeout: float = 30.0) -> None:
    """Waits until the server's processes stop using the processor: every worker has loaded the platform.
    A connection kept alive stays with the worker that accepted it, so a load started while some workers
    are still loading would pile on the first ones (seen: half the throughput at 8 clients)."""
    deadline = time.time() + timeout
    last = cpu_seconds(pattern)
    while time.time() < deadline:
        time.sleep(0.5)
        now = cpu_seconds(pattern)
        if now - last < 0.05:
            return
        last = now


def start_server(
    env: dict[str, str], kind: str, workers: int, journal: Any, threads: int | None = None
) -> tuple[subprocess.Popen[bytes], int]:
    """The server, its output written to `journal` (read back by `summarise_journal`). `threads`: per worker,
    None for the production command's default (granian) or sync workers (gunicorn)."""
    port = free_port()
    server_env = {
        **env,
        "SOLIDARITE_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        # The clients speak plain HTTP on loopback, as the proxy does once it has ended TLS: no redirection.
        "SOLIDARITE_REDIRECTION_HTTPS": "0",
        "SOLIDARITE_LIMITE_RESERVATIONS": "0",
        "SOLIDARITE_LIMITE_RECHERCHES": "0",
        "SOLIDARITE_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    }
    production = [
        *(sys.executable, "-m", "solidarite", "serveur", "--port", str(port), "--workers", str(workers)),
        *("--backlog", "2048", "--log", "warning"),
        *(("--threads", str(threads)) if threads else ()),
    ]
    server = subprocess.Popen(
        production
        if kind == "granian"
        else [
            sys.executable,
            "-m",
            "gunicorn",
            "solidarite.config.wsgi",
            "--workers",
            str(workers),
            *(
                ["--worker-class", "gthread", "--threads", str(threads), "--keep-alive", "5"]
                if threads and threads > 1
                else []
            ),
            "--bind",
            f"127.0.0.1:{port}",
            "--backlog",
            "2048",
            "--preload",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=server_env,
        stdout=journal,
        stderr=subprocess.STDOUT,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            status, _ = asyncio.run(http(port, "GET", "/healthz"))
            if status == 200:
                settle(f"-m {kind} ")
                return server, port
        except OSError:
            time.sleep(0.3)
    server.terminate()
    server.wait(timeout=30)
    journal.seek(0)
    raise SystemExit(f"{kind} n'a pas démarré en 60 s :\n{journal.read()[-3000:]}")


def summarise_journal(journal: Any) -> str:
    """The server's log in a few lines: each kind of warning counted (a 409 logs « Conflict », each request
    of the Django floor a « Not Found »), anything worse than a warning printed as it is."""
    journal.seek(0)
    counts: dict[str, int] = {}
    worse: list[str] = []
    for line in journal:
        logged = re.match(r"\S+ \S+ (WARNING|INFO) (\S+) ([^:]+)", line)
        if logged:
            key = " ".join(logged.groups())
            counts[key] = counts.get(key, 0) + 1
        elif line.strip():
            worse.append(line.rstrip())
    told = ", ".join(f"{n} × {key}" for key, n in sorted(counts.items(), key=lambda item: -item[1]))
    summary = f"journal du serveur : {told or 'vide'}"
    if worse:
        summary += f" ; {len(worse)} autre(s) ligne(s), dont :\n" + "\n".join(worse[:40])
    return summary


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


def processes() -> Iterator[tuple[str, list[str]]]:
    """(command line, fields of /proc/<pid>/stat after the name) of each process (Linux). A zombie has an
    empty command line; a process gone while being read is skipped."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        yield command, fields


def cpu_seconds(pattern: str, reaped: str | None = None) -> float:
    """CPU time (user + system) of the processes whose command line holds `pattern`, plus, for a process
    whose command line holds `reaped`, that of its children which have ended (PostgreSQL: the postmaster
    reaps the backends of pgbench's connections, closed before they could be read)."""
    total = 0
    for command, fields in processes():
        if pattern in command:
            total += int(fields[11]) + int(fields[12])
        elif reaped is not None and reaped in command:
            total += sum(int(v) for v in fields[11:15])
    return total / os.sysconf("SC_CLK_TCK")


def running(pattern: str) -> bool:
    """Whether a process whose command line holds `pattern` is still there."""
    return any(pattern in command for command, _ in processes())


def postgres_cpu() -> float:
    return cpu_seconds("postgres:", reaped="bin/postgres ")


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


def serve_and_load(
    env: dict[str, str], args: argparse.Namespace, communes: list[str], journal: Any
) -> tuple[Tally, float, list[float], float]:
    """Start the server, run the load then the Django floor against it, stop it: the tally, the load's
    duration, the processor seconds of the server, PostgreSQL and the clients, and the floor's rate."""
    server, port = start_server(env, args.serveur, args.workers, journal, args.threads)
    try:
        charge = (
            f"{args.debit:.0f} patients/s (arrivées de Poisson), {args.clients} connexions gardées"
            if args.debit
            else f"{args.clients} clients"
        )
        print(
            f"{args.serveur} : {args.workers} workers × {args.threads} fil(s) ; {charge} pendant "
            f"{args.duree:.0f} s…",
            flush=True,
        )
        server_process = f"-m {args.serveur} "  # not this script, whose command line names the server too
        before = cpu_seconds(server_process), postgres_cpu(), time.process_time()
        tally, elapsed = asyncio.run(
            open_load(port, communes, args.debit, args.clients, args.duree)
            if args.debit
            else load(port, communes, args.clients, args.duree)
        )
        used = [
            cpu_seconds(server_process) - before[0],
            postgres_cpu() - before[1],
            time.process_time() - before[2],
        ]
        floor = asyncio.run(floor_load(port, args.clients, args.plancher_duree))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    return tally, elapsed, used, floor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--clients",
        type=int,
        default=16,
        help="clients simultanés (16 : autant donnent le débit maximal ; au-delà, les requêtes ne font "
        "qu'attendre leur tour, docs/decisions/0004-rendez-vous.md) ; avec --debit, connexions gardées",
    )
    parser.add_argument(
        "--debit",
        type=float,
        default=0.0,
        help="patients arrivant par seconde (charge ouverte : latences à ce débit) ; 0 : charge fermée, "
        "chaque client enchaîne les réservations (le débit maximal)",
    )
    parser.add_argument("--duree", type=float, default=30.0, help="secondes de charge (30)")
    parser.add_argument(
        "--workers",
        type=int,
        default=CORES,
        help="workers du serveur (autant que de cœurs : ici PostgreSQL et les clients prennent le reste ; "
        "comparaison mesurée : docs/decisions/0004-rendez-vous.md)",
    )
    parser.add_argument(
        "--serveur",
        choices=["granian", "gunicorn"],
        default="granian",
        help="granian : la commande de production (python -m solidarite serveur) ; gunicorn : pour comparer",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="fils par worker ; granian : 2 par défaut, celui de la commande de production ; gunicorn : 1 par "
        "défaut (workers synchrones, une connexion par requête ; plus = gthread)",
    )
    parser.add_argument("--plancher-duree", type=float, default=10.0, help="secondes du plancher Django (10)")
    parser.add_argument("--pgbench-duree", type=int, default=15)
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        seed()
        return
    if args.threads is None:
        from solidarite.config.management.commands.serveur import THREADS

        args.threads = THREADS if args.serveur == "granian" else 1
    env = base_env()
    print(f"Préparation de la base {DB_NAME} (données nationales)…", flush=True)
    data = prepare(env)
    communes = data.pop("communes")
    print(
        f"  {data['lieux']} lieux, {data['missions']} missions, {data['slots']} créneaux, "
        f"{len(communes)} communes des zones, {data['history']} rendez-vous passés ; {data['prepare_s']} s",
        flush=True,
    )
    with tempfile.TemporaryFile("w+", encoding="utf-8") as journal:
        tally, elapsed, used, floor = serve_and_load(env, args, communes, journal)
        print(summarise_journal(journal), flush=True)
    double, in_db = database_counts()
    print(
        f"pgbench : la transaction SQL d'une réservation, {args.clients} clients, {args.pgbench_duree} s…",
        flush=True,
    )
    tps, pgbench_cpu_ms = pgbench(args.clients, args.pgbench_duree, data["pg_slots"])
    database_counts()
    rate = tally.booked / elapsed
    print(
        f"réservations : {tally.booked} en {elapsed:.1f} s ({in_db} en base), créneaux déjà pris (409) : "
        f"{tally.taken}, listes sans créneau libre : {tally.empty}, erreurs : {tally.errors} {tally.error_samples}"
    )
    print(
        f"recherche (GET /api/v1/lieux) : {len(tally.search)} — p50 {percentile(tally.search, 50):.1f} ms, "
        f"p95 {percentile(tally.search, 95):.1f} ms, p99 {percentile(tally.search, 99):.1f} ms"
    )
    print(
        f"créneaux d'un lieu : p50 {percentile(tally.slots, 50):.1f} ms, p95 {percentile(tally.slots, 95):.1f} ms"
    )
    print(
        f"réservation (POST) : p50 {percentile(tally.booking, 50):.1f} ms, p95 {percentile(tally.booking, 95):.1f} ms, "
        f"p99 {percentile(tally.booking, 99):.1f} ms"
    )
    print(
        f"pgbench : {tps:.0f} transactions/s ; {pgbench_cpu_ms:.2f} ms de processeur PostgreSQL par transaction"
    )
    print(
        f"plancher Django (même serveur, même clients) : la plus simple des requêtes d'API, une commune inconnue "
        f"(une requête SQL, 404) : {floor:.0f} requêtes/s, soit au plus {floor / 3:.0f} réservations/s à trois "
        "requêtes par réservation"
    )
    requests = len(tally.search) + len(tally.slots) + len(tally.booking)
    print(
        f"processeur pendant la charge ({CORES} cœur(s)) : {args.serveur} {used[0] / elapsed:.2f} cœur, "
        f"PostgreSQL {used[1] / elapsed:.2f}, clients {used[2] / elapsed:.2f} ; "
        f"{1000 * used[0] / max(requests, 1):.1f} ms de processeur Django par requête ({requests} requêtes)"
    )
    if tally.booked:
        # What the target rate would take, at the processor cost per booking measured above (each booking
        # carries its share of searches, slot lists and 409s): more than the machine's cores means that the
        # target cannot be met here by making the requests wait less, only by making them cost less.
        per_booking = [1000 * u / tally.booked for u in used]
        need = [TARGET_BOOKINGS_PER_S * ms / 1000 for ms in per_booking]
        print(
            f"processeur par réservation : {args.serveur} {per_booking[0]:.2f} ms, PostgreSQL {per_booking[1]:.2f} "
            f"ms, clients {per_booking[2]:.2f} ms ; à {TARGET_BOOKINGS_PER_S} réservations/s il faudrait "
            f"{need[0]:.2f} + {need[1]:.2f} + {need[2]:.2f} = {sum(need):.2f} cœurs ({CORES} ici)"
        )
    if in_db != tally.booked:
        print(f"ÉCART : {tally.booked} réservations confirmées aux clients, {in_db} en base", file=sys.stderr)
    print(
        f"bookings_per_s={rate:.1f} search_p95_ms={percentile(tally.search, 95):.1f} "
        f"booking_p99_ms={percentile(tally.booking, 99):.1f} double_bookings={double} "
        f"pgbench_tps={tps:.0f} ratio={rate / tps:.3f}"
    )


if __name__ == "__main__":
    main()
