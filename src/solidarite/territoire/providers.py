"""The travel-time provider chosen in the settings, and the commune-pair matrix from the database."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.conf import settings

from solidarite.territoire.models import Commune
from solidarite.territoire.travel import (
    CrowFlyProvider,
    OsrmTableProvider,
    TravelPairs,
    TravelProvider,
    pairs_within,
)


def provider_from_settings() -> TravelProvider:
    if settings.SOLIDARITE_TRAVEL_PROVIDER == "osrm":
        return OsrmTableProvider(settings.SOLIDARITE_OSRM_URL)
    return CrowFlyProvider()


@dataclass(frozen=True)
class CommunePairs:
    """`pairs` indexes `codes`: pair k goes from commune codes[origins[k]] to codes[destinations[k]]."""

    codes: list[str]
    pairs: TravelPairs


def commune_pairs(max_minutes: float, provider: TravelProvider | None = None) -> CommunePairs:
    rows = list(Commune.objects.order_by("code_insee").values_list("code_insee", "latitude", "longitude"))
    codes = [code for code, _, _ in rows]
    lat = np.array([np.nan if la is None else la for _, la, _ in rows], dtype=np.float64)
    lon = np.array([np.nan if lo is None else lo for _, _, lo in rows], dtype=np.float64)
    return CommunePairs(codes, pairs_within(lat, lon, max_minutes, provider or provider_from_settings()))
