"""The method of the composite index, as a dated parameter set says it: the criteria, their direction and
labels, the choices the calibration searches (normalisation, aggregation from the bassins de vie, rule,
allocations), and the parsing of a parameter set (`parse_params`), which refuses anything malformed.
Pure, typed; `score` computes with it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from solidarite.parametres import UnknownParametreError, entier

CRITERES: tuple[str, ...] = (
    "apl",
    "apl_moins_65",
    "part_ald",
    "temps_urgences",
    "niveau_vie",
    "vieillissement_mg",
)
# "bas": a low value is worse (APL, living standard); "haut": a high value is worse.
SENS = {
    "apl": "bas",
    "apl_moins_65": "bas",
    "part_ald": "haut",
    "temps_urgences": "haut",
    "niveau_vie": "bas",
    "vieillissement_mg": "haut",
}
LIBELLES = {
    "apl": "APL aux médecins généralistes 2023",
    "apl_moins_65": "APL aux généralistes de 65 ans ou moins 2023",
    "part_ald": "Part de la population en ALD 2024",
    "temps_urgences": "Temps de route jusqu'aux urgences",
    "niveau_vie": "Niveau de vie médian 2021",
    "vieillissement_mg": "Part de l'offre APL due aux généralistes de plus de 65 ans (substitut des 60 ans et plus)",
}
UNITES = {
    "apl": "consultations/hab. std/an",
    "apl_moins_65": "consultations/hab. std/an",
    "part_ald": "%",
    "temps_urgences": "min",
    "niveau_vie": "€/an",
    "vieillissement_mg": "%",
}
REGLES = ("nombre", "population")
ABSENT: tuple[float | None, str] = (None, "critère non fourni")
# Free choices of the method (ADR 0016), searched by `zonage calibrer`:
NORMALISATIONS = ("rangs", "zscore", "minmax")
PLAFOND_MIN, PLAFOND_MAX = 1.0, 10.0  # the cap on z-scores and min–max, in standard deviations (0: none)
# The composite composed per bassin de vie, then carried to the EPCI (ADR 0016, révision) → the way it is
# carried: population-weighted mean, share of the population in fragile bassins, worst bassin.
PORTAGES = {
    "composite_bassin_moyenne": "moyenne",
    "composite_bassin_part": "part",
    "composite_bassin_pire": "pire",
}
AGREGATIONS = ("moyenne", "part_bassins_fragiles", "pire_bassin", *PORTAGES)
PIRE_PART = 0.1  # "worst bassin": among the bassins holding at least 10 % of the EPCI's population
NOMS_OUTRE_MER = {"01": "Guadeloupe", "02": "Martinique", "03": "Guyane", "04": "La Réunion", "06": "Mayotte"}
OUTRE_MER = frozenset(NOMS_OUTRE_MER)  # region codes of the DROM
GROUPE_OUTRE_MER = "outre-mer"  # the group competing for the overseas allocation (`outre_mer`)
SOMME_POIDS = 1.0  # a parameter set with a [methode] section has weights summing to 1
TOLERANCE_SOMME = 1e-6
ENTIER_MAX = 1_000_000_000  # a count, a population or a weight beyond this is a typing error, not a choice
CLES_FICHIER = frozenset({"campagne", "selection", "poids", "methode"})
CLES_CAMPAGNE = frozenset({"nom", "depuis", "source", "calibre_le"})
CLES_SELECTION = frozenset({"regle", "nombre", "population", "seuil_percentile"})
CLES_METHODE = frozenset(
    {
        "normalisation",
        "agregation",
        "plafond",
        "cumul",
        "quotas",
        "outre_mer",
        "outre_mer_territoires",
        "membres",
    }
)
VOTE_MAX = 1000.0  # a member's vote, counted in thousandths (`composite.vote`)


class ParamError(ValueError):
    """A zonage parameter file that cannot be used, explained in French."""


@dataclass(frozen=True)
class Membre:
    """One method of a vote (`ScoreParams.membres`, ADR 0021): its choices, its weights and its vote."""

    agregation: str
    normalisation: str
    plafond: float
    cumul: bool
    poids: dict[str, float]
    vote: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "agregation": self.agregation,
            "normalisation": self.normalisation,
            "plafond": self.plafond,
            "cumul": self.cumul,
            "poids": dict(self.poids),
            "vote": self.vote,
        }


@dataclass(frozen=True)
class ScoreParams:
    nom: str
    depuis: dt.date
    source: str
    poids: dict[str, float]
    nombre: int
    seuil_percentile: float = 80.0
    regle: str = "nombre"
    population: int = 2_500_000
    normalisation: str = "rangs"
    plafond: float = 0.0  # standard deviations beyond which a value is capped (0: none)
    cumul: bool = True  # rank by the number of fragilities first ("cumul des fragilités")
    agregation: str = "moyenne"  # how bassin-de-vie values become EPCI values (calcul.py)
    quotas: dict[str, int] = field(default_factory=dict)  # region code → number of zones (allocation)
    outre_mer: int = 0  # zones allocated to the overseas EPCI as one group (0: no separate allocation)
    # within `outre_mer`, the published count of some territories (region code → zones); the others
    # compete together for the rest
    outre_mer_territoires: dict[str, int] = field(default_factory=dict)
    # A vote of methods (ADR 0021): each EPCI is ranked by the weighted share of the methods that retain it,
    # then by this set's own method (the principal one). Empty: the principal method alone.
    membres: tuple[Membre, ...] = ()

    @property
    def agregations(self) -> tuple[str, ...]:
        """The aggregations the criteria must be computed with: the principal's, then the members'."""
        return tuple(dict.fromkeys((self.agregation, *(m.agregation for m in self.membres))))

    def groupes_selection(self, regions: np.ndarray) -> tuple[np.ndarray, dict[str, int]]:
        """The competition of each EPCI for `select` and the quotas (`groupes_outre_mer`)."""
        groups, extra = groupes_outre_mer(regions, self.outre_mer, self.outre_mer_territoires)
        return groups, dict(self.quotas) | extra

    def as_dict(self) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        if self.methode_explicite:
            extra = {
                "normalisation": self.normalisation,
                "plafond": self.plafond,
                "cumul": self.cumul,
                "agregation": self.agregation,
                "quotas": dict(sorted(self.quotas.items())),
            }
            if self.outre_mer:
                extra["outre_mer"] = self.outre_mer
            if self.outre_mer_territoires:
                extra["outre_mer_territoires"] = dict(sorted(self.outre_mer_territoires.items()))
            if self.membres:
                extra["membres"] = [m.as_dict() for m in self.membres]
        return extra | {
            "nom": self.nom,
            "depuis": self.depuis.isoformat(),
            "source": self.source,
            "poids": dict(self.poids),
            "seuil_percentile": self.seuil_percentile,
            "regle": self.regle,
            "nombre": self.nombre,
            "population": self.population,
        }

    @property
    def methode_explicite(self) -> bool:
        """False for the historical set (no [methode] section): its fingerprint stays what it was."""
        return (
            self.normalisation,
            self.plafond,
            self.cumul,
            self.agregation,
            self.quotas,
            self.outre_mer,
            self.outre_mer_territoires,
            self.membres,
        ) != (
            "rangs",
            0.0,
            True,
            "moyenne",
            {},
            0,
            {},
            (),
        )


def montre(value: object) -> str:
    """A value read from a TOML file, as its author wrote it (`true`, `nan`, « 2 ») in a French message, never
    as Python spells it (`True`, `{'a': 1}`)."""
    if value is None:
        return "rien, la clé manque"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if value != value else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return "une section"
    if isinstance(value, list):
        return "une liste"
    if isinstance(value, str):
        return f"« {value[:60]}{'…' if len(value) > 60 else ''} »"
    if isinstance(value, dt.date):
        return value.isoformat()
    if (
        isinstance(value, int) and abs(value) >= 10**18
    ):  # 400 digits echoed help no one (nor 5,000: str() fails)
        return f"un nombre d'environ {abs(value).bit_length() * 30103 // 100000 + 1} chiffres"
    return repr(value) if isinstance(value, float) else str(value)  # 10.0, not 10: the float is the fault


def _positive_int(value: object, what: str, origin: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ParamError(
            f"{origin} : {what} doit être un entier strictement positif (reçu : {montre(value)})."
        )
    if value > ENTIER_MAX:
        raise ParamError(f"{origin} : {what} est hors limites (au plus {ENTIER_MAX}).")
    return value


def _section(data: dict[str, Any], name: str, origin: str) -> dict[str, Any]:
    """An optional table of the file: absent → empty; anything but a table → ParamError."""
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise ParamError(f"{origin} : [{name}] doit être une section (reçu : {montre(table)}).")
    return table


def _cles(table: dict[str, Any], connues: frozenset[str], where: str, origin: str) -> None:
    """A misspelt key (« nombree ») is refused, never ignored: the run would silently use the default."""
    inconnues = sorted(set(table) - connues)
    if inconnues:
        lieu = f" dans {where}" if where else ""
        raise ParamError(
            f"{origin} : clé(s) inconnue(s){lieu} : {', '.join(inconnues)} (connues : {', '.join(sorted(connues))})."
        )


def _nombre_en_vigueur(depuis: dt.date, origin: str) -> int:
    """The number of zones in force at the campaign's date, when the file gives none."""
    try:
        return entier("nombre_zones_rouges", depuis)
    except UnknownParametreError as exc:
        raise ParamError(f"{origin} : [selection] nombre absent, et {exc}") from exc


def parse_params(data: dict[str, Any], origin: str = "paramètres") -> ScoreParams:
    """Validates a parsed parameter file; every problem names the key and what is expected."""
    _cles(data, CLES_FICHIER, "", origin)
    campagne = _section(data, "campagne", origin)
    selection = _section(data, "selection", origin)
    _cles(campagne, CLES_CAMPAGNE, "[campagne]", origin)
    _cles(selection, CLES_SELECTION, "[selection]", origin)
    poids = data.get("poids")
    if not isinstance(poids, dict):
        raise ParamError(
            f"{origin} : section [poids] absente (un poids par critère : {', '.join(CRITERES)})."
        )
    unknown = sorted(set(poids) - set(CRITERES))
    if unknown:
        raise ParamError(
            f"{origin} : critère(s) inconnu(s) dans [poids] : {', '.join(unknown)} (connus : {', '.join(CRITERES)})."
        )
    methode = data.get("methode")
    if "vieillissement_mg" not in poids and methode is None:
        poids = dict(poids, vieillissement_mg=0.0)  # sets older than the stand-in criterion (ADR 0016)
    missing = [c for c in CRITERES if c not in poids]
    if missing:
        raise ParamError(f"{origin} : poids manquant(s) pour : {', '.join(missing)}.")
    weights = _poids(poids, origin, "", methode is not None)
    options = _parse_methode(methode, origin) if methode is not None else {}
    regle = selection.get("regle", "nombre")
    if regle not in REGLES:
        raise ParamError(
            f"{origin} : règle de sélection {montre(regle)} inconnue (« nombre » ou « population »)."
        )
    seuil = selection.get("seuil_percentile", 80)
    if isinstance(seuil, bool) or not isinstance(seuil, int | float) or not 0 < seuil < 100:
        raise ParamError(
            f"{origin} : seuil_percentile doit être compris entre 0 et 100 (reçu : {montre(seuil)})."
        )
    depuis = campagne.get("depuis", dt.date.today())
    if not isinstance(depuis, dt.date) or isinstance(depuis, dt.datetime):  # a day, not an instant
        raise ParamError(f"{origin} : [campagne] depuis doit être une date (AAAA-MM-JJ).")
    calibre_le = campagne.get("calibre_le", depuis)
    if not isinstance(calibre_le, dt.date) or isinstance(calibre_le, dt.datetime):
        raise ParamError(f"{origin} : [campagne] calibre_le doit être une date (AAAA-MM-JJ).")
    return ScoreParams(
        nom=_texte(campagne.get("nom", "Zonage"), "[campagne] nom", origin, NOM_MAX, vide=False),
        depuis=depuis,
        source=_texte(campagne.get("source", ""), "[campagne] source", origin, SOURCE_MAX),
        poids=weights,
        seuil_percentile=float(seuil),
        regle=regle,
        nombre=_positive_int(
            selection["nombre"] if "nombre" in selection else _nombre_en_vigueur(depuis, origin),
            "[selection] nombre",
            origin,
        ),
        population=_positive_int(selection.get("population", 2_500_000), "[selection] population", origin),
        **options,
    )


NOM_MAX = 200  # Campagne.nom
SOURCE_MAX = 1000


def _texte(value: object, key: str, origin: str, longueur: int, vide: bool = True) -> str:
    """A text of the file as written (not a table or a number turned into text), at most `longueur` characters."""
    if not isinstance(value, str) or (not vide and not value.strip()):
        raise ParamError(
            f"{origin} : {key} doit être un texte{'' if vide else ' non vide'} (reçu : {montre(value)})."
        )
    if len(value) > longueur:
        raise ParamError(f"{origin} : {key} dépasse {longueur} caractères ({len(value)}).")
    return value


def _poids(poids: dict[str, Any], origin: str, section: str, somme_exigee: bool) -> dict[str, float]:
    """One weight per criterion, each a number ≥ 0, at least one > 0; summing to 1 when required."""
    where = f"{origin} : {section} :" if section else f"{origin} :"
    weights: dict[str, float] = {}
    for name in CRITERES:
        value = poids[name]
        if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) > ENTIER_MAX:
            # 1e308 too: two of them overflowed the composite (inf − inf), the scores empty, zones still retained
            raise ParamError(f"{where} le poids de {name} est hors limites (au plus {ENTIER_MAX}).")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ParamError(f"{where} le poids de {name} doit être un nombre (reçu : {montre(value)}).")
        if value < 0:
            raise ParamError(f"{where} le poids de {name} est négatif ({value}) ; un poids vaut 0 ou plus.")
        weights[name] = float(value)
    if sum(weights.values()) <= 0:
        raise ParamError(f"{where} au moins un poids doit être strictement positif.")
    if somme_exigee and abs(sum(weights.values()) - SOMME_POIDS) > TOLERANCE_SOMME:
        raise ParamError(
            f"{where} avec une section [methode], les poids doivent avoir pour somme 1 "
            f"(somme lue : {sum(weights.values()):.6g})."
        )
    return weights


def groupes_outre_mer(
    regions: np.ndarray, outre_mer: int, territoires: dict[str, int]
) -> tuple[np.ndarray, dict[str, int]]:
    """With an overseas allocation, the overseas EPCI compete together for `outre_mer` zones — those of a
    territory with its own count (`territoires`) for that count, the others for what is left. Returns each
    EPCI's group and the overseas quotas (none without an allocation)."""
    if not outre_mer:
        return regions, {}
    pooled = np.isin(regions, sorted(OUTRE_MER - set(territoires)))
    groups = np.where(pooled, GROUPE_OUTRE_MER, regions)
    return groups, dict(territoires) | {GROUPE_OUTRE_MER: outre_mer - sum(territoires.values())}


def reste_outre_mer(
    outre_mer: int, territoires: dict[str, int], per_region: dict[str, int]
) -> tuple[int, int]:
    """The overseas zones left to the territories without a count of their own, and how many EPCI those
    territories have (`per_region`: EPCI per region code); the rest cannot exceed them."""
    reste = outre_mer - sum(territoires.values())
    return reste, sum(n for code, n in per_region.items() if code in OUTRE_MER - set(territoires))


def _quotas(raw: object, what: str, origin: str) -> dict[str, int]:
    if not isinstance(raw, dict):
        raise ParamError(f"{origin} : {what} doit associer un code de région à un nombre.")
    quotas = {}
    for code, count in raw.items():
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ParamError(f"{origin} : le quota de la région {code} doit être un entier positif ou nul.")
        quotas[str(code)] = count
    return quotas


def _parse_methode(methode: object, origin: str) -> dict[str, Any]:
    if not isinstance(methode, dict):
        raise ParamError(f"{origin} : [methode] doit être une section.")
    _cles(methode, CLES_METHODE, "[methode]", origin)
    normalisation, agregation, plafond, cumul = _choix(methode, origin, "[methode]")
    quotas = _quotas(methode.get("quotas", {}), "[methode.quotas]", origin)
    outre_mer = methode.get("outre_mer", 0)
    if isinstance(outre_mer, bool) or not isinstance(outre_mer, int) or outre_mer < 0:
        raise ParamError(
            f"{origin} : outre_mer doit être un entier positif ou nul (reçu : {montre(outre_mer)})."
        )
    territoires = _quotas(methode.get("outre_mer_territoires", {}), "[methode.outre_mer_territoires]", origin)
    for code in territoires:
        if code not in OUTRE_MER:
            raise ParamError(
                f"{origin} : [methode.outre_mer_territoires] : {code} n'est pas une région d'outre-mer "
                f"({', '.join(sorted(OUTRE_MER))})."
            )
    if sum(territoires.values()) > outre_mer:
        raise ParamError(
            f"{origin} : les territoires d'outre-mer totalisent {sum(territoires.values())} zones, "
            f"plus que outre_mer ({outre_mer})."
        )
    if outre_mer and (ultramarines := sorted(set(quotas) & OUTRE_MER)):
        # the overseas EPCI compete in the overseas group: a regional quota of theirs was neither met nor said
        raise ParamError(
            f"{origin} : [methode.quotas] : {', '.join(ultramarines)} est une région d'outre-mer, qui concourt "
            "dans l'allocation outre_mer ; donnez son compte dans [methode.outre_mer_territoires]."
        )
    return {
        "membres": _parse_membres(methode.get("membres", []), origin),
        "outre_mer": outre_mer,
        "outre_mer_territoires": territoires,
        "normalisation": normalisation,
        "agregation": agregation,
        "plafond": plafond,
        "cumul": cumul,
        "quotas": quotas,
    }


def _choix(table: dict[str, Any], origin: str, where: str) -> tuple[str, str, float, bool]:
    """Normalisation, aggregation, capping and cumul of a method, each checked."""
    normalisation = table.get("normalisation", "rangs")
    if normalisation not in NORMALISATIONS:
        raise ParamError(
            f"{origin} : {where} : normalisation {montre(normalisation)} inconnue ({', '.join(NORMALISATIONS)})."
        )
    agregation = table.get("agregation", "moyenne")
    if agregation not in AGREGATIONS:
        raise ParamError(
            f"{origin} : {where} : agrégation {montre(agregation)} inconnue ({', '.join(AGREGATIONS)})."
        )
    plafond = table.get("plafond", 0.0)
    # A cap under 1 σ clips about a third of the values on each side and flattens the scores it should order.
    if (
        isinstance(plafond, bool)
        or not isinstance(plafond, int | float)
        or not (plafond == 0 or PLAFOND_MIN <= plafond <= PLAFOND_MAX)
    ):
        raise ParamError(
            f"{origin} : {where} : plafond doit valoir 0 (pas d'écrêtement) ou un nombre d'écarts-types "
            f"entre {PLAFOND_MIN:g} et {PLAFOND_MAX:g} (reçu : {montre(plafond)})."
        )
    cumul = table.get("cumul", True)
    if not isinstance(cumul, bool):
        raise ParamError(f"{origin} : {where} : cumul doit valoir true ou false (reçu : {montre(cumul)}).")
    return normalisation, agregation, float(plafond), cumul


MEMBRE_CLES = ("agregation", "normalisation", "plafond", "cumul", "vote", "poids")


def _parse_membres(raw: object, origin: str) -> tuple[Membre, ...]:
    """[[methode.membres]]: the methods of a vote (ADR 0021), each complete, each with a vote > 0."""
    if not isinstance(raw, list) or not all(isinstance(m, dict) for m in raw):
        raise ParamError(f"{origin} : [[methode.membres]] doit être une liste de sections.")
    membres = []
    for number, table in enumerate(raw, start=1):
        where = f"[[methode.membres]] n° {number}"
        # A member is written whole: a missing choice would silently take the default, a misspelt key
        # would be ignored, and the vote would not be the one the file seems to describe.
        missing = [key for key in MEMBRE_CLES if key not in table]
        if missing:
            raise ParamError(f"{origin} : {where} : il manque {', '.join(missing)}.")
        unknown = sorted(set(table) - set(MEMBRE_CLES))
        if unknown:
            raise ParamError(
                f"{origin} : {where} : clé(s) inconnue(s) {', '.join(unknown)} "
                f"(attendues : {', '.join(MEMBRE_CLES)})."
            )
        normalisation, agregation, plafond, cumul = _choix(table, origin, where)
        poids = table.get("poids")
        if not isinstance(poids, dict) or sorted(poids) != sorted(CRITERES):
            raise ParamError(
                f"{origin} : {where} : un poids par critère est attendu ({', '.join(CRITERES)})."
            )
        vote = table.get("vote")
        # compared, not passed to math.isfinite: a huge TOML integer would overflow it; NaN fails the test
        if isinstance(vote, bool) or not isinstance(vote, int | float) or not 0.001 <= vote <= VOTE_MAX:
            raise ParamError(
                f"{origin} : {where} : vote doit être un nombre entre 0,001 et {VOTE_MAX:g} (reçu : {montre(vote)})."
            )
        membres.append(
            Membre(agregation, normalisation, plafond, cumul, _poids(poids, origin, where, True), float(vote))
        )
    return tuple(membres)
