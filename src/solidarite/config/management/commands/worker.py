"""`python -m solidarite worker`: the one background worker; it runs every queued task of the project (django-tasks:
the messages to patients, the daily purge, any task queued) and queues the recurring ones."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from solidarite.config.planification import Worker
from solidarite.rdv import messaging
from solidarite.web.commandes import CONTROLES_SANS_URLS
from solidarite.web.entrees import nombre_argument

INTERVAL_MAX_S = 86_400  # the pause between two rounds: beyond a day, the daily tasks would be missed
# A second signal this soon after the first is the same request: `make demo`'s Ctrl+C reaches the worker both
# from the terminal (SIGINT) and from the recipe's trap (SIGTERM). Later, it means « stop now ».
SAME_REQUEST_S = 1.0
ARRET_IMMEDIAT = (
    "Arrêt immédiat demandé : le worker s'arrête sans finir ce qu'il avait en main. Un message en cours d'envoi "
    "reste « en cours » : il sera marqué en échec, sans être renvoyé, 15 minutes après sa prise en charge par le "
    "prochain worker en marche (il a pu partir ou non) ; une tâche en cours reste « RUNNING » : le prochain worker "
    "en marche la marque en échec une fois ce worker sans signe de vie depuis {minutes} minutes, "
    "et remet en file une tâche récurrente (purge, envoi…). Tout ce qui n'était pas commencé reste en file pour le "
    "prochain démarrage.\n"
)


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

        first_signal: list[float] = []
        at_once = ARRET_IMMEDIAT.format(minutes=settings.SOLIDARITE_TACHE_ABANDONNEE_MINUTES).encode()

        def request_stop(signum: int, frame: object) -> None:
            # A signal handler: no lock and no buffered write (os.write), it may interrupt any of them.
            if not first_signal:
                first_signal.append(time.monotonic())
                worker.request_stop()
            elif time.monotonic() - first_signal[0] > SAME_REQUEST_S:
                with contextlib.suppress(RuntimeError, OSError):  # the lines already written, if it can
                    sys.stdout.flush()
                os.write(2, at_once)
                os._exit(128 + signum)

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        self.stdout.write("Worker des tâches de fond démarré (Ctrl+C pour arrêter).")
        worker.run()
        messages, tasks = worker.remaining()
        self.stdout.write(
            f"Worker arrêté : {worker.sent} message(s) et {worker.tasks} autre(s) tâche(s) traité(s). "
            f"En file pour le prochain démarrage : {messages} message(s) dû(s), {tasks} tâche(s)."
        )
