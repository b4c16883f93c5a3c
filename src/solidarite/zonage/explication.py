"""The explanation of each EPCI's rank and selection (`EpciScore.explication`). Pure, typed.

`classement` computes, for one scoring, everything an explanation reads (ranks, scores, the gap to the
cut-off, the decisive criterion) as plain lists, frozen in an `Explications`; the text of an EPCI is written
on its first read, not at scoring time: a what-if on the weights re-scores 1,255 EPCI and most of their texts
are never read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np

from solidarite.zonage.methode import (
    CRITERES,
    GROUPE_OUTRE_MER,
    LIBELLES,
    NOMS_OUTRE_MER,
    OUTRE_MER,
    ScoreParams,
)


def unite_ecart(vote: bool) -> str:
    """The unit of `ecart_seuil`: points of the composite, or of the share of a vote's methods (ADR 0021)."""
    return "point(s) de part du vote" if vote else "point(s) de score"


def fmt(value: float, decimals: int = 1) -> str:
    return f"{value:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")


def competition(region: str, params: ScoreParams) -> str:
    """The group an EPCI competes in: its region when it has a quota, else the nation (or the rest)."""
    if params.outre_mer and region in OUTRE_MER:
        return region if region in params.outre_mer_territoires else GROUPE_OUTRE_MER
    return region if region in params.quotas else ""


def detail_territoires(params: ScoreParams) -> str:
    """« (selon les comptes publiés : Guadeloupe 1, …) » for the territories with a published count."""
    if not params.outre_mer_territoires:
        return ""
    parts = [f"{NOMS_OUTRE_MER[c]} {n}" for c, n in sorted(params.outre_mer_territoires.items())]
    reste = params.outre_mer - sum(params.outre_mer_territoires.values())
    return f" (selon les comptes publiés : {', '.join(parts)}, {reste} parmi les autres territoires)"


def regle(params: ScoreParams) -> str:
    """The selection rule, as the explanations say it."""
    if params.outre_mer and not params.quotas and params.regle == "population":
        return (
            f"les {params.outre_mer} premiers de l'outre-mer{detail_territoires(params)}, puis les premiers "
            f"de la métropole jusqu'à atteindre {fmt(params.population, 0)} habitants en tout, outre-mer compris "
            "(le dernier retenu franchit ce nombre)"
        )
    if params.outre_mer and not params.quotas:
        return (
            f"les {params.outre_mer} premiers de l'outre-mer"
            + detail_territoires(params)
            + f", puis les {params.nombre - params.outre_mer} premiers de la métropole"
        )
    if params.quotas:
        rule = "les premiers de leur région (ou de l'outre-mer) selon leur quota, puis les premiers du reste de la France"
        if params.regle == "population":
            rule += f" jusqu'à atteindre {fmt(params.population, 0)} habitants en tout"
        return rule
    if params.regle == "nombre":
        return f"les {params.nombre} premiers"
    return f"les premiers jusqu'à atteindre {fmt(params.population, 0)} habitants"


SANS_ZONE, TOUS_RETENUS = 1, 2  # `Explications.cas`: a published count decided, not the rank


@dataclass(frozen=True)
class Explications:
    """What the explanations of one scoring read, per position in rank order (0 = rank 1)."""

    params: ScoreParams
    regle: str
    rang_region: Sequence[int]
    nb_fragilites: Sequence[int]
    score: Sequence[float | None]
    score_fragilite: Sequence[float | None]
    selectionnee: Sequence[bool]
    reference: Sequence[int]  # position of the last retained / first not retained of its group, −1: none
    ecart: Sequence[float | None]
    decisif: Sequence[str]
    cas: Sequence[int]  # 0, SANS_ZONE or TOUS_RETENUS
    region: Sequence[str]
    groupe: Sequence[str]
    par_groupe: dict[str, int]  # EPCI per group of competition
    fragiles: np.ndarray  # position × CRITERES
    absents: np.ndarray  # position × CRITERES: weighed but without a value

    def texte(self, i: int) -> str:
        params = self.params
        total = len(self.selectionnee)
        retenue = self.selectionnee[i]
        value = self.score[i]
        score = fmt(value) if value is not None else "non calculable"
        head = (
            f"Rang {i + 1} sur {total} (rang {self.rang_region[i]} dans sa région) : "
            f"{self.nb_fragilites[i]} fragilité(s), score {score}."
        )
        if params.membres:
            own = self.score_fragilite[i]
            head = (
                f"Rang {i + 1} sur {total} (rang {self.rang_region[i]} dans sa région) : retenue par {score} % des "
                f"{len(params.membres)} méthodes du vote (pondérées par leur accord avec les faits publiés) ; "
                f"{self.nb_fragilites[i]} fragilité(s), score des fragilités (méthode principale) "
                f"{fmt(own) if own is not None else 'non calculable'}."
            )
        gap = ""
        ecart = self.ecart[i]
        if ecart is not None:
            other = "premier non retenu" if retenue else "dernier retenu"
            gap = (
                f" Écart au seuil (score du {other}, rang {self.reference[i] + 1}) : "
                f"{'+' if ecart >= 0 else '−'}{fmt(abs(ecart), 2)} {unite_ecart(bool(params.membres))}."
            )
            if ecart == 0 and params.membres:
                gap += f" À égalité de votes avec le {other} : la méthode principale les a départagés."
        why = (
            f"Retenue : parmi {self.regle}."
            if retenue
            else f"Non retenue : la sélection retient {self.regle}."
        ) + gap
        if self.cas[i] == SANS_ZONE:
            why = (
                f"Non retenue : les comptes publiés ne donnent aucune zone à {NOMS_OUTRE_MER[self.region[i]]}"
                f"{detail_territoires(params)} ; aucun de ses EPCI n'est retenu, quel que soit son score, et il "
                "n'y a pas de seuil dont mesurer l'écart."
            )
        elif self.cas[i] == TOUS_RETENUS:
            group = self.groupe[i]
            why = (
                f"Retenue : {NOMS_OUTRE_MER[group]} a {params.outre_mer_territoires[group]} zones publiées pour "
                f"ses {self.par_groupe[group]} EPCI, tous retenus quel que soit leur score ; le rang et le score "
                "ne décident pas ici."
            )
        decisive_text = f" Critère décisif : {LIBELLES[self.decisif[i]]}." if self.decisif[i] else ""
        fragiles = [LIBELLES[c] for c, f in zip(CRITERES, self.fragiles[i].tolist(), strict=True) if f]
        detail = (
            f" Fragilités : {', '.join(fragiles)}."
            if fragiles
            else " Aucun critère dans la part la plus défavorable."
        )
        # a criterion the score weighs but this EPCI has no value for (Mayotte's APL, outside DREES's field;
        # Filosofi overseas): said, so that « 0 fragilité » is not read as « nothing fragile »
        absents = [LIBELLES[c] for c, a in zip(CRITERES, self.absents[i].tolist(), strict=True) if a]
        if absents:
            detail += f" Sans valeur ici, donc non comptés : {', '.join(absents)}."
        return f"{head} {why}{decisive_text}{detail}"


class Differee:
    """A text attribute of a dataclass that may be given as a function, called on the first read and its
    result kept: reading it gives the text either way (`EpciScore.explication`)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_{name}"

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> str: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> str: ...
    def __get__(self, obj: object | None, owner: type | None = None) -> str:
        if obj is None:
            return ""  # the field's default
        value: str | Callable[[], str] = getattr(obj, self.slot)
        if isinstance(value, str):
            return value
        text = str(value())
        object.__setattr__(obj, self.slot, text)
        return text

    def __set__(self, obj: object, value: str | Callable[[], str]) -> None:
        # not through `obj.__dict__`, which would make every instance build a dict of its attributes
        object.__setattr__(obj, self.slot, value)
