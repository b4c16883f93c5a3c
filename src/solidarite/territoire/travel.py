"""Travel times between places, and the sparse matrix of commune pairs within a cut-off time.

Pure and typed: no Django, no file access, no network. Points are given as latitude/longitude arrays
(WGS84, degrees); times are in minutes. Providers share one interface, `TravelProvider`:

- `CrowFlyProvider`, the offline default: great-circle distance × a road detour factor, driven at
  an average speed. Its constants are explained on the class.
- `OsrmTableProvider` (in `osrm.py`, the HTTP client): an OSRM server's `table` service (real road
  times), chosen by a setting. `providers.py` gives every consumer the provider the settings choose.

`pairs_within` finds every ordered pair of points whose travel time is at most a cut-off, using a
k-d tree on the unit sphere to avoid the n² comparisons, and returns them as coordinate arrays that
convert to a `scipy.sparse` matrix. The APL engine (zonage) builds on it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:  # scipy is imported where it is used: 0.2 s of every process's start otherwise (rdv.search
    # imports this module), for the many that never measure a distance (a command, a web worker booking)
    from scipy import sparse
    from scipy.spatial import cKDTree

EARTH_RADIUS_KM = 6371.0  # mean Earth radius (IUGG), the one used for haversine distances platform-wide

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


class TravelError(Exception):
    """A travel-time provider could not answer (server down, malformed answer)."""


def haversine_km(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> FloatArray:
    """Great-circle distance in km between points given in degrees; broadcasts like numpy, in float64.

    sin²(Δφ/2) + cos φ₁ cos φ₂ sin²(Δλ/2), computed in place: three arrays of the result's size instead of
    a dozen (planning's homes × lieux are millions of distances, and touching fresh memory is most of their
    cost), with the same operations in the same order, so the same distances to the last bit."""
    lat1, lon1, lat2, lon2 = (np.asarray(x, dtype=np.float64) for x in (lat1, lon1, lat2, lon2))
    shape = np.broadcast_shapes(lat1.shape, lon1.shape, lat2.shape, lon2.shape)
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    a = _own(np.subtract(phi2, phi1), shape)
    np.divide(a, 2, out=a)
    np.sin(a, out=a)
    np.square(a, out=a)
    dlmb = _own(np.subtract(lon2, lon1), shape)
    np.radians(dlmb, out=dlmb)
    np.divide(dlmb, 2, out=dlmb)
    np.sin(dlmb, out=dlmb)
    np.square(dlmb, out=dlmb)
    np.multiply(np.multiply(np.cos(phi1), np.cos(phi2)), dlmb, out=dlmb)
    np.add(a, dlmb, out=a)
    np.clip(a, 0.0, 1.0, out=a)
    np.sqrt(a, out=a)
    np.arcsin(a, out=a)
    np.multiply(a, 2 * EARTH_RADIUS_KM, out=a)
    return a


def _own(values: Any, shape: tuple[int, ...]) -> FloatArray:
    """`values` (a fresh result) as an array of `shape` that may be written: itself when it has that shape."""
    array = np.asarray(values, dtype=np.float64)
    return array if array.shape == shape and array.ndim else np.array(np.broadcast_to(array, shape))


def _tree(points: FloatArray) -> cKDTree:
    from scipy.spatial import cKDTree

    return cKDTree(points)


def _unit_xyz(lat: FloatArray, lon: FloatArray) -> FloatArray:
    phi, lmb = np.radians(lat), np.radians(lon)
    cos_phi = np.cos(phi)
    return np.column_stack((cos_phi * np.cos(lmb), cos_phi * np.sin(lmb), np.sin(phi)))


class TravelProvider(Protocol):
    @property
    def name(self) -> str:
        """The provider's name, as in the SOLIDARITE_TRAVEL_PROVIDER setting."""
        ...

    @property
    def symmetric(self) -> bool:
        """True when the time from a to b always equals the time from b to a."""
        ...

    @property
    def max_speed_kmh(self) -> float:
        """An upper bound of great-circle km covered per hour: pairs farther than
        cut-off × this speed are never reachable, so the k-d tree can skip them."""
        ...

    def pair_minutes(
        self, lat: FloatArray, lon: FloatArray, origins: IntArray, destinations: IntArray
    ) -> FloatArray:
        """Minutes from point origins[k] to point destinations[k], for every k (inf if unreachable)."""
        ...

    def matrix_minutes(
        self, lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray
    ) -> FloatArray:
        """Minutes from every point 1 (rows) to every point 2 (columns) (inf if unreachable)."""
        ...


@dataclass(frozen=True)
class CrowFlyProvider:
    """Offline estimate: minutes = great-circle km × detour_factor ÷ speed_kmh × 60.

    - `detour_factor` = 1.3: the ratio of road distance to straight-line distance. Studies of road
      networks (e.g. Ballou, Rahardja & Sakai 2002; Boscoe, Henry & Zdeb 2012) find 1.2 to 1.4 for
      trips of a few tens of km in Western Europe and North America; 1.3 is the usual middle value.
    - `speed_kmh` = 60: a door-to-door average on the departmental roads that carry most trips
      between rural communes (90 km/h limits minus villages, bends and junctions). Towns are slower
      and motorways faster; where that matters, use the OSRM provider with a real road graph.

    The resulting straight-line speed is 60 ÷ 1.3 ≈ 46 km/h: 10, 15, 20 and 45 minutes (the APL
    bands and the reach of a patient) correspond to about 7.7, 11.5, 15.4 and 34.6 km.
    """

    detour_factor: float = 1.3
    speed_kmh: float = 60.0
    name: str = "vol_oiseau"

    def __post_init__(self) -> None:
        if not (self.detour_factor >= 1.0 and self.speed_kmh > 0):
            raise ValueError("Le facteur de détour doit être ≥ 1 et la vitesse > 0.")

    @property
    def symmetric(self) -> bool:
        return True

    @property
    def max_speed_kmh(self) -> float:
        return self.speed_kmh / self.detour_factor

    def minutes_for_km(self, km: FloatArray) -> FloatArray:
        return np.asarray(km * (60.0 * self.detour_factor / self.speed_kmh), dtype=np.float64)

    def pair_minutes(
        self, lat: FloatArray, lon: FloatArray, origins: IntArray, destinations: IntArray
    ) -> FloatArray:
        km = haversine_km(lat[origins], lon[origins], lat[destinations], lon[destinations])
        return self.minutes_for_km(km)

    def matrix_minutes(
        self, lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray
    ) -> FloatArray:
        km = haversine_km(lat1[:, None], lon1[:, None], lat2[None, :], lon2[None, :])
        return self.minutes_for_km(km)


@dataclass(frozen=True)
class TravelPairs:
    """Ordered pairs (origin, destination) within the cut-off, with their time in minutes.

    Indices refer to the input arrays of `pairs_within`. Each point's pair with itself (0 min) is
    included for points with coordinates; points without coordinates have no pair at all.
    """

    n: int
    origins: NDArray[np.int32]
    destinations: NDArray[np.int32]
    minutes: NDArray[np.float32]
    max_minutes: float

    def __len__(self) -> int:
        return len(self.minutes)

    def to_csr(self) -> sparse.csr_matrix:
        """n × n matrix of minutes. Zero-minute pairs are stored explicitly: a stored entry means
        "within reach", an absent one "out of reach" (never call `eliminate_zeros` on it)."""
        from scipy import sparse

        matrix = sparse.csr_matrix((self.minutes, (self.origins, self.destinations)), shape=(self.n, self.n))
        matrix.sort_indices()
        return matrix

    @property
    def nbytes(self) -> int:
        return int(self.origins.nbytes + self.destinations.nbytes + self.minutes.nbytes)


def pairs_within(
    lat: Any,
    lon: Any,
    max_minutes: float,
    provider: TravelProvider | None = None,
) -> TravelPairs:
    """Every ordered pair of points at most `max_minutes` apart, self-pairs included.

    Points whose latitude or longitude is NaN are left out. The k-d tree works on the unit sphere
    (chord length), which is exact for great-circle distances: no pair within reach is missed.
    """
    if not (max_minutes >= 0 and math.isfinite(max_minutes)):
        raise ValueError("Le temps maximal doit être un nombre positif.")
    chosen: TravelProvider = provider if provider is not None else CrowFlyProvider()
    lat_a = np.asarray(lat, dtype=np.float64)
    lon_a = np.asarray(lon, dtype=np.float64)
    if lat_a.shape != lon_a.shape or lat_a.ndim != 1:
        raise ValueError("Latitudes et longitudes doivent être deux vecteurs de même longueur.")
    n = len(lat_a)
    valid = np.flatnonzero(np.isfinite(lat_a) & np.isfinite(lon_a))
    empty = TravelPairs(n, np.empty(0, np.int32), np.empty(0, np.int32), np.empty(0, np.float32), max_minutes)
    if len(valid) == 0:
        return empty
    xyz = _unit_xyz(lat_a[valid], lon_a[valid])
    reach_km = max_minutes / 60.0 * chosen.max_speed_kmh
    chord = 2.0 * math.sin(min(reach_km / (2.0 * EARTH_RADIUS_KM), math.pi / 2))
    tree = _tree(xyz)
    local = tree.query_pairs(chord * (1 + 1e-12), output_type="ndarray")  # i < j, local indices
    first = valid[local[:, 0]]
    second = valid[local[:, 1]]
    del local
    if chosen.symmetric:
        minutes = chosen.pair_minutes(lat_a, lon_a, first, second)
        keep = minutes <= max_minutes
        first, second, minutes = first[keep], second[keep], minutes[keep]
        origins = np.concatenate((first, second, valid))
        destinations = np.concatenate((second, first, valid))
        all_minutes = np.concatenate((minutes, minutes, np.zeros(len(valid))))
    else:
        both_o = np.concatenate((first, second))
        both_d = np.concatenate((second, first))
        minutes = chosen.pair_minutes(lat_a, lon_a, both_o, both_d)
        keep = minutes <= max_minutes
        origins = np.concatenate((both_o[keep], valid))
        destinations = np.concatenate((both_d[keep], valid))
        all_minutes = np.concatenate((minutes[keep], np.zeros(len(valid))))
    return TravelPairs(
        n,
        origins.astype(np.int32),
        destinations.astype(np.int32),
        all_minutes.astype(np.float32),
        max_minutes,
    )


def nearest_minutes(
    lat: Any,
    lon: Any,
    site_lat: Any,
    site_lon: Any,
    provider: TravelProvider | None = None,
    candidates: int = 8,
) -> FloatArray:
    """Minutes from each point to its nearest site; NaN for points without coordinates.

    The k-d tree proposes the `candidates` nearest sites as the crow flies; the provider times them
    and the shortest wins. For the crow-fly provider, whose minutes grow with the great-circle distance as
    the chord does, the nearest site as the crow flies is the answer: only a point whose second nearest site
    is as near, up to rounding, has its `candidates` timed (the same minutes, with a quarter of the work).
    """
    chosen: TravelProvider = provider if provider is not None else CrowFlyProvider()
    lat_a, lon_a = np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)
    s_lat, s_lon = np.asarray(site_lat, dtype=np.float64), np.asarray(site_lon, dtype=np.float64)
    if len(s_lat) == 0:
        raise ValueError("Aucun site de destination.")
    result = np.full(len(lat_a), np.nan)
    valid = np.flatnonzero(np.isfinite(lat_a) & np.isfinite(lon_a))
    if len(valid) == 0:
        return result
    k = min(candidates, len(s_lat))
    tree = _tree(_unit_xyz(s_lat, s_lon))
    points = _unit_xyz(lat_a[valid], lon_a[valid])
    # One coordinate array holding the points then the sites, so that the provider sees plain pairs.
    all_lat = np.concatenate((lat_a[valid], s_lat))
    all_lon = np.concatenate((lon_a[valid], s_lon))

    def fastest(rows: IntArray, sites: IntArray) -> FloatArray:
        """Minutes from each point `valid[rows[i]]` to the fastest of its candidate sites `sites[i, :]`."""
        origins = np.repeat(rows, sites.shape[1])
        minutes = chosen.pair_minutes(all_lat, all_lon, origins, len(valid) + sites.ravel())
        return np.asarray(minutes.reshape(len(rows), sites.shape[1]).min(axis=1), dtype=np.float64)

    rows = np.arange(len(valid))
    if type(chosen) is CrowFlyProvider and k > 1:
        chord_2, nearest_2 = tree.query(points, k=2)
        chord, two = np.asarray(chord_2), np.asarray(nearest_2)
        # the nearest site is alone when the second is farther by more than any rounding of the distances
        alone = chord[:, 1] > chord[:, 0] * (1 + 1e-9) + 1e-12
        times = np.empty(len(valid))
        times[alone] = fastest(rows[alone], two[alone, :1])
        tied = rows[~alone]
        if len(tied):
            _, candidates_tied = tree.query(points[tied], k=k)
            times[tied] = fastest(tied, np.asarray(candidates_tied).reshape(len(tied), k))
        result[valid] = times
        return result
    _, nearest = tree.query(points, k=k)
    result[valid] = fastest(rows, np.asarray(nearest).reshape(len(valid), k))
    return result


def pairs_between(
    lat: Any,
    lon: Any,
    site_lat: Any,
    site_lon: Any,
    max_minutes: float,
    provider: TravelProvider | None = None,
) -> tuple[IntArray, IntArray, FloatArray]:
    """(point index, site index, minutes) of every point–site pair at most `max_minutes` apart.

    The k-d tree of the sites keeps the pairs within reach of the provider's fastest straight-line speed (exact for
    great-circle distances, as in `pairs_within`), and the provider times only those: a few thousand pairs instead
    of every point × every site. Points or sites without coordinates are left out."""
    if not (max_minutes >= 0 and math.isfinite(max_minutes)):
        raise ValueError("Le temps maximal doit être un nombre positif.")
    chosen: TravelProvider = provider if provider is not None else CrowFlyProvider()
    lat_a, lon_a = np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)
    s_lat, s_lon = np.asarray(site_lat, dtype=np.float64), np.asarray(site_lon, dtype=np.float64)
    points = np.flatnonzero(np.isfinite(lat_a) & np.isfinite(lon_a))
    sites = np.flatnonzero(np.isfinite(s_lat) & np.isfinite(s_lon))
    empty = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64))
    if len(points) == 0 or len(sites) == 0:
        return empty
    reach_km = max_minutes / 60.0 * chosen.max_speed_kmh
    chord = 2.0 * math.sin(min(reach_km / (2.0 * EARTH_RADIUS_KM), math.pi / 2))
    near = _tree(_unit_xyz(lat_a[points], lon_a[points])).sparse_distance_matrix(
        _tree(_unit_xyz(s_lat[sites], s_lon[sites])), chord * (1 + 1e-12), output_type="ndarray"
    )
    if len(near) == 0:
        return empty
    point_idx, site_idx = points[near["i"]], sites[near["j"]]
    # One coordinate array holding the points then the sites, so that the provider sees plain pairs.
    all_lat, all_lon = np.concatenate((lat_a, s_lat)), np.concatenate((lon_a, s_lon))
    minutes = chosen.pair_minutes(all_lat, all_lon, point_idx, len(lat_a) + site_idx)
    keep = minutes <= max_minutes
    return point_idx[keep], site_idx[keep], np.asarray(minutes[keep], dtype=np.float64)
