"""Policy parameters of the scheme: dated values, each with its unit and the text it comes from.

One place for every amount, cap or rate the platform applies (STYLE.md §3). A value applies from
its `depuis` date until the next value of the same name; `valeur(nom, jour)` returns the one in
force on a given day. Pure Python, no Django: the cores may read it too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Parametre:
    nom: str
    valeur: Decimal | int
    unite: str
    depuis: dt.date
    source: str
    libelle: str


PARAMETRES: tuple[Parametre, ...] = (
    Parametre(
        "indemnite_journaliere",
        Decimal("200"),
        "€/jour",
        dt.date(2025, 9, 1),
        "Ministère de la Santé, communiqué du 1er septembre 2025 ; pages des ARS",
        "Indemnité du médecin volontaire par jour de mission, en plus des honoraires",
    ),
    Parametre(
        "indemnite_demi_journee",
        Decimal("100"),
        "€/demi-journée",
        dt.date(2025, 9, 1),
        "Ministère de la Santé, communiqué du 1er septembre 2025 ; pages des ARS",
        "Indemnité par demi-journée de mission",
    ),
    Parametre(
        "jours_max_par_mois",
        2,
        "jours/mois",
        dt.date(2025, 9, 1),
        "Ministère de la Santé, communiqué du 1er septembre 2025",
        "Nombre maximal de jours de mission par médecin et par mois",
    ),
    Parametre(
        "tarif_consultation_g",
        Decimal("30"),
        "€",
        dt.date(2024, 12, 22),
        "Convention médicale 2024 (consultation G, secteur 1)",
        "Tarif conventionnel de la consultation de médecine générale, sans dépassement d'honoraires",
    ),
    Parametre(
        "dates_proposees_par_jour",
        3,
        "dates déclarées par jour de mission",
        dt.date(2025, 9, 1),
        "Choix de la plateforme : proposer jusqu'à 3 dates par jour de mission laisse au planning de quoi répartir les places",
        "Nombre maximal de disponibilités déclarées dans un mois, par jour de mission autorisé",
    ),
    Parametre(
        "liste_attente_messages_max",
        3,
        "messages par personne",
        dt.date(2025, 9, 1),
        "Choix de la plateforme, comme rdv-service-public (FileAttente::MAX_NOTIFICATIONS) mais compté "
        "par personne et non par canal : ne jamais inonder une personne",
        "Nombre maximal de messages « un créneau s'est libéré » envoyés à une personne en liste d'attente",
    ),
    Parametre(
        "liste_attente_arret_jours",
        7,
        "jours",
        dt.date(2025, 9, 1),
        "Choix de la plateforme, comme rdv-service-public (FileAttente::NO_MORE_NOTIFICATIONS)",
        "Les messages de la liste d'attente s'arrêtent ce nombre de jours avant la fin de la période demandée",
    ),
    Parametre(
        "nombre_zones_rouges",
        151,
        "EPCI",
        dt.date(2025, 6, 27),
        "Ministère de la Santé, liste des zones rouges du 27 juin 2025",
        "Nombre d'intercommunalités retenues comme zones rouges",
    ),
)


class ParametreInconnu(LookupError):
    pass


def parametre(nom: str, jour: dt.date | None = None) -> Parametre:
    """The parameter `nom` in force on `jour` (today by default)."""
    jour = jour or dt.date.today()
    candidats = sorted((p for p in PARAMETRES if p.nom == nom and p.depuis <= jour), key=lambda p: p.depuis)
    if not candidats:
        connus = sorted({p.nom for p in PARAMETRES})
        raise ParametreInconnu(
            f"Paramètre {nom!r} inconnu ou pas encore en vigueur le {jour:%d/%m/%Y} ({connus})."
        )
    return candidats[-1]


def valeur(nom: str, jour: dt.date | None = None) -> Decimal | int:
    return parametre(nom, jour).valeur
