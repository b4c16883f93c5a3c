"""How a computed zonage departs from what was published (pure): the regions off their published count, and why
(`desaccords`); recall and precision against an official list (`rappel`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from solidarite.zonage.faits import Faits
from solidarite.zonage.score import CRITERES, unite_ecart

if (
    TYPE_CHECKING
):  # the engine (its sources, numpy readers) is not imported by the back office's start (services.py)
    from solidarite.zonage.calcul import ZonageResult


@dataclass(frozen=True)
class Desaccord:
    code: str
    publie: int
    calcule: int
    proches: int  # EPCI of the region within `proche` points of the cut-off, on the other side
    critere: str  # the criterion on which the region differs most from France (mean percentile)
    ecart_critere: float  # region's mean percentile minus 50
    proche: float = 3.0  # PROCHE, or PROCHE_VOTE when the score is a vote's share
    unite: str = unite_ecart(False)

    @property
    def explication(self) -> str:
        sens = "moins" if self.calcule < self.publie else "plus"
        cote = "juste sous" if self.calcule < self.publie else "juste au-dessus de"
        place = "le mieux placée" if self.ecart_critere < 0 else "le plus mal placée"
        return (
            f"{self.calcule} calculées pour {self.publie} publiées ({sens} que publié) ; {self.proches} EPCI "
            f"de la région {cote} la limite (moins de {self.proche:g} {self.unite}) ; critère où la région est "
            f"{place} par rapport à la France : {self.critere} (percentile moyen "
            f"{50 + self.ecart_critere:.0f})."
        )


PROCHE = 3.0  # points of the composite (0–100)
PROCHE_VOTE = 10.0  # points of a vote's share: about 4 of 40 equal methods (ADR 0021)


def desaccords(result: ZonageResult, faits: Faits) -> list[Desaccord]:
    """The regions whose computed count is off the published one by more than one zone, with why."""
    vote = bool(result.params.membres)
    proche = PROCHE_VOTE if vote else PROCHE
    found = []
    for r in faits.regions:
        mine = [s for s in result.scores if s.region == r.code]
        computed = sum(1 for s in mine if s.selectionnee)
        if abs(computed - r.zones) <= 1:
            continue
        under = computed < r.zones
        proches = sum(
            1
            for s in mine
            if s.selectionnee != under and s.ecart_seuil is not None and abs(s.ecart_seuil) < proche
        )
        means = {}
        for c in CRITERES:
            if result.params.poids.get(c, 0) <= 0:
                continue
            values = [p for s in mine if (p := s.criteres[c].percentile) is not None]
            if values:
                means[c] = float(np.mean(values)) - 50.0
        if not means:
            continue
        pick = min(means, key=lambda c: means[c]) if under else max(means, key=lambda c: means[c])
        found.append(
            Desaccord(r.code, r.zones, computed, proches, pick, means[pick], proche, unite_ecart(vote))
        )
    return found


@dataclass(frozen=True)
class Rappel:
    """A computed zonage against an official list: recall, precision, and the misses."""

    officielles: int
    trouvees: int
    calculees: int
    manquees: list[str]  # official, not computed (SIREN)
    en_trop: list[str]
    # A partial list: the regions (codes) that precision was kept to; () when it counts the computed zones everywhere.
    perimetre: tuple[str, ...] = ()

    @property
    def rappel(self) -> float:
        return self.trouvees / self.officielles if self.officielles else 0.0

    @property
    def precision(self) -> float:
        return self.trouvees / self.calculees if self.calculees else 0.0


def liste_partielle(officielles: int, faits: Faits) -> bool:
    """Whether an official list of `officielles` EPCI is partial (an ARS's own region, a press sample): it names fewer
    than the campaign's published total of zones (`faits.zones`, 151 in 2025). The official list is the final one,
    the ARS additions included (ADR 0027), so a list of 140 to 150 is short of it though the computation retains
    about 140. The one rule of the back office (`services.compare_official`) and of `zonage calibrer --liste`."""
    return officielles < faits.zones


def perimetre(
    computed: set[str], official: set[str], regions: Mapping[str, Iterable[str]], faits: Faits
) -> tuple[set[str], tuple[str, ...]]:
    """The computed zones a list can confirm or deny, and the regions kept (codes, sorted; () for all of them).

    A partial list (`liste_partielle`) says nothing of a computed zone in a region it does not name: that zone is
    neither right nor wrong, and precision counts only the zones of the regions it names (`regions`: SIREN → the
    codes of the regions it spans). A whole list keeps every computed zone: one in a region without an official
    zone is a real mistake."""
    if not liste_partielle(len(official), faits):
        return computed, ()
    named = {code for s in official for code in regions.get(s, ())}
    return {s for s in computed if named.intersection(regions.get(s, ()))}, tuple(sorted(named))


def rappel(
    computed: set[str],
    official: set[str],
    regions: Mapping[str, Iterable[str]] | None = None,
    faits: Faits | None = None,
) -> Rappel:
    """Recall and precision; with `regions` and the published `faits`, a partial list is judged on the regions it
    names (`perimetre`)."""
    kept, codes = (
        perimetre(computed, official, regions, faits)
        if regions is not None and faits is not None
        else (computed, ())
    )
    both = kept & official
    return Rappel(
        len(official), len(both), len(kept), sorted(official - kept), sorted(kept - official), codes
    )


def perimetre_texte(officielles: int, faits: Faits, codes: Iterable[str], noms: Mapping[str, str]) -> str:
    """What a partial list's precision counts, in French."""
    regions = ", ".join(sorted(noms.get(c, c) for c in codes))
    return (
        f"Liste partielle ({officielles} EPCI pour {faits.zones} zones publiées) : la précision ne compte que les "
        f"zones calculées des régions qu'elle nomme ({regions}) ; ailleurs, la liste ne dit ni oui ni non."
    )
