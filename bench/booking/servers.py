"""The server under test: started with production settings, settled, its journal summarised."""

from __future__ import annotations

import argparse
import asyncio
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from typing import Any

from bench.booking.clients import Tally, floor_load, http, load, open_load
from bench.booking.database import ROOT
from bench.booking.processes import cpu_seconds, postgres_cpu


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


def serve_and_load(
    env: dict[str, str], args: argparse.Namespace, communes: list[str], journal: Any
) -> tuple[Tally, float, list[float], float]:
    """Start the server, run the load then the Django floor against it, stop it: the tally, the load's
    duration, the processor seconds of the server, PostgreSQL and the clients, and the floor's rate."""
    server, port = start_server(env, args.server, args.workers, journal, args.threads)
    try:
        charge = (
            f"{args.rate:.0f} patients/s (arrivées de Poisson), {args.clients} connexions gardées"
            if args.rate
            else f"{args.clients} clients"
        )
        print(
            f"{args.server} : {args.workers} workers × {args.threads} fil(s) ; {charge} pendant "
            f"{args.duration:.0f} s…",
            flush=True,
        )
        server_process = f"-m {args.server} "  # not this script, whose command line names the server too
        before = cpu_seconds(server_process), postgres_cpu(), time.process_time()
        tally, elapsed = asyncio.run(
            open_load(port, communes, args.rate, args.clients, args.duration)
            if args.rate
            else load(port, communes, args.clients, args.duration)
        )
        used = [
            cpu_seconds(server_process) - before[0],
            postgres_cpu() - before[1],
            time.process_time() - before[2],
        ]
        floor = asyncio.run(floor_load(port, args.clients, args.floor_duration))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    return tally, elapsed, used, floor
