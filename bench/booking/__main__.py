"""`python -m bench.booking`: the options, the run, the report (see the package's docstring)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

from bench.booking import __doc__ as DOC
from bench.booking.clients import percentile
from bench.booking.database import DB_NAME, base_env, database_counts, pgbench, prepare, seed
from bench.booking.servers import serve_and_load, summarise_journal

TARGET_BOOKINGS_PER_S = 500  # issue 5
CORES = len(os.sched_getaffinity(0))  # those this bench may use (`taskset -c 0` for one)


def main() -> None:
    parser = argparse.ArgumentParser(description=(DOC or "").splitlines()[0])
    parser.add_argument(
        "--clients",
        type=int,
        default=16,
        help="clients simultanés (16 : autant donnent le débit maximal ; au-delà, les requêtes ne font "
        "qu'attendre leur tour, docs/decisions/0013-architecture-performance.md) ; avec --rate, connexions gardées",
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="patients arrivant par seconde (charge ouverte : latences à ce débit) ; 0 : charge fermée, "
        "chaque client enchaîne les réservations (le débit maximal)",
    )
    parser.add_argument("--duration", type=float, default=30.0, help="secondes de charge (30)")
    parser.add_argument(
        "--workers",
        type=int,
        default=CORES,
        help="workers du serveur (autant que de cœurs : ici PostgreSQL et les clients prennent le reste ; "
        "comparaison mesurée : docs/decisions/0013-architecture-performance.md)",
    )
    parser.add_argument(
        "--server",
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
    parser.add_argument("--floor-duration", type=float, default=10.0, help="secondes du plancher Django (10)")
    parser.add_argument("--pgbench-duration", type=int, default=15)
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        seed()
        return
    if args.threads is None:
        from solidarite.config.management.commands.serveur import THREADS

        args.threads = THREADS if args.server == "granian" else 1
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
        f"pgbench : la transaction SQL d'une réservation, {args.clients} clients, {args.pgbench_duration} s…",
        flush=True,
    )
    tps, pgbench_cpu_ms = pgbench(args.clients, args.pgbench_duration, data["pg_slots"])
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
        f"processeur pendant la charge ({CORES} cœur(s)) : {args.server} {used[0] / elapsed:.2f} cœur, "
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
            f"processeur par réservation : {args.server} {per_booking[0]:.2f} ms, PostgreSQL {per_booking[1]:.2f} "
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
