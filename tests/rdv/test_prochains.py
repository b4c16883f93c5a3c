"""The next free slots that searches show, kept a few seconds in the process (services.next_free_for_search)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from solidarite.annuaire.models import LieuSolidaire
from solidarite.planning import lifecycle
from solidarite.planning.models import Mission
from solidarite.rdv import services
from solidarite.rdv.models import RendezVous
from tests.factories import lieu, medecin

PATIENT = {"nom": "Martin", "prenom": "Jeanne", "date_naissance": "1948-05-17", "telephone": "06 12 34 56 78"}

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _kept(settings):  # type: ignore[no-untyped-def]
    """Searches keep what they read, as in production, and start from nothing."""
    settings.SOLIDARITE_PROCHAINS_TTL_S = 60.0
    settings.SOLIDARITE_LIEUX_TTL_S = 60.0
    services.forget_lieux()
    yield
    services.forget_lieux()


def _mission() -> Mission:
    site = lieu()
    day = timezone.localdate() + dt.timedelta(days=3)
    return Mission.objects.create(
        medecin=medecin(site.commune), lieu=site, date=day, statut=Mission.Statut.CONFIRMEE
    )


def _first_slots(mission: Mission, count: int = 1) -> list[str]:
    commune = mission.lieu.commune
    (found,) = services.lieux_proches(commune.latitude, commune.longitude, count=count)
    return [slot.id for slot in found.prochains]


def test_a_search_reads_the_next_free_slots_once_within_the_delay(django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    mission = _mission()
    first = _first_slots(mission, count=3)
    assert len(first) == 3 and first[0].startswith(f"{mission.pk}-")
    with django_assert_num_queries(0):
        assert _first_slots(mission, count=3) == first
        assert _first_slots(mission, count=1) == first[:1]


def test_a_slot_booked_in_this_process_leaves_the_search_at_once(django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    mission = _mission()
    first, second, third = _first_slots(mission, count=3)
    services.book(first, PATIENT)
    with django_assert_num_queries(0):  # the kept list lost the booked slot; nothing read again
        assert _first_slots(mission) == [second]
    assert _first_slots(mission, count=3)[:2] == [second, third]  # three wanted, two kept: read again


def test_a_slot_freed_in_this_process_shows_at_once() -> None:
    mission = _mission()
    (first,) = _first_slots(mission)
    rdv = services.book(first, PATIENT)
    assert _first_slots(mission) != [first]
    services.cancel(services.jeton_for(rdv))
    assert _first_slots(mission) == [first]


def test_what_another_process_books_shows_once_the_delay_has_passed(settings) -> None:  # type: ignore[no-untyped-def]
    mission = _mission()
    first, second = _first_slots(mission, count=2)
    slot = next(s for s in services.slots(mission.lieu, mission.date, mission.date) if s.id == first)
    RendezVous.objects.create(  # booked by another worker: this process does not know of it
        mission=mission,
        lieu=mission.lieu,
        debut=slot.debut,
        fin=slot.fin,
        **{**PATIENT, "telephone": "+33612345678"},
    )
    assert _first_slots(mission) == [first]  # a few seconds late, as documented
    settings.SOLIDARITE_PROCHAINS_TTL_S = 1e-9  # the delay has passed
    assert _first_slots(mission) == [second]
    # The slot list of the lieu, which the booking page shows, is never late.
    assert not next(
        s for s in services.slots(mission.lieu, mission.date, mission.date) if s.id == first
    ).libre


def test_a_kept_slot_that_has_started_is_not_shown(django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    mission = _mission()
    first, second, _ = _first_slots(mission, count=3)
    start = next(s.debut for s in services.slots(mission.lieu, mission.date, mission.date) if s.id == first)
    with django_assert_num_queries(0):
        found = services.next_free_for_search([mission.lieu.pk], start, 1)
    assert [s.id for s in found[mission.lieu.pk]] == [second]


def test_a_mission_cancelled_in_this_process_leaves_the_search_at_once() -> None:
    mission = _mission()
    assert _first_slots(mission)
    lifecycle.cancel_mission(mission, None, "Médecin malade")
    assert _first_slots(mission) == []


def test_a_lieu_with_fewer_free_slots_than_shown_is_not_read_again(django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    mission = _mission()
    services.forget_lieux()
    slots = services.slots(mission.lieu, mission.date, mission.date)
    for slot in slots[:-2]:  # two free slots left in the whole range
        services.book(slot.id, {**PATIENT, "prenom": f"P{slot.id[-4:]}"})
    assert _first_slots(mission, count=3) == [s.id for s in slots[-2:]]
    with django_assert_num_queries(0):  # all there is: three are asked, two kept, no need to read again
        assert _first_slots(mission, count=3) == [s.id for s in slots[-2:]]


def test_hours_changed_in_this_process_are_shown_at_once() -> None:
    from solidarite.rdv.models import HorairesConsultation

    mission = _mission()
    (first,) = _first_slots(mission)
    assert first.endswith("0830")
    HorairesConsultation.objects.create(lieu=mission.lieu, matin_debut=dt.time(10))  # back office: signals
    assert _first_slots(mission)[0].endswith("1000")


def _expire_catalogue(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    later = services.caches.time.monotonic() + 61
    monkeypatch.setattr(services.caches.time, "monotonic", lambda: later)


def test_the_lieux_within_reach_outlive_the_catalogue_while_the_lieux_stay_put(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    mission = _mission()
    commune = mission.lieu.commune
    _first_slots(mission)
    place = (commune.latitude, commune.longitude)
    reach = services.active_lieux().reach[place]
    assert reach == [(mission.lieu.pk, 0.0)]
    LieuSolidaire.objects.filter(pk=mission.lieu.pk).update(nom="Maison de santé renommée")
    _expire_catalogue(monkeypatch)
    (found,) = services.lieux_proches(*place, count=1)
    assert found.lieu.nom == "Maison de santé renommée"  # the lieu as read again
    assert services.active_lieux().reach[place] is reach  # its reach carried over, not computed again


def test_a_lieu_moved_by_another_process_is_placed_again_once_the_catalogue_is_read_again(
    monkeypatch,
) -> None:  # type: ignore[no-untyped-def]
    mission = _mission()
    commune = mission.lieu.commune
    place = (commune.latitude, commune.longitude)
    (found,) = services.lieux_proches(*place, count=1)
    assert found.minutes == 0.0
    LieuSolidaire.objects.filter(pk=mission.lieu.pk).update(  # no signal: as from another process
        latitude=commune.latitude + 0.3
    )
    _expire_catalogue(monkeypatch)
    (found,) = services.lieux_proches(*place, count=1)
    assert found.minutes > 20  # about 33 km away now: not the 0 minutes kept for the old position


def _while_reading(monkeypatch, module, name: str, change) -> None:  # type: ignore[no-untyped-def]
    """Another thread of the process makes `change` while this one reads from the database with
    `<module>.<name>` (patched where it is looked up): the read happens first (before the change's commit),
    the change right after, then this thread goes on with what it read. The real function runs; only the
    interleaving is forced."""
    real = getattr(module, name)

    def reading(*args, **kwargs):  # type: ignore[no-untyped-def]
        monkeypatch.setattr(module, name, real)  # once
        result = real(*args, **kwargs)
        change()
        return result

    monkeypatch.setattr(module, name, reading)


def test_a_slot_booked_by_another_thread_during_a_read_is_not_shown_afterwards(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The production server runs two threads per worker. A search that read a lieu's next free slots just
    before another thread of the process booked one does not keep its list: the next search reads again."""
    mission = _mission()
    first, second, _ = services.next_free_by_lieu([mission.lieu.pk], timezone.now(), 3)[mission.lieu.pk]
    _while_reading(
        monkeypatch, services.search, "next_free_by_lieu", lambda: services.book(first.id, PATIENT)
    )
    assert _first_slots(mission) == [first.id]  # read before the booking: shown to this patient only
    assert _first_slots(mission) == [second.id]  # not kept: read again


def test_a_slot_freed_by_another_thread_during_a_read_shows_afterwards(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    mission = _mission()
    (first,) = _first_slots(mission)
    rdv = services.book(first, PATIENT)
    services.forget_lieux()
    _while_reading(
        monkeypatch, services.search, "next_free_by_lieu", lambda: services.cancel(services.jeton_for(rdv))
    )
    assert _first_slots(mission) != [first]  # read before the cancellation
    assert _first_slots(mission) == [first]  # not kept: read again


def test_a_lieu_changed_by_another_thread_during_a_read_shows_afterwards(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    mission = _mission()
    services.forget_lieux()

    def rename() -> None:
        site = LieuSolidaire.objects.get(pk=mission.lieu.pk)
        site.nom = "Maison de santé renommée"
        site.save()  # the back office: its signal makes the process forget the lieux

    _while_reading(monkeypatch, services.caches, "_read_catalogue", rename)
    assert services.active_lieux().lieux[mission.lieu.pk].nom != "Maison de santé renommée"  # read before
    assert services.active_lieux().lieux[mission.lieu.pk].nom == "Maison de santé renommée"  # not kept
