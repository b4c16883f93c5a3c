"""After a change of SECRET_KEY, the appointments to come get their person's key (RendezVous.identite) again, under
the new key: the one-a-day rule then compares them without the former key (ADR 0004).

The key is an HMAC of the name, first name and birth date, which the appointment holds: it is recomputed from them,
so this works after a leak too, when the former key must not be kept in DJANGO_SECRET_KEY_FALLBACKS. The worker runs
it once a day (config/planification.py); until then a former key declared there keeps the rule (booking.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from solidarite.rdv.audit import AccesDonnees
from solidarite.rdv.models import RendezVous
from solidarite.rdv.patients import identity_key

ACTION = "empreinte recalculée"
CANAL = "tâche quotidienne"


@dataclass(frozen=True)
class Reempreinte:
    lus: int  # appointments to come under the rule
    recalcules: int  # whose key was a former one, now the current one
    # left as they were: the same person already holds that day's key, booked after the change
    en_conflit: int


def reempreinter(now: dt.datetime) -> Reempreinte:
    """Recomputes the key of every active appointment from the day before `now` on (a lieu's local day may still be
    the previous one), in one transaction; each one changed is written in the access log. A row changed meanwhile
    (moved, cancelled) is left to the next run: the UPDATE checks the key it read."""
    rows = (
        RendezVous.objects.filter(identite__isnull=False, jour__gte=(now - dt.timedelta(days=1)).date())
        .exclude(statut=RendezVous.Statut.ANNULE)
        .values_list("pk", "nom", "prenom", "date_naissance", "identite")
        .order_by("pk")
    )
    lus = recalcules = en_conflit = 0
    with transaction.atomic():
        for pk, nom, prenom, date_naissance, identite in rows.iterator(chunk_size=2000):
            lus += 1
            current = identity_key(nom, prenom, date_naissance)
            if current == identite:
                continue
            try:
                with transaction.atomic():
                    changed = RendezVous.objects.filter(pk=pk, identite=identite).update(identite=current)
                    if changed:
                        AccesDonnees.objects.create(rendez_vous_id=pk, action=ACTION, canal=CANAL)
            except IntegrityError:  # two appointments that day at that lieu, one from before the change
                en_conflit += 1
                continue
            recalcules += changed
    return Reempreinte(lus, recalcules, en_conflit)
