"""Overseas lieux consult at their own hours: 8 h 30 in Mamoudzou is 8 h 30 in Mayotte (decision 0023).

Their slots, the times shown and sent to their patients and the times other software receives are in the time
zone of the lieu's commune; before, they were Paris times, three to five hours off."""

from __future__ import annotations

import datetime as dt
import importlib
import io
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from solidarite.planning.models import Mission
from solidarite.rdv import messaging, services, sms
from solidarite.rdv.models import Message, RendezVous
from solidarite.territoire.fuseaux import nom_fuseau
from solidarite.territoire.models import Commune
from tests.factories import PATIENT, lieu, medecin
from tests.factories import mission as _mission

PARIS = ZoneInfo("Europe/Paris")
MAYOTTE = ZoneInfo("Indian/Mayotte")  # UTC+3 all year
CAYENNE = ZoneInfo("America/Cayenne")  # UTC−3 all year
DAY = dt.date(2030, 1, 15)  # winter: Paris is UTC+1


@pytest.mark.parametrize(
    ("code", "nom"),
    [
        ("97611", "Indian/Mayotte"),
        ("97302", "America/Cayenne"),
        ("97411", "Indian/Reunion"),
        ("97105", "America/Guadeloupe"),
        ("97209", "America/Martinique"),
        ("15120", "Europe/Paris"),
        ("2A004", "Europe/Paris"),
        ("75056", "Europe/Paris"),
        ("", "Europe/Paris"),
    ],
)
def test_a_commune_s_time_zone_is_its_territory_s(code: str, nom: str) -> None:
    assert nom_fuseau(code) == nom


def _overseas_mission(code: str) -> Mission:
    commune = Commune.objects.select_related("epci").get(code_insee=code)
    here = lieu(commune)
    return Mission.objects.create(
        medecin=medecin(commune), lieu=here, date=DAY, statut=Mission.Statut.CONFIRMEE
    )


@pytest.mark.django_db
def test_a_lieu_in_mayotte_offers_its_local_hours_and_books_the_right_instant() -> None:
    mission = _overseas_mission("97611")  # Mamoudzou
    slots = services.slots(mission.lieu, DAY, DAY, now=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    first = slots[0]
    assert first.debut == dt.datetime(2030, 1, 15, 8, 30, tzinfo=MAYOTTE)
    assert first.debut.astimezone(dt.UTC) == dt.datetime(2030, 1, 15, 5, 30, tzinfo=dt.UTC)  # not 07:30
    assert first.id == f"{mission.pk}-203001150830"  # the identifier writes the lieu's local time
    assert services.creneau_by_id(first.id) == first

    client = Client()
    answer = client.get(f"/api/v1/lieux/{mission.lieu.pk}/creneaux", {"du": DAY, "au": DAY}).json()
    assert answer[0]["debut"] == "2030-01-15T08:30:00+03:00"

    rdv = services.book(first.id, {**PATIENT, "email": "jeanne.martin@exemple.fr"})
    rdv.refresh_from_db()
    assert rdv.debut == dt.datetime(2030, 1, 15, 5, 30, tzinfo=dt.UTC)
    page = client.get(reverse("rdv:gerer", args=[services.jeton_for(rdv)]))
    assert "à 08:30" in page.content.decode() and "06:30" not in page.content.decode()
    day_page = client.get(reverse("rdv:lieu", args=[mission.lieu.pk]), {"du": DAY, "au": DAY})
    assert ">08:50</a>" in day_page.content.decode()  # 8 h 30 is taken: the next one, local time
    assert ">06:50</a>" not in day_page.content.decode()

    sms.outbox.clear()
    mail.outbox.clear()
    call_command("worker", "--once", stdout=io.StringIO())
    assert "mardi 15 janvier 2030 à 08:30" in mail.outbox[0].body
    assert "à 08:30" in sms.outbox[0].texte
    sms.outbox.clear()
    # the reminder 2 h before is due at 6 h 30 in Mayotte: 3 h 30 UTC
    assert messaging.send_due(now=dt.datetime(2030, 1, 15, 3, 31, tzinfo=dt.UTC)) >= 1
    assert "à 08:30" in sms.outbox[-1].texte


@pytest.mark.django_db
def test_past_and_future_are_those_of_the_lieu() -> None:
    mission = _overseas_mission("97611")
    # 08:40 in Mayotte (06:40 in Paris): the 8 h 30 slot is over, the 9 h 10 one is not.
    now = dt.datetime(2030, 1, 15, 5, 40, tzinfo=dt.UTC)
    starts = [c.debut.time() for c in services.slots(mission.lieu, DAY, DAY, now=now)]
    assert dt.time(8, 30) not in starts and starts[0] == dt.time(8, 50)

    guyane = _overseas_mission("97302")  # Cayenne
    # 08:00 in Guyane is noon in Paris: the morning is still ahead, and bookable.
    now = dt.datetime(2030, 1, 15, 11, 0, tzinfo=dt.UTC)
    slots = services.slots(guyane.lieu, DAY, DAY, now=now)
    assert slots[0].debut == dt.datetime(2030, 1, 15, 8, 30, tzinfo=CAYENNE)
    assert len(slots) == 24


@pytest.mark.django_db
def test_the_fhir_and_api_answers_give_the_lieu_s_time() -> None:
    mission = _overseas_mission("97302")
    first = services.slots(mission.lieu, DAY, DAY, now=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))[0]
    client = Client()
    created = client.post(
        "/api/v1/rendez-vous", {**PATIENT, "creneau": first.id}, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["debut"] == "2030-01-15T08:30:00-03:00"
    assert RendezVous.objects.get().debut == dt.datetime(2030, 1, 15, 11, 30, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_the_migration_gives_stored_overseas_appointments_their_local_hours() -> None:
    from django.apps import apps

    migration = importlib.import_module("solidarite.rdv.migrations.0009_heures_outre_mer")
    mayotte = _overseas_mission("97611")
    rdv = services.book(services.slots(mayotte.lieu, DAY, DAY)[0].id, PATIENT)
    paris_mission = _mission()
    metropole = services.book(
        services.slots(paris_mission.lieu, paris_mission.date, paris_mission.date)[0].id, PATIENT
    )
    before = {r.pk: (r.debut, r.fin) for r in RendezVous.objects.all()}
    reminders = dict(Message.objects.filter(rendez_vous=rdv, nature="rappel").values_list("pk", "prevu_le"))
    # As the code before decision 0023 stored it: 8 h 30 in Paris, its reminders 2 hours later too.
    RendezVous.objects.filter(pk=rdv.pk).update(
        debut=dt.datetime(2030, 1, 15, 8, 30, tzinfo=PARIS), fin=dt.datetime(2030, 1, 15, 8, 50, tzinfo=PARIS)
    )
    for pk, due in reminders.items():
        Message.objects.filter(pk=pk).update(prevu_le=due + dt.timedelta(hours=2))

    migration.forwards(apps, None)
    assert {r.pk: (r.debut, r.fin) for r in RendezVous.objects.all()} == before
    assert (
        dict(Message.objects.filter(rendez_vous=rdv, nature="rappel").values_list("pk", "prevu_le"))
        == reminders
    )
    migration.backwards(apps, None)
    assert RendezVous.objects.get(pk=rdv.pk).debut == dt.datetime(2030, 1, 15, 8, 30, tzinfo=PARIS)
    assert RendezVous.objects.get(pk=metropole.pk).debut == before[metropole.pk][0]


@pytest.mark.django_db
def test_the_booking_pages_show_the_lieu_s_hour() -> None:
    mission = _overseas_mission("97611")
    first = services.slots(mission.lieu, DAY, DAY, now=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))[0]
    client = Client()
    form = client.get(reverse("rdv:reserver", args=[first.id])).content.decode()
    assert "à 08:30" in form and "à 06:30" not in form
    booked = client.post(
        reverse("rdv:reserver", args=[first.id]), {**PATIENT, "date_naissance": "17/05/1948"}
    ).content.decode()
    assert "Votre rendez-vous est confirmé" in booked and "à 08:30" in booked and "06:30" not in booked
