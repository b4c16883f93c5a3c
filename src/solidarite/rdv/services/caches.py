"""What the process keeps of the database between requests, shared by its threads: the active lieux (30 s),
the next free slots shown by searches (3 s), and the missions a booking was last checked against.

Thread-sensitive: a list read from the database is kept only if no thread of the process changed what it
depends on while it was being read (KeptStore, active_lieux). What a booking guarantees is never read from
here alone: the database checks it again in the booking's statement (booking)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.db import transaction

from solidarite.annuaire.models import LieuSolidaire
from solidarite.territoire.fuseaux import fuseau

if TYPE_CHECKING:
    from solidarite.rdv.services.free_slots import Creneau


def _keep(store: dict[Any, Any], key: Any, value: Any, limit: int) -> None:
    """Keeps a value in one of the process's stores, which is emptied when it reaches its limit."""
    if len(store) >= limit:
        store.clear()
    store[key] = value


class MissionDayRow(NamedTuple):
    """What a slot of a mission depends on: its lieu, its day, the lieu's hours (the columns as read) and the
    INSEE code of its commune (its time zone, territoire.fuseaux)."""

    lieu_id: int
    day: dt.date
    hours_columns: tuple[Any, ...]
    commune: str


MISSIONS_KEPT_MAX = 50_000
_missions: dict[int, MissionDayRow] = {}  # confirmed missions of active lieux, as this process last read them


@dataclass(frozen=True)
class Catalogue:
    """The active lieux (with commune and hours) and their positions, as one process last read them."""

    read_at: float
    lieux: dict[int, LieuSolidaire]
    ids: list[int]
    latitudes: np.ndarray
    longitudes: np.ndarray
    # (latitude, longitude) of a searched place -> its lieux within reach (ids) and their minutes, nearest
    # first: filled by the searches (a few thousand communes search for lieux), and carried over to the next
    # catalogue as long as the lieux and their positions are the same.
    reach: dict[tuple[float, float], list[tuple[int, float]]] = field(default_factory=dict)

    def same_places(self, other: Catalogue) -> bool:
        return (
            self.ids == other.ids
            and np.array_equal(self.latitudes, other.latitudes)
            and np.array_equal(self.longitudes, other.longitudes)
        )


REACH_KEPT_MAX = 10_000  # the communes of the zones (about 3,900), and places found « autour de moi »

_catalogue = Catalogue(0.0, {}, [], np.empty(0), np.empty(0))
_forgotten = 0  # how many times this process forgot the lieux (forget_lieux), under _lieux_lock
_lieux_lock = threading.Lock()


def active_lieux() -> Catalogue:
    """The active lieux, kept 30 s in the process: every search and every slot list reads them, and a lieu
    opened, closed or renamed shows within half a minute (slots, appointments, and everything a booking
    checks are always read from the database). Not to be modified: shared by the requests of the process.
    Not kept if another thread of the process changed a lieu while it was being read (it may predate that)."""
    global _catalogue
    ttl = float(settings.SOLIDARITE_LIEUX_TTL_S)
    if time.monotonic() - _catalogue.read_at > ttl or not _catalogue.ids:
        forgotten = _forgotten
        fresh = _read_catalogue()
        if fresh.same_places(_catalogue):  # the lieux within reach of each place are still the same
            fresh.reach.update(_catalogue.reach)
        with _lieux_lock:
            if forgotten == _forgotten:
                _catalogue = fresh
        return fresh
    return _catalogue


def _read_catalogue() -> Catalogue:
    lieux = LieuSolidaire.objects.filter(actif=True).select_related("commune", "horaires_consultation")
    by_id = {lieu.pk: lieu for lieu in lieux.order_by("pk")}
    ids = list(by_id)
    return Catalogue(
        time.monotonic(),
        by_id,
        ids,
        np.array([by_id[pk].latitude for pk in ids], dtype=float),
        np.array([by_id[pk].longitude for pk in ids], dtype=float),
    )


def lieu_nom_fuseau(lieu_id: int) -> tuple[str, ZoneInfo]:
    """The name of a lieu and its time zone (that of its commune: its times are written in it,
    territoire.fuseaux), from the active lieux kept, or read."""
    lieu = active_lieux().lieux.get(lieu_id)
    if lieu is not None:
        return lieu.nom, lieu.fuseau
    nom, code = LieuSolidaire.objects.values_list("nom", "commune__code_insee").get(pk=lieu_id)
    return nom, fuseau(code)


def lieu_fuseau(lieu_id: int) -> ZoneInfo:
    return lieu_nom_fuseau(lieu_id)[1]


def forget_lieux(**kwargs: object) -> None:
    """A lieu or its hours were saved or deleted in this process: the lieux, and the next free slots kept for
    searches, are read again at the next search; now, and once the transaction is committed (a search in
    between would read the state before)."""
    _forget_lieux_now()
    transaction.on_commit(_forget_lieux_now)


def _forget_lieux_now() -> None:
    global _catalogue, _forgotten
    with _lieux_lock:
        _forgotten += 1
        _catalogue = Catalogue(0.0, {}, [], np.empty(0), np.empty(0))
    _kept.clear()


class KeptSlots(NamedTuple):
    read_at: float  # time.monotonic()
    slots: list[Creneau]  # the lieu's next search.NEXT_FREE_KEPT free slots, or all of them in the range
    all_there_is: bool  # fewer than NEXT_FREE_KEPT free slots in the whole range


class KeptStore:
    """The next free slots of each lieu as this process last read them, shared by its threads (the production
    server runs two per worker). A list read from the database is kept only if no thread of the process
    booked, freed or forgot that lieu's slots while it was being read: such a list may predate the change
    (read before its commit) and would show it late, where the documented delay covers other processes only."""

    def __init__(self) -> None:
        self.lists: dict[int, KeptSlots] = {}
        self.changes: dict[int, int] = {}  # lieu -> how many times this process changed its slots
        self.epoch = 0  # how many times this process forgot every list
        self.lock = threading.Lock()

    def get(self, lieu_id: int) -> KeptSlots | None:
        return self.lists.get(lieu_id)

    def mark(self, ids: list[int]) -> tuple[int, dict[int, int]]:
        """Where the changes stand, before reading the lieux's slots from the database."""
        return self.epoch, {pk: self.changes.get(pk, 0) for pk in ids}

    def keep(self, lieu_id: int, kept: KeptSlots, mark: tuple[int, dict[int, int]]) -> None:
        with self.lock:
            if mark[0] == self.epoch and mark[1][lieu_id] == self.changes.get(lieu_id, 0):
                self.lists[lieu_id] = kept

    def taken(self, lieu_id: int, creneau: str) -> None:
        with self.lock:
            self.changes[lieu_id] = self.changes.get(lieu_id, 0) + 1
            kept = self.lists.get(lieu_id)
            if kept is not None and any(slot.id == creneau for slot in kept.slots):
                self.lists[lieu_id] = kept._replace(slots=[slot for slot in kept.slots if slot.id != creneau])

    def drop(self, lieu_id: int) -> None:
        with self.lock:
            self.changes[lieu_id] = self.changes.get(lieu_id, 0) + 1
            self.lists.pop(lieu_id, None)

    def clear(self) -> None:
        with self.lock:
            self.epoch += 1
            self.lists.clear()


_kept = KeptStore()


def taken_here(lieu_id: int, creneau: str) -> None:
    """A slot booked by this process leaves the lists kept for searches at once; a list being read by another
    thread meanwhile is not kept, now and once the transaction is committed."""
    _kept.taken(lieu_id, creneau)
    transaction.on_commit(lambda: _kept.taken(lieu_id, creneau))


def freed_here(lieu_id: int) -> None:
    """Slots of the lieu were freed, opened or cancelled by this process: its list is read again at the next
    search, now and once the transaction is committed (a search in between would read the state before)."""
    _kept.drop(lieu_id)
    transaction.on_commit(lambda: _kept.drop(lieu_id))
