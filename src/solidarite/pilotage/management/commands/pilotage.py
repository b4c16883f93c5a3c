"""Pilotage: publish a closed quarter's indicators per département as open data (docs/decisions/0018).

    python -m solidarite pilotage publier --trimestre 2026T3
    python -m solidarite pilotage publier --trimestre 2026T3 --motif "Relevés de septembre corrigés"

A published quarter is never rewritten: publishing it again needs a reason and makes a new version. A quarter
not yet closed, a malformed quarter, or nothing changed: a French message and exit code 2, nothing written.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from solidarite.pilotage.opendata import publication


class Command(BaseCommand):
    help = "Publie les indicateurs trimestriels par département (données ouvertes), jamais réécrits."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="actions")
        publier = sub.add_parser(
            "publier", help="Publier un trimestre clos (ou une correction, avec --motif)."
        )
        publier.add_argument("--trimestre", required=True, help="Trimestre clos, par exemple 2026T3.")
        publier.add_argument(
            "--motif",
            default="",
            help="Motif d'une correction (nouvelle version d'un trimestre déjà publié).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            p = publication.publier(options["trimestre"], None, options["motif"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages), returncode=2) from None
        self.stdout.write(
            f"Trimestre {p.trimestre} publié : version {p.version}, {p.lignes} départements, "
            f"SHA-256 {p.empreinte}."
        )
