"""`python -m solidarite zonage --out DIR`: computes the zones from the data files and writes them."""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.loader import render_to_string
from tqdm import tqdm

from solidarite.systeme import raison
from solidarite.territoire.providers import provider_from_settings
from solidarite.territoire.sources import DataError, read_departements, read_regions
from solidarite.territoire.travel import TravelError
from solidarite.web.commandes import CONTROLES_SANS_URLS
from solidarite.web.entrees import count_argument
from solidarite.zonage import exports
from solidarite.zonage.ajouts import ajouts_modeles
from solidarite.zonage.calcul import ZonageResult, compute_zonage
from solidarite.zonage.commande_calibrage import POIDS_ALEATOIRES_DEFAUT
from solidarite.zonage.composite import prepare_ranking
from solidarite.zonage.ecriture import verifier_chemin
from solidarite.zonage.faits import Faits, FaitsError
from solidarite.zonage.score import ParamError
from solidarite.zonage.sources import load_faits, load_params

FICHIERS = ("zones.csv", "zones.geojson", "carte.png", "rapport.html", "fidelite.html")
STEPS = [
    "territoire",
    "APL (DREES)",
    "bassins de vie (ALD, niveau de vie)",
    "critères (APL, ALD, urgences, niveau de vie)",
    "score et sélection",
    "zones.csv",
    "zones.geojson",
    "carte.png",
    "rapport.html",
    "fidelite.html",
]


def chemin(text: str) -> Path:
    """A path given on the command line; an empty one (« --out '' ») was the current folder."""
    if not text.strip():
        raise argparse.ArgumentTypeError("chemin vide")
    return Path(text)


def faits_du_dossier(data_dir: Path) -> tuple[Faits | None, dict[str, str], str, dict[str, str]]:
    """The project's published facts (`faits_2025.toml`), checked against the data folder's regions and
    départements, with the regions' names and the départements'. Where they do not fit (a folder of a few
    regions): None, and the third value says why; the zonage is computed and written all the same."""
    regions = read_regions(data_dir)
    departements = read_departements(data_dir, {r.code for r in regions})
    noms = {r.code: r.nom for r in regions}
    noms_departements = {d.code: d.nom for d in departements}
    try:
        faits = load_faits(noms, None, {d.code: d.region for d in departements})
    except FaitsError as exc:
        raison = f"Faits publiés : ils ne s'appliquent pas à ces données ({str(exc).rstrip('.')})."
        return None, noms, raison, noms_departements
    return faits, noms, "", noms_departements


def ajouts_du_zonage(result: ZonageResult, faits: Faits) -> dict[str, str]:
    """The ARS additions modelled on this zonage (`ajouts.py`): SIREN → motif. Proposals written beside the
    computed list, never part of it (`selectionnee` stays 0)."""
    return {
        a.siren: a.motif
        for a in ajouts_modeles(
            result.scores,
            {s: e.departements for s, e in result.epcis.items()},
            faits,
            vote=bool(result.params.membres),
        )
    }


def _territoire_en_base() -> None:
    """--save needs the territory in the database (its EPCI): said before the computation, not after the files."""
    from django.db import DatabaseError

    from solidarite.territoire.models import Epci

    try:
        loaded = Epci.objects.exists()
    except DatabaseError:  # no database, or not migrated
        loaded = False
    if not loaded:
        raise CommandError(
            "--save : la base ne contient pas le territoire ; lancez d'abord "
            "`python -m solidarite migrate` puis `python -m solidarite load_territoire` (ou `make territoire`).\n"
            "Aucun fichier n'a été écrit.",
            returncode=2,
        )


OPTIONS_CALIBRER = ("faits", "ecrire", "poids_aleatoires", "liste")
OPTIONS_SANS_CALIBRER = ("n", "population", "save", "activate")


def _refuser_sortie(out: Path) -> None:
    """--out a file, or one of the files' names taken by a folder: refused, before the computation (seconds) and again
    just before writing."""
    if out.exists() and not out.is_dir():
        raise CommandError(
            f"--out : {out} existe et n'est pas un dossier.\nAucun fichier n'a été écrit.", returncode=2
        )
    for name in FICHIERS:
        if (out / name).is_dir():
            raise CommandError(
                f"--out : {out / name} est un dossier ; {name} ne peut pas y être écrit.\n"
                "Aucun fichier n'a été écrit.",
                returncode=2,
            )


class Command(BaseCommand):
    requires_system_checks = CONTROLES_SANS_URLS  # no page served: web/commandes.py
    help = (
        "Calcule les zones prioritaires (APL, ALD, urgences, niveau de vie) à partir des fichiers de données et "
        "écrit zones.csv, zones.geojson, carte.png et rapport.html ; --save enregistre la campagne."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "action",
            nargs="?",
            choices=["calibrer"],
            help="calibrer : cherche les choix de méthode sur les faits publiés (ADR 0016).",
        )
        parser.add_argument(
            "--out",
            type=chemin,
            default=None,
            help="Dossier où écrire les résultats (créé si besoin ; calibrer : var/zonage par défaut).",
        )
        parser.add_argument(
            "--faits",
            type=chemin,
            default=None,
            help="calibrer : fichier des faits publiés (faits_2025.toml).",
        )
        parser.add_argument(
            "--ecrire",
            type=chemin,
            default=None,
            help="calibrer : où écrire le jeu de paramètres gagnant (défaut : zonage_2025_calibre.toml).",
        )
        parser.add_argument(
            "--poids-aleatoires",
            type=count_argument,
            default=None,
            help=f"calibrer : nombre de jeux de poids tirés au hasard (graine fixe) en plus des jeux choisis "
            f"(défaut : {POIDS_ALEATOIRES_DEFAUT}).",
        )
        parser.add_argument(
            "--liste",
            type=chemin,
            default=None,
            help="calibrer : liste officielle (CSV ou .xlsx, SIREN ou noms d'EPCI) pour mesurer rappel et précision.",
        )
        parser.add_argument(
            "--n",
            type=count_argument,
            default=None,
            help="Nombre d'EPCI à retenir (défaut : le nombre de zones rouges en vigueur à la date de la campagne).",
        )
        parser.add_argument(
            "--population",
            type=count_argument,
            default=None,
            help="Retenir les premiers EPCI jusqu'à ce nombre d'habitants.",
        )
        parser.add_argument(
            "--params",
            type=chemin,
            default=None,
            help="Fichier de paramètres TOML (défaut : zonage_2025_calibre.toml, le jeu calibré de la campagne 2025).",
        )
        parser.add_argument(
            "--data-dir",
            type=chemin,
            default=None,
            help="Dossier des fichiers (défaut : SOLIDARITE_DATA_DIR).",
        )
        parser.add_argument("--save", action="store_true", help="Enregistre aussi la campagne dans la base.")
        parser.add_argument(
            "--activate", action="store_true", help="Avec --save : en fait la liste des zones actives."
        )

    @staticmethod
    def _ecrire(
        out: Path,
        result: Any,
        contours: dict[str, Any],
        ajouts: dict[str, str],
        fidelite: dict[str, Any],
        progress: Any,
    ) -> None:
        """The five files are written in a temporary folder inside `out`, then put in place together: a
        failure (a file name taken by a folder, a full disk) leaves the previous files as they were."""
        _refuser_sortie(out)  # again: the folder may have changed during the computation
        created = not out.exists()
        try:
            out.mkdir(parents=True, exist_ok=True)
            temporary = Path(tempfile.mkdtemp(prefix=".ecriture-", dir=out))
        except OSError as exc:
            raise CommandError(
                f"Impossible de créer le dossier {out} : {raison(exc)}.\nAucun fichier n'a été écrit.",
                returncode=2,
            ) from exc
        try:
            progress("zones.csv")
            exports.write_csv(result, temporary / "zones.csv", ajouts)
            progress("zones.geojson")
            exports.write_geojson(result, contours, temporary / "zones.geojson", ajouts)
            progress("carte.png")
            exports.write_map(result, contours, temporary / "carte.png", ajouts)
            progress("rapport.html")
            (temporary / "rapport.html").write_text(
                render_to_string("zonage/rapport.html", exports.report_context(result, ajouts)),
                encoding="utf-8",
            )
            progress("fidelite.html")
            (temporary / "fidelite.html").write_text(
                render_to_string("zonage/fidelite_zonage.html", fidelite), encoding="utf-8"
            )
            for name in FICHIERS:
                os.replace(temporary / name, out / name)
        except OSError as exc:
            raise CommandError(f"Écriture impossible dans {out} : {raison(exc)}.") from exc
        finally:
            shutil.rmtree(temporary, ignore_errors=True)
            if created and out.is_dir() and not any(out.iterdir()):
                out.rmdir()

    def handle(self, *args: Any, **options: Any) -> None:
        # An option of the other action was ignored in silence (`calibrer --save` saved nothing, `--liste`
        # without `calibrer` measured nothing): refused, naming it.
        autre = OPTIONS_SANS_CALIBRER if options["action"] == "calibrer" else OPTIONS_CALIBRER
        if given := [
            f"--{o.replace('_', '-')}" for o in autre if options[o] is not None and options[o] is not False
        ]:
            verbe = "ne s'utilisent" if len(given) > 1 else "ne s'utilise"
            raise CommandError(
                f"{', '.join(given)} : {verbe} "
                + (
                    "pas avec calibrer (qui écrit un jeu de paramètres, sans zonage enregistré)."
                    if options["action"] == "calibrer"
                    else "qu'avec l'action calibrer (python -m solidarite zonage calibrer …)."
                ),
                returncode=2,
            )
        if options["action"] == "calibrer":
            from solidarite.zonage.commande_calibrage import calibrer

            calibrer(self, options)
            return
        if options["out"] is None:
            raise CommandError("--out est obligatoire (dossier où écrire les résultats).", returncode=2)
        started = time.perf_counter()
        try:
            params = load_params(options["params"])
        except ParamError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if options["n"] is not None:
            if options["n"] <= 0:
                raise CommandError(
                    f"--n doit être un entier strictement positif (reçu : {options['n']}).", returncode=2
                )
            params = dataclasses.replace(params, regle="nombre", nombre=options["n"])
        if options["population"] is not None:
            if options["population"] <= 0:
                raise CommandError("--population doit être un entier strictement positif.", returncode=2)
            params = dataclasses.replace(params, regle="population", population=options["population"])
        if options["activate"] and not options["save"]:
            raise CommandError("--activate ne s'utilise qu'avec --save.", returncode=2)
        if options["n"] is not None and options["population"] is not None:
            raise CommandError(
                "--n et --population sont deux règles de sélection : donnez l'une ou l'autre.", returncode=2
            )
        data_dir = Path(options["data_dir"] or settings.SOLIDARITE_DATA_DIR)
        out: Path = options["out"]
        verifier_chemin(out, True, "--out")  # before the computation: a name too long, under a file
        _refuser_sortie(out)
        if options["save"]:
            _territoire_en_base()

        bar = tqdm(total=len(STEPS), desc="Zonage", unit="étape", disable=options["verbosity"] == 0)

        def progress(label: str) -> None:
            if bar.n < len(STEPS) and label != STEPS[0]:
                bar.update(1)
            bar.set_postfix_str(label)

        chargement = time.perf_counter()
        prepare_ranking()
        chargement = time.perf_counter() - chargement
        try:
            result = compute_zonage(data_dir, params, provider_from_settings(), progress)
            contours = exports.read_contours(data_dir)
            faits, noms, sans_faits, noms_departements = faits_du_dossier(data_dir)
            ajouts = ajouts_du_zonage(result, faits) if faits is not None else {}
            fidelite = exports.fidelity_context(
                result, faits, noms, contours, ajouts, data_dir, sans_faits, noms_departements
            )
        except ParamError as exc:  # an impossible target (--n over the EPCI count, quotas over a region's)
            bar.close()
            raise CommandError(f"{exc}\nAucun fichier n'a été écrit.", returncode=2) from exc
        except (DataError, TravelError, OSError) as exc:  # the data folder (--data-dir): bad input too
            bar.close()
            raise CommandError(f"{exc}\nAucun fichier n'a été écrit.", returncode=2) from exc
        if options["save"]:
            from solidarite.zonage.services import epci_absents

            if absents := epci_absents(result):
                bar.close()
                raise CommandError(
                    f"--save : {len(absents)} EPCI du calcul sont absents de la base (ex. {absents[0]}) : "
                    "lancez d'abord load_territoire.\nAucun fichier n'a été écrit.",
                    returncode=2,
                )
        try:
            self._ecrire(out, result, contours, ajouts, fidelite, progress)
            bar.update(bar.total - bar.n)
        finally:
            bar.close()
        summary = result.summary()
        write = self.stdout.write
        write(
            f"{summary['epci']} EPCI classés ; {summary['zones']} retenus, {summary['population']} habitants "
            f"({summary['part_population_france'] * 100:.1f} % de la population), dont {summary['outre_mer']} en outre-mer."
        )
        if sans_faits:
            write(f"{sans_faits} Ni ajout des ARS modélisé, ni comparaison aux faits publiés.")
        if ajouts:
            habitants = summary["population"] + sum(result.epcis[s].population for s in ajouts)
            write(
                f"Ajouts des ARS modélisés (des propositions, jamais enregistrées : colonne ajout_ars_modelise) : "
                f"{len(ajouts)} ; liste finale modélisée : {summary['zones'] + len(ajouts)} zones, "
                f"{habitants} habitants."
            )
        write(
            f"Chargement du moteur : {chargement:.1f} s ; lecture des données : {result.lecture_seconds:.1f} s ; "
            f"calcul national : {result.seconds:.2f} s ; total : {time.perf_counter() - started:.1f} s."
        )
        write(f"Fichiers écrits dans {out} : {', '.join(FICHIERS)}")
        if options["save"]:
            from solidarite.zonage.services import save_campaign

            campagne, created = save_campaign(result, activate=options["activate"])
            state = (
                " ; ses zones sont les zones actives (« proposition calculée »)"
                if options["activate"]
                else ""
            )
            if created:
                write(
                    self.style.SUCCESS(f"Campagne v{campagne.version} « {campagne.nom} » enregistrée{state}.")
                )
            else:
                write(
                    f"Résultat identique à la campagne v{campagne.version} : rien de nouveau enregistré{state}."
                )
