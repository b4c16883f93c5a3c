"""What planning lets the contexts above it read of its missions: the contract rdv books against.

A mission is *ouverte* (open to appointments) when it is confirmed and its lieu is active (annuaire). The rule
lives here once, in two forms: a queryset for the ORM, and a relation `(id, lieu_id, date)` for the hot SQL of
slot lists and bookings (rdv.services), which use it as a derived table and never name planning's or
annuaire's tables or statuses themselves. A derived table rather than a database view: PostgreSQL and SQLite
inline it as they would a view, with the same plans, and SQLite cannot rebuild a table that a view names
(every later migration of these two tables would fail there).
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from django.db.models import QuerySet

from solidarite.annuaire.models import LieuSolidaire
from solidarite.planning.models import Mission
from solidarite.territoire.models import Commune


def missions_ouvertes() -> QuerySet[Mission]:
    """The missions open to appointments: confirmed, in an active lieu."""
    return Mission.objects.filter(statut=Mission.Statut.CONFIRMEE, lieu__actif=True)


def _relation() -> str:
    # Literals, not parameters: a constant text, so that the statements that use it are prepared once per
    # connection on PostgreSQL; the status is one of Mission.Statut's values, never user input.
    # The lieu's state as a scalar subquery, not a join: read by its primary key for each mission the
    # caller's conditions select, so that the plan stays that of the missions' index whatever the statistics
    # (a join let PostgreSQL hash the whole lieux table for every slot list).
    return (
        f"(SELECT mo.id, mo.lieu_id, mo.date FROM {Mission._meta.db_table} mo "
        f"WHERE mo.statut = '{Mission.Statut.CONFIRMEE.value}' "
        f"AND (SELECT lo.actif FROM {LieuSolidaire._meta.db_table} lo WHERE lo.id = mo.lieu_id))"
    )


MISSIONS_OUVERTES_SQL = _relation()
"""The open missions as an SQL relation with the columns id, lieu_id and date, to use in a FROM clause with
an alias (`FROM {MISSIONS_OUVERTES_SQL} m`). A locking clause on that alias (`FOR KEY SHARE OF m`) locks the
mission's row, as a foreign key to it would."""


def code_commune_sql(alias: str) -> str:
    """The INSEE code of the commune of the lieu of the mission `alias` (a row of MISSIONS_OUVERTES_SQL), as a
    scalar subquery read by primary keys: the lieu's time zone follows from it (territoire.fuseaux)."""
    return (
        f"(SELECT co.code_insee FROM {Commune._meta.db_table} co WHERE co.id = "
        f"(SELECT lc.commune_id FROM {LieuSolidaire._meta.db_table} lc WHERE lc.id = {alias}.lieu_id))"
    )


class JourOuvert(NamedTuple):
    mission_id: int
    date: dt.date


def jours_ouverts(lieu_id: int, depuis: dt.date) -> list[JourOuvert]:
    """The open missions of a lieu from a day on, by date."""
    rows = missions_ouvertes().filter(lieu_id=lieu_id, date__gte=depuis).order_by("date", "pk")
    return [JourOuvert(pk, day) for pk, day in rows.values_list("pk", "date")]


# Why a mission takes no appointment (etat_mission), for the pages that must say it in words.
LIEU_FERME = "lieu_ferme"
MISSION_ANNULEE = "mission_annulee"
MISSION_REALISEE = "mission_realisee"
MISSION_NON_CONFIRMEE = "mission_non_confirmee"


class EtatMission(NamedTuple):
    lieu_id: int
    date: dt.date
    fermeture: str  # "" when open (missions_ouvertes); otherwise why not, one of the codes above


def etat_mission(mission_id: int) -> EtatMission | None:
    """A mission's lieu and whether it is open to appointments, and if not why (its lieu closed first: what
    the patient can do about it differs); None for no such mission."""
    row = (
        Mission.objects.filter(pk=mission_id).values_list("lieu_id", "date", "statut", "lieu__actif").first()
    )
    if row is None:
        return None
    lieu_id, day, statut, actif = row
    if not actif:
        return EtatMission(lieu_id, day, LIEU_FERME)
    closed = {
        Mission.Statut.CONFIRMEE: "",
        Mission.Statut.ANNULEE: MISSION_ANNULEE,
        Mission.Statut.REALISEE: MISSION_REALISEE,
    }
    return EtatMission(lieu_id, day, closed.get(statut, MISSION_NON_CONFIRMEE))
