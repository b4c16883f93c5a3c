"""Slots, booking through the API, signed cancellation, and the guarantee: 0 double bookings."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from solidarite.planning.models import Mission
from solidarite.rdv import services
from solidarite.rdv.creneaux import Hours, day_slots
from solidarite.rdv.models import AccesDonnees, RendezVous
from tests.conftest import restore_reference_data
from tests.factories import PATIENT, lieu, medecin, patient
from tests.factories import mission as _mission

PARIS = ZoneInfo("Europe/Paris")


def test_day_slots_in_closed_form() -> None:
    day = dt.date(2026, 12, 1)
    default = day_slots(day, Hours(), PARIS)
    assert len(default) == 12 + 12  # 8 h 30 – 12 h 30 and 14 h – 18 h in 20 minutes
    assert default[0] == (
        dt.datetime(2026, 12, 1, 8, 30, tzinfo=PARIS),
        dt.datetime(2026, 12, 1, 8, 50, tzinfo=PARIS),
    )
    assert default[12][0].hour == 14
    with_buffer = day_slots(day, Hours(slot_minutes=20, buffer_minutes=10), PARIS)
    assert len(with_buffer) == 8 + 8
    with pytest.raises(ValueError):
        Hours(morning=(dt.time(12), dt.time(9)))


def _same_day(mission: Mission, statut: str) -> Mission:
    """Another doctor's mission in the same lieu, the same day."""
    return Mission.objects.create(
        medecin=medecin(mission.lieu.commune), lieu=mission.lieu, date=mission.date, statut=statut
    )


@pytest.mark.django_db
def test_slots_come_from_confirmed_missions_only() -> None:
    confirmed = _mission()
    proposed = _same_day(confirmed, "proposee")
    found = services.slots(confirmed.lieu, confirmed.date, confirmed.date)
    assert len(found) == 24 and all(c.id.startswith(f"{confirmed.pk}-") for c in found)
    assert proposed.pk not in {int(c.id.split("-")[0]) for c in found}


@pytest.mark.django_db
def test_a_slot_that_has_started_is_no_longer_offered() -> None:
    mission = _mission()
    ten = dt.datetime.combine(mission.date, dt.time(10, 10), tzinfo=PARIS)  # the start of the 6th slot
    found = services.slots(mission.lieu, mission.date, mission.date, now=ten.astimezone(dt.UTC))
    assert found[0].debut == ten + dt.timedelta(minutes=20) and len(found) == 24 - 6
    a_second_before = services.slots(
        mission.lieu, mission.date, mission.date, now=ten - dt.timedelta(seconds=1)
    )
    assert a_second_before[0].debut == ten and len(a_second_before) == 24 - 5


@pytest.mark.django_db
def test_a_booked_slot_is_no_longer_free_and_is_free_again_once_cancelled() -> None:
    mission = _mission()
    second = _same_day(mission, "confirmee")
    found = services.slots(mission.lieu, mission.date, mission.date)
    assert len(found) == 48 and [c.debut for c in found] == sorted(c.debut for c in found)  # two doctors
    third = next(c for c in found if c.id.startswith(f"{second.pk}-"))
    rdv = services.book(third.id, PATIENT)
    assert (rdv.mission_id, rdv.debut, rdv.fin) == (second.pk, third.debut, third.fin)
    after = {c.id: c.libre for c in services.slots(mission.lieu, mission.date, mission.date)}
    assert [slot for slot, libre in after.items() if not libre] == [third.id]
    # The other doctor's slot at the same time is still free, and the next free slots skip the taken one.
    assert after[f"{mission.pk}-{third.id.split('-')[1]}"] is True
    assert third.id not in {c.id for c in services.next_free(mission.lieu, timezone.now(), 48)}
    nearest = services.next_free(mission.lieu, timezone.now(), 3)  # both doctors' first free slots, merged
    assert [(c.id.split("-")[0], f"{c.debut:%H:%M}") for c in nearest] == [
        (str(mission.pk), "08:30"),
        (str(mission.pk), "08:50"),
        (str(second.pk), "08:50"),
    ]
    services.cancel(services.jeton_for(rdv))
    assert all(c.libre for c in services.slots(mission.lieu, mission.date, mission.date))


@pytest.mark.django_db
def test_booking_follows_the_lieu_hours_and_refuses_a_closed_lieu(client: Client) -> None:
    from django.core.exceptions import ValidationError

    from solidarite.rdv.models import HorairesConsultation

    mission = _mission()
    default_first = services.slots(mission.lieu, mission.date, mission.date)[0]  # 8 h 30, 20 minutes
    HorairesConsultation.objects.create(
        lieu=mission.lieu, matin_debut=dt.time(9), matin_fin=dt.time(12), apres_midi_debut=None,
        apres_midi_fin=None, duree_minutes=30,
    )  # fmt: skip
    found = services.slots(mission.lieu, mission.date, mission.date)
    assert [f"{c.debut:%H:%M}" for c in found] == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
    with pytest.raises(ValidationError, match="plus proposé"):
        services.book(default_first.id, PATIENT)
    assert services.book(found[1].id, PATIENT).fin - found[1].debut == dt.timedelta(minutes=30)
    mission.lieu.actif = False
    mission.lieu.save()  # the lieux kept by this process are read again
    with pytest.raises(ValidationError, match="plus proposé"):
        services.book(found[2].id, PATIENT)
    response = client.get(
        f"/api/v1/lieux/{mission.lieu.pk}/creneaux", {"du": mission.date, "au": mission.date}
    )
    assert response.status_code == 404
    page = client.get(reverse("rdv:reserver", args=[found[2].id]))  # the booking page says so too
    assert page.status_code == 404 and "plus proposé" in page.content.decode()
    found_api = client.get("/api/v1/lieux", {"commune": mission.lieu.commune.code_insee}).json()
    assert mission.lieu.pk not in {item["id"] for item in found_api}


@pytest.mark.django_db
def test_the_slot_list_of_the_api_is_the_json_of_its_schema(client: Client) -> None:
    mission = _mission()
    found = services.slots(mission.lieu, mission.date, mission.date)
    services.book(found[1].id, PATIENT)
    day = {"du": mission.date.isoformat(), "au": mission.date.isoformat()}
    response = client.get(f"/api/v1/lieux/{mission.lieu.pk}/creneaux", day)
    expected = [
        {"id": c.id, "debut": c.debut.isoformat(), "fin": c.fin.isoformat(), "libre": c.id != found[1].id}
        for c in found
    ]
    assert response["Content-Type"] == "application/json"
    assert response.content.decode() == json.dumps(expected, separators=(",", ":"))
    empty = client.get(f"/api/v1/lieux/{mission.lieu.pk}/creneaux", {"du": "2020-01-06", "au": "2020-01-06"})
    assert empty.status_code == 200 and empty.content == b"[]"


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["semaine", "deux médecins le même jour", "aujourd'hui"])
def test_the_api_writes_the_same_slot_list_as_the_services(client: Client, case: str, freeze_clock) -> None:  # type: ignore[no-untyped-def]
    """The API's slot list (services.slots_json, written as JSON straight from the mission days) is the same
    list, in the same order, as the objects of `services.slots`; today, from 10:05 on, without the first."""
    mission = _mission(days_ahead=0 if case == "aujourd'hui" else 2)
    if case == "aujourd'hui":
        ten_past_ten = dt.datetime.combine(mission.date, dt.time(10, 5), tzinfo=PARIS)
        freeze_clock(ten_past_ten)
    site, day = mission.lieu, mission.date
    for offset, statut in ((1, Mission.Statut.CONFIRMEE), (2, Mission.Statut.ANNULEE)):
        Mission.objects.create(
            medecin=medecin(site.commune), lieu=site, date=day + dt.timedelta(days=offset), statut=statut
        )
    if case == "deux médecins le même jour":
        _same_day(mission, Mission.Statut.CONFIRMEE)
    week = {"du": day.isoformat(), "au": (day + dt.timedelta(days=6)).isoformat()}
    found = services.slots(site, day, day + dt.timedelta(days=6))
    for k, slot in enumerate(found[1::5]):  # one patient each: one appointment a day per person at a lieu
        services.book(slot.id, patient(k))
    found = services.slots(site, day, day + dt.timedelta(days=6))
    assert not all(c.libre for c in found)
    if case == "deux médecins le même jour":
        assert found[0].debut == found[1].debut and found[0].id != found[1].id
    if case == "aujourd'hui":
        assert f"{found[0].debut.astimezone(PARIS):%H:%M}" == "10:10"
    response = client.get(f"/api/v1/lieux/{site.pk}/creneaux", week)
    expected = [
        {"id": c.id, "debut": c.debut.isoformat(), "fin": c.fin.isoformat(), "libre": c.libre} for c in found
    ]
    assert response.content.decode() == json.dumps(expected, separators=(",", ":"))


@pytest.mark.django_db
def test_booking_through_the_api(client: Client) -> None:
    mission = _mission()
    site = mission.lieu
    found = client.get("/api/v1/lieux", {"commune": site.commune.code_insee}).json()
    mine = next(item for item in found if item["id"] == site.pk)
    assert mine["temps_min"] == 0.0 and mine["prochain_creneau"] is not None
    slots = client.get(
        f"/api/v1/lieux/{site.pk}/creneaux", {"du": mission.date.isoformat(), "au": mission.date.isoformat()}
    ).json()
    assert len(slots) == 24 and all(s["libre"] for s in slots)
    documented = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["RendezVousIn"]
    pattern = documented["properties"]["creneau"]["pattern"]  # what the OpenAPI promises the callers
    assert all(re.fullmatch(pattern, s["id"]) for s in slots)
    assert documented["properties"]["date_naissance"]["format"] == "date"
    first = slots[0]["id"]
    response = client.post(
        "/api/v1/rendez-vous",
        {**PATIENT, "creneau": first},
        content_type="application/json",
        headers={"Idempotency-Key": "essai-1"},
    )
    assert response.status_code == 201, response.content
    booked = response.json()
    again = client.post(
        "/api/v1/rendez-vous",
        {**PATIENT, "creneau": first},
        content_type="application/json",
        headers={"Idempotency-Key": "essai-1"},
    )
    assert again.status_code == 200 and again.json()["id"] == booked["id"]  # a retry never books twice
    assert "jeton" not in again.json()  # nor hands the link out again (tests/interop/test_idempotence.py)
    taken = client.post(  # by another patient (PATIENT herself has her appointment of the day here)
        "/api/v1/rendez-vous", {**patient(1), "creneau": first}, content_type="application/json"
    )
    assert taken.status_code == 409
    assert (
        "vient d'être réservé" in taken.json()["detail"]
        and taken.json()["prochains_creneaux"][0]["id"] == slots[1]["id"]
    )
    assert RendezVous.objects.count() == 1
    rdv = RendezVous.objects.get()
    assert (
        rdv.telephone == "+33612345678"
        and AccesDonnees.objects.filter(rendez_vous=rdv, action="création").exists()
    )
    assert client.delete(f"/api/v1/rendez-vous/{booked['jeton']}x").status_code == 403
    assert client.delete(f"/api/v1/rendez-vous/{booked['jeton']}").status_code == 204
    assert client.delete(f"/api/v1/rendez-vous/{booked['jeton']}").status_code == 409
    rebooked = client.post(
        "/api/v1/rendez-vous", {**PATIENT, "creneau": first}, content_type="application/json"
    )
    assert rebooked.status_code == 201  # the cancelled slot is free again
    assert client.get("/api/v1/openapi.json").json()["info"]["title"].startswith("Solidarité territoriale")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"date_naissance": "2099-01-01"}, "date_naissance"),
        ({"date_naissance": "17/05/1948"}, "date_naissance"),
        ({"telephone": "01 23"}, "telephone"),
        ({"telephone": "", "email": ""}, "telephone"),
        ({"email": "pas-une-adresse"}, "email"),
        ({"nom": ""}, "nom"),
        ({"creneau": "n-importe-quoi"}, "creneau"),
        ({"nom": "Martin\u0000"}, "nom"),  # PostgreSQL cannot store NUL: a 500 before it was refused here
        ({"prenom": "\u0000"}, "prenom"),
        ({"motif": "toux\u0007"}, "motif"),
        ({"telephone": "06 12 34 56 78\u0000"}, "telephone"),
        ({"prenom": "\ud800"}, "prenom"),  # a lone surrogate: no UTF-8 text holds it (a 500 before)
        ({"email": "jeanne@\udfff.fr"}, "email"),
    ],
)
def test_invalid_bookings_are_422(client: Client, changes: dict[str, str], field: str) -> None:
    mission = _mission()
    slot = services.slots(mission.lieu, mission.date, mission.date)[0].id
    response = client.post(
        "/api/v1/rendez-vous", {**PATIENT, "creneau": slot, **changes}, content_type="application/json"
    )
    assert response.status_code == 422
    assert field in json.dumps(response.json())
    assert not RendezVous.objects.exists()


@pytest.mark.django_db
def test_a_booking_with_neither_phone_nor_email_names_both_fields(client: Client) -> None:
    """The API's one shape (`detail`: each field of the request with its messages): the missing contact under
    `telephone`, where it always was, and under `email` too, the other field the caller may fill."""
    mission = _mission()
    slot = services.slots(mission.lieu, mission.date, mission.date)[0].id
    body = {**PATIENT, "creneau": slot, "telephone": "", "email": None}
    response = client.post("/api/v1/rendez-vous", body, content_type="application/json")
    message = "Indiquez un téléphone ou une adresse électronique, pour vous prévenir."
    assert response.status_code == 422
    assert response.json() == {"detail": {"telephone": [message], "email": [message]}}
    bad_phone = client.post(
        "/api/v1/rendez-vous", {**body, "telephone": "01 23"}, content_type="application/json"
    )
    assert bad_phone.status_code == 422 and set(bad_phone.json()["detail"]) == {"telephone"}
    assert not RendezVous.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe*-\x00", b'{"creneau": '])
def test_an_unreadable_body_is_a_french_400_and_writes_nothing(client: Client, body: bytes) -> None:
    response = client.post("/api/v1/rendez-vous", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Corps de la requête illisible : un objet JSON en UTF-8 est attendu."
    }
    assert not RendezVous.objects.exists()
    documented = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/rendez-vous"]["post"][
        "responses"
    ]
    assert "400" in documented


@pytest.mark.django_db
def test_missing_field_and_past_slot(client: Client) -> None:
    response = client.post("/api/v1/rendez-vous", {"nom": "Martin"}, content_type="application/json")
    assert response.status_code == 422
    past = Mission.objects.create(
        medecin=medecin(), lieu=lieu(), date=timezone.localdate() - dt.timedelta(days=2), statut="confirmee"
    )
    start = dt.datetime.combine(past.date, dt.time(8, 30), tzinfo=PARIS)
    response = client.post(
        "/api/v1/rendez-vous",
        {**PATIENT, "creneau": f"{past.pk}-{start:%Y%m%d%H%M}"},
        content_type="application/json",
    )
    assert response.status_code == 422 and "passé" in json.dumps(response.json(), ensure_ascii=False)


@pytest.mark.django_db(transaction=True)
def test_the_same_slot_from_many_threads_is_booked_once() -> None:
    restore_reference_data()  # a transactional test starts from an emptied database
    mission = _mission()
    slot = services.slots(mission.lieu, mission.date, mission.date)[0].id
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def attempt(k: int) -> None:
        barrier.wait()
        try:
            services.book(slot, {**PATIENT, "prenom": f"Patient{k}"})
            outcomes.append("ok")
        except services.CreneauTakenError:
            outcomes.append("pris")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok"] + ["pris"] * 7
    assert RendezVous.objects.exclude(statut="annule").filter(mission=mission).count() == 1


PROCESS_SCRIPT = """
import json, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "solidarite.config.settings"
import django
django.setup()
from solidarite.rdv import services
ok = taken = 0
for k, slot in enumerate(json.loads(sys.argv[1])):  # a patient per slot: one appointment a day per person at a lieu
    try:
        services.book(slot, {"nom": "P", "prenom": sys.argv[2], "date_naissance": f"1950-01-{k + 1:02d}", "email": "p@exemple.fr"})
        ok += 1
    except services.CreneauTakenError:
        taken += 1
print(json.dumps({"ok": ok, "pris": taken}))
"""


@pytest.mark.django_db(transaction=True)
def test_the_same_slots_from_several_processes_on_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("Plusieurs processus : sur PostgreSQL (la passe SQLite couvre les fils d'exécution).")
    restore_reference_data()  # a transactional test starts from an emptied database
    mission = _mission()
    slots = [c.id for c in services.slots(mission.lieu, mission.date, mission.date)][:10]
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "SOLIDARITE_ENV": "test"}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", PROCESS_SCRIPT, json.dumps(slots), f"P{k}"],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for k in range(4)
    ]
    results = [json.loads(p.communicate(timeout=120)[0].strip().splitlines()[-1]) for p in processes]
    assert sum(r["ok"] for r in results) == 10 and sum(r["pris"] for r in results) == 30
    assert RendezVous.objects.filter(mission=mission).exclude(statut="annule").count() == 10


@pytest.mark.django_db
def test_a_slot_this_process_has_listed_is_booked_in_one_statement() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("Une seule instruction : sur PostgreSQL (sur SQLite, les lignes par l'ORM).")
    mission = _mission()
    slot = services.slots(mission.lieu, mission.date, mission.date)[3]
    with CaptureQueriesContext(connection) as done:
        rdv = services.book(slot.id, PATIENT)
    # The mission, its lieu and its hours are checked by the INSERT itself (the savepoint is the test's
    # transaction's: in production the statement runs alone, in autocommit).
    statements = [q["sql"] for q in done.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 1 and statements[0].startswith("WITH r AS (INSERT")
    assert (rdv.mission_id, rdv.debut, rdv.fin) == (mission.pk, slot.debut, slot.fin)
    assert AccesDonnees.objects.filter(rendez_vous=rdv).count() == 1


def _changed_elsewhere(mission: Mission, change: str) -> None:
    """What another process changes: straight in the database, no signal reaches this one."""
    from solidarite.annuaire.models import LieuSolidaire
    from solidarite.rdv.models import HorairesConsultation

    if change == "mission annulée":
        Mission.objects.filter(pk=mission.pk).update(statut=Mission.Statut.ANNULEE)
    elif change == "lieu fermé":
        LieuSolidaire.objects.filter(pk=mission.lieu_id).update(actif=False)
    elif change == "horaires":  # 9 h – 12 h in 30 minutes: 8 h 50 is no longer a start
        HorairesConsultation.objects.bulk_create(
            [HorairesConsultation(lieu_id=mission.lieu_id, matin_debut=dt.time(9), matin_fin=dt.time(12),
                                  apres_midi_debut=None, apres_midi_fin=None, duree_minutes=30)]
        )  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["mission annulée", "lieu fermé", "horaires"])
def test_a_change_made_elsewhere_after_the_slot_list_is_seen_by_the_booking(change: str) -> None:
    from django.core.exceptions import ValidationError

    mission = _mission()
    slot = services.slots(mission.lieu, mission.date, mission.date)[1]  # 8 h 50, read by this process
    _changed_elsewhere(mission, change)
    with pytest.raises(ValidationError, match="plus proposé"):
        services.book(slot.id, PATIENT)
    assert not RendezVous.objects.exists() and not AccesDonnees.objects.exists()


@pytest.mark.django_db
def test_a_slot_kept_by_new_hours_elsewhere_is_booked_with_its_new_end() -> None:
    from solidarite.rdv.models import HorairesConsultation

    mission = _mission()
    slot = services.slots(mission.lieu, mission.date, mission.date)[0]  # 8 h 30 – 8 h 50, read here
    HorairesConsultation.objects.bulk_create(
        [HorairesConsultation(lieu_id=mission.lieu_id, duree_minutes=15)]
    )
    rdv = services.book(slot.id, PATIENT)
    assert (rdv.debut, rdv.fin - rdv.debut) == (slot.debut, dt.timedelta(minutes=15))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("action", ["réserver", "déplacer"])
def test_a_booking_that_waits_for_the_cancellation_of_its_mission_is_refused(action: str) -> None:
    """The cancellation of a mission cancels its appointments; a booking of the same mission (or a move to it),
    made while the cancellation is being committed, must not slip in between: it would be an appointment
    nobody cancels."""
    if connection.vendor != "postgresql":
        pytest.skip("Deux transactions concurrentes : sur PostgreSQL (SQLite n'a qu'un écrivain à la fois).")
    import time

    from django.core.exceptions import ValidationError
    from django.db import transaction

    from solidarite.planning import lifecycle

    restore_reference_data()  # a transactional test starts from an emptied database
    mission = _mission()
    slot = services.slots(mission.lieu, mission.date, mission.date)[0].id
    other = _same_day(mission, "confirmee")
    moved = services.book(services.slots(other.lieu, other.date, other.date)[-1].id, PATIENT)
    outcome: list[str] = []

    def book() -> None:
        try:
            if action == "réserver":
                services.book(slot, PATIENT)
            else:
                services.move(services.jeton_for(moved), slot)
            outcome.append("réservé")
        except ValidationError as exc:
            outcome.append(" ".join(exc.messages))
        finally:
            connection.close()

    booking = threading.Thread(target=book)
    with transaction.atomic():
        lifecycle.cancel_mission(mission, None, "Médecin malade")
        booking.start()
        deadline = time.monotonic() + 20
        with connection.cursor() as cursor:  # until the booking waits for this transaction (live: pg_locks)
            while time.monotonic() < deadline:
                cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                if cursor.fetchone()[0]:
                    break
                time.sleep(0.01)
            else:
                pytest.fail("La réservation n'a pas attendu l'annulation.")
    booking.join(timeout=20)
    assert outcome == ["Ce créneau n'existe pas ou n'est plus proposé."]
    assert not RendezVous.objects.filter(mission=mission).exists()
    assert RendezVous.objects.get(pk=moved.pk).statut == "reserve"  # a refused move changes nothing


@pytest.mark.django_db
def test_a_slot_read_by_its_identifier_is_the_one_the_lists_give() -> None:
    """services.creneau_by_id (for FHIR's Slot read): the slot of the list, free until booked; past slots
    too (an appointment names its slot afterwards), never free; None when its mission is not open, when the
    hours give no such start, or when the identifier cannot be a slot's."""
    mission = _mission(days_ahead=1)
    first, second = services.slots(mission.lieu, mission.date, mission.date)[:2]
    assert services.creneau_by_id(first.id) == first and first.libre
    services.book(first.id, PATIENT)
    assert services.creneau_by_id(first.id) == first._replace(libre=False)
    after = second.debut + dt.timedelta(minutes=1)
    assert services.creneau_by_id(second.id, now=after) == second._replace(libre=False)  # past
    assert services.creneau_by_id(f"{mission.pk}-{mission.date:%Y%m%d}0831") is None  # not a start
    assert services.creneau_by_id("pas-un-creneau") is None
    proposed = _mission(statut=Mission.Statut.PROPOSEE, days_ahead=1)
    assert services.creneau_by_id(f"{proposed.pk}-{mission.date:%Y%m%d}0830") is None
