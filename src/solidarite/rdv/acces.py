"""Who reads which appointment: one place for the RendezVous object, on the region rule (territoire.acces).

The back office (ARS of the region, national admin) reads the appointments of its lieux; the doctor of a mission and
the référents of its lieu read them through the day's list (planning.acces.day_list_mission); a patient, only their
own, through their signed link (rdv.services.from_jeton).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from solidarite.rdv.models import RendezVous
from solidarite.territoire import acces

REGION = "lieu__commune__departement__region"


def rendez_vous_for(user: Any, rows: QuerySet[RendezVous] | None = None) -> QuerySet[RendezVous]:
    """The appointments (of `rows`, by default all) that the back-office user may read."""
    return acces.scope(user, RendezVous.objects.all() if rows is None else rows, REGION)
