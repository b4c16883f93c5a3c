"""FHIR searches read page by page (FHIR R4 search.html#count): `_count` and `_offset`, the total of every page,
the next and previous links a client follows; `_count` out of bounds; the Accept header's format."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from fhir.resources.R4B.bundle import Bundle

from solidarite.interop.fhir import PAGE_MAX
from solidarite.rdv import services
from solidarite.rdv.models import AccesDonnees
from tests.factories import agent_ars, patient
from tests.factories import mission as _mission

pytestmark = pytest.mark.django_db


def _bundle(response) -> Bundle:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return Bundle.model_validate_json(response.content)


def _follow(client: Client, url: str) -> Bundle:
    parts = urlsplit(url)
    assert url.startswith(settings.SOLIDARITE_BASE_URL)
    return _bundle(client.get(f"{parts.path}?{parts.query}"))


def test_slots_are_read_page_by_page_with_the_total_and_the_links(client: Client) -> None:
    mission = _mission(days_ahead=5)
    params = {"schedule": f"Schedule/{mission.lieu.pk}", "start": mission.date.isoformat()}
    everything = _bundle(client.get("/fhir/Slot", params))
    assert everything.total == 24 and len(everything.entry) == 24
    assert [link.relation for link in everything.link] == ["self"]
    first = _bundle(client.get("/fhir/Slot", {**params, "_count": "10"}))
    assert first.total == 24 and len(first.entry) == 10
    links = {link.relation: link.url for link in first.link}
    assert set(links) == {"self", "next"} and "_count=10" in links["self"]
    second = _follow(client, links["next"])
    third = _follow(client, {x.relation: x.url for x in second.link}["next"])
    assert len(second.entry) == 10 and len(third.entry) == 4 and third.total == 24
    assert "next" not in {x.relation for x in third.link}
    back = _follow(client, {x.relation: x.url for x in third.link}["previous"])
    assert [e.resource.id for e in back.entry] == [e.resource.id for e in second.entry]
    ids = [e.resource.id for page in (first, second, third) for e in page.entry]
    assert ids == [e.resource.id for e in everything.entry]  # every slot once, in order
    total_only = _bundle(client.get("/fhir/Slot", {**params, "_count": "0"}))
    assert total_only.total == 24 and not total_only.entry


def test_appointments_beyond_a_page_are_counted_and_only_the_page_read_is_logged(client: Client) -> None:
    """Appointment was cut at 500 silently, its total saying 500; now the total is every match, and only the
    appointments of the page sent are written to the access log."""
    mission = _mission(days_ahead=5)
    for k, slot in enumerate(services.slots(mission.lieu, mission.date, mission.date)[:5]):
        services.book(slot.id, patient(k))
    client.force_login(agent_ars(mission.lieu.commune.departement.region.code))
    before = AccesDonnees.objects.filter(action="lecture FHIR").count()
    page = _bundle(
        client.get("/fhir/Appointment", {"date": mission.date.isoformat(), "_count": "2", "_offset": "2"})
    )
    assert page.total == 5 and len(page.entry) == 2
    assert {link.relation for link in page.link} == {"self", "next", "previous"}
    assert AccesDonnees.objects.filter(action="lecture FHIR").count() == before + 2


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"_count": "-1"}, "Paramètre _count invalide"),
        ({"_count": "dix"}, "Paramètre _count invalide"),
        ({"_count": "99999999999999999999"}, "Paramètre _count invalide"),
        ({"_count": ["1", "2"]}, "Paramètre _count donné 2 fois"),
        ({"_offset": "1.5"}, "Paramètre _offset invalide"),
    ],
)
def test_a_bad_count_or_offset_is_a_400_operation_outcome_in_french(client: Client, params, message) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/fhir/Location", params)
    assert response.status_code == 400
    issue = response.json()["issue"][0]
    assert issue["code"] == "invalid" and message in issue["diagnostics"]


def test_a_count_above_the_page_is_served_as_the_page(client: Client) -> None:
    """FHIR R4: the server may return fewer than asked, never more; the self link says what was applied."""
    _mission(days_ahead=5)
    found = _bundle(client.get("/fhir/Location", {"_count": "999999999"}))
    assert f"_count={PAGE_MAX}" in found.link[0].url


@pytest.mark.parametrize(
    ("accept", "status"),
    [
        ("application/fhir+xml", 406),
        ("application/xml, text/xml", 406),
        ("application/fhir+json", 200),
        ("application/json+fhir", 200),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", 200),
        ("", 200),
    ],
)
def test_the_accept_header_is_read(client: Client, accept: str, status: int) -> None:
    """« Accept: application/fhir+xml » was answered in JSON with a 200; `_format` still wins over Accept."""
    response = client.get("/fhir/metadata", headers={"Accept": accept} if accept else {})
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/fhir+json")
    if status == 406:
        assert "JSON seulement" in response.json()["issue"][0]["diagnostics"]
        forced = client.get("/fhir/metadata", {"_format": "json"}, headers={"Accept": accept})
        assert forced.status_code == 200
