"""One person, at most one active appointment a day at a lieu (decision 0004, 6 December 2026): in a zone rouge
slots are scarce, and the probe of 6 December booked four slots of one day for one patient, all 201."""

from __future__ import annotations

import datetime as dt
import html
import threading

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone

from solidarite.config import planification
from solidarite.planning.models import Mission
from solidarite.rdv import empreintes, services
from solidarite.rdv.models import AccesDonnees, Message, RendezVous
from solidarite.rdv.tasks import empreintes_quotidiennes
from tests.conftest import restore_reference_data
from tests.factories import PATIENT, lieu, medecin, patient
from tests.factories import mission as _mission
from tests.rdv.canaux import FORM


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.content.decode())


def _at(slot: services.Creneau | RendezVous, mission: Mission) -> str:
    return f"{timezone.localtime(slot.debut, mission.lieu.fuseau):%H:%M}"


def _two_days() -> tuple[Mission, Mission, list[services.Creneau], list[services.Creneau]]:
    """A mission and the same doctor's the next day at the same lieu, with the slots of each."""
    mission = _mission()
    next_day = Mission.objects.create(
        medecin=mission.medecin,
        lieu=mission.lieu,
        date=mission.date + dt.timedelta(days=1),
        statut="confirmee",
    )
    today = services.slots(mission.lieu, mission.date, mission.date)
    tomorrow = services.slots(mission.lieu, next_day.date, next_day.date)
    return mission, next_day, today, tomorrow


@pytest.mark.django_db
def test_a_second_appointment_the_same_day_at_the_same_lieu_is_refused_whatever_the_spelling() -> None:
    mission = _mission()
    slots = services.slots(mission.lieu, mission.date, mission.date)
    first = services.book(slots[0].id, PATIENT)
    written = (RendezVous.objects.count(), AccesDonnees.objects.count(), Message.objects.count())
    other_doctor = Mission.objects.create(
        medecin=medecin(mission.lieu.commune), lieu=mission.lieu, date=mission.date, statut="confirmee"
    )
    for creneau, spelling in [
        (slots[1].id, {}),
        (slots[2].id, {"nom": "MARTIN", "prenom": "jeanne"}),
        (slots[3].id, {"nom": " Mártin ", "prenom": "Jeanne", "telephone": "", "email": "autre@exemple.fr"}),
        (slots[8].id, {"prenom": "Jeanne."}),
        (
            f"{other_doctor.pk}-{slots[4].debut.astimezone(mission.lieu.fuseau):%Y%m%d%H%M}",
            {},
        ),  # another doctor
    ]:
        with pytest.raises(services.SameDayError) as refused:
            services.book(creneau, {**PATIENT, **spelling})
        assert str(refused.value) == services.SAME_DAY and _at(first, mission) not in str(refused.value)
    assert (RendezVous.objects.count(), AccesDonnees.objects.count(), Message.objects.count()) == written
    # another person, another day, another lieu: booked
    services.book(slots[5].id, patient(1))  # born another day
    services.book(slots[6].id, {**PATIENT, "prenom": "Jeannette"})
    next_day = Mission.objects.create(
        medecin=mission.medecin,
        lieu=mission.lieu,
        date=mission.date + dt.timedelta(days=1),
        statut="confirmee",
    )
    services.book(services.slots(mission.lieu, next_day.date, next_day.date)[0].id, PATIENT)
    elsewhere = Mission.objects.create(
        medecin=medecin(mission.lieu.commune),
        lieu=lieu(mission.lieu.commune),
        date=mission.date,
        statut="confirmee",
    )
    services.book(services.slots(elsewhere.lieu, mission.date, mission.date)[0].id, PATIENT)
    # cancelled, the day is free for her again
    services.cancel(services.jeton_for(first))
    assert services.book(slots[7].id, PATIENT).debut == slots[7].debut


@pytest.mark.django_db
def test_the_form_and_the_api_refuse_it_in_409_without_telling_the_time(client: Client) -> None:
    mission = _mission()
    slots = services.slots(mission.lieu, mission.date, mission.date)
    first = services.book(slots[3].id, PATIENT)
    page = client.post(f"/rendez-vous/creneau/{slots[0].id}/", FORM)
    text = _text(page)
    assert page.status_code == 409 and services.SAME_DAY in text
    assert f'value="{FORM["nom"]}"' in text  # the form, still filled in
    assert _at(first, mission) not in text
    api = client.post(
        "/api/v1/rendez-vous", {**PATIENT, "creneau": slots[1].id}, content_type="application/json"
    )
    assert api.status_code == 409 and api.json() == {"detail": services.SAME_DAY, "prochains_creneaux": []}
    assert RendezVous.objects.count() == 1


@pytest.mark.django_db
def test_moving_keeps_one_appointment_a_day(client: Client) -> None:
    mission, _next_day, today, tomorrow = _two_days()
    first = services.book(today[0].id, PATIENT)
    services.book(tomorrow[0].id, PATIENT)
    token = services.jeton_for(first)
    # to the day of her other appointment: refused, nothing changes
    refused = client.post(f"/rendez-vous/gerer/{token}/deplacer/{tomorrow[1].id}/")
    assert refused.status_code == 409 and services.SAME_DAY in _text(refused)
    first.refresh_from_db()
    assert first.statut == "reserve" and RendezVous.objects.filter(statut="reserve").count() == 2
    # within its own day: the old one is freed before the new one is written
    moved = client.post(f"/rendez-vous/gerer/{token}/deplacer/{today[2].id}/")
    assert moved.status_code == 200 and "Votre rendez-vous est déplacé" in _text(moved)
    assert RendezVous.objects.get(statut="reserve", jour=mission.date).debut == today[2].debut


@pytest.mark.django_db(transaction=True)
def test_four_slots_of_one_day_for_one_patient_at_once_book_one() -> None:
    restore_reference_data()  # a transactional test starts from an emptied database
    mission = _mission()
    slots = [c.id for c in services.slots(mission.lieu, mission.date, mission.date)[:4]]
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def attempt(creneau: str) -> None:
        barrier.wait()
        try:
            services.book(creneau, PATIENT)
            outcomes.append("réservé")
        except services.SameDayError:
            outcomes.append("déjà")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(slot,)) for slot in slots]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["déjà"] * 3 + ["réservé"]
    assert RendezVous.objects.count() == 1


FORMER_KEY = "ancienne-cle-" * 5
NEW_KEY = "nouvelle-cle-" * 5


@pytest.mark.django_db
def test_after_a_change_of_secret_key_the_former_key_keeps_the_rule_and_the_links(client: Client) -> None:
    """A routine change of SECRET_KEY took the appointments already booked out of the rule, and made the
    links already sent useless. With the former key in DJANGO_SECRET_KEY_FALLBACKS, neither."""
    _, next_day, today, tomorrow = _two_days()
    with override_settings(SECRET_KEY=FORMER_KEY, SECRET_KEY_FALLBACKS=[]):
        first = services.book(today[0].id, PATIENT)
        services.book(tomorrow[0].id, PATIENT)
        token = services.jeton_for(first)
    written = (RendezVous.objects.count(), AccesDonnees.objects.count(), Message.objects.count())
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[FORMER_KEY]):
        with pytest.raises(services.SameDayError):
            services.book(today[1].id, {**PATIENT, "nom": "MARTIN"})
        assert (RendezVous.objects.count(), AccesDonnees.objects.count(), Message.objects.count()) == written
        # the link sent before the change still opens her appointment; moving it to her other day is refused
        assert client.get(f"/rendez-vous/gerer/{token}/").status_code == 200
        refused = client.post(f"/rendez-vous/gerer/{token}/deplacer/{tomorrow[1].id}/")
        assert refused.status_code == 409 and services.SAME_DAY in _text(refused)
        first.refresh_from_db()
        assert first.statut == "reserve"
        # within its own day it moves, and the new appointment holds the new key: the rule needs no former key
        moved = client.post(f"/rendez-vous/gerer/{token}/deplacer/{today[2].id}/")
        assert moved.status_code == 200
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[]):
        with pytest.raises(services.SameDayError):
            services.book(today[3].id, PATIENT)
        # without the former key, the appointment of the next day, booked before the change, is out of the rule
        assert services.book(tomorrow[2].id, PATIENT).jour == next_day.date


@pytest.mark.django_db
def test_the_daily_task_puts_the_appointments_to_come_under_the_new_key() -> None:
    """After a leak the former key must not stay in DJANGO_SECRET_KEY_FALLBACKS: the daily task recomputes each
    appointment's key from the name and birth date it holds, and the rule compares them again without it."""
    mission, _next_day, today, tomorrow = _two_days()
    with override_settings(SECRET_KEY=FORMER_KEY, SECRET_KEY_FALLBACKS=[]):
        first = services.book(today[0].id, PATIENT)
        cancelled = services.book(today[1].id, patient(2))
        services.cancel(services.jeton_for(cancelled))
        third = services.book(tomorrow[0].id, patient(3))
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[]):
        twice = services.book(today[2].id, PATIENT)  # before the task: `first` is out of the rule
        services.book(tomorrow[1].id, patient(4))  # under the new key already
        # `first` holds the key of `twice` now: both kept, said as a conflict; `third` is recomputed
        done = empreintes.reempreinter(timezone.now())
        assert done == empreintes.Reempreinte(lus=4, recalcules=1, en_conflit=1)
        assert RendezVous.objects.filter(jour=mission.date, statut="reserve").count() == 2
        services.cancel(services.jeton_for(twice))
        assert empreintes.reempreinter(timezone.now()) == empreintes.Reempreinte(3, 1, 0)
        logged = AccesDonnees.objects.filter(action=empreintes.ACTION)
        assert sorted(logged.values_list("objet_id", flat=True)) == sorted([first.pk, third.pk])
        assert set(logged.values_list("canal", flat=True)) == {"tâche quotidienne"}
        with pytest.raises(services.SameDayError):  # the rule holds again, without any former key
            services.book(today[3].id, PATIENT)
        assert empreintes.reempreinter(timezone.now()) == empreintes.Reempreinte(3, 0, 0)
    assert planification.DAILY_TASKS["empreintes"] is empreintes_quotidiennes
