"""The purge: patient data goes once its retention period (settings, with their source) is over.

Appointments, waitlist entries and the messages sent about them are deleted, not anonymised: what pilotage
needs of them is a count per lieu × month × status (`ComptageMensuel`), added in the transaction that deletes
the rows, so that a row is either still there or counted, never both, never neither. One transaction per batch;
running it again deletes and counts nothing more. The access log keeps its own, longer period.

A worker asked to stop (`stop`, rdv.tasks.ARRET) ends the purge between two batches: what is done is committed,
the rest is left for the next run (`Bilan.interrompue`).

Run by `python -m solidarite purge [--dry-run]` and, once a day, by the worker (rdv/tasks.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.utils import timezone

from solidarite.rdv.audit import purge_audit
from solidarite.rdv.models import AccesDonnees, ComptageMensuel, InscriptionAttente, Message, RendezVous

Key = tuple[int, dt.date, str, str]  # lieu, first day of the month, objet, statut


@dataclasses.dataclass(frozen=True)
class Limites:
    """What is older than this goes (computed from `now` and the settings)."""

    rendez_vous: dt.datetime  # appointments that started before
    attente: dt.date  # waitlist entries whose period ended before
    messages: dt.datetime  # messages due before
    acces: dt.datetime  # access-log rows written before

    @classmethod
    def at(cls, now: dt.datetime) -> Limites:
        return cls(
            rendez_vous=now - dt.timedelta(days=settings.SOLIDARITE_CONSERVATION_RDV_JOURS),
            attente=timezone.localdate(now)
            - dt.timedelta(days=settings.SOLIDARITE_CONSERVATION_ATTENTE_JOURS),
            messages=now - dt.timedelta(days=settings.SOLIDARITE_CONSERVATION_MESSAGES_JOURS),
            acces=now - dt.timedelta(days=settings.SOLIDARITE_CONSERVATION_ACCES_JOURS),
        )


@dataclasses.dataclass
class Bilan:
    """How many rows went (or would go, on a dry run)."""

    rendez_vous: int = 0
    inscriptions: int = 0
    messages: int = 0
    acces: int = 0
    interrompue: bool = False  # stopped between two batches (the worker asked to stop): the rest is left


def _expired_messages(limites: Limites) -> models.QuerySet[Message]:
    # Messages past their own period, and those of the appointments and entries that go now: deleted and
    # counted here, before their owner (otherwise they would vanish by cascade, uncounted).
    return Message.objects.filter(
        Q(prevu_le__lt=limites.messages)
        | Q(rendez_vous__debut__lt=limites.rendez_vous)
        | Q(inscription__au__lt=limites.attente)
    )


def _expired_rendez_vous(limites: Limites) -> models.QuerySet[RendezVous]:
    return RendezVous.objects.filter(debut__lt=limites.rendez_vous)


def _expired_inscriptions(limites: Limites) -> models.QuerySet[InscriptionAttente]:
    return InscriptionAttente.objects.filter(au__lt=limites.attente)


def _month(value: dt.datetime | dt.date) -> dt.date:
    day = timezone.localdate(value) if isinstance(value, dt.datetime) else value
    return day.replace(day=1)


def _message_key(row: dict[str, Any]) -> Key:
    lieu = row["rendez_vous__lieu_id"] or row["inscription__lieu_id"]
    statut = f"{row['canal']}:{row['statut']}"
    return (lieu, _month(row["prevu_le"]), ComptageMensuel.Objet.MESSAGE, statut)


def _rendez_vous_key(row: dict[str, Any]) -> Key:
    return (row["lieu_id"], _month(row["debut"]), ComptageMensuel.Objet.RENDEZ_VOUS, row["statut"])


def _inscription_key(row: dict[str, Any]) -> Key:
    return (row["lieu_id"], _month(row["du"]), ComptageMensuel.Objet.ATTENTE, row["statut"])


def _add_counts(counts: Counter[Key]) -> None:
    """Adds to the monthly counts (inside the caller's transaction)."""
    for (lieu, mois, objet, statut), nombre in sorted(counts.items()):
        cell = ComptageMensuel.objects.filter(lieu_id=lieu, mois=mois, objet=objet, statut=statut)
        if cell.update(nombre=F("nombre") + nombre):
            continue
        try:
            with transaction.atomic():
                ComptageMensuel.objects.create(
                    lieu_id=lieu, mois=mois, objet=objet, statut=statut, nombre=nombre
                )
        except IntegrityError:  # another purge created the cell meanwhile
            cell.update(nombre=F("nombre") + nombre)


def _in_batches(
    queryset: models.QuerySet[Any],
    fields: Iterable[str],
    key: Callable[[dict[str, Any]], Key],
    lot: int,
    stop: threading.Event | None,
) -> tuple[int, bool]:
    """Deletes the rows of `queryset`, `lot` at a time, each batch counted and deleted in one transaction; returns
    how many, and whether `stop` ended it with rows left (looked at before each batch, the last one committed).

    The rows are read again under a lock (PostgreSQL: FOR UPDATE; SQLite: its transactions write one at a
    time), so that two purges at once never count the same row twice: the second one finds it gone."""
    model = queryset.model
    total = 0
    while True:
        with transaction.atomic():
            ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:lot])
            if not ids:
                return total, False
            if stop is not None and stop.is_set():
                return total, True
            locked = queryset.filter(pk__in=ids).select_for_update(of=("self",))
            rows = list(locked.values("pk", *fields))
            _add_counts(Counter(key(row) for row in rows))
            model.objects.filter(pk__in=[row["pk"] for row in rows]).delete()
            total += len(rows)


# ------------------------------------------------------------------------------------------------------------
def compter(now: dt.datetime) -> Bilan:
    """What a purge at `now` would delete (the dry run): changes nothing."""
    limites = Limites.at(now)
    return Bilan(
        rendez_vous=_expired_rendez_vous(limites).count(),
        inscriptions=_expired_inscriptions(limites).count(),
        messages=_expired_messages(limites).count(),
        acces=AccesDonnees.objects.filter(le__lt=limites.acces).count(),
    )


def purger(now: dt.datetime, lot: int | None = None, stop: threading.Event | None = None) -> Bilan:
    """Deletes what is past its retention period at `now`, adding each row to the monthly counts first.

    Once `stop` is set, ends after the batch in hand (committed) and starts no other: `interrompue`."""
    lot = lot or settings.SOLIDARITE_PURGE_LOT
    limites = Limites.at(now)
    bilan = Bilan()
    bilan.messages, bilan.interrompue = _in_batches(
        _expired_messages(limites),
        ("rendez_vous__lieu_id", "inscription__lieu_id", "prevu_le", "canal", "statut"),
        _message_key,
        lot,
        stop,
    )
    if not bilan.interrompue:
        bilan.rendez_vous, bilan.interrompue = _in_batches(
            _expired_rendez_vous(limites), ("lieu_id", "debut", "statut"), _rendez_vous_key, lot, stop
        )
    if not bilan.interrompue:
        bilan.inscriptions, bilan.interrompue = _in_batches(
            _expired_inscriptions(limites), ("lieu_id", "du", "statut"), _inscription_key, lot, stop
        )
    if not bilan.interrompue:  # one DELETE, the one way to delete audit rows (append-only log)
        bilan.acces = purge_audit(limites.acces)
    return bilan
