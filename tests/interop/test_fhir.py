"""FHIR R4 read endpoints: resources valid for fhir.resources, slots free/busy, appointments restricted."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.location import Location
from fhir.resources.R4B.slot import Slot

from solidarite.rdv import services
from solidarite.rdv.models import AccesDonnees
from tests.factories import PATIENT, agent_ars
from tests.factories import mission as _mission

pytestmark = pytest.mark.django_db
FHIR_JSON = "application/fhir+json"
# ANS, « Gestion d'agendas partagés » 3.0.0
GAP = "https://interop.esante.gouv.fr/ig/fhir/gap/StructureDefinition/"


def _bundle(response) -> Bundle:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith(FHIR_JSON)
    return Bundle.model_validate_json(response.content)  # parsed back: valid R4(B)


def test_location_schedule_and_slots(client: Client) -> None:
    mission = _mission(days_ahead=5)
    site = mission.lieu
    locations = _bundle(client.get("/fhir/Location"))
    assert locations.type == "searchset" and any(e.resource.id == str(site.pk) for e in locations.entry)
    one = Location.model_validate_json(client.get(f"/fhir/Location/{site.pk}").content)
    assert one.meta.profile == ["https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-location"]
    assert (
        float(one.position.latitude) == pytest.approx(site.latitude) and one.address.city == site.commune.nom
    )
    schedule = _bundle(client.get("/fhir/Schedule", {"actor": f"Location/{site.pk}"}))
    assert schedule.total == 1
    assert schedule.entry[0].resource.specialty[0].coding[0].code == "SM54"
    assert schedule.entry[0].resource.meta.profile == [f"{GAP}gap-fr-schedule"]
    booked = services.book(services.slots(site, mission.date, mission.date)[0].id, PATIENT)
    day = mission.date.isoformat()
    params = {"schedule": f"Schedule/{site.pk}", "start": [f"ge{day}", f"le{day}"]}
    slots = _bundle(client.get("/fhir/Slot", params))
    assert slots.total == 24
    busy = [e.resource for e in slots.entry if e.resource.status == "busy"]
    assert len(busy) == 1 and busy[0].start == booked.debut
    assert {tuple(e.resource.meta.profile) for e in slots.entry} == {(f"{GAP}gap-fr-slot",)}
    free = _bundle(client.get("/fhir/Slot", {**params, "status": "free"}))
    assert free.total == 23


@pytest.mark.parametrize(
    ("url", "params", "status"),
    [
        ("/fhir/Slot", {}, 400),
        ("/fhir/Slot", {"schedule": "Schedule/{lieu}", "start": "ge2026-13-40"}, 400),
        ("/fhir/Slot", {"schedule": "Schedule/{lieu}", "start": ["ge2026-01-01", "le2026-12-31"]}, 400),
        ("/fhir/Slot", {"schedule": "Schedule/{lieu}", "status": "peut-être"}, 400),
        # A period at an end of the calendar (were an OverflowError, an English 500)
        ("/fhir/Slot", {"schedule": "Schedule/{lieu}", "start": "gt9999-12-31"}, 400),
        ("/fhir/Slot", {"schedule": "Schedule/{lieu}", "start": "ge9999-12-31"}, 400),
        ("/fhir/Slot", {"schedule": "Schedule/{lieu}", "start": "lt0001-01-01"}, 400),
        ("/fhir/Slot", {"schedule": "Schedule/99999999"}, 404),
        ("/fhir/Location/99999999999999", {}, 400),  # beyond the numbers the answers write
        ("/fhir/Location/99999999", {}, 404),
        ("/fhir/Patient", {}, 404),
    ],
)
def test_bad_requests_get_an_operation_outcome(client: Client, url: str, params: dict, status: int) -> None:  # type: ignore[type-arg]
    site = _mission(days_ahead=5).lieu
    params = {k: v.replace("{lieu}", str(site.pk)) if isinstance(v, str) else v for k, v in params.items()}
    response = client.get(url, params)
    assert response.status_code == status
    body = response.json()
    assert body["resourceType"] == "OperationOutcome" and body["issue"][0]["diagnostics"]


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_a_write_gets_an_operation_outcome_not_an_html_page(method: str) -> None:
    """The server is read-only: a write is refused with its OperationOutcome (was Django's empty 405, or the
    HTML page of the CSRF check for a client that does not carry the token)."""
    client = Client(enforce_csrf_checks=True)
    for url in ("/fhir/Location", "/fhir/metadata", "/fhir/Appointment"):
        response = getattr(client, method)(url, "{}", content_type="application/fhir+json")
        assert response.status_code == 405 and response["Allow"] == "GET, HEAD"
        assert response["Content-Type"].startswith("application/fhir+json")
        issue = response.json()["issue"][0]
        assert issue["code"] == "not-supported" and "lecture seule" in issue["diagnostics"]


@pytest.mark.parametrize("digits", ["²", "¹²", "١", "𝟏"])
def test_a_number_in_other_digits_is_refused(client: Client, digits: str) -> None:
    """« ² » passes str.isdigit but not int(): it was a 500 with a traceback on every read by id and every
    search naming a lieu; « ١ » (Arabic-Indic one) read lieu 1 under another identifier, then was « not found ».
    Now: a 400 saying the form of a number (interop.entrees)."""
    mission = _mission(days_ahead=5)
    services.book(services.slots(mission.lieu, mission.date, mission.date)[0].id, PATIENT)
    client.force_login(agent_ars(mission.lieu.commune.departement.region.code))
    for url, params in [
        (f"/fhir/Location/{digits}", {}),
        (f"/fhir/Schedule/{digits}", {}),
        (f"/fhir/Appointment/{digits}", {}),
        ("/fhir/Location", {"_id": digits}),
        ("/fhir/Schedule", {"actor": f"Location/{digits}"}),
        ("/fhir/Slot", {"schedule": f"Schedule/{digits}"}),
        ("/fhir/Appointment", {"location": f"Location/{digits}"}),
    ]:
        response = client.get(url, params)
        assert response.status_code == 400, (url, params, response.status_code)
        issue = response.json()["issue"][0]
        assert issue["code"] == "invalid" and "chiffres de 0 à 9" in issue["diagnostics"]


def test_appointments_only_for_the_ars_of_the_region(client: Client) -> None:
    mission = _mission(days_ahead=5)
    services.book(services.slots(mission.lieu, mission.date, mission.date)[0].id, PATIENT)
    day = mission.date.isoformat()
    anonymous = client.get("/fhir/Appointment", {"date": day})
    assert anonymous.status_code == 401 and anonymous.json()["resourceType"] == "OperationOutcome"
    region = mission.lieu.commune.departement.region
    client.force_login(agent_ars(region.code))
    found = _bundle(client.get("/fhir/Appointment", {"date": day}))
    assert found.total == 1
    appointment = found.entry[0].resource
    assert appointment.status == "booked" and appointment.participant[0].actor.display == "MARTIN Jeanne"
    assert appointment.meta.profile == [f"{GAP}gap-fr-appointment"]
    identifier = appointment.participant[1].actor.identifier
    assert (
        identifier.system == "urn:oid:1.2.250.1.71.4.2.1" and identifier.value == f"8{mission.medecin.rpps}"
    )
    assert AccesDonnees.objects.filter(canal="API FHIR").count() == 1
    for edge in ("gt9999-12-31", "lt0001-01-01"):  # an end of the calendar: a 400 (was an English 500)
        refused = client.get("/fhir/Appointment", {"date": edge})
        assert (
            refused.status_code == 400
            and "limites du calendrier" in refused.json()["issue"][0]["diagnostics"]
        )
    client.force_login(agent_ars("11" if region.code != "11" else "84", username="ars-autre"))
    assert _bundle(client.get("/fhir/Appointment", {"date": day})).total == 0


def test_the_references_of_a_bundle_are_read_back(client: Client) -> None:
    """fullUrl and Appointment.slot answer: Slot/<id> and Appointment/<id> are read endpoints (the autouse
    validation of tests.interop.validation_fhir reads every reference back)."""
    mission = _mission(days_ahead=5)
    booked = services.book(services.slots(mission.lieu, mission.date, mission.date)[0].id, PATIENT)
    day = mission.date.isoformat()
    slots = _bundle(client.get("/fhir/Slot", {"schedule": f"Schedule/{mission.lieu.pk}", "start": day}))
    first = slots.entry[0]
    assert first.fullUrl.endswith(f"/fhir/Slot/{first.resource.id}")
    one = Slot.model_validate_json(client.get(f"/fhir/Slot/{first.resource.id}").content)
    assert one.status == "busy" and one.start == booked.debut
    for unknown, status in (
        ("1-2", 400),  # not of the form <mission>-<AAAAMMJJhhmm>
        (f"{mission.pk}-{mission.date:%Y%m%d}0831", 404),
        ("999999999-203001070830", 404),
    ):
        response = client.get(f"/fhir/Slot/{unknown}")
        assert response.status_code == status and response.json()["resourceType"] == "OperationOutcome"
    url = f"/fhir/Appointment/{booked.pk}"
    assert client.get(url).status_code == 401
    region = mission.lieu.commune.departement.region
    client.force_login(agent_ars(region.code))
    appointment = Appointment.model_validate_json(client.get(url).content)
    assert appointment.slot[0].reference == f"Slot/{first.resource.id}"
    assert AccesDonnees.objects.filter(canal="API FHIR", rendez_vous=booked).count() == 1
    client.force_login(agent_ars("11" if region.code != "11" else "84", username="ars-autre"))
    assert client.get(url).status_code == 404  # another region's: as if there were none
    assert AccesDonnees.objects.filter(canal="API FHIR", rendez_vous=booked).count() == 1


def test_a_cancelled_appointment_lists_the_patient_as_declined(client: Client) -> None:
    mission = _mission(days_ahead=5)
    booked = services.book(services.slots(mission.lieu, mission.date, mission.date)[0].id, PATIENT)
    services.cancel(services.jeton_for(booked), canal="api")
    client.force_login(agent_ars(mission.lieu.commune.departement.region.code))
    appointment = Appointment.model_validate_json(client.get(f"/fhir/Appointment/{booked.pk}").content)
    assert appointment.status == "cancelled"
    assert [p.status for p in appointment.participant] == ["declined", "accepted", "accepted"]


def test_the_capability_statement_lists_what_is_served(client: Client) -> None:
    response = client.get("/fhir/metadata")
    assert response.status_code == 200 and response["Content-Type"].startswith(FHIR_JSON)
    statement = CapabilityStatement.model_validate_json(response.content)
    assert statement.fhirVersion == "4.0.1" and statement.kind == "instance" and statement.format == ["json"]
    served = {r.type: {i.code for i in r.interaction} for r in statement.rest[0].resource}
    assert served == {
        kind: {"read", "search-type"} for kind in ("Location", "Schedule", "Slot", "Appointment")
    }
    for kind in served:  # each one is served (what is not answers 404 not-supported)
        assert client.get(f"/fhir/{kind}").status_code in {200, 400, 401}
        assert client.get(f"/fhir/{kind}/0").json()["issue"][0]["code"] != "not-supported"
    assert client.get("/fhir/Patient").json()["issue"][0]["code"] == "not-supported"


def test_a_format_other_than_json_is_not_acceptable(client: Client) -> None:
    """`_format=xml` got JSON with a 200: the client asked for XML and parsed JSON (FHIR R4: 406)."""
    for fmt in ("xml", "application/fhir+xml", "ttl"):
        response = client.get("/fhir/metadata", {"_format": fmt})
        assert response.status_code == 406 and response["Content-Type"].startswith(FHIR_JSON)
        assert "JSON seulement" in response.json()["issue"][0]["diagnostics"]
    for fmt in ("json", "application/fhir+json", "application/json"):
        assert client.get("/fhir/metadata", {"_format": fmt}).status_code == 200
    assert client.get("/fhir/metadata?_format=application/fhir+json").status_code == 200  # « + » unencoded


def test_a_search_parameter_not_served_is_refused_not_ignored(client: Client) -> None:
    """`Appointment?actor=Location/<other>` or `?_id=` were ignored: every appointment of the region came back
    as if it matched them. Only the parameters of the CapabilityStatement are read; any other is a 400."""
    mission = _mission(days_ahead=5)
    services.book(services.slots(mission.lieu, mission.date, mission.date)[0].id, PATIENT)
    client.force_login(agent_ars(mission.lieu.commune.departement.region.code))
    day = mission.date.isoformat()
    assert _bundle(client.get("/fhir/Appointment", {"date": day})).total == 1
    for path, params in [
        ("/fhir/Appointment", {"date": day, "actor": f"Location/{mission.lieu.pk + 1}"}),
        ("/fhir/Appointment", {"date": day, "_id": "600"}),
        ("/fhir/Location", {"name": "x"}),
        ("/fhir/Schedule", {"_sort": "name"}),
        ("/fhir/Slot", {"schedule": str(mission.lieu.pk), "actor": "x"}),
    ]:
        refused = client.get(path, params)
        assert refused.status_code == 400, (path, params)
        issue = refused.json()["issue"][0]
        assert issue["code"] == "not-supported" and "non pris en charge" in issue["diagnostics"]
    assert _bundle(client.get("/fhir/Location", {"_format": "json"})).total is not None


def test_a_lenient_search_ignores_what_is_not_served_and_says_so_in_its_self_link(client: Client) -> None:
    """FHIR R4 (search.html#errors): with « Prefer: handling=lenient » a parameter not served is ignored, and the
    Bundle's self link shows only what was applied; every search has that link."""
    mission = _mission(days_ahead=5)
    schedule = f"Schedule/{mission.lieu.pk}"
    strict = _bundle(client.get("/fhir/Slot", {"schedule": schedule}))
    assert [(link.relation, link.url) for link in strict.link] == [
        ("self", f"{settings.SOLIDARITE_BASE_URL}/fhir/Slot?schedule=Schedule%2F{mission.lieu.pk}")
    ]
    lenient = _bundle(
        client.get(
            "/fhir/Slot",
            {"schedule": schedule, "actor": "x", "_format": "json"},
            headers={"Prefer": "return=minimal, handling=lenient"},
        )
    )
    assert lenient.total == strict.total and lenient.link[0].url == strict.link[0].url
    assert (
        client.get(
            "/fhir/Slot", {"schedule": schedule, "actor": "x"}, headers={"Prefer": "handling=strict"}
        ).status_code
        == 400
    )
