"""Who opens which mission (and so which day's patient list): one place for the mission object.

The day's patient list opens to the doctor of the mission (validated, signed in) and the référents of its lieu
(`day_list_mission`); the ARS of the lieu's region, and the national admin, through the back-office view
(`ars_mission`, on territoire.acces). The volunteer's own missions page lists `medecin.missions` of the signed-in
volunteer (annuaire.acces.medecin_or_404).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q

from solidarite.annuaire import acces as annuaire_acces
from solidarite.planning.models import Mission
from solidarite.territoire import acces

REGION = "lieu__commune__departement__region"
DAY_LIST_STATUSES = (Mission.Statut.CONFIRMEE, Mission.Statut.REALISEE)
NOT_YOUR_DAY = (
    "Cette journée de consultation n'est pas la vôtre, n'est pas dans un lieu dont vous êtes référent, "
    "ou n'est pas confirmée."
)


NOT_A_REFERENT = "Cette page est réservée aux référents des lieux solidaires, nommés par leur ARS."


def day_list_mission(user: Any, pk: int) -> Mission:
    """A confirmed or realised mission whose patient list this user may read: its doctor, or a référent of
    its lieu. Anything else is a 404 (OutOfScopeError), whether the mission exists or not."""
    medecin = annuaire_acces.validated_medecin(user)
    condition = Q(pk__in=[])
    if medecin is not None:
        condition |= Q(medecin=medecin)
    lieux = annuaire_acces.referent_lieu_ids(user)
    if lieux:
        condition |= Q(lieu_id__in=lieux)
    found = (
        Mission.objects.select_related("lieu__commune", "medecin")
        .filter(condition, pk=pk, statut__in=DAY_LIST_STATUSES)
        .first()
    )
    if found is None:
        raise acces.OutOfScopeError(NOT_YOUR_DAY)
    return found


REFERENT_PAST_DAYS = 14  # the référent follows up the last two weeks' days (results, calls back)


def referent_missions(user: Any, today: Any) -> list[Mission]:
    """The days of the lieux this account answers for: confirmed or realised missions from two weeks ago on.
    A référent of no lieu gets a 404 (OutOfScopeError), like any page outside one's role."""
    lieux = annuaire_acces.referent_lieu_ids(user)
    if not lieux:
        raise acces.OutOfScopeError(NOT_A_REFERENT)
    return list(
        Mission.objects.select_related("lieu__commune", "medecin")
        .filter(
            lieu_id__in=lieux,
            statut__in=DAY_LIST_STATUSES,
            date__gte=today - dt.timedelta(days=REFERENT_PAST_DAYS),
        )
        .order_by("date", "lieu__nom")
    )


def ars_mission(user: Any, pk: int) -> Mission:
    """A mission of the ARS agent's region (any for the national admin); 404 otherwise."""
    return acces.get_in_scope(
        user, Mission.objects.select_related("lieu__commune__departement", "medecin"), REGION, pk=pk
    )
