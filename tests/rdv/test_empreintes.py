"""The keys of the appointments to come recomputed after a change of SECRET_KEY (rdv.empreintes), batch by batch:
the same outcome whatever the batch, a booking that waits for one batch rather than the whole run, and a worker
asked to stop that ends it between two batches, the rest queued (docs/decisions/0011-taches-de-fond.md)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connections
from django.db.models.signals import post_save
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from solidarite.planning.models import Mission
from solidarite.rdv import empreintes, services
from solidarite.rdv.models import AccesDonnees, RendezVous
from solidarite.rdv.patients import identity_key
from solidarite.rdv.tasks import ARRET, empreintes_quotidiennes
from tests.factories import PATIENT, mission, patient

FORMER_KEY = "ancienne-cle-" * 5
NEW_KEY = "nouvelle-cle-" * 5


def _book(
    planned: Mission, people: range, secret: str | None, shift: int = 0, **fields: Any
) -> list[RendezVous]:
    """One appointment per person k of `people` (tests.factories.patient) in `planned`, on slot k + `shift`, its
    key computed under `secret` (the current SECRET_KEY when None); in pk order."""
    start = timezone.make_aware(dt.datetime.combine(planned.date, dt.time(8)))
    rows = []
    for k in people:
        born = dt.date.fromisoformat(patient(k)["date_naissance"])
        debut = start + dt.timedelta(minutes=5 * (k + shift))
        rows.append(
            RendezVous(
                mission=planned,
                lieu=planned.lieu,
                debut=debut,
                fin=debut + dt.timedelta(minutes=5),
                nom=PATIENT["nom"],
                prenom=PATIENT["prenom"],
                date_naissance=born,
                telephone="+33612345678",
                jour=planned.date,
                **{
                    "identite": identity_key(PATIENT["nom"], PATIENT["prenom"], born, secret=secret),
                    **fields,
                },
            )
        )
    return RendezVous.objects.bulk_create(rows)


@pytest.fixture
def new_key() -> Iterator[None]:
    """SECRET_KEY changed after a leak: the former key is not kept as a fallback."""
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[]):
        yield


@pytest.fixture
def on_change() -> Iterator[Callable[[Callable[[], None]], None]]:
    """Calls a function when the run writes its first key in the access log (in the batch's transaction)."""
    receivers: list[Callable[..., None]] = []

    def connect(action: Callable[[], None]) -> None:
        fired = threading.Event()

        def receiver(sender: Any, instance: AccesDonnees, **kwargs: Any) -> None:
            if instance.action == empreintes.ACTION and not fired.is_set():
                fired.set()
                action()

        receivers.append(receiver)
        post_save.connect(receiver, sender=AccesDonnees, weak=False)

    yield connect
    for receiver in receivers:
        post_save.disconnect(receiver, sender=AccesDonnees)


def _under_former_key() -> tuple[list[RendezVous], RendezVous]:
    """Ten appointments to come under the former key and two under the new one, a pair (the same person, day and
    lieu) of which one under each, and what the run leaves out: a cancelled one, one past, one without a key.
    Returns the ten, and the pair's older one."""
    planned = mission()
    former = _book(planned, range(1, 6), FORMER_KEY)
    older = _book(planned, range(6, 7), FORMER_KEY)[0]
    former += _book(planned, range(7, 12), FORMER_KEY)
    _book(planned, range(12, 14), None)  # booked under the new key already
    _book(planned, range(6, 7), None, shift=100)  # the same person as `older`, booked after the change
    _book(planned, range(14, 15), FORMER_KEY, statut=RendezVous.Statut.ANNULE)
    _book(mission(days_ahead=-3), range(15, 16), FORMER_KEY, statut=RendezVous.Statut.VU)
    _book(planned, range(16, 17), None, identite=None)
    return former, older


@pytest.mark.django_db
@pytest.mark.parametrize("lot", [3, empreintes.LOT], ids=["lots de 3", "un seul lot"])
def test_batches_change_nothing_to_the_outcome(new_key: None, lot: int) -> None:
    former, older = _under_former_key()
    older_key = older.identite
    done = empreintes.reempreinter(timezone.now(), lot=lot)
    assert done == empreintes.Reempreinte(lus=14, recalcules=10, en_conflit=1)
    for rdv in former:
        rdv.refresh_from_db()
        assert rdv.identite == identity_key(rdv.nom, rdv.prenom, rdv.date_naissance)
    older.refresh_from_db()
    assert older.identite == older_key  # left as it was: her other appointment holds that day's key
    logged = AccesDonnees.objects.filter(action=empreintes.ACTION)
    assert sorted(logged.values_list("objet_id", flat=True)) == [rdv.pk for rdv in former]
    again = empreintes.reempreinter(timezone.now(), lot=lot)
    assert again == empreintes.Reempreinte(lus=14, recalcules=0, en_conflit=1)


@pytest.mark.django_db(transaction=True)
def test_a_booking_during_the_run_waits_for_a_batch_not_for_the_whole_run(
    territoire: None, new_key: None, on_change: Callable[[Callable[[], None]], None]
) -> None:
    """On SQLite a write transaction holds the whole database: in one transaction, the run kept every booking
    waiting until its end (a national table: minutes). Here a patient books from another connection while the first
    of ten batches is written; she is through after it (two under load), the run left untouched meanwhile."""
    planned = mission()
    _book(planned, range(1, 201), FORMER_KEY)
    other = mission(days_ahead=8)
    slot = services.slots(other.lieu, other.date, other.date)[0]
    asked = threading.Event()
    seen: list[int] = []  # the keys the run had committed when her booking was

    def book() -> None:
        try:
            if asked.wait(timeout=30):
                services.book(slot.id, patient(99))
                seen.append(AccesDonnees.objects.filter(action=empreintes.ACTION).count())
        finally:
            connections.close_all()

    on_change(asked.set)
    patient_thread = threading.Thread(target=book)
    patient_thread.start()
    try:
        done = empreintes.reempreinter(timezone.now(), lot=20)
    finally:
        asked.set()
        patient_thread.join()
    assert (
        len(seen) == 1 and seen[0] <= 2 * 20
    )  # not 200: booked after the first batch (the second under load)
    assert done == empreintes.Reempreinte(lus=201, recalcules=200, en_conflit=0)  # hers read too
    assert RendezVous.objects.filter(mission=other).count() == 1


@pytest.mark.django_db
def test_a_stop_ends_the_run_between_two_batches_and_the_next_starts_after_them(
    new_key: None, on_change: Callable[[Callable[[], None]], None]
) -> None:
    former, _older = _under_former_key()
    stop = threading.Event()
    on_change(stop.set)  # SIGTERM reaches the worker while the first batch is written
    first = empreintes.reempreinter(timezone.now(), lot=3, stop=stop)
    assert first == empreintes.Reempreinte(lus=3, recalcules=3, en_conflit=0, interrompue_apres=former[2].pk)
    logged = AccesDonnees.objects.filter(action=empreintes.ACTION)
    assert sorted(logged.values_list("objet_id", flat=True)) == [rdv.pk for rdv in former[:3]]
    rest = empreintes.reempreinter(timezone.now(), lot=3, apres=former[2].pk)
    assert rest == empreintes.Reempreinte(lus=11, recalcules=7, en_conflit=1)
    assert sorted(logged.values_list("objet_id", flat=True)) == [rdv.pk for rdv in former]


@pytest.mark.django_db
def test_the_daily_task_stopped_queues_itself_again_for_the_rest(
    new_key: None, on_change: Callable[[Callable[[], None]], None]
) -> None:
    """One more batch than the default: the first one's first appointment under the former key, all the others
    under the new one already (nothing to write but one row, the batch read all the same)."""
    planned = mission()
    first = _book(planned, range(1, 2), FORMER_KEY)[0]
    others = _book(planned, range(2, empreintes.LOT + 3), None)
    last = _book(planned, range(empreintes.LOT + 3, empreintes.LOT + 4), FORMER_KEY)[0]
    stop = threading.Event()
    on_change(stop.set)
    token = ARRET.set(stop)
    try:
        outcome = empreintes_quotidiennes.call()
    finally:
        ARRET.reset(token)
    assert outcome == {"lus": empreintes.LOT, "recalcules": 1, "en_conflit": 0, "interrompue": 1, "reste": 3}
    queued = DBTaskResult.objects.ready().get()
    assert queued.task_path == empreintes_quotidiennes.module_path
    assert queued.args_kwargs == {"args": [], "kwargs": {"apres": others[-3].pk}}
    # the next start of a worker: the rest only
    assert empreintes_quotidiennes.call(**queued.args_kwargs["kwargs"]) == {
        "lus": 3,
        "recalcules": 1,
        "en_conflit": 0,
    }
    logged = AccesDonnees.objects.filter(action=empreintes.ACTION)
    assert sorted(logged.values_list("objet_id", flat=True)) == [first.pk, last.pk]
