"""The columns of the dashboard's tables (issue 24, ADR 0018): their names (the CSV's and the open data's), their
French titles and units, what each counts and where when the title cannot say it all, and which count people
(masked under the statistical-secret threshold on public pages, with the rate or amount that would give them back).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Colonne:
    name: str
    title: str
    unit: str  # "" for a code or a name
    type: str = "integer"  # Table Schema type: string, integer, number, yearmonth
    people: bool = False  # counts people: masked under the threshold on public pages
    definition: str = ""  # what is counted and where, when the title cannot say it all (the published schema)


KEY_COLUMNS = {
    "zones": [
        Colonne("zone", "Zone (SIREN de l'EPCI)", "", "string"),
        Colonne("nom", "Nom de la zone", "", "string"),
        Colonne("departement", "Département principal", "", "string"),
    ],
    "departements": [
        Colonne("departement", "Code du département", "", "string"),
        Colonne("nom", "Nom du département", "", "string"),
        Colonne("region", "Code de la région", "", "string"),
    ],
    "regions": [
        Colonne("region", "Code de la région", "", "string"),
        Colonne("nom", "Nom de la région", "", "string"),
    ],
    "mois": [Colonne("mois", "Mois", "", "yearmonth")],
}
MEASURES = [
    Colonne("zones", "Zones rouges", "zones"),
    Colonne("lieux_actifs", "Lieux solidaires actifs", "lieux"),
    Colonne("jours_necessaires", "Jours-lieux nécessaires", "jours-lieux"),
    Colonne("jours_couverts", "Jours-lieux couverts par une mission", "jours-lieux"),
    Colonne("taux_couverture", "Taux de couverture", "%", "number"),
    # Two populations: the volunteers who live in the row's territory (what it offers), and the doctors who came
    # to work at its lieux, wherever they live (what it received). Guyane: nobody registered lives there, 64 came.
    Colonne(
        "volontaires_inscrits",
        "Médecins volontaires inscrits qui y habitent",
        "personnes",
        people=True,
        definition=(
            "Médecins volontaires inscrits avant la fin de la période dont la commune de résidence est dans le "
            "territoire de la ligne, quel que soit leur statut. Un médecin venu d'ailleurs en mission n'y est "
            "pas compté : voir volontaires_actifs."
        ),
    ),
    Colonne(
        "volontaires_valides",
        "Médecins volontaires validés qui y habitent",
        "personnes",
        people=True,
        definition=(
            "Parmi les médecins volontaires inscrits qui habitent le territoire de la ligne, ceux que l'ARS a "
            "validés (statut validé ou actif le jour du calcul)."
        ),
    ),
    Colonne(
        "volontaires_actifs",
        "Médecins venus en mission, où qu'ils habitent",
        "personnes",
        people=True,
        definition=(
            "Médecins distincts qui ont une mission proposée, confirmée ou réalisée pendant la période dans un "
            "lieu du territoire de la ligne, où qu'ils habitent."
        ),
    ),
    Colonne("creneaux_offerts", "Créneaux offerts", "créneaux"),
    Colonne("rdv_reserves", "Rendez-vous réservés", "rendez-vous", people=True),
    Colonne("rdv_honores", "Rendez-vous honorés", "rendez-vous", people=True),
    Colonne("rdv_absents", "Rendez-vous non honorés (absence non excusée)", "rendez-vous", people=True),
    Colonne("taux_remplissage", "Taux de remplissage des créneaux", "%", "number"),
    Colonne("delai_premier_creneau", "Délai médian jusqu'au premier créneau libre", "jours", "number"),
    Colonne("resultats_ouverts", "Résultats attendus ouverts", "résultats", people=True),
    Colonne("resultats_en_retard", "Résultats attendus en retard", "résultats", people=True),
    Colonne(
        "indemnites_validees",
        "Indemnités validées par l'ARS",
        "€",
        "number",
        definition=(
            "Montant des relevés mensuels validés par l'ARS (transmis, payés ou contestés depuis compris), "
            "compté au lieu de chaque journée payée, quelle que soit la CPAM qui paie le médecin."
        ),
    ),
    Colonne(
        "indemnites_payees",
        "Indemnités payées",
        "€",
        "number",
        definition=(
            "Montant des relevés mensuels payés par la CPAM, compté au lieu de chaque journée payée, quelle que "
            "soit la CPAM qui paie le médecin."
        ),
    ),
]
PEOPLE = [c.name for c in MEASURES if c.people]
# A rate or an amount is masked with the count it would give back.
LINKED = {
    "taux_remplissage": "rdv_reserves",
    "indemnites_validees": "_medecins_indemnises",
    "indemnites_payees": "_medecins_indemnises",
}
LEVELS = {"zones": "Par zone", "departements": "Par département", "regions": "Par région", "mois": "Par mois"}


def columns(level: str) -> list[Colonne]:
    measures = [c for c in MEASURES if not (level == "mois" and c.name in ("delai_premier_creneau",))]
    return KEY_COLUMNS[level] + measures
