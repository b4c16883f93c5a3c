"""The arithmetic of the monthly statement (relevé mensuel): pure, typed, no Django.

A realised day (`Jour`) is paid at the amount in force ON ITS DATE (`taux`: `indemnite_journaliere` or
`indemnite_demi_journee` in the dated parameters, which the caller may replace by its own table). A statement
(`construire`) holds:
- one line per new realised day (never paid before), unless the day is held back by an anomaly (over the
  monthly cap, two missions the same day, a half-day and a full day on one date): held days are listed as
  anomalies and paid nothing until the ARS resolves them (never paid silently);
- adjustment lines for days already paid in a validated statement whose amount due has changed since (the day
  was withdrawn or changed from full to half, or the amount in force that day was changed by a new dated
  entry): due now − paid so far, so that over all statements a day is paid exactly its due, once.

Where each line goes, whatever the order months are built in (`placer`, decision 0015, revision of 7 December):
- only a validated statement (validé, transmis, payé, contesté) pays: a draft's lines are no payment, so a day
  withdrawn while its statement is a draft is dropped when that draft is rebuilt, never « regularised »;
- a new day goes into the statement of its own month; a day of a month whose statement is already validated (a
  late day) goes into the statement of the earliest later month built;
- the regularisation of a day paid in a validated statement goes into the statement of the earliest month after
  the last validated statement holding that day; its line carries the day's date and says which day it concerns;
- a draft of a later month that holds such a line gives it up when an earlier month is built (`repris`): over
  any order of builds, a line ends in the earliest eligible month built, never in two statements.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from solidarite.parametres import PARAMETRES, Parametre, parametre

JOURNEE = "journee"
DEMI_JOURNEE = "demi_journee"
NATURES = {JOURNEE: "indemnite_journaliere", DEMI_JOURNEE: "indemnite_demi_journee"}
UNITES = {JOURNEE: Decimal(1), DEMI_JOURNEE: Decimal("0.5")}  # counted against the monthly cap, in days
LIGNE_JOUR = "jour"
LIGNE_AJUSTEMENT = "ajustement"
PLAFOND, CHEVAUCHEMENT, DEMI_ET_JOURNEE = "plafond", "chevauchement", "demi_et_journee"

Table = tuple[Parametre, ...]


class CalculError(ValueError):
    """A statement that cannot be computed (a bad amount, an unknown kind of day): a French message."""


@dataclass(frozen=True)
class Jour:
    """A realised mission day: its mission, date, full or half day, the day's consultations (for information),
    and a group (the lieu's region) that the caller uses to split the statement."""

    mission_id: int
    date: dt.date
    nature: str
    consultations: int = 0
    groupe: str = ""


@dataclass(frozen=True)
class Paye:
    """What a day already in a validated statement has been paid so far (its line plus any adjustment)."""

    mission_id: int
    date: dt.date
    montant: Decimal
    groupe: str = ""


@dataclass(frozen=True)
class Ligne:
    genre: str  # LIGNE_JOUR or LIGNE_AJUSTEMENT
    mission_id: int
    date: dt.date
    nature: str  # the day's nature now ("" for a day no longer realised)
    taux: Decimal  # the amount in force on the day for that nature (0 if no longer realised)
    montant: Decimal
    consultations: int = 0
    groupe: str = ""
    motif: str = ""


@dataclass(frozen=True)
class Anomalie:
    code: str
    message: str
    mission_ids: tuple[int, ...]
    date: dt.date | None = None


@dataclass(frozen=True)
class Releve:
    mois: dt.date
    lignes: tuple[Ligne, ...]
    anomalies: tuple[Anomalie, ...] = field(default_factory=tuple)

    @property
    def total(self) -> Decimal:
        return sum((ligne.montant for ligne in self.lignes), Decimal(0))

    @property
    def retenus(self) -> frozenset[int]:
        return frozenset(m for a in self.anomalies for m in a.mission_ids)


@dataclass(frozen=True)
class Existante:
    """A line already written for one of the volunteer's days, in a validated statement (`fige`) or in a draft of
    another month (the drafts of the month built are replaced, so they are not given). `ref` is the line's
    identifier, for the caller to delete the lines this statement takes over."""

    mission_id: int
    date: dt.date
    montant: Decimal
    genre: str  # LIGNE_JOUR or LIGNE_AJUSTEMENT
    mois: dt.date  # its statement's month
    fige: bool
    groupe: str = ""
    ref: int = 0


@dataclass(frozen=True)
class Placement:
    """What the statement of a month takes: `nouveaux` (day lines), `payes` (days paid in validated statements,
    whose regularisation, if any, is this statement's), `tenus` (days whose lines stay in another statement:
    counted against the cap, no line here) and `repris` (lines of later drafts this statement takes over)."""

    nouveaux: tuple[Jour, ...]
    payes: Mapping[int, Paye]
    tenus: frozenset[int]
    repris: tuple[Existante, ...]


def placer(
    mois: dt.date,
    jours: Mapping[int, Jour],
    existantes: Iterable[Existante],
    fermes: Iterable[str] = (),
) -> Placement:
    """Which of one volunteer's days the statement of `mois` holds, by the rule of this module's docstring.

    `jours`: the volunteer's realised days (up to the end of `mois`) by mission; `existantes`: their lines in
    validated statements and in drafts of other months; `fermes`: the groups (regions) whose statement of `mois`
    is not written (validated already, or another region's): those take nothing over from another draft."""
    mois = premier_du_mois(mois)
    closed = set(fermes)
    par_mission: dict[int, list[Existante]] = defaultdict(list)
    for e in existantes:
        par_mission[e.mission_id].append(e)
    nouveaux: list[Jour] = []
    payes: dict[int, Paye] = {}
    tenus: set[int] = set()
    repris: list[Existante] = []
    for mission_id in sorted(set(jours) | set(par_mission)):
        lignes = par_mission.get(mission_id, [])
        jour = jours.get(mission_id)
        figees = [e for e in lignes if e.fige]
        ouvertes = [e for e in lignes if not e.fige]
        groupe = jour.groupe if jour is not None else lignes[0].groupe
        plus_tard = [e for e in ouvertes if e.mois > mois]
        if figees:
            borne = max(e.mois for e in figees)  # its regularisation goes into a later month's statement
            # An open line of `mois` itself is another region's draft of this month (this region's are replaced).
            if mois <= borne or any(borne < e.mois <= mois for e in ouvertes):
                tenus.add(mission_id)
                continue
            if groupe in closed and plus_tard:
                tenus.add(mission_id)
                continue
            derniere = max(figees, key=lambda e: (e.mois, e.genre == LIGNE_JOUR))
            payes[mission_id] = Paye(
                mission_id, derniere.date, sum((e.montant for e in figees), Decimal(0)), derniere.groupe
            )
        else:
            if any(e.mois <= mois for e in ouvertes) or (groupe in closed and plus_tard):
                tenus.add(mission_id)
                continue
            if jour is not None:
                nouveaux.append(jour)
        if groupe not in closed:
            repris.extend(plus_tard)
    return Placement(tuple(nouveaux), payes, frozenset(tenus), tuple(repris))


def premier_du_mois(jour: dt.date) -> dt.date:
    return jour.replace(day=1)


def taux(nature: str, jour: dt.date, table: Table = PARAMETRES) -> Decimal:
    """The amount for one `nature` of day on `jour`, from the dated table; refused if not a positive amount."""
    nom = NATURES.get(nature)
    if nom is None:
        raise CalculError(f"Nature de journée inconnue « {nature} » : journée ou demi-journée attendue.")
    valeur = parametre(nom, jour, table).valeur
    if not isinstance(valeur, Decimal) or not valeur.is_finite() or valeur < 0:
        raise CalculError(
            f"Paramètre {nom!r} en vigueur le {jour:%d/%m/%Y} : un montant positif en euros attendu, "
            f"pas {valeur!r}."
        )
    return valeur


def du(jour: Jour | None, date: dt.date, table: Table = PARAMETRES) -> Decimal:
    """What a day is worth now: its rate on its date, or 0 if it is no longer realised."""
    return Decimal(0) if jour is None else taux(jour.nature, date, table)


def anomalies(jours: Iterable[Jour], cap: int, deja_payes: Iterable[int] = ()) -> tuple[Anomalie, ...]:
    """The anomalies of one volunteer's realised days of one month.

    On one date: a half-day with a full day (`demi_et_journee`), two full days or more than two half-days
    (`chevauchement`): every new day of that date is held. Beyond the monthly cap (in days, half-days count
    0.5), the new days past the cap, in date order, are held (`plafond`); days already paid count first."""
    payes = set(deja_payes)
    found: list[Anomalie] = []
    par_date: dict[dt.date, list[Jour]] = defaultdict(list)
    for j in jours:
        par_date[j.date].append(j)
    conflits: set[int] = set()
    for date in sorted(par_date):
        du_jour = par_date[date]
        natures = [j.nature for j in du_jour]
        nouveaux = tuple(sorted(j.mission_id for j in du_jour if j.mission_id not in payes))
        if JOURNEE in natures and DEMI_JOURNEE in natures:
            found.append(
                Anomalie(
                    DEMI_ET_JOURNEE,
                    f"Le {date:%d/%m/%Y} : une demi-journée et une journée le même jour.",
                    nouveaux,
                    date,
                )
            )
        elif natures.count(JOURNEE) > 1 or natures.count(DEMI_JOURNEE) > 2:
            found.append(
                Anomalie(
                    CHEVAUCHEMENT,
                    f"Le {date:%d/%m/%Y} : {len(du_jour)} missions qui se chevauchent le même jour.",
                    nouveaux,
                    date,
                )
            )
        else:
            continue
        conflits.update(nouveaux)
    compte = sum(
        (UNITES[j.nature] for d in par_date.values() for j in d if j.mission_id in payes), Decimal(0)
    )
    au_dela: list[int] = []
    for j in sorted((j for d in par_date.values() for j in d), key=lambda j: (j.date, j.mission_id)):
        if j.mission_id in payes or j.mission_id in conflits:
            continue
        if compte + UNITES[j.nature] > cap:
            au_dela.append(j.mission_id)
        else:
            compte += UNITES[j.nature]
    if au_dela:
        found.append(
            Anomalie(
                PLAFOND,
                f"Plus de {cap} jour(s) de mission dans le mois : {len(au_dela)} journée(s) retenue(s), "
                "non payée(s) tant que l'ARS ne l'a pas résolu.",
                tuple(au_dela),
            )
        )
    return tuple(found)


def construire(
    mois: dt.date,
    nouveaux: Sequence[Jour],
    payes: Mapping[int, Paye],
    actuels: Mapping[int, Jour],
    cap: int | Callable[[dt.date], int],
    table: Table = PARAMETRES,
    tenus: Iterable[int] = (),
) -> Releve:
    """One volunteer's statement for `mois`.

    `nouveaux`: realised days not yet in any statement (of this month, or of earlier months whose statement was
    already validated: they come here rather than into a validated one). `payes`: days already in a validated
    statement, with what they were paid; `actuels`: the current realised days by mission (a paid day missing
    from it was withdrawn); `tenus`: days whose lines stay in another statement (no line here). `placer` gives
    the three. The cap and overlaps are checked month by month, days already placed in the month counted
    first. Raises CalculError for an unknown nature or a bad amount."""
    mois = premier_du_mois(mois)
    # The cap of each month is the one in force in THAT month (a dated parameter): a late day of December paid
    # in January's statement is held against December's cap.
    plafond: Callable[[dt.date], int] = cap if callable(cap) else (lambda _m: cap)
    places = set(payes) | set(tenus)  # days whose line is already somewhere
    par_mois: dict[dt.date, list[Jour]] = defaultdict(list)
    for j in nouveaux:
        if j.mission_id not in places:
            par_mois[premier_du_mois(j.date)].append(j)
    found: list[Anomalie] = []
    for m in sorted(par_mois):
        deja = [actuels[p] for p in places if p in actuels and premier_du_mois(actuels[p].date) == m]
        found.extend(anomalies([*deja, *par_mois[m]], plafond(m), deja_payes=(j.mission_id for j in deja)))
    retenus = {m for a in found for m in a.mission_ids}
    lignes: list[Ligne] = []
    unites: dict[dt.date, Decimal] = defaultdict(Decimal)  # the days of each month paid once this one is
    for j in sorted(nouveaux, key=lambda j: (j.date, j.mission_id)):
        if j.mission_id in retenus or j.mission_id in places:
            continue
        t = taux(j.nature, j.date, table)
        lignes.append(Ligne(LIGNE_JOUR, j.mission_id, j.date, j.nature, t, t, j.consultations, j.groupe))
        unites[premier_du_mois(j.date)] += UNITES[j.nature]
    for mission_id in places:
        if mission_id in actuels:
            unites[premier_du_mois(actuels[mission_id].date)] += UNITES[actuels[mission_id].nature]
    au_dela: list[Paye] = []
    for p in sorted(payes.values(), key=lambda p: (p.date, p.mission_id)):
        actuel = actuels.get(p.mission_id)
        montant = du(actuel, p.date, table)
        ecart = montant - p.montant
        if ecart > 0 and unites[premier_du_mois(p.date)] > plafond(premier_du_mois(p.date)):
            # A paid half-day corrected into a full day takes its month past the cap: the difference is held
            # (listed, never paid in silence) until the ARS resolves it, like a new day over the cap.
            au_dela.append(p)
            continue
        if ecart:
            motif = (
                f"Journée du {p.date:%d/%m/%Y} retirée après validation"
                if actuel is None
                else f"Correction de la journée du {p.date:%d/%m/%Y} ou du montant en vigueur ce jour-là"
            )
            lignes.append(
                Ligne(
                    LIGNE_AJUSTEMENT,
                    p.mission_id,
                    p.date,
                    actuel.nature if actuel else "",
                    montant,
                    ecart,
                    actuel.consultations if actuel else 0,
                    p.groupe,
                    motif,
                )
            )
    for m in sorted({premier_du_mois(p.date) for p in au_dela}):
        held = tuple(p.mission_id for p in au_dela if premier_du_mois(p.date) == m)
        found.append(
            Anomalie(
                PLAFOND,
                f"Plus de {plafond(m)} jour(s) de mission en {m:%m/%Y} après correction : {len(held)} écart(s) "
                "retenu(s), non payé(s) tant que l'ARS ne l'a pas résolu.",
                held,
            )
        )
    return Releve(mois, tuple(lignes), tuple(found))


def verifier_table(table: Table, jours: Iterable[dt.date]) -> None:
    """Refuses (CalculError, French) a table whose day or half-day amount on one of `jours` is not a positive
    amount: checked before anything is written."""
    for jour in jours:
        for nature in NATURES:
            taux(nature, jour, table)
