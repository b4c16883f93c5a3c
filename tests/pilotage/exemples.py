"""A finished simulation's result, written by hand in the shape `simulation_services.resultat_json` gives, for the
pages' tests (page walk, CSP, permissions) that need a result page without running the simulator."""

from __future__ import annotations

from typing import Any


def _i(a: float, b: float, c: float) -> dict[str, float]:
    return {"minimum": a, "mediane": b, "maximum": c}


def resultat_exemple(siren: str = "200066637", nom: str = "CC exemple") -> dict[str, Any]:
    return {
        "parametres": {"volontaires": 10, "seeds": 2, "mois": 1, "couverture": 1.0, "plafond": 20000},
        "annee": 2027,
        "cible_jours": 37750,
        "zones_cible": 151,
        "lieux_simules": 1,
        "jours_couverts": _i(100.0, 110.0, 120.0),
        "part_cible": _i(0.0026, 0.0029, 0.0032),
        "part_lieux": _i(0.40, 0.44, 0.48),
        "consultations": _i(1600.0, 1760.0, 1920.0),
        "cout": _i(20000.0, 22000.0, 24000.0),
        "necessaires": [30, 34],
        "necessaires_intervalle": _i(30.0, 32.0, 34.0),
        "necessaires_cible": _i(4530.0, 4832.0, 5134.0),
        "plafond_atteint": False,
        "courbe": [
            {"volontaires": 10, "minimum": 0.40, "mediane": 0.44, "maximum": 0.48},
            {"volontaires": 20, "minimum": 0.70, "mediane": 0.75, "maximum": 0.80},
            {"volontaires": 40, "minimum": 1.0, "mediane": 1.0, "maximum": 1.0},
        ],
        "tirages": [],
        "annee_secondes": 0.1,
        "secondes": 1.0,
        "evaluations": 6,
        "notes": [],
        "hypotheses": {
            "profil": "2 médecins volontaires de démonstration",
            "profil_detail": {"jours_max_median": 2, "portee_km_mediane": 46.0, "part_journees_isolees": 1.0},
            "lieux": "1 zone rouge",
            "cible": "151 zones × 250 jours ouvrés = 37750 journées-lieux",
            "creneaux_par_jour": 24,
            "taux_remplissage": 0.5,
            "taux_remplissage_source": "valeur par défaut datée",
            "indemnite_jour": 200.0,
            "dates_par_jour": 3,
            "apl": "APL reconstruite ; ETP : consultations ÷ 4545 actes par médecin et par an.",
        },
        "apl": {
            "activite_par_mg": 4545,
            "zones": [
                {
                    "siren": siren,
                    "nom": nom,
                    "apl_avant": 2.1,
                    "apl_apres": 2.3,
                    "gain": 0.2,
                    "consultations": 1760,
                    "etp": 0.39,
                }
            ],
        },
    }
