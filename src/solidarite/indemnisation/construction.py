"""What the month's run would write, read in a fixed number of queries and written nowhere: the run writes it
(`services.construire_mois`), the validation compares a draft with it (`perimes`) and refuses one that is no longer
what the run would write (decision 0015, revision « un brouillon périmé »)."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone

from solidarite import parametres
from solidarite.indemnisation import calcul
from solidarite.indemnisation.models import JourRealise, LigneReleve, Releve
from solidarite.territoire.models import Region

Progress = Callable[[str, int], None]
REGION_PATH = "mission__lieu__commune__departement__region"


def _nothing(etape: str, pct: int) -> None:
    pass


@dataclass(slots=True)
class Brouillon:
    """A statement about to be inserted (lighter than a model instance: 3,000 of them per run), with its lines."""

    medecin_id: int
    region_id: int
    total: Decimal
    anomalies: list[dict[str, Any]]
    lignes: list[calcul.Ligne] = field(default_factory=list)
    cpam: str = ""


@dataclass(slots=True)
class Plan:
    """The month's statements as the run writes them, and the lines it takes over from later drafts."""

    releves: list[Brouillon]
    repris: list[calcul.Existante]


def next_month(first: dt.date) -> dt.date:
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def parametre_entier(nom: str, jour: dt.date, table: calcul.Table) -> int:
    v = parametres.parametre(nom, jour, table).valeur
    if not isinstance(v, int):
        raise ValidationError(f"Paramètre {nom!r} : un nombre entier attendu.")
    return v


def plafonds(table: calcul.Table) -> Callable[[dt.date], int]:
    """The cap in force in a month (a dated parameter), for that month's days and late ones alike; read once."""
    caps: dict[dt.date, int] = {}

    def cap(month: dt.date) -> int:
        if month not in caps:
            caps[month] = parametre_entier("jours_max_par_mois", month, table)
        return caps[month]

    return cap


def calculer(
    first: dt.date,
    region: Region | None,
    table: calcul.Table,
    cap: Callable[[dt.date], int],
    *,
    medecins: Iterable[int] | None = None,
    remplaces: QuerySet[Releve] | None = None,
    progress: Progress = _nothing,
) -> Plan:
    """The statements of `first`'s month (one region, or all), as the run writes them; three reads, no write.

    The run has deleted the drafts it replaces before it calls this. Without deleting them, `remplaces` names those
    drafts: their lines are read as if they were gone. `medecins` keeps those volunteers only (a validation)."""
    end = next_month(first)
    lignes_lues = LigneReleve.objects.all()
    if remplaces is not None:
        lignes_lues = lignes_lues.exclude(releve__in=remplaces)
    jours = JourRealise.objects.filter(mission__date__lt=end)
    # The lines of days up to this month's end only: a later month's day in a later statement is neither
    # paid here nor « withdrawn » (December built after January gave each January day a −200 € line).
    lignes = lignes_lues.filter(date__lt=end)
    frozen_rows = Releve.objects.filter(mois=first, statut__in=Releve.FIGES)
    if medecins is not None:
        ids = sorted(set(medecins))
        jours = jours.filter(mission__medecin_id__in=ids)
        lignes = lignes.filter(releve__medecin_id__in=ids)
        frozen_rows = frozen_rows.filter(medecin_id__in=ids)
    if region is not None:
        # The monthly cap is the doctor's, whatever the region: the days and lines of the region's doctors
        # in every region are read (subqueries, no extra query), only the region's statements are written.
        avec_jours = JourRealise.objects.filter(mission__date__lt=end, **{REGION_PATH: region}).values(
            "mission__medecin_id"
        )
        avec_lignes = lignes_lues.filter(releve__region=region).values("releve__medecin_id")
        jours = jours.filter(Q(mission__medecin_id__in=avec_jours) | Q(mission__medecin_id__in=avec_lignes))
        lignes = lignes.filter(Q(releve__medecin_id__in=avec_jours) | Q(releve__medecin_id__in=avec_lignes))
    rows = list(
        jours.values_list(
            "mission_id",
            "mission__date",
            "nature",
            "consultations",
            "mission__medecin_id",
            "mission__lieu__commune__departement__region_id",
        )
    )
    # Every line, with its statement's month and whether that statement is validated: only a validated one
    # pays, and a later draft's line is taken over by this month (calcul.placer).
    line_rows = list(
        lignes.values_list(
            "pk",
            "mission_id",
            "date",
            "montant",
            "genre",
            "releve__mois",
            "releve__statut",
            "releve__medecin_id",
            "releve__region_id",
        )
    )
    frozen = set(frozen_rows.values_list("medecin_id", "region_id"))
    progress("Calcul des relevés", 40)
    actuels: dict[int, calcul.Jour] = {}
    medecin_of: dict[int, int] = {}
    for mission_id, date, nature, consultations, medecin_id, region_id in rows:
        actuels[mission_id] = calcul.Jour(mission_id, date, nature, consultations, str(region_id))
        medecin_of[mission_id] = medecin_id
    existantes: dict[int, list[calcul.Existante]] = defaultdict(list)
    for pk, mission_id, date, montant, genre, mois, statut, medecin_id, region_id in line_rows:
        existantes[medecin_id].append(
            calcul.Existante(
                mission_id, date, montant, genre, mois, statut in Releve.FIGES, str(region_id), pk
            )
        )
    jours_of: dict[int, dict[int, calcul.Jour]] = defaultdict(dict)
    for mission_id, jour in actuels.items():
        jours_of[medecin_of[mission_id]][mission_id] = jour
    releves: list[Brouillon] = []
    repris: list[calcul.Existante] = []
    for medecin_id in sorted(set(jours_of) | set(existantes)):
        groupes = {j.groupe for j in jours_of[medecin_id].values()} | {
            e.groupe for e in existantes[medecin_id]
        }
        place = calcul.placer(
            first,
            jours_of[medecin_id],
            existantes[medecin_id],
            fermes=[
                g
                for g in groupes
                if (medecin_id, int(g)) in frozen or (region is not None and int(g) != region.pk)
            ],
        )
        repris.extend(place.repris)
        releve = calcul.construire(first, place.nouveaux, place.payes, actuels, cap, table, tenus=place.tenus)
        groups: dict[str, list[calcul.Ligne]] = defaultdict(list)
        for ligne in releve.lignes:
            groups[ligne.groupe].append(ligne)
        for jour in place.nouveaux:
            if jour.mission_id in releve.retenus:
                groups.setdefault(jour.groupe, [])
        for paye in place.payes.values():
            if paye.mission_id in releve.retenus:  # a held correction is listed on its region's statement
                groups.setdefault(paye.groupe, [])
        groupe_of = {p.mission_id: p.groupe for p in place.payes.values()}
        groupe_of.update({j.mission_id: j.groupe for j in place.nouveaux})
        for groupe, items in groups.items():
            if region is not None and int(groupe) != region.pk:
                continue  # another region's statement: its ARS computes it
            if (medecin_id, int(groupe)) in frozen:
                continue  # its new days wait for the next month's statement
            # Each statement lists the anomalies of its region's days: the ARS that reads it can resolve them.
            anomalies = [
                {"code": a.code, "message": a.message, "missions": list(a.mission_ids)}
                for a in releve.anomalies
                if any(groupe_of.get(m) == groupe for m in a.mission_ids)
            ]
            total = sum((i.montant for i in items), Decimal(0))
            releves.append(Brouillon(medecin_id, int(groupe), total, anomalies, items))
    return Plan(releves, repris)


# --- A draft against what the run would write now ----------------------------------------------------------

Cle = tuple[str, int, dt.date, str, Decimal, Decimal, int, str]  # a line as written: what the statement says


CENTIMES = Decimal("0.01")


def _cle(
    genre: str,
    mission_id: int,
    date: dt.date,
    nature: str,
    taux: Decimal,
    montant: Decimal,
    consultations: int,
    motif: str,
) -> Cle:
    """A line as written (amounts in cents, the reason cut as the run cuts it): « 200 » and « 200.00 » are one."""
    return (
        genre,
        mission_id,
        date,
        nature,
        taux.quantize(CENTIMES),
        montant.quantize(CENTIMES),
        consultations,
        motif[:200],
    )


def _ligne(i: calcul.Ligne) -> Cle:
    return _cle(i.genre, i.mission_id, i.date, i.nature, i.taux, i.montant, i.consultations, i.motif)


def _anomalies(items: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(a, sort_keys=True, ensure_ascii=False) for a in items)


def perimes(drafts: list[Releve], table: calcul.Table = parametres.PARAMETRES) -> dict[int, str]:
    """Each of `drafts` that the month's run would now write otherwise (a day withdrawn, added or changed since it
    was built, an amount in force changed, an anomaly come or gone), by id: one French sentence saying so. Reads a fixed
    number of queries per region and month, whatever the statements and their days; writes nothing. The caller holds
    the drafts locked (select_for_update), as the run does before it replaces them."""
    if not drafts:
        return {}
    stored: dict[int, list[Cle]] = defaultdict(list)
    for releve_id, *values in LigneReleve.objects.filter(releve__in=drafts).values_list(
        "releve_id", "genre", "mission_id", "date", "nature", "taux", "montant", "consultations", "motif"
    ):
        stored[releve_id].append(_cle(*values))
    by_scope: dict[tuple[int, dt.date], list[Releve]] = defaultdict(list)
    for r in drafts:
        by_scope[(r.region_id, r.mois)].append(r)
    cap = plafonds(table)
    refusals: dict[int, str] = {}
    for (region_id, mois), group in sorted(by_scope.items(), key=lambda item: (item[0][1], item[0][0])):
        region = group[0].region
        plan = calculer(
            mois,
            region,
            table,
            cap,
            medecins=[r.medecin_id for r in group],
            remplaces=Releve.objects.filter(mois=mois, region_id=region_id, statut=Releve.Statut.BROUILLON),
        )
        now = {b.medecin_id: b for b in plan.releves if b.region_id == region_id}
        for r in sorted(group, key=lambda r: r.pk):
            fresh = now.get(r.medecin_id)
            changes = _changes(stored[r.pk], [_ligne(i) for i in fresh.lignes] if fresh else [])
            if not changes and _anomalies(r.anomalies) != _anomalies(fresh.anomalies if fresh else []):
                changes = ["ses anomalies ont changé"]
            if changes:
                refusals[r.pk] = (
                    f"Le relevé de {r.medecin} ({r.mois:%m/%Y}) n'est plus à jour : {', '.join(changes)} depuis son "
                    f"calcul le {timezone.localtime(r.cree_le):%d/%m/%Y}."
                )
    return refusals


def _changes(before: list[Cle], after: list[Cle]) -> list[str]:
    """What changed between a draft's lines and the run's, day by day, in date order."""
    old: dict[tuple[int, str], list[Cle]] = defaultdict(list)
    new: dict[tuple[int, str], list[Cle]] = defaultdict(list)
    for cle in before:
        old[(cle[1], cle[0])].append(cle)
    for cle in after:
        new[(cle[1], cle[0])].append(cle)
    said: list[tuple[dt.date, str]] = []
    for key in set(old) | set(new):
        a, b = sorted(old.get(key, []), key=str), sorted(new.get(key, []), key=str)
        if a == b:
            continue
        date = (a or b)[0][2]
        quoi = "ajustement" if key[1] == calcul.LIGNE_AJUSTEMENT else "journée"
        verbe = "retiré" if quoi == "ajustement" else "retirée"
        if a and b:
            verbe = "modifié" if quoi == "ajustement" else "modifiée"
        elif b:
            verbe = "ajouté" if quoi == "ajustement" else "ajoutée"
        said.append((date, f"{quoi} du {date:%d/%m/%Y} {verbe}"))
    return [text for _date, text in sorted(said)]
