"""Who owns a résultat attendu: the ownership rule as a pure function (no Django), applied by
`continuite.services` at every write path (issue 20, point 3; docs/decisions/0014-continuite.md).

The rule, in order:
1. the patient's médecin traitant, once declared and accepted, owns every open result of that patient;
2. a doctor who ordered (or took over) a result keeps it while their mission lasts (until the end of the
   mission day) and while they remain a validated volunteer;
3. then the lieu's active référent (the same one while they stay active, else the first active one);
4. failing all of them (no référent left at the lieu), the ARS of the lieu's region, which must name one:
   the owner is never nobody.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum


class Kind(Enum):
    MEDECIN = "medecin"
    REFERENT = "referent"
    MEDECIN_TRAITANT = "medecin_traitant"
    ARS = "ars"


@dataclass(frozen=True)
class Owner:
    kind: Kind
    id: int
    jusqu_au: dt.date | None = None  # a doctor's ownership ends with their mission day

    def __post_init__(self) -> None:
        if (self.kind is Kind.MEDECIN) != (self.jusqu_au is not None):
            raise ValueError(
                "Un médecin volontaire possède un résultat jusqu'à la fin de sa mission, et lui seul."
            )


@dataclass(frozen=True)
class Situation:
    """What the rule needs to know about the world, read by the service in a few queries."""

    today: dt.date
    medecins_valides: frozenset[int]  # validated volunteers (a withdrawn or suspended one is not here)
    referents_actifs: tuple[int, ...]  # active référents of the lieu, oldest first
    medecin_traitant: int | None  # the patient's médecin traitant, if declared and accepted
    region: int  # the lieu's region (its ARS)
    lieu_actif: bool = True  # a closed lieu ends the doctors' ownership at once


def owner_after(current: Owner | None, s: Situation) -> Owner:
    """The owner after an event (end of a mission day, withdrawal, référent change, lieu closed, médecin
    traitant accepted or withdrawn, or just time passing). Never None."""
    if s.medecin_traitant is not None:
        if current is not None and current.kind is Kind.MEDECIN and _doctor_holds(current, s):
            # A doctor on duty who took it over keeps it until the end of their day, then the médecin traitant.
            return current
        return Owner(Kind.MEDECIN_TRAITANT, s.medecin_traitant)
    if current is not None and current.kind is Kind.MEDECIN and _doctor_holds(current, s):
        return current
    if current is not None and current.kind is Kind.REFERENT and current.id in s.referents_actifs:
        return current
    if s.referents_actifs:
        return Owner(Kind.REFERENT, s.referents_actifs[0])
    return Owner(Kind.ARS, s.region)


def owner_at_order(medecin: int, mission_day: dt.date, s: Situation) -> Owner:
    """The first owner of a result ordered by `medecin` on `mission_day`: the doctor, then as the rule says."""
    return owner_after(Owner(Kind.MEDECIN, medecin, mission_day), s)


def _doctor_holds(owner: Owner, s: Situation) -> bool:
    return (
        s.lieu_actif
        and owner.id in s.medecins_valides
        and owner.jusqu_au is not None
        and s.today <= owner.jusqu_au
    )


def en_retard(date_prevue: dt.date, grace_jours: int, today: dt.date) -> bool:
    """Overdue after the expected date plus the grace period."""
    return today > date_prevue + dt.timedelta(days=grace_jours)
