"""Policy parameters of the scheme: dated values, each with its unit and the text it comes from.

One place for every amount, cap, rate or rule the platform applies (STYLE.md §3). A value applies from
its `depuis` date until the next value of the same name; `valeur(nom, jour)` returns the one in
force on a given day. A change of value is a NEW entry with its own date and source, never an edit of
the old one (the old one still answers for the days before). Two entries of the same name and date, or
an entry without a source, are refused when the table is read (`verifier`). Values may be amounts
(Decimal), counts (int), words (str) or series of counts (tuple of int); the typed readers `entier`,
`montant`, `texte` and `entiers` check the kind. Pure Python, no Django: the cores may read it too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

# The scheme's days are French days: a value that changes on 1 September applies from midnight in Paris, whatever
# the clock of the process (UTC on a server, until Django sets TZ from its TIME_ZONE; never, in a pure core).
PARIS = ZoneInfo("Europe/Paris")

Valeur = Decimal | int | str | tuple[int, ...]


@dataclass(frozen=True)
class Parametre:
    nom: str
    valeur: Valeur
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
        "indemnite_periodicite",
        "mensuelle",
        "période de versement",
        dt.date(2025, 9, 1),
        "Ministère de la Santé, communiqué du 1er septembre 2025 ; pages des ARS (../shared/DOMAINE.md)",
        "L'indemnité est versée chaque mois, sur relevé mensuel des missions faites",
    ),
    Parametre(
        "indemnite_payeur",
        "CPAM",
        "organisme",
        dt.date(2025, 9, 1),
        "Ministère de la Santé, communiqué du 1er septembre 2025 ; pages des ARS (../shared/DOMAINE.md)",
        "Organisme qui verse l'indemnité : la caisse primaire d'assurance maladie du médecin",
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
        "planning_horizon_mois",
        12,
        "mois",
        dt.date(2025, 9, 1),
        "Choix de la plateforme (revue du 5 décembre 2026) : le planning est mensuel et les ARS le calculent "
        "pour le mois qui vient ; un an d'avance suffit aux médecins qui prévoient leurs semaines, au-delà une "
        "date est une erreur de saisie",
        "Nombre de mois après le mois en cours où un médecin peut déclarer ses disponibilités et une ARS "
        "calculer un planning (le mois en cours compris, les mois passés non)",
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
        "liste_attente_inscriptions_max",
        6,
        "inscriptions en cours par téléphone ou par adresse électronique",
        dt.date(2026, 12, 6),
        "Choix de la plateforme (décision 0004, point 4) : une personne attend rarement une place dans plus de "
        "trois lieux ou périodes à la fois, et deux personnes partagent souvent un portable ; au-delà, la liste "
        "d'attente se remplit pour rien, et un même numéro pourrait y être inscrit sans fin, sous d'autres noms",
        "Nombre maximal d'inscriptions en cours (tous lieux, tous noms) faites avec un même téléphone ou une même "
        "adresse électronique",
    ),
    Parametre(
        "liste_attente_lien_retrait_jours",
        3,
        "jours",
        dt.date(2026, 12, 6),
        "Choix de la plateforme (décision 0004, point 4) : le temps de lire un SMS ou un courriel reçu un "
        "vendredi soir, pas davantage (un lien qui retire des inscriptions ne doit pas traîner des semaines)",
        "Durée de validité du lien envoyé pour retirer toutes ses inscriptions de la liste d'attente (un lien "
        "par jour au plus pour un même contact)",
    ),
    Parametre(
        "annonce_dispositif",
        "Pacte de lutte contre les déserts médicaux",
        "plan du gouvernement",
        dt.date(2025, 4, 25),
        "Premier ministre, conférence de presse du 25 avril 2025 (../shared/DOMAINE.md)",
        "Annonce du dispositif (mission de solidarité territoriale) : aucun fait publié sur ses zones ne la précède",
    ),
    Parametre(
        "nombre_zones_rouges",
        151,
        "EPCI",
        dt.date(2025, 6, 27),
        "Ministère de la Santé, liste des zones rouges du 27 juin 2025",
        "Nombre d'intercommunalités retenues comme zones rouges",
    ),
    Parametre(
        "jours_ouvres_par_an",
        250,
        "jours/an",
        dt.date(2025, 6, 27),
        "Ministre de la Santé, Pacte de lutte contre les déserts médicaux : un médecin dans chacun des 151 lieux "
        "« tous les jours ouvrés », soit 250 jours par an (../shared/DOMAINE.md)",
        "Jours ouvrés par an où chaque lieu solidaire doit accueillir un médecin (cible du simulateur)",
    ),
    Parametre(
        "taux_remplissage_defaut",
        Decimal("0.5"),
        "part des créneaux",
        dt.date(2025, 9, 1),
        "Choix de la plateforme (ticket 24, docs/decisions/0019) : hypothèse prudente du simulateur quand les "
        "rendez-vous observés sont trop peu nombreux (moins de 500 créneaux passés) pour mesurer le remplissage",
        "Part des créneaux d'une journée de mission réservés et honorés, à défaut de mesure",
    ),
    Parametre(
        "indemnite_confirmation_delai_jours",
        7,
        "jours",
        dt.date(2025, 9, 1),
        "Choix de la plateforme (issue 21) : une semaine laisse au médecin ou au référent le temps de confirmer "
        "la journée ; au-delà, l'ARS la voit signalée sur sa page des relevés",
        "Délai après la journée de mission au-delà duquel une journée non confirmée est signalée à l'ARS",
    ),
    Parametre(
        "messages_delais_nouvel_essai",
        (5, 25),
        "minutes",
        dt.date(2025, 9, 1),
        "Choix de la plateforme : quelques minutes suffisent à passer une panne brève d'un opérateur, sans "
        "envoyer un rappel trop tard ; après le dernier délai, le message est marqué en échec (docs/decisions/0012)",
        "Délais avant chaque nouvel essai d'un message refusé ; un essai de plus que de délais, puis échec",
    ),
    Parametre(
        "resultat_attendu_delai_grace",
        7,
        "jours",
        dt.date(2025, 9, 1),
        "Choix de la plateforme (ticket 20, docs/decisions/0014) : une semaine au-delà de la date prévue couvre "
        "le délai d'un compte rendu d'imagerie ou d'un avis de spécialiste sans laisser un résultat sans lecteur",
        "Un résultat attendu non clos passe en retard après sa date prévue plus ce délai",
    ),
    Parametre(
        "resultat_attendu_relance_jours",
        3,
        "jours",
        dt.date(2025, 9, 1),
        "Choix de la plateforme (ticket 20, docs/decisions/0014)",
        "Un résultat en retard est rappelé à son propriétaire tous les tant de jours, jusqu'à sa clôture",
    ),
    Parametre(
        "resultat_attendu_horizon_jours",
        365,
        "jours",
        dt.date(2025, 9, 1),
        "Choix de la plateforme (ticket 20, docs/decisions/0014) : un an après la consultation couvre les plus "
        "longs délais d'un avis de spécialiste ou d'un examen de contrôle ; une date plus lointaine est une "
        "erreur de saisie, et un résultat attendu resterait des années sans lecteur",
        "Un résultat attendu est prévu au plus tard ce nombre de jours après la consultation qui l'a prescrit",
    ),
    Parametre(
        "secret_statistique_seuil",
        10,
        "personnes",
        dt.date(2025, 9, 1),
        "Choix de la plateforme (ticket 24, docs/decisions/0018), comme la règle de diffusion des données de "
        "santé agrégées (pas de case sous 11 personnes dans le SNDS ; seuil de 10 retenu par le ticket)",
        "Une case des pages publiques et des données ouvertes qui compte moins de personnes que ce seuil est masquée",
    ),
)


class InvalidParametresError(ValueError):
    pass


def verifier(table: tuple[Parametre, ...]) -> tuple[Parametre, ...]:
    """The table, if each entry has a source and no two share a name and a date (a change is a new date)."""
    vus: set[tuple[str, dt.date]] = set()
    for p in table:
        if not p.source.strip():
            raise InvalidParametresError(f"Paramètre {p.nom!r} du {p.depuis:%d/%m/%Y} sans source.")
        if (p.nom, p.depuis) in vus:
            raise InvalidParametresError(
                f"Paramètre {p.nom!r} donné deux fois pour le {p.depuis:%d/%m/%Y} : "
                "un changement de valeur est une nouvelle entrée, à une autre date."
            )
        if p.unite.startswith("€") and (
            not isinstance(p.valeur, Decimal) or not p.valeur.is_finite() or p.valeur < 0
        ):
            raise InvalidParametresError(
                f"Paramètre {p.nom!r} du {p.depuis:%d/%m/%Y} : un montant positif ou nul en euros est attendu, "
                f"pas {p.valeur!r}."
            )
        vus.add((p.nom, p.depuis))
    return table


verifier(PARAMETRES)


class UnknownParametreError(LookupError):
    pass


def aujourdhui() -> dt.date:
    """Today's date in Paris: `dt.date.today()` is the process's local date, the UTC one on a server, a day
    behind between midnight and 1 or 2 a.m. in Paris."""
    return dt.datetime.now(PARIS).date()


def parametre(nom: str, jour: dt.date | None = None, table: tuple[Parametre, ...] = PARAMETRES) -> Parametre:
    """The parameter `nom` in force on `jour` (today in Paris by default), in `table` (the scheme's by default)."""
    jour = jour or aujourdhui()
    candidats = sorted((p for p in table if p.nom == nom and p.depuis <= jour), key=lambda p: p.depuis)
    if not candidats:
        connus = sorted({p.nom for p in table})
        raise UnknownParametreError(
            f"Paramètre {nom!r} inconnu ou pas encore en vigueur le {jour:%d/%m/%Y} ({connus})."
        )
    return candidats[-1]


def valeur(nom: str, jour: dt.date | None = None) -> Valeur:
    return parametre(nom, jour).valeur


def entier(nom: str, jour: dt.date | None = None) -> int:
    """A count (days, zones, messages)."""
    v = valeur(nom, jour)
    if not isinstance(v, int):
        raise TypeError(f"Paramètre {nom!r} : un nombre entier attendu, pas {v!r}.")
    return v


def montant(nom: str, jour: dt.date | None = None) -> Decimal:
    """An amount in euros."""
    v = valeur(nom, jour)
    if not isinstance(v, Decimal):
        raise TypeError(f"Paramètre {nom!r} : un montant attendu, pas {v!r}.")
    return v


def texte(nom: str, jour: dt.date | None = None) -> str:
    """A word (a periodicity, an organisation)."""
    v = valeur(nom, jour)
    if not isinstance(v, str):
        raise TypeError(f"Paramètre {nom!r} : un texte attendu, pas {v!r}.")
    return v


def entiers(nom: str, jour: dt.date | None = None) -> tuple[int, ...]:
    """A series of counts (delays in minutes)."""
    v = valeur(nom, jour)
    if not isinstance(v, tuple) or not all(isinstance(x, int) for x in v):
        raise TypeError(f"Paramètre {nom!r} : une suite de nombres entiers attendue, pas {v!r}.")
    return v
