"""Who sees which statement and confirms which day: the one place of the indemnisation context (decision 0006).

- a realised day is confirmed by the mission's doctor or a référent of its lieu (planning.acces.day_list_mission);
- a statement is read, downloaded and contested by its volunteer only (`releve_du_medecin`);
- the ARS agent acts on the statements of its region only (`releves_de_la_region`, `check_region`), the national
  admin on all; anything else is a 404 (its existence is not revealed).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from solidarite.annuaire import acces as annuaire_acces
from solidarite.indemnisation.models import Releve
from solidarite.planning import acces as planning_acces
from solidarite.planning.models import Mission
from solidarite.territoire import acces
from solidarite.territoire.models import Region

REGION = "region"
NOT_YOURS = "Ce relevé n'existe pas, ou il n'est pas le vôtre."


def mission_a_confirmer(user: Any, pk: int) -> Mission:
    """The mission whose day this user may confirm: its doctor or a référent of its lieu; 404 otherwise."""
    return planning_acces.day_list_mission(user, pk)


def releve_du_medecin(user: Any, pk: int) -> Releve:
    medecin = annuaire_acces.medecin_or_404(user)
    found = Releve.objects.select_related("medecin", "region").filter(pk=pk, medecin=medecin).first()
    if found is None:
        raise acces.OutOfScopeError(NOT_YOURS)
    return found


def releves_de_la_region(user: Any) -> QuerySet[Releve]:
    return acces.scope(user, Releve.objects.all(), REGION)


def check_region(user: Any, region: Region) -> None:
    """PermissionDenied (French) unless the user is the national admin or an ARS agent of `region`."""
    acces.check_region(user, region)


def is_national_admin(user: Any) -> bool:
    return acces.is_national_admin(user)
