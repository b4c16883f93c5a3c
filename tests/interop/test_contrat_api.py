"""The OpenAPI document is a contract kept: schemathesis, every check on (positive data accepted, negative data
refused, status codes, content types, headers and bodies as documented), over every operation of the API, on
the real territory and the lieu, mission and slot the document's examples name (api.EXEMPLES). In process
(WSGI), seeded and bounded: the same cases on every run, on SQLite and on PostgreSQL, in well under a minute."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import load_all_checks

from solidarite.interop.schemas import EXEMPLES
from solidarite.planning.models import Mission
from solidarite.rdv import services
from solidarite.territoire.models import Commune
from tests.factories import lieu, medecin

pytestmark = pytest.mark.django_db
CASES_PER_MODE = 80


@pytest.fixture
def in_process_wsgi() -> Iterator[Any]:
    """Django's WSGI application, answering in this test's transaction: the connection is not closed at the end
    of each request (as django.test.Client does)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def exemples() -> Mission:
    """The lieu and mission of the document's examples, with their numbers, in the example commune."""
    commune = Commune.objects.select_related("epci").get(code_insee=EXEMPLES["commune"])
    site = lieu(commune, pk=EXEMPLES["lieu"])
    mission = Mission.objects.create(
        pk=EXEMPLES["mission"],
        medecin=medecin(commune),
        lieu=site,
        date=dt.date.fromisoformat(EXEMPLES["du"]),
        statut=Mission.Statut.CONFIRMEE,
    )
    assert EXEMPLES["creneau"] in {c.id for c in services.slots(site, mission.date, mission.date)}
    return mission


def _keep_documented_range(ctx: Any, query: dict[str, Any] | None) -> dict[str, Any] | None:
    """`au` no earlier than `du` and at most MAX_RANGE_DAYS after it: a rule between two parameters, which the
    document says in words (JSON Schema cannot), taught to the generator."""
    if not query or not isinstance(query.get("du"), str) or not isinstance(query.get("au"), str):
        return query
    try:
        du, au = dt.date.fromisoformat(query["du"]), dt.date.fromisoformat(query["au"])
    except ValueError:
        return query
    if not 0 <= (au - du).days <= services.MAX_RANGE_DAYS:
        days = abs(au - du).days % (services.MAX_RANGE_DAYS + 1)
        query["au"] = min(du + dt.timedelta(days=days), dt.date.max).isoformat()
    return query


def _strategies(schema: Any, mode: str) -> list[Any]:
    """The documented examples of every operation, or, operation by operation, cases generated to fit (positive)
    or break (negative) the document. One strategy per operation: drawn from one strategy over them all, the 80
    cases could all land on three operations (the positive pass of CI, 5 December 2026, never sent a booking)."""
    if mode == "exemples":
        return [
            st.one_of(
                [s for op in schema.get_all_operations() for s in op.ok().get_strategies_from_examples()]
            )
        ]
    return [op.ok().as_strategy(generation_mode=GenerationMode(mode)) for op in schema.get_all_operations()]


@pytest.mark.parametrize("mode", ["exemples", "positive", "negative"])
def test_the_api_keeps_its_openapi_contract(exemples: Mission, in_process_wsgi: Any, mode: str) -> None:
    load_all_checks()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", in_process_wsgi)
    schema.hook("map_query")(_keep_documented_range)
    operations = {
        "GET /api/v1/lieux",
        "GET /api/v1/lieux/{lieu_id}/creneaux",
        "POST /api/v1/rendez-vous",
        "DELETE /api/v1/rendez-vous/{jeton}",
    }
    assert {op.ok().label for op in schema.get_all_operations()} == operations
    answered: dict[str, set[int]] = {}

    strategies = _strategies(schema, mode)
    for strategy in strategies:

        @given(case=strategy)
        @settings(
            max_examples=CASES_PER_MODE // len(strategies),
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            # Uncompressed: the WSGI transport hands schemathesis the bytes as sent (an HTTP client would inflate).
            response = case.call_and_validate(headers={"Accept-Encoding": "identity"})
            answered.setdefault(case.operation.label, set()).add(response.status_code)

        run()
    if mode == "exemples":  # the examples reach real data: a lieu found, its slots listed, one booked
        assert answered["GET /api/v1/lieux"] == {200}, answered
        assert answered["GET /api/v1/lieux/{lieu_id}/creneaux"] == {200}, answered
        assert 201 in answered["POST /api/v1/rendez-vous"], answered
    elif mode == "positive":
        assert set(answered) == operations, answered
    else:  # every operation has a parameter of a documented form to break (the jeton too)
        assert set(answered) == operations, answered
