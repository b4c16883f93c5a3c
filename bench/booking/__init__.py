"""Booking under load, as production runs it: `python -m solidarite serveur` on PostgreSQL, national data.

    python -m bench.booking [--clients 16] [--rate 0] [--duration 30] [--workers 2] [--server granian|gunicorn]

1. A dedicated database `solidarite_bench` on the local PostgreSQL (127.0.0.1:5432, trust; override with
   BENCH_PG_ADMIN_URL) is created afresh: migrations, the real territory, the zonage, the demonstration
   lieux and volunteers, then a confirmed mission every working day of the coming month in every lieu of
   every zone (179 lieux, about 3 900 missions, 94 000 slots), and the past month as a database in service
   has it (two slots in three were booked: about 63 000 appointments), then VACUUM ANALYZE and a
   checkpoint, so that the planner's statistics are those of production. Bench data only, never the demo's.
2. The platform starts with production settings (`SOLIDARITE_ENV=production`, persistent database
   connections, prepared statements; request limit off: a load test comes from a single address), served
   by the production command `python -m solidarite serveur` (granian, two threads per worker by default,
   `--threads N` for N, keep-alive), or for comparison by gunicorn (`--server gunicorn`: `--preload`, sync
   workers, which close the connection after each answer, or with `--threads`, gthread workers with
   keep-alive).
3. N clients, each a loop « search the lieux around a commune of a zone (GET /api/v1/lieux) → list the
   slots of the first lieu with a free one (GET …/creneaux) → book one at random (POST /api/v1/rendez-vous) »
   for the given duration, on a connection kept open as a browser keeps it. A 409 (slot just taken by
   another client) is a correct answer, not an error. This closed load gives the most the server can do;
   each request waits behind those of the other clients, so its latencies grow with N. 16 by default: as
   many bookings per second as 8 or 32 (measured side by side), where 32 only make each request wait
   behind twice as many others.
   With `--rate R`, an open load instead: patients arrive R times a second (Poisson arrivals), each going
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
    taskset -c 0 python -m bench.booking --workers 1
    for p in $(pgrep postgres); do taskset -p -c 0,1 $p; done

The last line: `bookings_per_s=… search_p95_ms=… booking_p99_ms=… double_bookings=… pgbench_tps=… ratio=…`.

The package: `database` (the bench database, its seeding, pgbench and the counts afterwards), `clients` (the
load: kept connections, the booking cycle, closed and open loads), `servers` (the server under test and its
journal), `processes` (processor time read from /proc), `__main__` (the options and the report).
"""
