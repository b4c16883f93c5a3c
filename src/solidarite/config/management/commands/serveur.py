"""`python -m solidarite serveur`: the platform served as in production.

granian (its HTTP layer is written in Rust) runs the WSGI application in N worker processes, and keeps each
client's connection open from one request to the next. Side by side on the booking bench it spends less
processor time per request than gunicorn and serves more bookings per second at 32 clients; at 8 clients, the
same throughput with a higher p95, since a kept connection stays with the worker that accepted it (decision
0013, point 6; the dated figures in bench/RESULTS.md). Two threads per worker by default: while one waits for
PostgreSQL, the other runs (same point). No access log: the addresses of the patient pages carry personal links.
As many workers as the machine has cores by default (more only adds switching between them; granian warns).
Static files are served by the application itself (WhiteNoise), from `collectstatic`'s folder.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management.base import BaseCommand, CommandError, CommandParser

from solidarite.web.entrees import count_argument

THREADS = 2  # per worker: docs/decisions/0013-architecture-performance.md, point 6


def default_workers() -> int:
    """The cores this process may run on (a container's or `taskset`'s share), never more than the machine's,
    which granian compares the number of workers with."""
    cores = os.cpu_count() or 1
    affinity = getattr(os, "sched_getaffinity", None)
    return max(1, min(cores, len(affinity(0)) if affinity else cores))


def granian_argv(
    host: str, port: int, workers: int, backlog: int, log_level: str, threads: int = THREADS
) -> list[str]:
    """The command line of the production server (also run by `python -m bench.booking`)."""
    return [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "solidarite.config.wsgi:application",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--blocking-threads",
        str(threads),  # Django's views are synchronous: one request at a time per thread, each its connection
        "--runtime-mode",
        "st",
        "--http",
        "1",  # HTTP/2 and TLS end at the reverse proxy
        "--no-ws",
        "--backlog",
        str(backlog),
        "--log-level",
        log_level,
    ]


class Command(BaseCommand):
    help = "Sert la plateforme comme en production : granian, plusieurs workers (derrière un mandataire inverse)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Adresse d'écoute (127.0.0.1 par défaut).")
        parser.add_argument(
            "--port", type=count_argument, default=8000, help="Port d'écoute (8000 par défaut)."
        )
        parser.add_argument(
            "--workers",
            type=count_argument,
            default=default_workers(),
            help=f"Processus servant les requêtes (autant que de cœurs par défaut : {default_workers()} ici).",
        )
        parser.add_argument(
            "--threads",
            type=count_argument,
            default=THREADS,
            help=f"Fils par processus, chacun sa connexion à la base ({THREADS} par défaut : l'un calcule "
            "pendant que l'autre attend PostgreSQL).",
        )
        parser.add_argument(
            "--backlog",
            type=count_argument,
            default=1024,
            help="Connexions en attente d'acceptation (1024 par défaut).",
        )
        parser.add_argument(
            "--log",
            choices=["info", "warning", "error"],
            default="info",
            help="Niveau du journal de granian.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not 1 <= options["workers"] <= 64:
            raise CommandError("--workers : entre 1 et 64 processus.", returncode=2)
        if not 1 <= options["threads"] <= 16:
            raise CommandError("--threads : entre 1 et 16 fils par processus.", returncode=2)
        if not 1 <= options["port"] <= 65535:
            raise CommandError("--port : entre 1 et 65535.", returncode=2)
        if not 128 <= options["backlog"] <= 65535:
            raise CommandError("--backlog : entre 128 et 65535 connexions.", returncode=2)
        if settings.DEBUG:
            self.stderr.write(
                "Attention : mode développement (DEBUG). En production : SOLIDARITE_ENV=production "
                "et DJANGO_SECRET_KEY."
            )
        storage = staticfiles_storage
        if hasattr(storage, "manifest_name") and not storage.exists(storage.manifest_name):
            self.stderr.write(
                f"Attention : fichiers statiques non collectés dans {settings.STATIC_ROOT} : lancez d'abord "
                "python -m solidarite collectstatic --noinput (sans eux les pages n'auraient pas leurs styles, "
                "et en production répondraient par une erreur)."
            )
        argv = granian_argv(
            options["host"],
            options["port"],
            options["workers"],
            options["backlog"],
            options["log"],
            options["threads"],
        )
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(sys.executable, argv)
