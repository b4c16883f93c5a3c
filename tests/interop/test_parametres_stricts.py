"""Every parameter of an address, API and FHIR, read in its one form: a number is ASCII digits without sign, space,
decimal point or leading zero; a date is exactly AAAA-MM-JJ; a code or an enumeration exactly as documented.
The parameters are taken from the OpenAPI document and the CapabilityStatement, so that a new one without a strict
form fails here. A refusal is the API's one shape (422, `detail` naming the parameter, a French message saying the
form awaited) or, in FHIR, a 400 OperationOutcome `invalid` naming the parameter; good values still answer."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.utils import timezone

from solidarite.interop import entrees
from solidarite.interop.schemas import EXEMPLES
from solidarite.planning.models import Mission
from solidarite.rdv import services
from solidarite.rdv.models import RendezVous
from tests.factories import PATIENT, agent_ars, lieu, medecin

pytestmark = pytest.mark.django_db

LONG = "1" * 5000
# Near misses of a good value, which pydantic's lax reading or the FHIR views' own took for it.
BAD_NUMBERS = [" 1", "1 ", "+1", "1.0", "01", "0", "-1", "1e3", "١", "²", "𝟏", "1_0", "0x1", "9" * 10, LONG, ""]  # fmt: skip
BAD_DATES = [
    "2026-12-10T08:00", "2026-12-10 ", " 2026-12-10", "2026-12-10\n", "2026-12-1", "20261210", "2026-02-30",
    "+2026-12-10", "٢٠٢٦-١٢-١٠", "2026-W50-1", "10/12/2026", "2026-12-10Z", "x" * 5000, "",
]  # fmt: skip
BAD_BY_PATTERN = {
    entrees.INSEE_PATTERN: [
        " 58194",
        "58194 ",
        "5819",
        "581940",
        "2a004",
        "５８１９４",
        "58194\n",
        "x" * 500,
        "",
    ],
    entrees.JETON_PATTERN: ["abc", "a:b", "a b:c:d", "a:b:c:d", ".a:b:c\n", "x" * 5000 + ":y:z", "é:b:c"],
}
FRENCH = ("attendu", "Attendu")  # every message says the form awaited


def _bad_values(parameter: dict[str, Any]) -> list[str]:
    """The near misses of a parameter, by what the document says of its form; a parameter the document gives no
    strict form fails the test (a free string would read anything)."""
    schema = parameter["schema"]
    if schema.get("type") == "integer":
        assert schema.get("minimum") == 1 and schema.get("maximum") == entrees.ID_MAX, parameter
        return BAD_NUMBERS
    if schema.get("format") == "date":
        assert schema.get("pattern") == entrees.DATE_PATTERN, parameter
        return BAD_DATES
    assert schema.get("pattern") in BAD_BY_PATTERN, f"paramètre sans forme stricte : {parameter}"
    return BAD_BY_PATTERN[schema["pattern"]]


def _api_cases() -> list[tuple[str, str, str, str, str]]:
    """(method, operation, parameter, bad value, address) for every path and query parameter of the API."""
    document = Client().get("/api/v1/openapi.json").json()
    good = {"commune": EXEMPLES["commune"], "lieu_id": str(EXEMPLES["lieu"]), "du": EXEMPLES["du"]}
    good |= {"au": EXEMPLES["au"], "jeton": ".abc:def:ghi"}
    cases = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            parameters = [p for p in operation.get("parameters", []) if p["in"] in ("path", "query")]
            for parameter in parameters:
                for bad in _bad_values(parameter):
                    values = {p["name"]: good[p["name"]] for p in parameters} | {parameter["name"]: bad}
                    address = path
                    query = []
                    for p in parameters:
                        text = quote(values[p["name"]], safe="")
                        if p["in"] == "path":
                            address = address.replace("{" + p["name"] + "}", text)
                        else:
                            query.append(f"{p['name']}={text}")
                    cases.append(
                        (
                            method,
                            path,
                            parameter["name"],
                            bad,
                            address + ("?" + "&".join(query) if query else ""),
                        )
                    )
    return cases


def test_every_api_parameter_refuses_its_near_misses_in_one_french_shape() -> None:
    client = Client()
    api_cases = _api_cases()
    named = {(path, name) for _, path, name, _, _ in api_cases}
    assert named == {  # every parameter of the document was crawled (the document is read, not this list)
        ("/api/v1/lieux", "commune"),
        ("/api/v1/lieux/{lieu_id}/creneaux", "lieu_id"),
        ("/api/v1/lieux/{lieu_id}/creneaux", "du"),
        ("/api/v1/lieux/{lieu_id}/creneaux", "au"),
        ("/api/v1/rendez-vous/{jeton}", "jeton"),
    }
    wrong = []
    for method, _, name, bad, address in api_cases:
        if name in ("lieu_id", "jeton") and ("/" in bad or bad == ""):
            continue  # an empty path segment is another address (404 of the router)
        response = getattr(client, method)(address)
        detail = (
            response.json().get("detail") if response["Content-Type"].startswith("application/json") else None
        )
        ok = (
            response.status_code == 422
            and isinstance(detail, dict)
            and list(detail) == [name]
            and len(detail[name]) == 1
            and any(word in detail[name][0] for word in FRENCH)
        )
        if not ok:
            wrong.append(
                f"{method.upper()} {address[:90]!r} → {response.status_code} {response.content[:160]!r}"
            )
    assert not wrong, "\n".join(wrong)


@pytest.fixture
def exemples() -> Mission:
    """A lieu with a confirmed mission three days ahead (its slots are in the future)."""
    site = lieu()
    day = timezone.localdate() + dt.timedelta(days=3)
    return Mission.objects.create(
        medecin=medecin(site.commune), lieu=site, date=day, statut=Mission.Statut.CONFIRMEE
    )


def test_good_values_still_answer(exemples: Mission) -> None:
    client = Client()
    site, day = exemples.lieu, exemples.date.isoformat()
    found = client.get("/api/v1/lieux", {"commune": site.commune.code_insee})
    assert found.status_code == 200 and site.pk in {row["id"] for row in found.json()}
    assert client.get("/api/v1/lieux", {"commune": "2A004"}).status_code in (200, 404)  # Corse: its form
    slots = client.get(f"/api/v1/lieux/{site.pk}/creneaux", {"du": day, "au": day})
    assert slots.status_code == 200 and slots.json()
    booked = client.post(
        "/api/v1/rendez-vous", {**PATIENT, "creneau": slots.json()[0]["id"]}, content_type="application/json"
    )
    assert booked.status_code == 201
    assert client.delete(f"/api/v1/rendez-vous/{booked.json()['jeton']}").status_code == 204
    assert RendezVous.objects.get().statut == RendezVous.Statut.ANNULE
    # FHIR, each parameter in its forms
    for url, params in [
        ("/fhir/Location", {"_id": str(site.pk)}),
        ("/fhir/Location", {"address-city": site.commune.nom}),
        (f"/fhir/Location/{site.pk}", {}),
        ("/fhir/Schedule", {"actor": f"Location/{site.pk}"}),
        ("/fhir/Schedule", {"actor": str(site.pk), "_id": str(site.pk)}),
        (f"/fhir/Schedule/{site.pk}", {}),
        (
            "/fhir/Slot",
            {"schedule": f"Schedule/{site.pk}", "start": [f"ge{day}", f"le{day}"], "status": "free"},
        ),
        ("/fhir/Slot", {"schedule": str(site.pk), "start": day, "status": "busy"}),
    ]:
        response = client.get(url, params)
        assert response.status_code == 200, (url, params, response.content[:300])
        assert response.json()["resourceType"] != "OperationOutcome"
    slot_id = services.slots(site, exemples.date, exemples.date)[1].id
    assert client.get(f"/fhir/Slot/{slot_id}").status_code == 200
    client.force_login(agent_ars(site.commune.departement.region.code))
    appointments = client.get("/fhir/Appointment", {"date": day, "location": f"Location/{site.pk}"})
    assert appointments.status_code == 200 and appointments.json()["total"] == 1
    rdv = RendezVous.objects.get()
    assert client.get(f"/fhir/Appointment/{rdv.pk}").status_code == 200


# FHIR: near misses by the type the CapabilityStatement gives each search parameter; the number forms are also
# those of a reference (« Location/ 1 ») and of a read by id.
FHIR_BAD = {
    "reference": [f"{{kind}}/{b}" for b in BAD_NUMBERS if b]
    + ["Patient/{lieu}", "http://ailleurs/{kind}/{lieu}"],
    "token:_id": [b for b in BAD_NUMBERS if b] + ["Location/{lieu}"],
    "token:status": ["Free", " free", "free ", "libre", "free,busy", "x" * 5000],
    "date": [p + d for d in BAD_DATES if d for p in ("", "ge")] + ["ne2026-12-10", "sa2026-12-10"],
    "string": ["x" * 101, "Nevers\x01", "Nevers\n"],
}
REFERENCE_KIND = {"actor": "Location", "schedule": "Schedule", "location": "Location"}


def test_every_fhir_parameter_refuses_its_near_misses_with_an_operation_outcome(exemples: Mission) -> None:
    client = Client()
    site = exemples.lieu
    capability = client.get("/fhir/metadata").json()
    client.force_login(agent_ars(site.commune.departement.region.code))  # Appointment is the ARS's
    good = {"schedule": f"Schedule/{site.pk}"}
    wrong, crawled = [], set()
    for resource in capability["rest"][0]["resource"]:
        kind = resource["type"]
        reads = [
            (f"/fhir/{kind}/{quote(b, safe='')}", {}, "id", b) for b in BAD_NUMBERS if b and "/" not in b
        ]
        if kind == "Slot":
            reads = [
                (f"/fhir/Slot/{quote(b, safe='')}", {}, "id", b) for b in ("1", " 1-203001070830", "1-2030")
            ]
        searches = []
        for parameter in resource["searchParam"]:
            name, kind_of = parameter["name"], parameter["type"]
            key = f"token:{name}" if kind_of == "token" else kind_of
            assert key in FHIR_BAD, f"paramètre FHIR sans forme stricte : {kind}.{name} ({kind_of})"
            crawled.add(f"{kind}.{name}")
            for bad in FHIR_BAD[key]:
                value = bad.format(kind=REFERENCE_KIND.get(name, ""), lieu=site.pk)
                params = {k: v for k, v in good.items() if kind == "Slot" and k != name} | {name: value}
                searches.append((f"/fhir/{kind}", params, name, value))
        for url, params, name, _value in reads + searches:
            response = client.get(url, params)
            body = response.json()
            issue = body.get("issue", [{}])[0]
            if not (
                response.status_code == 400
                and body["resourceType"] == "OperationOutcome"
                and issue.get("code") == "invalid"
                and f"Paramètre {name} " in issue.get("diagnostics", "")
                and any(word in issue["diagnostics"] for word in (*FRENCH, "exactement"))
            ):
                wrong.append(f"{url} {params!r:.120} → {response.status_code} {issue}")
    assert crawled == {
        "Location._id", "Location.address-city", "Schedule._id", "Schedule.actor",
        "Slot.schedule", "Slot.start", "Slot.status", "Appointment.date", "Appointment.location",
    }  # fmt: skip
    assert not wrong, "\n".join(wrong)


def test_a_parameter_given_twice_is_refused_rather_than_one_of_them_read(exemples: Mission) -> None:
    response = Client().get("/fhir/Slot", {"schedule": [f"Schedule/{exemples.lieu.pk}", "Schedule/2"]})
    assert response.status_code == 400
    assert "une seule valeur" in response.json()["issue"][0]["diagnostics"]


def test_an_api_parameter_given_twice_is_refused_rather_than_the_last_one_read(exemples: Mission) -> None:
    client = Client()
    site, day = exemples.lieu, exemples.date.isoformat()
    for url, name in [
        (f"/api/v1/lieux/{site.pk}/creneaux?du=x&du={day}&au={day}", "du"),
        (f"/api/v1/lieux/{site.pk}/creneaux?du={day}&au={day}&au={day}", "au"),
        (f"/api/v1/lieux?commune=x&commune={site.commune.code_insee}", "commune"),
    ]:
        response = client.get(url)
        assert response.status_code == 422, (url, response.content)
        assert (
            list(response.json()["detail"]) == [name]
            and "une seule valeur" in response.json()["detail"][name][0]
        )
