"""`python -m solidarite simuler`: the impact simulator on the command line (issue 24, point 3)."""

from __future__ import annotations

import json
import re
import sys
import time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from solidarite.pilotage import simulateur as core
from solidarite.pilotage import simulation_services as services
from solidarite.web.commandes import CONTROLES_SANS_URLS
from solidarite.web.entrees import COUNT_EXPECTED

BAR_WIDTH = 30
# An integer, a minus sign allowed: a negative --plafond is said out of range, not « not a number ».
_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)")


class Command(BaseCommand):
    requires_system_checks = CONTROLES_SANS_URLS  # no page served: web/commandes.py
    help = (
        "Simule l'impact de N médecins volontaires (profil d'aujourd'hui) : journées couvertes, part de la cible, "
        "consultations, coût, et volontaires nécessaires pour une couverture visée."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--volontaires", required=True, help="Nombre de médecins volontaires simulés.")
        parser.add_argument("--seeds", default="5", help="Nombre de tirages (incertitude ; défaut : 5).")
        parser.add_argument(
            "--mois", default="12", help="Mois échantillonnés par année simulée (1 à 12 ; défaut : 12)."
        )
        parser.add_argument(
            "--couverture",
            default="1",
            help="Couverture visée, part des 151 × 250 journées de la cible : "
            + services.COUVERTURE_REGLE.replace("%", "%%")
            + " ; « 1,5 » est refusé (1,5 %% ou 150 %% ?). Défaut : 1 (100 %%).",
        )
        parser.add_argument(
            "--plafond",
            default=None,  # None: not given, the default raised to --volontaires when it is more
            help="Plafond de la recherche inverse : le plus grand nombre de volontaires qu'elle essaie, entre "
            f"--volontaires et {_n(core.MAX_VOLONTAIRES)} (défaut : {_n(core.DEFAULT_PLAFOND_INVERSE)}, ou "
            "--volontaires s'il est plus grand).",
        )
        parser.add_argument(
            "--json", action="store_true", help="Résultat complet en JSON sur la sortie standard."
        )
        parser.add_argument("--sans-apl", action="store_true", help="Sans l'effet sur l'APL (plus rapide).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            parametres = services.parse_parametres(options)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages), returncode=2) from None
        if options["plafond"] is None:
            plafond = max(core.DEFAULT_PLAFOND_INVERSE, parametres.volontaires)
        else:
            plafond = _plafond(str(options["plafond"]), parametres.volontaires)
        try:
            parametres = core.valider(
                core.Parametres(
                    parametres.volontaires, parametres.seeds, parametres.mois, parametres.couverture, plafond
                )
            )
        except core.SimulationError as exc:
            raise CommandError(str(exc), returncode=2) from None
        start = time.perf_counter()

        def progres(done: int, total: int, label: str) -> None:
            filled = int(BAR_WIDTH * done / max(total, 1))
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            sys.stderr.write(
                f"\r[{bar}] {done}/{total} {label[:50]:<50} {time.perf_counter() - start:6.1f} s"
            )
            sys.stderr.flush()

        try:
            result = services.executer(parametres, progres=progres, avec_apl=not options["sans_apl"])
        except core.SimulationError as exc:
            sys.stderr.write("\n")
            raise CommandError(str(exc), returncode=2) from None
        sys.stderr.write("\n")
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(tableau(result))


def _n(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ")


def _plafond(text: str, volontaires: int) -> int:
    """The --plafond given, between the number of volunteers and MAX_VOLONTAIRES; else a CommandError (exit 2)
    saying what the option is, the range with its numbers, and what was received. A ceiling below the number of
    volunteers was silently raised to it; 0 and a negative number were said « not a whole number »."""
    what = (
        "--plafond, le plafond de la recherche inverse (le plus grand nombre de volontaires qu'elle essaie),"
    )
    bounds = (
        f"entre {_n(volontaires)} (le nombre de volontaires, --volontaires) et {_n(core.MAX_VOLONTAIRES)}"
    )
    received = text if len(text) <= 40 else f"{text[:30]}… ({len(text)} caractères)"
    # In its one form, as the other figures: int() took « ٥ », « 1_0 », « +5 ».
    if not _INTEGER.fullmatch(text):
        raise CommandError(
            f"{what} doit être {COUNT_EXPECTED}, {bounds} : reçu « {received} ».", returncode=2
        )
    if len(text) > 12 or not volontaires <= int(text) <= core.MAX_VOLONTAIRES:  # no int() of 5,000 digits
        raise CommandError(f"{what} doit être compris {bounds} : reçu {received}.", returncode=2)
    return int(text)


def _i(d: dict[str, float] | None, fmt: Any = _n) -> str:
    if d is None:
        return "non atteint"
    return f"{fmt(d['mediane'])}  [{fmt(d['minimum'])} – {fmt(d['maximum'])}]"


def tableau(r: dict[str, Any]) -> str:
    p = r["parametres"]
    pct = lambda v: f"{100 * v:.1f} %"  # noqa: E731
    lines = [
        f"Simulation : {_n(p['volontaires'])} volontaires, {p['seeds']} tirages, {p['mois']} mois échantillonnés, "
        f"année {r['annee']}",
        "médiane  [min – max] sur les tirages",
        f"  Journées-lieux couvertes par an : {_i(r['jours_couverts'])}  (cible {_n(r['cible_jours'])})",
        f"  Part de la cible                : {_i(r['part_cible'], pct)}",
        f"  Part des journées des {r['lieux_simules']} lieux simulés : {_i(r['part_lieux'], pct)}",
        f"  Consultations par an            : {_i(r['consultations'])}",
        f"  Coût des indemnités par an (€)  : {_i(r['cout'])}",
        f"  Volontaires pour {pct(p['couverture'])} des journées des lieux simulés : {_i(r['necessaires_intervalle'])}"
        + (f"  (plafond {_n(p['plafond'])} atteint pour certains tirages)" if r["plafond_atteint"] else ""),
        f"  … ramené aux {r['zones_cible']} zones de la cible : {_i(r['necessaires_cible'])}",
        f"  Une année simulée               : {r['annee_secondes']} s (pire tirage)",
        "Courbe (volontaires → part des journées des lieux simulés, médiane [min – max]) :",
    ]
    for c in r["courbe"]:
        lines.append(
            f"  {_n(c['volontaires']):>8} → {pct(c['mediane'])} [{pct(c['minimum'])} – {pct(c['maximum'])}]"
        )
    lines.append("Hypothèses :")
    h = r["hypotheses"]
    for key in ("profil", "lieux", "cible", "taux_remplissage_source", "apl"):
        if h.get(key):
            lines.append(f"  - {h[key]}")
    lines.append(
        f"  - {h['creneaux_par_jour']} créneaux par jour × remplissage {h['taux_remplissage']} ; "
        f"indemnité {h['indemnite_jour']:.0f} € par jour ; {h['dates_par_jour']} dates proposées par jour de mission"
    )
    lines.extend(f"  ! {n}" for n in r["notes"])
    return "\n".join(lines)
