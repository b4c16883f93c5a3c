"""Benchmark: the impact simulator (issue 24, point 3; docs/decisions/0019) with today's volunteers' profile.

Reads the configured database (by default var/solidarite.sqlite3 after `make annuaire`: the demonstration
volunteers, lieux and missions when fewer than 30 real volunteers exist) and the real data files (APL).

Prints, with the assumptions beside them: the answers for 300 and for 3,000 volunteers (site-days covered per
year, share of 151 × 250, consultations, cost; min / median / max over the seeds), the volunteers needed for
100 % (or --couverture) of the lieux' working days and scaled to 151 zones, and one simulated year's wall time
(12 months solved by the real optimiser, the worst seed). Baseline: the scheme's reality in February 2026
(a little over 300 volunteers, 6,500 consultations since October: ≈ 17,300 a year at that pace).

Run: `.venv/bin/python bench/pilotage_simulation.py [--seeds 5] [--mois 12]`. Last line:
`volontaires_300_part=<share> volontaires_3000_part=<share> necessaires_100=<median> necessaires_min=<n>
necessaires_max=<n> annee_300_s=<t> annee_3000_s=<t> consultations_300=<n> ratio_fevrier_2026=<x>`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

BASELINE_CONSULTATIONS_AN = (
    6_500 * 12 / 4.5
)  # Feb 2026: 6,500 consultations since October 2025 (≈ 4.5 months)


def _fmt(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ")


def _line(label: str, i: dict[str, float], fmt=_fmt) -> str:  # type: ignore[no-untyped-def]
    return f"  {label:<40} {fmt(i['mediane']):>12}  [{fmt(i['minimum'])} – {fmt(i['maximum'])}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--mois", type=int, default=12)
    parser.add_argument("--couverture", type=float, default=1.0)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "solidarite.config.settings")
    import django

    django.setup()
    from solidarite.pilotage import simulateur as core
    from solidarite.pilotage import simulation_services as services

    pct = lambda v: f"{100 * v:.1f} %"  # noqa: E731
    results = {}
    for n in (300, 3000):
        started = time.perf_counter()
        p = core.Parametres(n, args.seeds, args.mois, args.couverture)

        def progres(done: int, total: int, label: str, n: int = n) -> None:
            sys.stderr.write(f"\r{n} volontaires : {done}/{total} {label[:40]:<40}")
            sys.stderr.flush()

        results[n] = services.executer(p, progres=progres, avec_apl=(n == 300))
        sys.stderr.write(f"  {time.perf_counter() - started:.0f} s\n")
    r300, r3000 = results[300], results[3000]
    h = r300["hypotheses"]
    print(
        f"Simulateur d'impact — année {r300['annee']}, {args.seeds} tirages, {args.mois} mois échantillonnés"
    )
    print("Hypothèses :")
    for key in ("profil", "lieux", "cible", "taux_remplissage_source", "apl"):
        print(f"  - {h[key]}")
    print(
        f"  - {h['creneaux_par_jour']} créneaux par jour × remplissage {h['taux_remplissage']} ; "
        f"{h['indemnite_jour']:.0f} € par jour ; dates proposées : de jours_max à {h['dates_par_jour']} × jours_max"
    )
    for n, r in results.items():
        print(f"{n} volontaires (médiane [min – max]) :")
        print(_line("journées-lieux couvertes par an", r["jours_couverts"]))
        print(_line("part de 151 × 250", r["part_cible"], pct))
        print(_line(f"part des journées des {r['lieux_simules']} lieux", r["part_lieux"], pct))
        print(_line("consultations par an", r["consultations"]))
        print(_line("coût des indemnités par an (€)", r["cout"]))
        print(f"  une année simulée (12 mois, pire tirage) : {r['annee_secondes']} s")
    needed, scaled = r300["necessaires_intervalle"], r300["necessaires_cible"]
    print(
        f"Volontaires pour {pct(args.couverture)} des journées des lieux (par tirage : {r300['necessaires']}) :"
    )
    if needed:
        print(_line(f"pour les {r300['lieux_simules']} lieux simulés", needed))
        print(_line(f"ramené aux {r300['zones_cible']} zones", scaled))
    else:
        print("  non atteint sous le plafond de la recherche")
    print("Courbe (volontaires → part des journées des lieux, médiane [min – max]) :")
    for c in r300["courbe"]:
        print(
            f"  {_fmt(c['volontaires']):>8} → {pct(c['mediane'])} [{pct(c['minimum'])} – {pct(c['maximum'])}]"
        )
    ratio = r300["consultations"]["mediane"] / BASELINE_CONSULTATIONS_AN
    print(
        f"Référence février 2026 (≈ {_fmt(BASELINE_CONSULTATIONS_AN)} consultations par an au rythme observé) : "
        f"300 volontaires simulés en donnent {ratio:.2f} fois plus."
    )
    print(
        f"volontaires_300_part={r300['part_cible']['mediane']:.4f} volontaires_3000_part={r3000['part_cible']['mediane']:.4f} "
        f"necessaires_100={needed['mediane'] if needed else 'na'} necessaires_min={needed['minimum'] if needed else 'na'} "
        f"necessaires_max={needed['maximum'] if needed else 'na'} annee_300_s={r300['annee_secondes']} "
        f"annee_3000_s={r3000['annee_secondes']} consultations_300={r300['consultations']['mediane']:.0f} "
        f"ratio_fevrier_2026={ratio:.2f}"
    )


if __name__ == "__main__":
    main()
