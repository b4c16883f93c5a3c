"""`python -m solidarite worker`: the one background worker; it runs every queued task of the project (django-tasks:
the messages to patients, the daily purge, any task queued) and queues the recurring ones."""

from __future__ import annotations

import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from solidarite.config.planification import Worker
from solidarite.rdv import messaging
from solidarite.web.commandes import CONTROLES_SANS_URLS
from solidarite.web.entrees import nombre_argument

INTERVAL_MAX_S = 86_400  # the pause between two rounds: beyond a day, the daily tasks would be missed


class Command(BaseCommand):
    requires_system_checks = CONTROLES_SANS_URLS  # no page served: web/commandes.py
    help = (
        "Fait toutes les tâches de fond de la plateforme (django-tasks) : l'envoi des messages aux patients "
        "(confirmations, rappels 48 h et 2 h, liste d'attente) à mesure qu'ils sont dus, la purge quotidienne, "
        "et toute autre tâche mise en file ; plusieurs workers peuvent tourner ensemble."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once",
            action="store_true",
            help="Envoie ce qui est dû, fait les tâches en file, puis s'arrête.",
        )
        parser.add_argument(
            "--interval",
            type=nombre_argument,
            default=5.0,
            help="Secondes entre deux passages (5 par défaut).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        interval = options["interval"]
        if not 0 < interval <= INTERVAL_MAX_S:  # nan looped on a ValueError, inf ended in an OverflowError
            self.stderr.write(
                f"--interval doit être un nombre positif d'au plus {INTERVAL_MAX_S} secondes (un jour), "
                f"pas {interval:g}."
            )
            raise SystemExit(2)
        stale = messaging.recover_stale(timezone.now())
        if stale:
            self.stderr.write(f"{stale} message(s) interrompu(s) par un arrêt précédent : marqués en échec.")
        worker = Worker(options["interval"], self.stdout.write)
        if options["once"]:
            handled = worker.once()
            self.stdout.write(f"Worker arrêté : {handled} message(s) traité(s).")
            return

        def request_stop(signum: int, frame: object) -> None:
            worker.stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        self.stdout.write("Worker des tâches de fond démarré (Ctrl+C pour arrêter).")
        worker.run()
        self.stdout.write(f"Worker arrêté : {worker.sent} message(s) traité(s).")
