"""`python -m solidarite purge [--dry-run] [--date AAAA-MM-JJ]`: deletes the patient data past its retention."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from solidarite.rdv import conservation
from solidarite.web.commandes import CONTROLES_SANS_URLS
from solidarite.web.entrees import parse_count

# The bounds of SOLIDARITE_PURGE_LOT: beyond 2**63, the database refused the LIMIT (a traceback).
LOT_MAX = 100_000


class Command(BaseCommand):
    requires_system_checks = CONTROLES_SANS_URLS  # no page served: web/commandes.py
    help = (
        "Supprime les rendez-vous, inscriptions en liste d'attente, messages et accès au journal dont la durée "
        "de conservation est passée (réglages SOLIDARITE_CONSERVATION_*), en gardant leurs comptes par lieu et "
        "par mois ; --dry-run montre les nombres sans rien changer."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Compte ce qui partirait, sans rien modifier."
        )
        parser.add_argument(
            "--date",
            default="",
            help="Avec --dry-run : compte comme si l'on était ce jour-là (AAAA-MM-JJ), pour voir ce qui partira.",
        )
        parser.add_argument(
            "--lot", default="", help="Lignes supprimées par transaction (SOLIDARITE_PURGE_LOT par défaut)."
        )

    def _refuse(self, message: str) -> None:
        self.stderr.write(message)
        raise SystemExit(2)

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        if options["date"]:
            if not options["dry_run"]:
                self._refuse(
                    "--date ne s'emploie qu'avec --dry-run : la purge réelle se fait toujours à la date du jour."
                )
            try:
                day = dt.date.fromisoformat(options["date"])
            except ValueError:
                self._refuse(f"--date {options['date']!r} : une date au format AAAA-MM-JJ est attendue.")
            now = timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0)))
            try:
                conservation.Limites.at(now)  # its retention limits, the longest a few years before it
            except OverflowError:
                self._refuse(
                    f"--date {options['date']!r} : trop ancienne, les durées de conservation remonteraient "
                    "avant l'an 1."
                )
        lot = settings.SOLIDARITE_PURGE_LOT
        if options["lot"]:
            lot = parse_count(options["lot"]) or 0  # ASCII digits only: int() took « ٥ » for 5
            if not 1 <= lot <= LOT_MAX:
                self._refuse(
                    f"--lot {options['lot']!r} : un nombre entier de lignes, au moins 1 et au plus "
                    f"{LOT_MAX:_}.".replace("_", " ")
                )
        if options["dry_run"]:
            bilan = conservation.compter(now)
            self.stdout.write(f"Purge à blanc au {timezone.localdate(now):%d/%m/%Y} : rien n'est modifié.")
        else:
            bilan = conservation.purger(now, lot)
            self.stdout.write(f"Purge du {timezone.localdate(now):%d/%m/%Y} faite.")
        verb = "à supprimer" if options["dry_run"] else "supprimé(e)s"
        self.stdout.write(
            f"  rendez-vous {verb} (passés depuis plus de {settings.SOLIDARITE_CONSERVATION_RDV_JOURS} jours) : "
            f"{bilan.rendez_vous}\n"
            f"  inscriptions en liste d'attente {verb} (terminées depuis plus de "
            f"{settings.SOLIDARITE_CONSERVATION_ATTENTE_JOURS} jours) : {bilan.inscriptions}\n"
            f"  messages {verb} (de plus de {settings.SOLIDARITE_CONSERVATION_MESSAGES_JOURS} jours, ou de ces "
            f"rendez-vous et inscriptions) : {bilan.messages}\n"
            f"  entrées du journal des accès {verb} (de plus de "
            f"{settings.SOLIDARITE_CONSERVATION_ACCES_JOURS} jours) : {bilan.acces}"
        )
