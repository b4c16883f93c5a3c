"""Who sees which mission (and so which day's patient list): one place for the mission object.

- the national admin: every mission; an ARS agent: the missions at the lieux of their region (territoire.acces);
- a validated volunteer: their own missions;
- a lieu référent: the missions at their lieux.
The day's patient list is opened to the doctor of the mission and the référent of the lieu (`day_list_mission`);
the ARS reads it through its own back-office view (`ars_mission`).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from solidarite.annuaire import acces as annuaire_acces
from solidarite.planning.models import Mission
from solidarite.territoire import acces

REGION = "lieu__commune__departement__region"
DAY_LIST_STATUSES = (Mission.Statut.CONFIRMEE, Mission.Statut.REALISEE)
NOT_YOUR_DAY = (
    "Cette journée de consultation n'est pas la vôtre, n'est pas dans un lieu dont vous êtes référent, "
    "ou n'est pas confirmée."
)


def missions_for(user: Any) -> QuerySet[Mission]:
    rows = Mission.objects.select_related("lieu__commune__departement", "medecin")
    condition = acces.region_filter(user, REGION)
    if condition is None:
        return rows
    medecin = annuaire_acces.validated_medecin(user)
    if medecin is not None:
        condition |= Q(medecin=medecin)
    lieux = annuaire_acces.referent_lieu_ids(user)
    if lieux:
        condition |= Q(lieu_id__in=lieux)
    return rows.filter(condition)


def day_list_mission(user: Any, pk: int) -> Mission:
    """A confirmed or realised mission whose patient list this user may read: its doctor, or a référent of
    its lieu. Anything else is a 404 (HorsPerimetre), whether the mission exists or not."""
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
        raise acces.HorsPerimetre(NOT_YOUR_DAY)
    return found


def ars_mission(user: Any, pk: int) -> Mission:
    """A mission of the ARS agent's region (any for the national admin); 404 otherwise."""
    return acces.get_in_scope(
        user, Mission.objects.select_related("lieu__commune__departement", "medecin"), REGION, pk=pk
    )
