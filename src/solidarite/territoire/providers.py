"""The one place where consumers get their travel-time provider (`SOLIDARITE_TRAVEL_PROVIDER`,
`SOLIDARITE_OSRM_URL`): the zonage, the planning, its demonstration data and the patients' search."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from solidarite.territoire.osrm import OsrmTableProvider
from solidarite.territoire.travel import CrowFlyProvider, FloatArray, IntArray, TravelError, TravelProvider

logger = logging.getLogger(__name__)


def provider_from_settings() -> TravelProvider:
    """The provider the settings choose; its errors (`TravelError`) reach the caller."""
    if settings.SOLIDARITE_TRAVEL_PROVIDER == "osrm":
        return OsrmTableProvider(settings.SOLIDARITE_OSRM_URL)
    return CrowFlyProvider()


def provider_with_fallback() -> TravelProvider:
    """The provider the settings choose, where an answer matters more than its precision (a patient's search,
    the demonstration's coverage report): when it cannot answer, the crow-fly estimate does (logged)."""
    chosen = provider_from_settings()
    return chosen if isinstance(chosen, CrowFlyProvider) else CrowFlyFallback(chosen)


def straight_line_kmh() -> float:
    """Great-circle km per hour of the crow-fly estimate: the planning's conversion of a volunteer's travel
    limit in minutes to the straight-line km its optimiser works in, whatever provider times the zonage."""
    return CrowFlyProvider().max_speed_kmh


@dataclass(frozen=True)
class CrowFlyFallback:
    """A provider that falls back on the crow-fly estimate when the chosen one raises `TravelError`."""

    chosen: TravelProvider
    fallback: CrowFlyProvider = field(default_factory=CrowFlyProvider)

    @property
    def name(self) -> str:
        return self.chosen.name

    @property
    def symmetric(self) -> bool:
        return self.chosen.symmetric and self.fallback.symmetric

    @property
    def max_speed_kmh(self) -> float:
        return max(self.chosen.max_speed_kmh, self.fallback.max_speed_kmh)

    def _answer(self, method: str, *arrays: Any) -> FloatArray:
        try:
            minutes: FloatArray = getattr(self.chosen, method)(*arrays)
        except TravelError as exc:
            logger.warning("Temps de trajet à vol d'oiseau : %s", exc)
            minutes = getattr(self.fallback, method)(*arrays)
        return minutes

    def pair_minutes(
        self, lat: FloatArray, lon: FloatArray, origins: IntArray, destinations: IntArray
    ) -> FloatArray:
        return self._answer("pair_minutes", lat, lon, origins, destinations)

    def matrix_minutes(
        self, lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray
    ) -> FloatArray:
        return self._answer("matrix_minutes", lat1, lon1, lat2, lon2)
