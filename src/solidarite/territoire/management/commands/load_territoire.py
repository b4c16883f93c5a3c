"""`python -m solidarite load_territoire`: loads régions, départements, EPCI and communes."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from solidarite.territoire.loading import SyncReport, load_territoire
from solidarite.territoire.sources import COG_FILES, DataError
from solidarite.web.commandes import CONTROLES_SANS_URLS
from solidarite.web.entrees import count_argument

STEPS = 9  # reading + 7 tables + deletions


class Command(BaseCommand):
    requires_system_checks = CONTROLES_SANS_URLS  # no page served: web/commandes.py
    help = (
        "Charge le territoire (régions, départements, EPCI, communes, codes postaux) depuis les fichiers "
        "de données ; idempotent, en une seule transaction."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--data-dir", type=Path, default=None, help="Dossier des fichiers (défaut : SOLIDARITE_DATA_DIR)."
        )
        parser.add_argument(
            "--cog",
            type=count_argument,
            choices=sorted(COG_FILES),
            default=2025,
            help="Millésime du COG (défaut : 2025).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Affiche ce qui changerait, sans rien écrire."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        data_dir = options["data_dir"] or settings.SOLIDARITE_DATA_DIR
        started = time.perf_counter()
        bar = tqdm(
            total=STEPS, desc="Chargement du territoire", unit="étape", disable=options["verbosity"] == 0
        )
        last = ""

        def progress(label: str) -> None:
            nonlocal last
            if last:
                bar.update(1)
            last = label
            bar.set_postfix_str(label)

        try:
            report = load_territoire(
                Path(data_dir), cog=options["cog"], dry_run=options["dry_run"], progress=progress
            )
        except DataError as exc:
            bar.close()
            raise CommandError(f"{exc}\nLa base n'a pas été modifiée.", returncode=2) from exc
        bar.update(bar.total - bar.n)
        bar.close()
        self._print_report(report, time.perf_counter() - started)

    def _print_report(self, report: SyncReport, seconds: float) -> None:
        write = self.stdout.write
        mode = " (simulation : rien n'a été écrit)" if report.dry_run else ""
        write(f"Territoire COG {report.cog} — {seconds:.1f} s{mode}")
        write(f"{'table':<34}{'créées':>9}{'modifiées':>11}{'supprimées':>12}{'inchangées':>12}")
        for label, change in report.tables.items():
            write(
                f"{label:<34}{change.created:>9}{change.updated:>11}{change.deleted:>12}{change.unchanged:>12}"
            )
        counts = report.file_counts
        write(
            "Dans les fichiers : {regions} régions, {departements} départements, {epci} EPCI, {communes} communes, "
            "{arrondissements_municipaux} arrondissements municipaux, {communes_deleguees_associees} communes "
            "déléguées ou associées, {codes_postaux} couples code postal–commune.".format(**counts)
        )
        if report.imputees:
            write(
                f"{len(report.imputees)} commune(s) sans contour, coordonnées reprises de la commune dont elles "
                f"sont issues (scission 2025) : {', '.join(report.imputees)}."
            )
        if report.sans_coordonnees:
            write(
                self.style.WARNING(
                    f"{len(report.sans_coordonnees)} commune(s) sans coordonnées (collectivités d'outre-mer hors "
                    f"du fichier des centroïdes), exclues des temps de trajet : "
                    f"{', '.join(report.sans_coordonnees[:12])}{' …' if len(report.sans_coordonnees) > 12 else ''}"
                )
            )
        if not report.changed:
            write(self.style.SUCCESS("La base était déjà à jour : rien n'a changé."))
        elif not report.dry_run:
            write(self.style.SUCCESS("Territoire chargé."))
