"""The load: HTTP/1.1 clients on kept connections, each a loop search → slot list → booking."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import re
import time


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
