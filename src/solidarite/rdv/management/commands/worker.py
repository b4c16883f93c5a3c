"""`python -m solidarite worker`: sends the queued messages (confirmations, reminders, waitlist)."""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django.utils import timezone

from solidarite.rdv import messaging


class Command(BaseCommand):
    help = (
        "Envoie les messages aux patients (confirmations, rappels 48 h et 2 h, liste d'attente) "
        "à mesure qu'ils sont dus ; plusieurs workers peuvent tourner ensemble."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Envoie ce qui est dû puis s'arrête.")
        parser.add_argument(
            "--intervalle", type=float, default=5.0, help="Secondes entre deux passages (5 par défaut)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["intervalle"] <= 0:
            self.stderr.write("--intervalle doit être positif.")
            raise SystemExit(2)
        stop = False

        def request_stop(signum: int, frame: object) -> None:
            nonlocal stop
            stop = True

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        stale = messaging.recover_stale(timezone.now())
        if stale:
            self.stderr.write(f"{stale} message(s) interrompu(s) par un arrêt précédent : marqués en échec.")
        total = 0
        self.stdout.write("Worker des messages démarré (Ctrl+C pour arrêter).")
        while not stop:
            handled = messaging.send_due()
            total += handled
            if handled:
                self.stdout.write(f"{handled} message(s) traité(s).")
            if options["once"]:
                break
            if not handled:
                time.sleep(options["intervalle"])
            close_old_connections()  # a long-running process: drop a connection the database closed
        self.stdout.write(f"Worker arrêté : {total} message(s) traité(s).")
