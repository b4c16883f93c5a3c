"""`python -m solidarite plan --instance IN.json --out OUT.json`: the optimiser, on a JSON instance."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from solidarite.planning.commandes import CommandeError, ecrire_json, verifier_duree, verifier_fichier
from solidarite.planning.echelle import INSTANCE_AIDE, EchelleError, lire_instance
from solidarite.planning.optimizer import (
    check,
    first_come_first_served,
    solve,
    solve_flow,
)
from solidarite.planning.optimizer.flow import TRAVEL_TIME_LIMIT_S
from solidarite.web.commandes import CONTROLES_SANS_URLS
from solidarite.web.entrees import nombre_argument


class Command(BaseCommand):
    requires_system_checks = CONTROLES_SANS_URLS  # no page served: web/commandes.py
    help = (
        "Affecte les médecins volontaires aux besoins des lieux (optimum prouvé) à partir d'une instance JSON ; "
        "sans base de données."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--instance",
            type=Path,
            required=True,
            help=INSTANCE_AIDE,
        )
        parser.add_argument("--out", type=Path, required=True, help="Fichier JSON du résultat.")
        parser.add_argument(
            "--time-limit",
            type=nombre_argument,
            default=60.0,
            help="Temps maximal de CP-SAT (séries), en secondes.",
        )
        parser.add_argument(
            "--trajet-s",
            type=nombre_argument,
            default=TRAVEL_TIME_LIMIT_S,
            help="Temps accordé au départage par le trajet, une fois priorité et continuité prouvées "
            f"(secondes, {TRAVEL_TIME_LIMIT_S:g} par défaut ; 0 : pas de départage ; le plan dit s'il est prouvé). "
            "Le premier tour, qui fait l'essentiel du gain (un cinquième de kilomètres en moins sur une instance "
            "nationale), va toujours à son terme ; les suivants seulement dans ce temps.",
        )
        parser.add_argument(
            "--compare",
            action="store_true",
            help="Affiche aussi la référence « premier arrivé, premier servi ».",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["instance"]
        try:  # the options first, the output path too: nothing is solved for a result that could not be kept
            verifier_duree(options["time_limit"], "--time-limit")
            verifier_duree(options["trajet_s"], "--trajet-s", zero=True)
            verifier_fichier(options["out"], "--out", lu=path)
        except CommandeError as exc:
            raise CommandError(str(exc), returncode=2) from None
        try:
            instance = lire_instance(path, avertir=self.stderr.write)
        except EchelleError as exc:
            raise CommandError(str(exc), returncode=2) from None
        try:
            if any(v.block_days > 1 for v in instance.volunteers):
                solution = solve(instance, options["time_limit"])
            else:
                solution = solve_flow(instance, travel_time_limit_s=options["trajet_s"])
        except OverflowError as exc:  # the exact integer costs do not fit: the optimiser says why, in French
            raise CommandError(f"{path.name} : {exc}", returncode=2) from None
        problems = check(instance, solution.assignments)
        if problems:  # never expected: a violated constraint is a bug, and it must not go unnoticed
            raise CommandError("Contrainte violée (anomalie) : " + " ; ".join(problems[:5]))
        try:
            ecrire_json(options["out"], solution.as_dict(), "--out")
        except CommandeError as exc:
            raise CommandError(str(exc), returncode=2) from None
        self.stdout.write(
            f"{solution.method} : {solution.filled_places} places pourvues, priorité {solution.priority_total:.2f} "
            f"(borne {solution.bound:.2f}{', optimum prouvé' if solution.optimal else ''}), continuité {solution.continuity}, "
            f"{solution.travel_km:.1f} km (trajet {'prouvé' if solution.as_dict()['travel_proven'] else 'non prouvé'}), "
            f"{solution.solve_seconds:.2f} s."
        )
        for reason in solution.details.get("series_impossibles", []):
            self.stdout.write(f"série impossible — {reason}")
        if options["compare"]:
            baseline = first_come_first_served(instance)
            gain = (  # a reference of priority 0 has no ratio (« +inf % » was printed, 6 December)
                f"{(solution.priority_total / baseline.priority_total - 1) * 100:+.1f} %"
                if baseline.priority_total
                else "sans objet (priorité de la référence nulle)"
            )
            self.stdout.write(
                f"premier arrivé, premier servi : {baseline.filled_places} places, priorité {baseline.priority_total:.2f}, "
                f"{baseline.travel_km:.1f} km ; gain de l'optimisation : {gain}."
            )
