"""After a change of SECRET_KEY, the appointments to come get their person's key (RendezVous.identite) again, under
the new key: the one-a-day rule then compares them without the former key (ADR 0004).

The key is an HMAC of the name, first name and birth date, which the appointment holds: it is recomputed from them,
so this works after a leak too, when the former key must not be kept in DJANGO_SECRET_KEY_FALLBACKS. The worker runs
it once a day (config/planification.py); until then a former key declared there keeps the rule (booking.py).

By batches of `lot` appointments in pk order, each batch's changes written in a transaction of their own, and only
when a key changed: a booking waits for one batch, not for the whole run (SQLite writes one transaction at a time;
PostgreSQL keeps no lock nor transaction open between two batches). A worker asked to stop (`stop`,
rdv.tasks.ARRET) ends it between two batches; the next run starts after the last appointment read (`apres`, ADR
0011).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass

from django.db import IntegrityError, connection, models, transaction

from solidarite.rdv.audit import AccesDonnees
from solidarite.rdv.models import RendezVous
from solidarite.rdv.patients import identity_key

ACTION = "empreinte recalculée"
CANAL = "tâche quotidienne"
# Appointments read per batch (a batch's changed keys are written in one transaction).
LOT = 500
# SQLite: the pause after a batch that wrote. A writer kept waiting (a booking) does not queue: it sleeps and tries
# again, up to 100 ms apart (SQLite's busy handler), and without a pause the next batch took the database first
# each time, a booking waited most of the run. A little longer than that, so that it comes in between two batches.
PAUSE_S = 0.15


@dataclass(frozen=True)
class Reempreinte:
    lus: int  # appointments to come under the rule
    recalcules: int  # whose key was a former one, now the current one
    # left as they were: the same person already holds that day's key, booked after the change
    en_conflit: int
    # stopped between two batches (the worker asked to stop): the pk of the last appointment read, the rest after it
    interrompue_apres: int | None = None


def a_relire(now: dt.datetime) -> models.QuerySet[RendezVous]:
    """The appointments under the rule: active, with a key, from the day before `now` on (a lieu's local day may
    still be the previous one)."""
    return RendezVous.objects.filter(
        identite__isnull=False, jour__gte=(now - dt.timedelta(days=1)).date()
    ).exclude(statut=RendezVous.Statut.ANNULE)


def _write(changes: list[tuple[int, str, str]]) -> tuple[int, int]:
    """One batch's new keys (pk, key read, key now), in one transaction: (how many changed, how many conflicted).
    A row changed meanwhile (moved, cancelled) is left to the next run: the UPDATE checks the key it read."""
    recalcules = en_conflit = 0
    with transaction.atomic():
        for pk, identite, current in changes:
            try:
                with transaction.atomic():
                    changed = RendezVous.objects.filter(pk=pk, identite=identite).update(identite=current)
                    if changed:
                        AccesDonnees.objects.create(rendez_vous_id=pk, action=ACTION, canal=CANAL)
            except IntegrityError:  # two appointments that day at that lieu, one from before the change
                en_conflit += 1
                continue
            recalcules += changed
    return recalcules, en_conflit


def reempreinter(
    now: dt.datetime, lot: int = LOT, stop: threading.Event | None = None, apres: int = 0
) -> Reempreinte:
    """Recomputes the key of every appointment under the rule (`a_relire`) whose pk is above `apres`, `lot` at a
    time; each one changed is written in the access log. Read without a transaction; a batch with nothing to change
    writes nothing. Once `stop` is set, ends after the batch in hand (committed) and starts no other."""
    rows = a_relire(now).order_by("pk").values_list("pk", "nom", "prenom", "date_naissance", "identite")
    lus = recalcules = en_conflit = 0
    while True:
        batch = list(rows.filter(pk__gt=apres)[:lot])
        if not batch:
            return Reempreinte(lus, recalcules, en_conflit)
        if stop is not None and stop.is_set():
            return Reempreinte(lus, recalcules, en_conflit, interrompue_apres=apres)
        changes = []
        for pk, nom, prenom, date_naissance, identite in batch:
            current = identity_key(nom, prenom, date_naissance)
            if current != identite:
                changes.append((pk, identite, current))
        if changes:
            changed, conflicts = _write(changes)
            recalcules += changed
            en_conflit += conflicts
            if connection.vendor == "sqlite":
                time.sleep(PAUSE_S)
        lus += len(batch)
        apres = batch[-1][0]
