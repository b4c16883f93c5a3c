"""Pilotage: publish a closed quarter's indicators per département as open data (docs/decisions/0018).

    python -m solidarite pilotage publier --trimestre 2026T3
    python -m solidarite pilotage publier --trimestre 2026T3 --motif "Relevés de septembre corrigés"
    python -m solidarite pilotage publier --trimestre dernier --si-absent   (make demo : le dernier trimestre clos)
    python -m solidarite pilotage publier --trimestre 2025T3 --vide   (un trimestre sans activité, voulu)

A published quarter is never rewritten: publishing it again needs a reason and makes a new version. A quarter
not yet closed, a malformed quarter, or nothing changed: a French message and exit code 2, nothing written. So is
the first publication of a quarter without any activity (no mission day, appointment or indemnity): once published it
would stand for ever, so a quarter of zeros (a typo in the year, data not loaded yet) is refused unless --vide says
it is meant. A correction (--motif) is deliberate and is not checked. With --si-absent (make demo), such a quarter
is skipped without error: nothing is published, exit code 0.
--si-absent (nothing to do once published) and --motif (a new version of a published quarter) ask opposite
things: together, they are refused at once, exit code 2.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from solidarite.pilotage import agregation
from solidarite.pilotage.models import PublicationTrimestre
from solidarite.pilotage.opendata import publication
from solidarite.web.commandes import CONTROLES_SANS_URLS


class Command(BaseCommand):
    requires_system_checks = CONTROLES_SANS_URLS  # no page served: web/commandes.py
    help = "Publie les indicateurs trimestriels par département (données ouvertes), jamais réécrits."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="actions")
        publier = sub.add_parser(
            "publier", help="Publier un trimestre clos (ou une correction, avec --motif)."
        )
        publier.add_argument(
            "--trimestre",
            required=True,
            help="Trimestre clos, par exemple 2026T3, ou « dernier » (le dernier clos).",
        )
        publier.add_argument(
            "--si-absent",
            action="store_true",
            help="Ne rien faire, sans erreur, si le trimestre est déjà publié (données de démonstration) ; "
            "incompatible avec --motif.",
        )
        publier.add_argument(
            "--vide",
            action="store_true",
            help="Publier même un trimestre sans aucune activité (aucune journée de mission, aucun rendez-vous, "
            "aucune indemnité) : refusé sans cette option.",
        )
        publier.add_argument(
            "--motif",
            default=None,  # None: not given (an empty motif given with --si-absent is refused as well)
            help="Motif d'une correction (nouvelle version d'un trimestre déjà publié) ; incompatible avec "
            "--si-absent.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["si_absent"] and options["motif"] is not None:
            # --si-absent returned before the motif was read: the correction asked for was silently not made
            raise CommandError(
                "--si-absent et --motif se contredisent : --si-absent ne fait rien si le trimestre est déjà "
                "publié, --motif en demande une nouvelle version (une correction). Pour publier une correction, "
                "retirez --si-absent ; pour ne publier que si le trimestre ne l'est pas encore, retirez --motif. "
                "Rien n'a été publié.",
                returncode=2,
            )
        code = options["trimestre"]
        if code == "dernier":
            today = timezone.localdate()
            code = agregation.Quarter(today.year, (today.month - 1) // 3 + 1).previous.code
        if options["si_absent"] and PublicationTrimestre.objects.filter(trimestre=code.upper()).exists():
            self.stdout.write(f"Trimestre {code} déjà publié : rien à faire.")
            return
        try:
            p = publication.publier(code, None, options["motif"] or "", vide=options["vide"])
        except ValidationError as exc:
            if options["si_absent"] and getattr(exc, "code", None) == publication.SANS_ACTIVITE:
                # make demo, in the last month of a quarter: its demonstration days are all in the current one
                self.stdout.write(f"Trimestre {code} sans activité : rien n'est publié (--si-absent).")
                return
            raise CommandError(" ".join(exc.messages), returncode=2) from None
        self.stdout.write(
            f"Trimestre {p.trimestre} publié : version {p.version}, {p.lignes} départements, "
            f"SHA-256 {p.empreinte}."
        )
