"""A flood of requests from one address: French 429, and nothing half-made."""

from __future__ import annotations

import html
import os
import socket
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client, override_settings

from solidarite.rdv import services
from solidarite.rdv.models import RendezVous
from tests.factories import mission as _mission
from tests.factories import patient

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counters():  # type: ignore[no-untyped-def]
    cache.clear()
    yield
    cache.clear()


def test_bookings_from_one_address_are_limited(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SOLIDARITE_LIMITE_RESERVATIONS = 3
    mission = _mission()
    slots = services.slots(mission.lieu, mission.date, mission.date)
    for k in range(3):  # three patients (one appointment a day per person at a lieu)
        response = client.post(
            "/api/v1/rendez-vous", {**patient(k), "creneau": slots[k].id}, content_type="application/json"
        )
        assert response.status_code == 201
    refused = client.post(
        "/api/v1/rendez-vous", {**patient(3), "creneau": slots[3].id}, content_type="application/json"
    )
    assert refused.status_code == 429 and "Trop de demandes" in refused.json()["detail"]
    assert refused["Retry-After"] == "60"
    page = client.post(
        f"/rendez-vous/creneau/{slots[4].id}/",
        {"prenom": "A", "nom": "B", "date_naissance": "01/01/1950", "telephone": "0612345678"},
    )
    assert page.status_code == 429 and "Patientez une minute" in html.unescape(page.content.decode())
    assert RendezVous.objects.count() == 3
    other = Client(REMOTE_ADDR="10.0.0.2")  # another address is not affected
    assert (
        other.post(
            "/api/v1/rendez-vous", {**patient(5), "creneau": slots[5].id}, content_type="application/json"
        ).status_code
        == 201
    )


def test_searches_from_one_address_are_limited(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SOLIDARITE_LIMITE_RECHERCHES = 2
    code = _mission().lieu.commune.code_insee
    assert client.get("/rendez-vous/", {"commune": code}).status_code == 200
    assert client.get("/api/v1/lieux", {"commune": code}).status_code == 200
    assert client.get("/rendez-vous/", {"commune": code}).status_code == 429
    assert client.get("/fhir/Location").status_code == 429


@pytest.fixture
def _same_minute():  # type: ignore[no-untyped-def]
    """Counters are per minute: the clock stays in one minute for the test."""
    with time_machine.travel(1_800_000_000.0, tick=False):
        yield


@pytest.mark.usefixtures("_same_minute")
def test_behind_a_reverse_proxy_each_patient_is_counted_apart(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SOLIDARITE_LIMITE_RECHERCHES = 1
    settings.SOLIDARITE_MANDATAIRES = 1
    proxy = Client(REMOTE_ADDR="10.0.0.1")  # every request arrives from the proxy

    def search(forwarded: str | None) -> int:
        headers = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
        return proxy.get("/api/v1/lieux", {"commune": "00000"}, **headers).status_code

    assert search("203.0.113.5") == 404  # unknown commune: served, counted for 203.0.113.5
    assert search("203.0.113.6") == 404  # another patient behind the same proxy
    assert search("203.0.113.5") == 429
    assert search("198.51.100.1, 203.0.113.5") == 429  # an address written by the client proves nothing
    assert search(None) == 404  # bypassing the proxy: the connection's own address


def _redis_url() -> str:
    """Redis on 127.0.0.1:6379 (SOLIDARITE_TEST_REDIS_URL to use another): optional on a laptop, required in CI,
    which starts one (.ci/run): there the test fails instead of being skipped."""
    url = os.environ.get("SOLIDARITE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    parsed = urlsplit(url)
    try:
        socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=0.5).close()
    except OSError:
        if os.environ.get("CI"):
            pytest.fail(f"pas de Redis sur {parsed.netloc} : .ci/run doit lancer redis-server.")
        pytest.skip(f"pas de Redis sur {parsed.netloc} (CI en a un ; facultatif ailleurs)")
    return url


@pytest.mark.usefixtures("_same_minute")
def test_a_shared_redis_cache_counts_every_worker(settings) -> None:  # type: ignore[no-untyped-def]
    from django.core.cache.backends.redis import RedisCache
    from django_ratelimit.core import _get_window, _make_cache_key

    url = _redis_url()
    prefix = f"test-limites-{os.getpid()}-{id(settings)}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
        }
    }
    settings.SOLIDARITE_LIMITE_RECHERCHES = 2
    client = Client(REMOTE_ADDR="192.0.2.7")
    # The counter django-ratelimit keeps for this address's searches in the current window.
    key = _make_cache_key("recherche", _get_window("192.0.2.7", 60), "2/60s", "192.0.2.7", "")
    other_worker = RedisCache(url, {"KEY_PREFIX": prefix})  # its own connection to Redis
    try:
        assert client.get("/api/v1/lieux", {"commune": "00000"}).status_code == 404
        assert other_worker.incr(key) == 2  # another worker counts a request of the same address
        assert client.get("/api/v1/lieux", {"commune": "00000"}).status_code == 429
    finally:
        other_worker.delete(key)


@pytest.mark.usefixtures("_same_minute")
def test_an_unreachable_cache_never_refuses_a_patient(caplog) -> None:  # type: ignore[no-untyped-def]
    unreachable = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        "OPTIONS": {"socket_connect_timeout": 0.2},
    }
    client = Client(REMOTE_ADDR="192.0.2.8")
    with override_settings(CACHES={"default": unreachable}, SOLIDARITE_LIMITE_RECHERCHES=1):
        for _ in range(3):
            assert client.get("/api/v1/lieux", {"commune": "00000"}).status_code == 404
    assert "Limite de débit non comptée : cache injoignable (ConnectionError)" in caplog.text
