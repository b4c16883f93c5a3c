"""`python -m solidarite planning_echelle --instance IN.json`: the plan of a national instance, one background
task per ARS region (run by the `worker` processes, on one machine or several), then the boundary pass.

Interrupted by Ctrl+C or by SIGTERM (`kill`, a service or a container stopped) while it queues the regions' tasks,
waits for them or runs the boundary pass, it withdraws from the queue the tasks no worker took, says so in French,
writes no result, and exits with the code a shell gives a process ended by that signal: 130 for Ctrl+C, 143
(128 + 15) for SIGTERM."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from solidarite.planning import echelle
from solidarite.planning.commandes import CommandeError, ecrire_json, verifier_duree, verifier_fichier
from solidarite.systeme import raison
from solidarite.web.commandes import CONTROLES_SANS_URLS
from solidarite.web.entrees import nombre_argument


class Command(BaseCommand):
    requires_system_checks = CONTROLES_SANS_URLS  # no page served: web/commandes.py
    help = (
        "Planifie une instance nationale région par région : une tâche de fond par région ARS (exécutée par les "
        "workers `python -m solidarite worker`, un ou plusieurs), puis la passe frontalière et la vérification "
        "du planning entier."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--instance",
            type=Path,
            required=True,
            help=echelle.INSTANCE_AIDE,
        )
        parser.add_argument(
            "--dossier",
            type=Path,
            help="Dossier de travail partagé avec les workers (fichiers des régions et de leurs affectations) ; "
            "un dossier temporaire par défaut (un seul poste).",
        )
        parser.add_argument("--out", type=Path, help="Fichier JSON du résultat (planning et chiffres).")
        parser.add_argument(
            "--attente",
            type=nombre_argument,
            default=1800.0,
            help="Secondes d'attente maximale des régions (1800 par défaut) ; au-delà, les tâches non prises "
            "sont retirées de la file.",
        )
        parser.add_argument(
            "--region",
            help="Ne résoudre que cette région (code ARS), dans ce processus, sans worker (passe 1 seule).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:  # before anything is queued: a wait that never ends (nan) would leave the tasks in the queue
            verifier_duree(options["attente"], "--attente")
            if options["out"] is not None:
                verifier_fichier(options["out"], "--out", lu=options["instance"])
            if (
                options["dossier"] is not None
                and options["dossier"].exists()
                and not options["dossier"].is_dir()
            ):
                raise CommandeError(f"--dossier : {options['dossier']} existe et n'est pas un dossier.")
        except CommandeError as exc:
            raise CommandError(str(exc), returncode=2) from None
        if options["region"] is not None:
            if options["dossier"] is None:
                raise CommandError("--region demande --dossier (où écrire les affectations).", returncode=2)
            self._une_region(options["instance"], options["region"], options["dossier"])
            return
        try:
            instance = echelle.lire_instance(options["instance"], avertir=self.stderr.write)
        except echelle.EchelleError as exc:
            raise CommandError(str(exc), returncode=2) from None
        if options["dossier"] is not None:
            try:  # the work folder, a bad path: « /proc/x » was refused after the split, with exit code 1
                (options["dossier"] / "regions").mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise CommandError(
                    f"--dossier : impossible d'y écrire les fichiers des régions ({raison(exc)}).",
                    returncode=2,
                ) from None
        with tempfile.TemporaryDirectory(prefix="planning-echelle-") as temporaire:
            dossier = options["dossier"] or Path(temporaire)
            try:
                resultat = echelle.planifier_par_region(
                    instance, dossier, attente_s=options["attente"], rapport=self.stdout.write
                )
            except echelle.Interruption as exc:  # Ctrl+C: 130, SIGTERM: 143, as a shell gives them
                raise CommandError(str(exc), returncode=exc.exit_code) from None
            except echelle.EchelleError as exc:
                raise CommandError(str(exc)) from None
            except (
                OverflowError
            ) as exc:  # the exact integer costs do not fit: the optimiser says why, in French
                raise CommandError(f"{options['instance'].name} : {exc}", returncode=2) from None
        if resultat.violations:  # never expected: a violated constraint is a bug, not to go unnoticed
            raise CommandError("Contrainte violée (anomalie) : " + " ; ".join(resultat.violations[:5]))
        resume = resultat.resume()
        if options["out"]:
            try:
                ecrire_json(options["out"], {**resume, "planning": resultat.solution.as_dict()}, "--out")
            except CommandeError as exc:
                raise CommandError(str(exc), returncode=2) from None
        sans = len(resultat.sans_passe_1)
        self.stdout.write(
            f"{len(resultat.regions)} régions par {len(resume['workers'])} worker(s)"
            + (f" (et {sans} sans calcul régional, voir plus haut)" if sans else "")
            + " ; "
            f"passe 1 : {resultat.premiere_passe} places, passe frontalière : {resultat.seconde_passe} places "
            f"({resultat.seconde_passe_s:.1f} s) ; rattrapage : {resultat.rattrapage_volontaires} volontaire(s) "
            f"rattrapé(s) ({resultat.rattrapage_s:.1f} s), priorité {resultat.priorite_passes_1_2:.2f} → "
            f"{resultat.solution.priority_total:.2f}, "
            f"{resultat.solution.filled_places} places, continuité {resultat.solution.continuity}, "
            f"0 contrainte violée ; {resultat.total_s:.1f} s en tout."
        )

    def _une_region(self, chemin: Path, region: str, dossier: Path) -> None:
        try:
            resume = echelle.resoudre_region(str(chemin), region, str(dossier))
        except echelle.EchelleError as exc:
            raise CommandError(str(exc), returncode=2) from None
        self.stdout.write(
            f"région {region} : {resume['volontaires']} volontaires, {resume['lieux']} lieux, "
            f"{resume['places']} places, priorité {resume['priorite']:.2f}, {resume['arcs']} arcs, "
            f"{resume['secondes']:.1f} s ; affectations dans {dossier}."
        )
