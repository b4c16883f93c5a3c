"""The composite index ("cumul des fragilités") and the selection of the zones. Pure, typed.

For each criterion, every EPCI that has a value gets a national percentile, oriented so that a
higher percentile is worse (a low APL, a high share of ALD…). Then:

- `nb_fragilites`: the number of criteria in the worst quintile (percentile ≥ the threshold, 80);
- `score`: the weighted mean of the percentiles, over the criteria the EPCI has (weights renormalised);
- ranking: by `nb_fragilites` first (the ministry's "cumul des fragilités"), the score breaking ties,
  then the SIREN so that the order is total and reproducible;
- selection: the first N (`regle = "nombre"`, N by default the dated parameter
  `nombre_zones_rouges` at the campaign's date, solidarite/parametres.py), or the first EPCI in rank order until
  their population reaches a target (`regle = "population"`).

The weights, threshold and rule come from a dated TOML file (`parametres/zonage_2025.toml`), read by
`sources.load_params`: this module takes the parsed data (`parse_params`) and reads no file.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import rankdata

from solidarite.parametres import UnknownParametreError, entier

CRITERES: tuple[str, ...] = ("apl", "apl_moins_65", "part_ald", "temps_urgences", "niveau_vie")
# "bas": a low value is worse (APL, living standard); "haut": a high value is worse.
SENS = {
    "apl": "bas",
    "apl_moins_65": "bas",
    "part_ald": "haut",
    "temps_urgences": "haut",
    "niveau_vie": "bas",
}
LIBELLES = {
    "apl": "APL aux médecins généralistes 2023",
    "apl_moins_65": "APL aux généralistes de 65 ans ou moins 2023",
    "part_ald": "Part de la population en ALD 2024",
    "temps_urgences": "Temps de route jusqu'aux urgences",
    "niveau_vie": "Niveau de vie médian 2021",
}
UNITES = {
    "apl": "consultations/hab. std/an",
    "apl_moins_65": "consultations/hab. std/an",
    "part_ald": "%",
    "temps_urgences": "min",
    "niveau_vie": "€/an",
}
REGLES = ("nombre", "population")


class ParamError(ValueError):
    """A zonage parameter file that cannot be used, explained in French."""


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

    def as_dict(self) -> dict[str, Any]:
        return {
            "nom": self.nom,
            "depuis": self.depuis.isoformat(),
            "source": self.source,
            "poids": dict(self.poids),
            "seuil_percentile": self.seuil_percentile,
            "regle": self.regle,
            "nombre": self.nombre,
            "population": self.population,
        }


def _positive_int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ParamError(f"{what} doit être un entier strictement positif (reçu : {value!r}).")
    return value


def _nombre_en_vigueur(depuis: dt.date, origin: str) -> int:
    """The number of zones in force at the campaign's date, when the file gives none."""
    try:
        return entier("nombre_zones_rouges", depuis)
    except UnknownParametreError as exc:
        raise ParamError(f"{origin} : [selection] nombre absent, et {exc}") from exc


def parse_params(data: dict[str, Any], origin: str = "paramètres") -> ScoreParams:
    """Validates a parsed parameter file; every problem names the key and what is expected."""
    campagne = data.get("campagne", {})
    selection = data.get("selection", {})
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
    missing = [c for c in CRITERES if c not in poids]
    if missing:
        raise ParamError(f"{origin} : poids manquant(s) pour : {', '.join(missing)}.")
    weights: dict[str, float] = {}
    for name in CRITERES:
        value = poids[name]
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ParamError(f"{origin} : le poids de {name} doit être un nombre (reçu : {value!r}).")
        if value < 0:
            raise ParamError(
                f"{origin} : le poids de {name} est négatif ({value}) ; un poids vaut 0 ou plus."
            )
        weights[name] = float(value)
    if sum(weights.values()) <= 0:
        raise ParamError(f"{origin} : au moins un poids doit être strictement positif.")
    regle = selection.get("regle", "nombre")
    if regle not in REGLES:
        raise ParamError(f"{origin} : règle de sélection {regle!r} inconnue (« nombre » ou « population »).")
    seuil = selection.get("seuil_percentile", 80)
    if isinstance(seuil, bool) or not isinstance(seuil, int | float) or not 0 < seuil < 100:
        raise ParamError(f"{origin} : seuil_percentile doit être compris entre 0 et 100 (reçu : {seuil!r}).")
    depuis = campagne.get("depuis", dt.date.today())
    if not isinstance(depuis, dt.date):
        raise ParamError(f"{origin} : [campagne] depuis doit être une date (AAAA-MM-JJ).")
    return ScoreParams(
        nom=str(campagne.get("nom", "Zonage")),
        depuis=depuis,
        source=str(campagne.get("source", "")),
        poids=weights,
        seuil_percentile=float(seuil),
        regle=regle,
        nombre=_positive_int(
            selection["nombre"] if "nombre" in selection else _nombre_en_vigueur(depuis, origin),
            "[selection] nombre",
        ),
        population=_positive_int(selection.get("population", 2_500_000), "[selection] population"),
    )


@dataclass(frozen=True)
class CritereValue:
    valeur: float | None
    manquant: str = ""  # the reason when valeur is None
    percentile: float | None = None
    rang: int | None = None  # 1 = the worst EPCI of France on this criterion
    fragile: bool = False


@dataclass
class EpciScore:
    siren: str
    population: int
    criteres: dict[str, CritereValue]
    nb_fragilites: int = 0
    score: float | None = None
    rang: int = 0
    selectionnee: bool = False
    explication: str = ""


def percentiles(values: list[float | None], sens: str) -> tuple[list[float | None], list[int | None]]:
    """Percentile (0 = best, 100 = worst) and rank (1 = worst) of each value; None stays None."""
    present = [i for i, v in enumerate(values) if v is not None]
    pct: list[float | None] = [None] * len(values)
    ranks: list[int | None] = [None] * len(values)
    if not present:
        return pct, ranks
    raw = np.array([values[i] for i in present], dtype=np.float64)
    badness = -raw if sens == "bas" else raw
    average = rankdata(badness, method="average")
    worst_first = rankdata(-badness, method="min")
    m = len(present)
    for k, i in enumerate(present):
        pct[i] = float(100.0 * (average[k] - 1) / (m - 1)) if m > 1 else 100.0
        ranks[i] = int(worst_first[k])
    return pct, ranks


def score_epcis(
    values: dict[str, dict[str, tuple[float | None, str]]],
    populations: dict[str, int],
    params: ScoreParams,
) -> list[EpciScore]:
    """Scores, ranks and selects the EPCI; returns them in rank order."""
    sirens = sorted(values)
    columns: dict[str, tuple[list[float | None], list[int | None]]] = {}
    for critere in CRITERES:
        columns[critere] = percentiles([values[s][critere][0] for s in sirens], SENS[critere])
    results = []
    for k, siren in enumerate(sirens):
        criteres = {}
        for critere in CRITERES:
            value, reason = values[siren][critere]
            pct, rank = columns[critere][0][k], columns[critere][1][k]
            fragile = bool(pct is not None and pct >= params.seuil_percentile)
            criteres[critere] = CritereValue(value, reason if value is None else "", pct, rank, fragile)
        available = [c for c in CRITERES if criteres[c].percentile is not None and params.poids[c] > 0]
        total_weight = sum(params.poids[c] for c in available)
        score = (
            sum(params.poids[c] * (criteres[c].percentile or 0.0) for c in available) / total_weight
            if total_weight > 0
            else None
        )
        nb = sum(1 for c in CRITERES if criteres[c].fragile)
        results.append(EpciScore(siren, populations.get(siren, 0), criteres, nb, score))
    results.sort(key=lambda r: (-r.nb_fragilites, -(r.score if r.score is not None else -1.0), r.siren))
    cumulated = 0
    for position, result in enumerate(results, start=1):
        result.rang = position
        if params.regle == "nombre":
            result.selectionnee = position <= params.nombre
        else:
            result.selectionnee = cumulated < params.population
        if result.selectionnee:
            cumulated += result.population
    _explain(results, params)
    return results


def _fmt(value: float, decimals: int = 1) -> str:
    return f"{value:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")


def _explain(results: list[EpciScore], params: ScoreParams) -> None:
    selected = [r for r in results if r.selectionnee]
    last = selected[-1] if selected else None
    total = len(results)
    rule = (
        f"les {params.nombre} premiers"
        if params.regle == "nombre"
        else f"les premiers jusqu'à {_fmt(params.population, 0)} habitants"
    )
    for r in results:
        fragiles = [LIBELLES[c] for c in CRITERES if r.criteres[c].fragile]
        score = _fmt(r.score) if r.score is not None else "non calculable"
        head = (
            f"Rang {r.rang} sur {total} : {r.nb_fragilites} fragilité(s) sur {len(CRITERES)}, score {score}."
        )
        if r.selectionnee:
            why = f"Retenue : parmi {rule} du classement."
        elif last is not None:
            last_score = _fmt(last.score) if last.score is not None else "—"
            why = (
                f"Non retenue : la sélection retient {rule} ; le dernier EPCI retenu (rang {last.rang}) cumule "
                f"{last.nb_fragilites} fragilité(s) avec un score de {last_score}."
            )
        else:
            why = "Non retenue : aucune zone sélectionnée."
        detail = (
            f" Fragilités : {', '.join(fragiles)}."
            if fragiles
            else " Aucun critère dans le quintile le plus défavorable."
        )
        r.explication = f"{head} {why}{detail}"
