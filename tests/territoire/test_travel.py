"""The travel-time core: closed-form distances, k-d tree vs brute force, OSRM over real HTTP."""

from __future__ import annotations

import csv
import json
import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest

from solidarite.territoire.osrm import OsrmTableProvider
from solidarite.territoire.travel import (
    EARTH_RADIUS_KM,
    CrowFlyProvider,
    TravelError,
    haversine_km,
    nearest_minutes,
    pairs_between,
    pairs_within,
)
from tests.conftest import DATA_DIR


def _real_points(departements: set[str]) -> tuple[np.ndarray, np.ndarray]:
    with (DATA_DIR / "communes_coordonnees.csv").open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["code_insee"][:2] in departements and r["latitude"]]
    return np.array([float(r["latitude"]) for r in rows]), np.array([float(r["longitude"]) for r in rows])


def test_haversine_closed_forms() -> None:
    assert haversine_km(0.0, 0.0, 90.0, 0.0) == pytest.approx(math.pi / 2 * EARTH_RADIUS_KM)
    assert haversine_km(0.0, 0.0, 0.0, 180.0) == pytest.approx(math.pi * EARTH_RADIUS_KM)
    assert haversine_km(45.0, 3.0, 45.0, 3.0) == 0.0
    # Paris (Notre-Dame) – Lyon (Bellecour): 392 km as the crow flies.
    assert haversine_km(48.853, 2.3499, 45.7578, 4.8320) == pytest.approx(392.0, abs=1.0)


def test_haversine_broadcasts_every_argument_and_a_grid_equals_its_pairs() -> None:
    rng = np.random.default_rng(7)
    lat, lon = rng.uniform(41, 51, 30), rng.uniform(-5, 9, 30)
    site_lat, site_lon = rng.uniform(41, 51, 20), rng.uniform(-5, 9, 20)
    kept = lat.copy()
    grid = haversine_km(lat[:, None], lon[:, None], site_lat[None, :], site_lon[None, :])
    i, j = np.divmod(np.arange(600), 20)
    pairs = haversine_km(lat[i], lon[i], site_lat[j], site_lon[j])
    assert np.array_equal(grid.reshape(-1), pairs)  # to the bit
    assert np.array_equal(lat, kept)  # the inputs are not written
    assert float(haversine_km(lat[3], lon[3], site_lat[5], site_lon[5])) == grid[3, 5]
    # Latitudes and longitudes of different shapes: one point against a row of longitudes.
    row = haversine_km(np.full((4, 1), 45.0), 2.0, np.full((1, 3), 46.0), np.array([3.0, 4.0, 5.0]))
    assert row.shape == (4, 3)
    assert np.array_equal(row[2], haversine_km(45.0, 2.0, 46.0, np.array([3.0, 4.0, 5.0])))


def test_crow_fly_minutes_follow_the_documented_constants() -> None:
    provider = CrowFlyProvider()
    assert provider.minutes_for_km(np.array([46.0]))[0] == pytest.approx(46.0 * 1.3)
    assert provider.max_speed_kmh == pytest.approx(60 / 1.3)
    with pytest.raises(ValueError):
        CrowFlyProvider(detour_factor=0.5)


def test_pairs_within_equals_brute_force_on_real_communes() -> None:
    lat, lon = _real_points({"15", "19"})  # Cantal and Corrèze: about 530 communes
    provider = CrowFlyProvider()
    pairs = pairs_within(lat, lon, 20.0, provider)
    full = provider.matrix_minutes(lat, lon, lat, lon)
    expected = {(int(i), int(j)) for i, j in zip(*np.nonzero(full <= 20.0), strict=True)}
    assert set(zip(pairs.origins.tolist(), pairs.destinations.tolist(), strict=True)) == expected
    np.testing.assert_allclose(pairs.minutes, full[pairs.origins, pairs.destinations], rtol=1e-6)
    assert len(pairs) > len(lat)  # more than the self-pairs


def test_pairs_between_equals_brute_force_and_skips_missing_coordinates() -> None:
    lat, lon = _real_points({"15"})  # the communes of Cantal, and those of Corrèze as the sites
    site_lat, site_lon = _real_points({"19"})
    lat[3], site_lon[5] = np.nan, np.nan
    provider = CrowFlyProvider()
    point, site, minutes = pairs_between(lat, lon, site_lat, site_lon, 45.0, provider)
    with np.errstate(invalid="ignore"):
        full = provider.matrix_minutes(lat, lon, site_lat, site_lon)
    expected = {(int(i), int(j)) for i, j in zip(*np.nonzero(full <= 45.0), strict=True)}
    assert set(zip(point.tolist(), site.tolist(), strict=True)) == expected and len(expected) > 100
    np.testing.assert_allclose(minutes, full[point, site], rtol=1e-6)
    assert 3 not in point.tolist() and 5 not in site.tolist()
    assert [len(a) for a in pairs_between(lat, lon, site_lat[:0], site_lon[:0], 45.0)] == [0, 0, 0]


def test_nearest_minutes_equals_brute_force_with_ties_and_sites_on_points() -> None:
    lat, lon = _real_points({"15"})  # the communes of Cantal; sites on some of them, some twice (ties)
    site_lat = np.concatenate((lat[::40], lat[::80], [45.0]))
    site_lon = np.concatenate((lon[::40], lon[::80], [2.7]))
    lat[7] = np.nan
    minutes = nearest_minutes(lat, lon, site_lat, site_lon)
    with np.errstate(invalid="ignore"):
        full = CrowFlyProvider().matrix_minutes(lat, lon, site_lat, site_lon)
    assert np.isnan(minutes[7]) and (minutes[::40] == 0.0).all()
    np.testing.assert_allclose(np.delete(minutes, 7), np.delete(full.min(axis=1), 7), rtol=1e-12)


@dataclass(frozen=True)
class _SlowNearProvider(CrowFlyProvider):
    """A provider where the nearest site as the crow flies is the slowest of the candidates."""

    def pair_minutes(
        self, lat: np.ndarray, lon: np.ndarray, origins: np.ndarray, destinations: np.ndarray
    ) -> np.ndarray:
        return 1000.0 - super().pair_minutes(lat, lon, origins, destinations)


def test_nearest_minutes_times_every_candidate_for_another_provider() -> None:
    lat, lon = _real_points({"15"})
    site_lat, site_lon = lat[::40], lon[::40]
    minutes = nearest_minutes(lat, lon, site_lat, site_lon, _SlowNearProvider(), candidates=3)
    crow = CrowFlyProvider().matrix_minutes(lat, lon, site_lat, site_lon)
    third = np.sort(crow, axis=1)[:, 2]  # the farthest of the 3 candidates is the fastest here
    np.testing.assert_allclose(minutes, 1000.0 - third, rtol=1e-12)


def test_sparse_matrix_keeps_self_pairs_and_skips_points_without_coordinates() -> None:
    lat = np.array([45.0, 45.01, np.nan, 46.0])
    lon = np.array([3.0, 3.0, 3.0, 3.0])
    pairs = pairs_within(lat, lon, 20.0)
    matrix = pairs.to_csr()
    assert matrix.shape == (4, 4)
    stored = {(int(i), int(j)) for i, j in zip(pairs.origins, pairs.destinations, strict=True)}
    assert stored == {(0, 0), (1, 1), (3, 3), (0, 1), (1, 0)}
    assert matrix.nnz == 5  # the zero-minute self-pairs are stored explicitly
    assert matrix[0, 1] == pytest.approx(haversine_km(45.0, 3.0, 45.01, 3.0) * 1.3)
    with pytest.raises(ValueError):
        pairs_within(lat, lon, -1.0)


class _OsrmHandler(BaseHTTPRequestHandler):
    """Speaks the OSRM `table` format; durations are crow-fly times (one way 10 % slower)."""

    requests: list[int] = []
    answer_error = False
    unreachable_above = 90.0  # destinations north of this latitude are on an island: null duration

    def do_GET(self) -> None:
        url = urlsplit(self.path)  # not urlparse: OSRM's ';' separators are not path parameters
        parts = url.path.split("/")
        assert parts[1:4] == ["table", "v1", "driving"]
        coords = [tuple(map(float, c.split(","))) for c in parts[4].split(";")]
        query = parse_qs(url.query)
        sources = [int(i) for i in query["sources"][0].split(";")]
        destinations = [int(i) for i in query["destinations"][0].split(";")]
        type(self).requests.append(len(coords))
        if type(self).answer_error:
            body = {"code": "TooBig", "message": "Too many table coordinates"}
        else:
            durations = []
            for s in sources:
                row = []
                for d in destinations:
                    (lon1, lat1), (lon2, lat2) = coords[s], coords[d]
                    if lat2 > type(self).unreachable_above:
                        row.append(None)  # an island without a ferry: unreachable
                        continue
                    seconds = (
                        float(CrowFlyProvider().minutes_for_km(haversine_km(lat1, lon1, lat2, lon2))) * 60
                    )
                    row.append(seconds * (1.1 if lon2 > lon1 else 1.0))
                durations.append(row)
            body = {"code": "Ok", "durations": durations}
        payload = json.dumps(body).encode()
        self.send_response(200 if body["code"] == "Ok" else 400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def osrm_server() -> Iterator[str]:
    _OsrmHandler.requests = []
    _OsrmHandler.answer_error = False
    _OsrmHandler.unreachable_above = 90.0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OsrmHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_osrm_table_provider_over_http(osrm_server: str) -> None:
    lat, lon = _real_points({"15"})
    lat, lon = lat[:60], lon[:60]
    provider = OsrmTableProvider(osrm_server, max_table_size=25)
    matrix = provider.matrix_minutes(lat, lon, lat, lon)
    assert max(_OsrmHandler.requests) <= 25
    crow = CrowFlyProvider().matrix_minutes(lat, lon, lat, lon)
    slower = lon[None, :] > lon[:, None]
    np.testing.assert_allclose(matrix, np.where(slower, crow * 1.1, crow), rtol=1e-6)


def test_pairs_within_with_osrm_is_directional_and_drops_unreachable(osrm_server: str) -> None:
    lat = np.array([45.0, 45.0, 45.02])
    lon = np.array([3.0, 3.15, 3.0])
    _OsrmHandler.unreachable_above = 45.01
    provider = OsrmTableProvider(osrm_server)
    pairs = pairs_within(lat, lon, 16.0, provider)
    found = {
        (int(o), int(d)): float(m)
        for o, d, m in zip(pairs.origins, pairs.destinations, pairs.minutes, strict=True)
    }
    forward = float(CrowFlyProvider().minutes_for_km(haversine_km(45.0, 3.0, 45.0, 3.15)))
    assert forward < 16.0 < forward * 1.1
    assert (1, 0) in found and found[(1, 0)] == pytest.approx(forward, rel=1e-5)
    assert (0, 1) not in found  # the eastward trip is 10 % slower: beyond 16 minutes
    assert (2, 0) in found and (2, 2) in found
    assert (0, 2) not in found and (1, 2) not in found  # null durations: unreachable


def test_osrm_errors_are_travel_errors(osrm_server: str) -> None:
    _OsrmHandler.answer_error = True
    provider = OsrmTableProvider(osrm_server)
    with pytest.raises(TravelError, match="refusé"):
        provider.matrix_minutes(np.array([45.0]), np.array([3.0]), np.array([45.1]), np.array([3.0]))
    down = OsrmTableProvider("http://127.0.0.1:9", timeout_s=2)
    with pytest.raises(TravelError, match="injoignable"):
        down.matrix_minutes(np.array([45.0]), np.array([3.0]), np.array([45.1]), np.array([3.0]))


def test_provider_follows_the_settings(settings) -> None:  # type: ignore[no-untyped-def]
    from solidarite.territoire.providers import provider_from_settings

    assert isinstance(provider_from_settings(), CrowFlyProvider)
    settings.SOLIDARITE_TRAVEL_PROVIDER, settings.SOLIDARITE_OSRM_URL = "osrm", "http://127.0.0.1:5999/"
    chosen = provider_from_settings()
    assert isinstance(chosen, OsrmTableProvider) and chosen.base_url == "http://127.0.0.1:5999"


def test_provider_with_fallback_asks_the_chosen_one_and_falls_back_when_it_cannot_answer(
    settings,  # type: ignore[no-untyped-def]
    osrm_server: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from solidarite.territoire.providers import provider_with_fallback

    lat, lon = np.array([45.0, 45.0]), np.array([3.0, 3.15])
    crow = CrowFlyProvider().matrix_minutes(lat, lon, lat, lon)
    assert isinstance(provider_with_fallback(), CrowFlyProvider)
    settings.SOLIDARITE_TRAVEL_PROVIDER, settings.SOLIDARITE_OSRM_URL = "osrm", osrm_server
    road = provider_with_fallback().matrix_minutes(lat, lon, lat, lon)
    assert _OsrmHandler.requests and road[0, 1] == pytest.approx(crow[0, 1] * 1.1, rel=1e-6)
    settings.SOLIDARITE_OSRM_URL = "http://127.0.0.1:9"
    with caplog.at_level("WARNING", logger="solidarite.territoire.providers"):
        estimate = provider_with_fallback().matrix_minutes(lat, lon, lat, lon)
    np.testing.assert_allclose(estimate, crow)
    assert "injoignable" in caplog.text


@pytest.mark.django_db
def test_the_patients_search_times_the_lieux_with_the_provider_of_the_settings(
    settings,  # type: ignore[no-untyped-def]
    osrm_server: str,
) -> None:
    import datetime as dt

    from django.utils import timezone

    from solidarite.planning.models import Mission
    from solidarite.rdv import services
    from tests.factories import lieu, medecin

    site = lieu()
    day = timezone.localdate() + dt.timedelta(days=3)
    Mission.objects.create(
        medecin=medecin(site.commune), lieu=site, date=day, statut=Mission.Statut.CONFIRMEE
    )
    west = (site.latitude, site.longitude - 0.1)  # the lieu lies east: the fake road is 10 % slower
    crow = float(CrowFlyProvider().minutes_for_km(haversine_km(*west, site.latitude, site.longitude)))
    settings.SOLIDARITE_TRAVEL_PROVIDER, settings.SOLIDARITE_OSRM_URL = "osrm", osrm_server
    services.forget_lieux()
    try:
        (found,) = services.lieux_proches(*west)
        assert _OsrmHandler.requests and found.minutes == pytest.approx(crow * 1.1, abs=0.05)
        settings.SOLIDARITE_OSRM_URL = "http://127.0.0.1:9"  # the server is down: the crow-fly estimate
        services.forget_lieux()
        (found,) = services.lieux_proches(*west)
        assert found.minutes == pytest.approx(crow, abs=0.05)
    finally:
        services.forget_lieux()
