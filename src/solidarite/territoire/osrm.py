"""Road times from an OSRM server's `table` service: the HTTP client of the travel-time providers.

Typed and without Django; the pure geometry stays in `travel.py`, whose `TravelProvider` interface this
provider implements. Chosen by the setting `SOLIDARITE_TRAVEL_PROVIDER=osrm` (see `providers.py`).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable

import numpy as np

from solidarite.territoire.travel import FloatArray, IntArray, TravelError

Fetch = Callable[[str, float], bytes]


def _http_get(url: str, timeout_s: float) -> bytes:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            body: bytes = response.read()
            return body
    except urllib.error.HTTPError as exc:  # OSRM explains a refusal in a JSON body with a 4xx status
        error_body: bytes = exc.read()
        return error_body


class OsrmTableProvider:
    """Road times from an OSRM server's `table` service (`/table/v1/{profile}/{lon,lat;...}`).

    Requests are batched so that sources + destinations never exceed `max_table_size` (OSRM's
    `--max-table-size`, 100 by default). Unreachable pairs (null durations) are `inf`.
    `max_speed_kmh` bounds the straight-line speed on roads (130 km/h motorway limit), so that the
    k-d tree prefilter never drops a reachable pair.
    """

    name = "osrm"

    def __init__(
        self,
        base_url: str,
        *,
        profile: str = "driving",
        timeout_s: float = 30.0,
        max_table_size: int = 100,
        max_speed_kmh: float = 130.0,
        fetch: Fetch = _http_get,
    ) -> None:
        if max_table_size < 2:
            raise ValueError("max_table_size doit être au moins 2.")
        self.base_url = base_url.rstrip("/")
        self.profile = profile
        self.timeout_s = timeout_s
        self.max_table_size = max_table_size
        self._max_speed_kmh = max_speed_kmh
        self._fetch = fetch
        self.requests_made = 0

    @property
    def symmetric(self) -> bool:
        return False  # one-way streets: a→b and b→a are asked separately

    @property
    def max_speed_kmh(self) -> float:
        return self._max_speed_kmh

    def _table(self, points: list[tuple[float, float]], n_sources: int) -> list[list[float | None]]:
        coords = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in points)
        query = urllib.parse.urlencode(
            {
                "sources": ";".join(str(i) for i in range(n_sources)),
                "destinations": ";".join(str(i) for i in range(n_sources, len(points))),
                "annotations": "duration",
            }
        )
        url = f"{self.base_url}/table/v1/{urllib.parse.quote(self.profile)}/{coords}?{query}"
        self.requests_made += 1
        try:
            payload = json.loads(self._fetch(url, self.timeout_s))
        except (urllib.error.URLError, OSError) as exc:
            raise TravelError(f"Serveur OSRM injoignable ({self.base_url}) : {exc}") from exc
        except json.JSONDecodeError as exc:
            raise TravelError(f"Réponse OSRM illisible : {exc}") from exc
        if not isinstance(payload, dict) or payload.get("code") != "Ok" or "durations" not in payload:
            message = payload.get("message", "") if isinstance(payload, dict) else ""
            code = payload.get("code") if isinstance(payload, dict) else None
            raise TravelError(f"Le serveur OSRM a refusé la requête : {code} {message}".strip())
        durations = payload["durations"]
        if len(durations) != n_sources or any(len(row) != len(points) - n_sources for row in durations):
            raise TravelError("Réponse OSRM de dimensions inattendues.")
        return [list(row) for row in durations]

    def matrix_minutes(
        self, lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray
    ) -> FloatArray:
        n, m = len(lat1), len(lat2)
        result = np.full((n, m), np.inf)
        size = self.max_table_size
        # All destinations fit beside some sources: one column of requests. Otherwise split evenly
        # (one origin and many destinations gives 1 + 99 per request with the default size).
        src_step = max(1, min(n, size - m) if m < size else min(n, size // 2))
        dst_step = size - src_step
        for s0 in range(0, n, src_step):
            sources = [(float(lat1[i]), float(lon1[i])) for i in range(s0, min(n, s0 + src_step))]
            for d0 in range(0, m, dst_step):
                dests = [(float(lat2[j]), float(lon2[j])) for j in range(d0, min(m, d0 + dst_step))]
                rows = self._table(sources + dests, len(sources))
                block = np.array([[np.inf if v is None else float(v) / 60.0 for v in row] for row in rows])
                result[s0 : s0 + len(sources), d0 : d0 + len(dests)] = block
        return result

    def pair_minutes(
        self, lat: FloatArray, lon: FloatArray, origins: IntArray, destinations: IntArray
    ) -> FloatArray:
        """Groups the pairs by origin, and asks each origin's destinations in as few tables as possible."""
        result = np.full(len(origins), np.inf)
        order = np.argsort(origins, kind="stable")
        bounds = np.flatnonzero(np.diff(origins[order])) + 1
        for group in np.split(order, bounds):
            if len(group) == 0:
                continue
            origin = int(origins[group[0]])
            targets = destinations[group]
            minutes = self.matrix_minutes(lat[[origin]], lon[[origin]], lat[targets], lon[targets])[0]
            result[group] = minutes
        return result
